#include "twinstar/gemini_site.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "twinstar/error.hpp"
#include "twinstar/feed_cache.hpp"
#include "twinstar/mime.hpp"
#include "twinstar/reference.hpp"
#include "twinstar/url.hpp"

namespace twinstar {
namespace {

using cache_clock = answer_cache<gemini_answer>::clock;

// Redirects go out as absolute URLs (resolved against the request): some
// clients (Bombadillo) ask before following a relative one.
gemini_response absolute_redirect(std::string_view request, const route_redirect& red) {
  return gemini_response{.code = red.code, .meta = resolve_reference(request, red.target)};
}

}  // namespace

open_file& open_file::operator=(open_file&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
  }
  return *this;
}

open_file::~open_file() {
  if (fd_ >= 0) ::close(fd_);
}

result<open_file, std::string> open_file::open(const std::filesystem::path& path) {
  open_file f;
  f.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (f.fd_ < 0 || ::fstat(f.fd_, &st) != 0) return fail(std::string(std::strerror(errno)));
  f.size_ = static_cast<std::uint64_t>(st.st_size);
  return f;
}

gemini_response gemini_failure(const error& e) {
  auto r = to_gemini(e);
  gemini_response out{.code = r.code, .meta = std::move(r.meta)};
  if (e.code == errc::internal || e.code == errc::unreadable)
    out.problem = std::string(describe(e.code)) + (e.detail.empty() ? "" : ": " + e.detail);
  return out;
}

gemini_decision gemini_site::decide(const gemini_request& request) const {
  auto parsed = parse_url(request.line);
  if (!parsed) return {.next = gemini_failure(parsed.error())};
  gemini_decision out{
      .host = parsed->host,
      .path = parsed->query ? parsed->path + '?' + *parsed->query : parsed->path};  // the log shows both
  out.next = decide_parsed(request, *parsed);
  return out;
}

std::variant<gemini_response, gemini_lookup> gemini_site::decide_parsed(const gemini_request& request,
                                                                        const url& parsed) const {
  if (limiter) {
    auto verdict = limiter->admit(request.client_ip, request.now);
    if (!verdict.allowed) {
      auto refused = gemini_failure({errc::slow_down, std::to_string(verdict.retry_after.count())});
      refused.limited = verdict;
      return refused;
    }
  }
  route r = routes.resolve_gemini(parsed, request.local_port, request.local_ip);
  if (auto* e = std::get_if<error>(&r)) return gemini_failure(*e);
  if (auto* red = std::get_if<route_redirect>(&r)) return absolute_redirect(request.line, *red);
  auto& where = std::get<route_path>(r);
  if (auto refused = check_client_certificate(*where.host, where.url_path, request.cert))
    return gemini_failure(*refused);
  if (auto dynamic = cgi::match(*where.host, where.url_path))
    return gemini_response{.code = gemini::status::success,
                           .dynamic = gemini_dynamic{.route = *dynamic,
                                                     .host = where.host,
                                                     .url_path = where.url_path,
                                                     .query = parsed.query.value_or("")}};
  // Served from memory while nothing it was built from has changed.
  std::string key = answer_key(where.host->name, request.local_port, where.url_path);
  auto cached = answers.find(key, request.now);
  return gemini_lookup{.where = std::move(where), .key = std::move(key), .cached = std::move(cached)};
}

gemini_built gemini_site::build(const gemini_request& request, const gemini_lookup& miss) const {
  const route_path& where = miss.where;
  const auto now = cache_clock::now();
  resolution res = feed::resolve(where, cert_dir, feeds,
                                 feed::gemini_base_url(where.host->name, request.local_port), listings);
  if (auto* e = std::get_if<error>(&res)) return gemini_failure(*e);
  if (auto* red = std::get_if<route_redirect>(&res)) return absolute_redirect(request.line, *red);
  gemini_answer made;
  std::vector<std::filesystem::path> watched;
  std::size_t bytes = 0;
  if (auto* gen = std::get_if<serve_generated>(&res)) {
    made.meta = gemini_meta_for(gen->mime, where.host->lang);
    made.body = gen->shared ? gen->shared : std::make_shared<const std::string>(std::move(gen->body));
    bytes = gen->shared ? 0 : made.body->size();  // a shared body is counted where it lives
    made.resolved = gen->directory;
    watched.push_back(gen->directory);
    watched.insert(watched.end(), gen->sources.begin(), gen->sources.end());
  } else {
    const auto& file = std::get<serve_file>(res);
    made.meta = gemini_meta_for(file.mime, where.host->lang);
    made.resolved = file.file;
    watched.push_back(file.file);
    if (file.size <= cached_file_bytes) {
      // Stamped before it is read: a change while reading shows next time.
      auto pending = answers.watch(std::move(watched), now);
      auto body = read_file_prefix(file.file, file.size);
      if (!body) return gemini_failure({errc::unreadable, "cannot read " + file.file.string()});
      made.body = std::make_shared<const std::string>(std::move(*body));
      auto answer = std::make_shared<const gemini_answer>(std::move(made));
      answers.store(miss.key, answer, std::move(pending), answer->body->size(), cache_clock::now());
      return answer;
    }
    made.file = file.file.string();
    made.file_size = file.size;
  }
  auto answer = std::make_shared<const gemini_answer>(std::move(made));
  answers.store(miss.key, answer, answers.watch(std::move(watched), now), bytes, cache_clock::now());
  return answer;
}

gemini_response gemini_site::finish(const gemini_request& request, const route_path& where,
                                    const gemini_answer& answer) const {
  // The rules also hold where the path leads on disk (a symlink into a
  // protected directory).
  if (auto refused = check_client_certificate(*where.host, where.url_path, request.cert, answer.resolved))
    return gemini_failure(*refused);
  if (answer.body)
    return gemini_response{.code = gemini::status::success, .meta = answer.meta, .body = answer.body};
  auto file = open_file::open(answer.file);
  if (!file) return gemini_failure({errc::unreadable, "cannot open " + answer.file + ": " + file.error()});
  return gemini_response{.code = gemini::status::success,
                         .meta = answer.meta,
                         .file = std::make_shared<const open_file>(std::move(*file))};
}

gemini_response gemini_site::answer(const gemini_request& request) const {
  gemini_decision decided = decide(request);
  if (auto* now = std::get_if<gemini_response>(&decided.next)) return std::move(*now);
  auto& lookup = std::get<gemini_lookup>(decided.next);
  std::shared_ptr<const gemini_answer> found = lookup.cached;
  if (!found) {
    gemini_built made = build(request, lookup);
    if (auto* reply = std::get_if<gemini_response>(&made)) return std::move(*reply);
    found = std::get<std::shared_ptr<const gemini_answer>>(std::move(made));
  }
  return finish(request, lookup.where, *found);
}

}  // namespace twinstar
