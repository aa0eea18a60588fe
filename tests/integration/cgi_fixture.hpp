#pragma once
// A one-host server with a CGI directory (/cgi-bin/, holding an `env`
// script) and a scratch directory that scripts and the test share: what the
// CGI tests start from.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "fixture.hpp"

namespace twinstar::test {

// An executable /bin/sh script.
inline void write_script(const std::filesystem::path& file, const std::string& body) {
  write_file(file, "#!/bin/sh\n" + body);
  std::filesystem::permissions(file, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace);
}

struct cgi_site {
  std::unique_ptr<running_server> srv;
  std::filesystem::path dir;  // scratch files the scripts and the test share
};

inline cgi_site start_cgi_server(
    const std::string& tag, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000),
    const std::function<void(server_config&, const std::filesystem::path&)>& more = {}) {
  cgi_site site;
  site.srv = start_one_host_server(tag, {{"index.gmi", "# Home\n"}, {"static.gmi", "# Static\n"}},
                                   [&](server_config& c) {
                                     auto& h = c.hosts[0];
                                     site.dir = h.root.parent_path() / "scratch";
                                     std::filesystem::create_directories(site.dir);
                                     const std::filesystem::path bin = h.root / "cgi-bin";
                                     write_script(bin / "env", "printf '20 text/plain\\r\\n'\nenv\n");
                                     h.cgi.push_back({"/cgi-bin/", bin, timeout});
                                     if (more) more(c, site.dir);
                                   });
  return site;
}

}  // namespace twinstar::test
