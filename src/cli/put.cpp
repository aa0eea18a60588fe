// `twinstar put FILE titan://host/path`: upload FILE with Titan
// (gemini://transjovian.org/titan). Exit codes: 0 the server accepted it
// (2x or 3x; the 30's URL is printed), 1 another status, 2 bad arguments or
// an unreadable FILE, 3 network or TLS failure, 4 certificate changed (TOFU).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "commands.hpp"
#include "connection_flags.hpp"
#include "twinstar/url.hpp"

namespace twinstar::cli {
namespace {

struct put_flags {
  std::string file;  // "-" = standard input
  std::string url;
  std::string mime;
  std::string token;
  bool remove = false;
  connection_flags conn;
};

int run_put(const put_flags& f) {
  client::options opt;
  if (auto err = to_options(f.conn, opt); !err.empty()) {
    std::fprintf(stderr, "twinstar put: %s\n", err.c_str());
    return 2;
  }
  auto u = parse_url(f.url);
  if (!u || u->scheme != "titan" || u->query || u->path.find(';') != std::string::npos) {
    std::fprintf(stderr, "twinstar put: expected a titan://host/path URL without parameters, got %s\n",
                 f.url.c_str());
    return 2;
  }
  std::string body;
  if (!f.remove) {
    std::ifstream in;
    if (f.file != "-") {
      in.open(f.file, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "twinstar put: cannot read %s\n", f.file.c_str());
        return 2;
      }
    }
    std::istream& from = f.file == "-" ? std::cin : in;
    body.assign(std::istreambuf_iterator<char>(from), {});
    if (body.empty()) {
      std::fprintf(stderr, "twinstar put: %s is empty (an empty upload deletes: use --delete)\n",
                   f.file.c_str());
      return 2;
    }
  }
  auto r = client::upload_titan(f.url, body, f.mime, f.token, opt);
  if (!r) {
    std::fprintf(stderr, "twinstar put: %s: %s\n", f.url.c_str(), r.error().c_str());
    return 3;
  }
  if (int changed = check_pin(f.conn, u->host, u->port.value_or(1965), r->peer_fingerprint, "put"))
    return changed;
  const int cls = r->status / 10;
  if (cls == 2 || cls == 3) {
    std::printf("%s\n", cls == 3 ? r->meta.c_str() : "uploaded");
    return 0;
  }
  std::fprintf(stderr, "twinstar put: %d %s\n", r->status, r->meta.c_str());
  return 1;
}

}  // namespace

runner add_put(CLI::App& app) {
  auto f = std::make_shared<put_flags>();
  app.add_option("file", f->file, "File to upload ('-' = standard input)");
  app.add_option("url", f->url, "titan://host[:port]/path (the gemini:// URL with the titan scheme)");
  app.add_option("--mime", f->mime, "MIME type sent (default: none, which the server takes as text/gemini)");
  app.add_option("--token", f->token, "Token the server asks for, if any");
  app.add_flag("--delete", f->remove, "Delete the resource (an upload of size 0) instead of sending FILE");
  add_connection_flags(app, f->conn);
  app.footer(
      "Titan uploads need a client certificate the server allows (--cert FILE --key FILE). "
      "On success the server redirects (30) to the gemini:// URL of the result, which is printed.");
  return [f] {
    if (f->remove && f->url.empty()) std::swap(f->file, f->url);  // put --delete URL
    if (f->url.empty() || f->file.empty() != f->remove) {
      std::fprintf(stderr, "twinstar put: usage: put FILE URL, or put --delete URL\n");
      return 2;
    }
    return run_put(*f);
  };
}

}  // namespace twinstar::cli
