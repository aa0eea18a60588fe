// One HTTP(S) GET with libcurl: conditional headers, bounded size and time,
// redirects kept to http/https, cancellable.
#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "twinstar/ascii.hpp"
#include "twinstar/import/mirror.hpp"

namespace twinstar::news {
namespace {

constexpr const char* user_agent = "twinstar/0.1 (gemini news mirror)";
constexpr const char* accept_header =
    "Accept: application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5";

void initialise_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct transfer {
  fetch_response response;
  bool too_large = false;
  const std::atomic<bool>* cancel = nullptr;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<transfer*>(user);
  const std::size_t bytes = size * count;
  if (t.response.body.size() + bytes > max_feed_bytes) {
    t.too_large = true;
    return 0;  // aborts the transfer
  }
  t.response.body.append(data, bytes);
  return bytes;
}

bool header_is(std::string_view line, std::string_view name) {
  return line.size() > name.size() && line[name.size()] == ':' && starts_with_nocase(line, name);
}

std::string header_value(std::string_view line, std::size_t name_size) {
  std::string_view value = line.substr(name_size + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  return std::string(value);
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<transfer*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {  // a new response (after a redirect or 100)
    t.response.etag.clear();
    t.response.last_modified.clear();
  } else if (header_is(line, "etag")) {
    t.response.etag = header_value(line, 4);
  } else if (header_is(line, "last-modified")) {
    t.response.last_modified = header_value(line, 13);
  }
  return size * count;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto& t = *static_cast<transfer*>(user);
  return t.cancel != nullptr && t.cancel->load() ? 1 : 0;
}

struct curl_deleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

result<fetch_response, std::string> fetch(const fetch_request& request) {
  initialise_curl();
  std::unique_ptr<CURL, curl_deleter> curl(curl_easy_init());
  if (!curl) return fail(std::string("cannot initialise libcurl"));
  std::unique_ptr<curl_slist, curl_deleter> headers(curl_slist_append(nullptr, accept_header));
  auto add_header = [&](const std::string& line) {
    if (curl_slist* list = curl_slist_append(headers.get(), line.c_str())) {
      (void)headers.release();
      headers.reset(list);
    }
  };
  // Validators come from our own state file; CR/LF would inject headers.
  const auto clean = [](std::string_view v) { return v.find_first_of("\r\n") == std::string_view::npos; };
  if (!request.etag.empty() && clean(request.etag)) add_header("If-None-Match: " + request.etag);
  if (!request.last_modified.empty() && clean(request.last_modified)) {
    add_header("If-Modified-Since: " + request.last_modified);
  }

  transfer t;
  t.cancel = request.cancel;
  char error_text[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, max_redirects);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_USERAGENT, user_agent);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // whatever libcurl can decode
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);

  const CURLcode code = curl_easy_perform(c);
  if (t.too_large)
    return fail("the feed is larger than " + std::to_string(max_feed_bytes / (1024 * 1024)) + " MiB");
  if (code == CURLE_ABORTED_BY_CALLBACK) return fail(std::string("cancelled"));
  if (code != CURLE_OK) return fail(std::string(error_text[0] ? error_text : curl_easy_strerror(code)));
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t.response.status);
  char* effective = nullptr;
  curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective);
  t.response.url = effective ? effective : request.url;
  return std::move(t.response);
}

}  // namespace twinstar::news
