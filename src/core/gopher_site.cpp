#include "twinstar/gopher_site.hpp"

#include <iterator>
#include <variant>

#include "twinstar/capsule.hpp"
#include "twinstar/cgi.hpp"
#include "twinstar/feed_cache.hpp"
#include "twinstar/listing.hpp"
#include "twinstar/mime.hpp"
#include "twinstar/reference.hpp"
#include "twinstar/url.hpp"

namespace twinstar {
namespace {

// Menus and pages are small; a bound keeps a huge index.gmi from being slurped.
constexpr std::uintmax_t max_rendered_bytes = 4u << 20;

std::string read_small(const std::filesystem::path& p) {
  return read_file_prefix(p, max_rendered_bytes).value_or("");
}

bool ends_with_gmi(const std::filesystem::path& p) {
  auto ext = p.extension().string();
  return ext == ".gmi" || ext == ".gemini";
}

// Where a resolution leads on disk (empty for redirects and errors).
std::filesystem::path resolved_location(const resolution& res) {
  if (auto* f = std::get_if<serve_file>(&res)) return f->file;
  if (auto* gen = std::get_if<serve_generated>(&res)) return gen->directory;
  return {};
}

// How many [[host.redirect]] rules a Gopher request follows in a row.
constexpr int max_redirect_hops = 5;

// The selector a redirect target names inside this capsule ("/new/",
// "../x.gmi", "gemini://this-host/x" is not taken: another port or host may
// be meant), or nullopt for a target elsewhere.
std::optional<std::string> local_target(std::string_view target, std::string_view from) {
  const auto parts = split_reference(target);
  if (parts.scheme || parts.authority || parts.query) return std::nullopt;
  return resolve_path(from, target);
}

// caps.txt (gophernicus' format): how this server's selectors are shaped.
std::string caps_txt() {
  return "CAPS\n\nCapsVersion=1\nExpireCapsAfter=3600\n\n"
         "PathDelimeter=/\nPathIdentity=.\nPathParent=..\nPathParentDouble=FALSE\n"
         "PathEscapeCharacter=%\nPathKeepPreDelimeter=FALSE\n\n"
         "ServerSoftware=twinstar\nServerSoftwareVersion=0.1.0\n"
         "ServerDescription=One gemtext capsule over Gemini and Gopher\nServerDefaultEncoding=utf-8\n";
}

bool is_index_file(const host_config& host, const std::filesystem::path& p) {
  auto name = p.filename().string();
  for (const auto& i : host.index_files)
    if (i == name) return true;
  return false;
}

}  // namespace

std::string_view name_of(gopher_kind kind) {
  switch (kind) {
    case gopher_kind::menu:
      return "menu";
    case gopher_kind::text:
      return "text";
    case gopher_kind::file:
      return "file";
    case gopher_kind::url:
      return "url";
    case gopher_kind::error:
      return "error";
    case gopher_kind::slow_down:
      return "slow-down";
  }
  return "error";
}

const host_config* gopher_host(const server_config& config) {
  for (const auto& h : config.hosts)
    if (h.gopher) return &h;
  return nullptr;
}

gopher_answer gopher_site::answer(std::string_view request_line) const {
  auto failure = [this](const error& e, std::string_view selector) {
    return gopher_answer{.body = gopher::error_menu(gopher::gopher_error_item(e, selector), context),
                         .kind = gopher_kind::error};
  };
  auto req = gopher::parse_selector(request_line);
  if (!req) return failure(req.error(), request_line);
  const std::string& selector = req->selector;

  // An 'h' item's URL: the client asked us instead of opening it.
  if (selector.starts_with("URL:"))
    return gopher_answer{.body = gopher::url_redirect_page(std::string_view(selector).substr(4)),
                         .kind = gopher_kind::url};

  // [[host.redirect]] rules hold here too. Gopher has no redirect answer: a
  // rule that points inside the capsule is followed here (up to
  // max_redirect_hops), one that points elsewhere becomes a one-item menu.
  std::string followed = selector;
  route r = routes.resolve_redirecting(host, followed);
  for (int hop = 0; auto* red = std::get_if<route_redirect>(&r); ++hop) {
    const auto next = local_target(red->target, followed);
    if (!next) {
      const std::string link = "# Moved\n\nThis item has moved:\n=> " + red->target + "\n";
      return gopher_answer{.body = gopher::gemtext_to_menu(link, "/", context, {}),
                           .kind = gopher_kind::menu};
    }
    if (hop == max_redirect_hops) return failure({errc::not_found, "redirect loop"}, selector);
    followed = *next;
    r = routes.resolve_redirecting(host, followed);
  }
  if (auto* e = std::get_if<error>(&r)) return failure(*e, selector);
  auto* where = std::get_if<route_path>(&r);
  if (!where) return failure({errc::not_found, {}}, selector);
  // CGI/SCGI programs run for Gemini only, and their files are never served
  // (nor the directory of scripts, asked for with or without its slash).
  if (cgi::match(host, where->url_path) || cgi::match(host, where->url_path + '/'))
    return failure({errc::cgi_error, {}}, selector);

  // Gopher has no redirects: a directory asked for without its slash is
  // served as the directory.
  route_path path = *where;
  auto resolve_here = [this](const route_path& p) {
    return feeds != nullptr ? feed::resolve(p, cert_dir, *feeds, gemini_base, listings)
                            : resolve_on_disk(p, cert_dir, listings);
  };
  resolution res = resolve_here(path);
  if (std::holds_alternative<route_redirect>(res)) {
    path.path.trailing_slash = true;
    if (!path.url_path.ends_with('/')) path.url_path += '/';
    res = resolve_here(path);
  }
  if (auto* e = std::get_if<error>(&res)) {
    // caps.txt (gophernicus' format) unless the capsule has its own.
    if (e->code == errc::not_found && path.url_path == "/caps.txt")
      return gopher_answer{.body = caps_txt(), .kind = gopher_kind::text};
    return failure(*e, selector);
  }
  // Gopher has no client certificates: what Gemini guards with one is not
  // served here at all, by URL or by where a symlink leads.
  if (certificate_protected(host, path.url_path, resolved_location(res)))
    return failure({errc::certificate_required, {}}, selector);

  const bool directory = path.url_path.ends_with('/');
  const std::string page_path = percent_encode_path(path.url_path);
  // A generated listing's own entries are known without a disk lookup.
  const auto* generated = std::get_if<serve_generated>(&res);
  const listing* listed = generated != nullptr ? generated->listed.get() : nullptr;
  auto classify = [this, listed](std::string_view absolute) -> std::optional<gopher::local_link> {
    route lr = routes.resolve_path(host, absolute);
    auto* lp = std::get_if<route_path>(&lr);
    if (!lp) return std::nullopt;
    // Selectors are written percent-encoded, as the router decodes them.
    std::string own = percent_encode_path(lp->url_path);
    std::string dir_selector = own.ends_with('/') ? own : own + "/";
    // A feed directory is a menu. resolve_on_disk would first build its plain
    // listing, reading every article's heading.
    if (feeds != nullptr && own.ends_with('/') && feed::find_feed(host, lp->url_path) != nullptr)
      return gopher::local_link{'1', own, certificate_protected(host, lp->url_path)};
    // Only a link: a directory's listing is not read (probe_on_disk).
    auto known = listed != nullptr ? resolve_listed(*listed, *lp) : std::nullopt;
    resolution target = known ? std::move(*known) : probe_on_disk(*lp, cert_dir);
    if (certificate_protected(host, lp->url_path, resolved_location(target)))
      return gopher::local_link{'1', own, true};
    if (std::holds_alternative<route_redirect>(target) || std::holds_alternative<serve_generated>(target))
      return gopher::local_link{'1', dir_selector};
    if (auto* f = std::get_if<serve_file>(&target)) {
      if (lp->url_path.ends_with('/') || is_index_file(host, f->file))
        return gopher::local_link{'1', own.ends_with('/') ? own : own.substr(0, own.rfind('/') + 1)};
      return gopher::local_link{gopher::item_type_for_mime(f->mime), own};
    }
    return std::nullopt;
  };

  // What the answer is built from, for answer caches.
  std::vector<std::filesystem::path> sources;
  if (auto* f = std::get_if<serve_file>(&res)) sources.push_back(f->file);
  if (auto* gen = std::get_if<serve_generated>(&res)) {
    sources.push_back(gen->directory);
    sources.insert(sources.end(), gen->sources.begin(), gen->sources.end());
  }
  auto made = [&sources](std::string body, std::filesystem::path file, std::uint64_t size, gopher_kind kind) {
    return gopher_answer{.body = std::move(body),
                         .file = std::move(file),
                         .file_size = size,
                         .kind = kind,
                         .sources = std::move(sources)};
  };

  if (directory) {
    // An existing gophermap wins, so Gopher-native content keeps working.
    std::filesystem::path dir = host.root;
    for (const auto& s : path.path.segments) dir /= s;
    // A gophermap appearing changes the directory (a generated answer
    // already watches it).
    if (!std::holds_alternative<serve_generated>(res)) sources.push_back(dir);
    std::error_code ec;
    auto map = dir / "gophermap";
    if (std::filesystem::is_regular_file(map, ec)) {
      sources.push_back(map);
      return made(gopher::gophermap_to_menu(read_small(map), page_path, context), {}, 0, gopher_kind::menu);
    }
    if (auto* gen = std::get_if<serve_generated>(&res)) {
      // A feed of 10,000 articles must not cost 10,000 disk lookups: its
      // articles are known to be files.
      auto snap = feeds != nullptr ? feed::built_feed_for(host, path.url_path, *feeds) : nullptr;
      if (snap) {
        auto known = [&](std::string_view absolute) -> std::optional<gopher::local_link> {
          const std::string_view name = absolute.substr(absolute.rfind('/') + 1);
          if (absolute.starts_with(page_path) && absolute.size() == page_path.size() + name.size()) {
            auto decoded = percent_decode(name);
            if (decoded && snap->contains(*decoded))
              return gopher::local_link{'0', std::string(absolute),
                                        certificate_protected(host, path.url_path + *decoded)};
          }
          return classify(absolute);
        };
        // Built once per snapshot and host:port: 10,000 links take milliseconds.
        const auto key = "gopher\n" + context.host + "\n" + std::to_string(context.port);
        auto menu = snap->derived(
            key, [&] { return gopher::gemtext_to_menu(gen->text(), page_path, context, known); });
        return made(*menu, {}, 0, gopher_kind::menu);
      }
      if (gen->listed) {
        // Built once per listing and host:port, like a feed's menu.
        const auto key = "gopher\n" + context.host + "\n" + std::to_string(context.port);
        auto menu = gen->listed->derived.get(
            key, [&] { return gopher::gemtext_to_menu(gen->text(), page_path, context, classify); });
        return made(*menu, {}, 0, gopher_kind::menu);
      }
      return made(gopher::gemtext_to_menu(gen->text(), page_path, context, classify), {}, 0,
                  gopher_kind::menu);
    }
    if (auto* f = std::get_if<serve_file>(&res); f && ends_with_gmi(f->file))
      return made(gopher::gemtext_to_menu(read_small(f->file), page_path, context, classify), {}, 0,
                  gopher_kind::menu);
  }
  // A generated document that is no menu (a feed's atom.xml): sent as is.
  if (auto* gen = std::get_if<serve_generated>(&res); gen && !directory)
    return made(gen->text(), {}, 0, gopher_kind::file);
  if (auto* f = std::get_if<serve_file>(&res)) {
    if (ends_with_gmi(f->file)) {
      // Links into this capsule become gopher:// URLs a Gopher reader can
      // follow; other hosts (and paths not for Gopher) keep their URL.
      const std::string own = gemini_base + "/";
      auto to_gopher = [&](std::string_view url) -> std::optional<std::string> {
        if (!url.starts_with(own) || url.find_first_of("?#") != std::string_view::npos) return std::nullopt;
        auto link = classify(url.substr(gemini_base.size()));
        if (!link || link->hidden) return std::nullopt;
        return gopher::gopher_url(context.host, context.port, link->type, link->selector);
      };
      return made(gopher::gemtext_to_text(read_small(f->file), gemini_base + page_path, to_gopher), {}, 0,
                  gopher_kind::text);
    }
    return made({}, f->file, f->size, gopher_kind::file);
  }
  return failure({errc::not_found, {}}, selector);
}

}  // namespace twinstar
