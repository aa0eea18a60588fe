// Certificate-protected paths ([[host.path]] require_certificate): Gemini asks
// for a certificate, Gopher (which has none) refuses them and leaves them out
// of its menus, and symlinks into them are protected like the paths
// themselves. Regression tests for the hole found by adversarial probing.
#include <doctest/doctest.h>

#include <filesystem>

#include "fixture.hpp"

using namespace twinstar;

namespace {

auto start_protected_server() {
  auto srv = test::start_one_host_server(
      "protected",
      {{"index.gmi", "# Home\n\n=> members/ Members only\n=> open/ Open\n=> page.gmi A page\n"},
       {"page.gmi", "# A page\n"},
       {"members/secret.gmi", "# Secret\nsecret words\n"},
       {"open/a.txt", "open\n"},
       {"open/club/x.txt", "club secret\n"}},
      [](server_config& c) {
        auto& h = c.hosts[0];
        h.listing = true;
        h.paths.push_back({"/members/", std::nullopt, true, {}});
        h.paths.push_back({"/open/club/", std::nullopt, true, {}});
        // Symlinks elsewhere in the root that lead into protected places.
        std::filesystem::create_symlink(h.root / "members" / "secret.gmi", h.root / "open" / "door.gmi");
        std::filesystem::create_directory_symlink(h.root / "members", h.root / "side");
      });
  return srv;
}

bool is_error_menu(const std::string& body) { return body.starts_with("3"); }

}  // namespace

TEST_CASE("protected paths: Gemini asks for a certificate, also through symlinks") {
  auto srv = start_protected_server();
  struct row {
    const char* path;
    int status;
  };
  const row rows[] = {
      {"/members/secret.gmi", 60}, {"/members/", 60}, {"/open/club/x.txt", 60}, {"/open/door.gmi", 60},
      {"/side/secret.gmi", 60},    {"/side/", 60},    {"/open/a.txt", 20},      {"/page.gmi", 20},
  };
  for (int round = 0; round < 2; ++round) {  // the second round is served from the answer cache
    for (const auto& r : rows) {
      CAPTURE(round);
      CAPTURE(r.path);
      auto reply = srv->get(srv->base() + r.path + "\r\n");
      CHECK(reply.status == r.status);
      CHECK(reply.body.find("secret") == std::string::npos);
    }
  }
}

TEST_CASE("protected paths: refused over Gopher and left out of its menus") {
  auto srv = start_protected_server();
  for (const char* selector : {"/members/secret.gmi", "/members/", "/members", "/open/club/x.txt",
                               "/open/club/", "/open/door.gmi", "/side/secret.gmi", "/side/"}) {
    CAPTURE(selector);
    const auto body = srv->gopher(std::string(selector) + "\r\n");
    CHECK(is_error_menu(body));
    CHECK(body.find("needs a client certificate") != std::string::npos);
    CHECK(body.find("secret words") == std::string::npos);
    CHECK(body.find("club secret") == std::string::npos);
  }
  // The index.gmi converted to a menu: the link to /members/ is gone, the others stay.
  const auto home = srv->gopher("/\r\n");
  CHECK(home.find("Members only") == std::string::npos);
  CHECK(home.find("1Open\t/open/\t") != std::string::npos);
  CHECK(home.find("0A page\t/page.gmi\t") != std::string::npos);
  // A generated listing: the protected subdirectory and the symlink into a
  // protected file are left out.
  const auto open = srv->gopher("/open/\r\n");
  CHECK(open.find("a.txt") != std::string::npos);
  CHECK(open.find("club") == std::string::npos);
  CHECK(open.find("door") == std::string::npos);
  // Over Gemini the listing still names them (a client can present a certificate).
  auto listing = srv->get(srv->base() + "/open/\r\n");
  CHECK(listing.status == 20);
  CHECK(listing.body.find("club/") != std::string::npos);
}
