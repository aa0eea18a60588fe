// The Gopher face as Gopher readers (curl, lynx) use it: 'h' items whose
// client asks the server, local links in text pages, [[host.redirect]] rules,
// caps.txt. And Gemini redirects as absolute URLs.
#include <doctest/doctest.h>

#include "fixture.hpp"
#include "process.hpp"

using namespace twinstar;

namespace {

std::unique_ptr<test::running_server> start_face_server() {
  return test::start_one_host_server(
      "gopher-face",
      {{"index.gmi", "# Home\n\n=> https://example.org/a?b=1&c=2 The web\n=> news/ News\n"},
       {"news/index.gmi", "# News\n\n=> today.gmi Today\n"},
       {"news/today.gmi",
        "# Today\n\n=> ../index.gmi Home\n=> /news/ All news\n=> gemini://elsewhere.example/x Away\n"},
       {"caps-free/x.txt", "x\n"}},
      [](server_config& c) {
        c.hosts[0].redirects = {{"/blog/", "/news/", true, true},
                                {"/old.gmi", "/news/today.gmi", false, true},
                                {"/away/", "https://example.org/", true, true},
                                {"/loop/", "/loop/", true, false}};
      });
}

}  // namespace

TEST_CASE("gopher face: an h item's URL: selector answers an HTML page that sends a browser on") {
  auto srv = start_face_server();
  const auto page = srv->gopher("URL:https://example.org/a?b=1&c=2\r\n");
  CHECK(page.find("<meta http-equiv=\"refresh\" content=\"2;url=https://example.org/a?b=1&amp;c=2\">") !=
        std::string::npos);
  CHECK(page.find("<a href=\"https://example.org/a?b=1&amp;c=2\">") != std::string::npos);
  CHECK(page.find("\r\n.\r\n") == std::string::npos);  // an HTML document, not a menu
  // The menu's item is what a client sends back.
  CHECK(srv->gopher("/\r\n").find("hThe web\tURL:https://example.org/a?b=1&c=2\t") != std::string::npos);
  if (test::tools_present({"lynx"})) {
    const auto dumped = test::run_command("lynx -dump -connect_timeout=10 'gopher://127.0.0.1:" +
                                          std::to_string(srv->gopher_port) + "/hURL:https://example.org/a'");
    CHECK(dumped.find("You are following a link from Gopher") != std::string::npos);
    CHECK(dumped.find("https://example.org/a") != std::string::npos);
  }
  if (test::tools_present({"curl"})) {
    const auto raw =
        test::run_command("curl -s --max-time 10 'gopher://127.0.0.1:" + std::to_string(srv->gopher_port) +
                          "/hURL:https://example.org/a'");
    CHECK(raw.starts_with("<!DOCTYPE html>"));
  }
}

TEST_CASE("gopher face: links to the capsule in a text page are gopher:// URLs / others keep theirs") {
  auto srv = start_face_server();
  const std::string me = "gopher://localhost:" + std::to_string(srv->gopher_port);
  const auto text = srv->gopher("/news/today.gmi\r\n");
  CAPTURE(text);
  CHECK(text.find("[1] " + me + "/0/index.gmi") ==
        std::string::npos);  // an index page is its directory's menu
  CHECK(text.find("[1] " + me + "/1/") != std::string::npos);
  CHECK(text.find("[2] " + me + "/1/news/") != std::string::npos);
  CHECK(text.find("[3] gemini://elsewhere.example/x") != std::string::npos);
  if (test::tools_present({"curl"})) {
    const auto fetched = test::run_command(
        "curl -s --max-time 10 gopher://127.0.0.1:" + std::to_string(srv->gopher_port) + "/0/news/today.gmi");
    CHECK(fetched.find(me + "/1/news/") != std::string::npos);
  }
}

TEST_CASE("gopher face: [[host.redirect]] rules hold over Gopher") {
  auto srv = start_face_server();
  // Inside the capsule: followed (Gopher has no redirect answer).
  CHECK(srv->gopher("/blog/\r\n").find("iNews") != std::string::npos);
  CHECK(srv->gopher("/old.gmi\r\n").starts_with("Today\r\n====="));
  // Elsewhere: a one-item menu with the new place.
  const auto away = srv->gopher("/away/x\r\n");
  CHECK(away.find("hhttps://example.org/x\tURL:https://example.org/x\t") != std::string::npos);
  // A rule that points at itself ends, as an error item.
  CHECK(srv->gopher("/loop/\r\n").starts_with("3"));
  if (test::tools_present({"curl"})) {
    const auto menu = test::run_command(
        "curl -s --max-time 10 gopher://127.0.0.1:" + std::to_string(srv->gopher_port) + "/1/blog/");
    CHECK(menu.find("0Today\t/news/today.gmi\t") != std::string::npos);
  }
}

TEST_CASE("gopher face: caps.txt is generated unless the capsule has one") {
  auto srv = start_face_server();
  const auto caps = srv->gopher("/caps.txt\r\n");
  CHECK(caps.starts_with("CAPS\n"));
  CHECK(caps.find("PathDelimeter=/") != std::string::npos);
  CHECK(caps.find("ServerSoftware=twinstar") != std::string::npos);
  test::write_file(srv->dir / "root" / "caps.txt", "CAPS\nServerSoftware=mine\n");
  CHECK(srv->gopher("/caps.txt\r\n").find("ServerSoftware=mine") != std::string::npos);
}

TEST_CASE("gemini: redirects are absolute URLs") {
  auto srv = start_face_server();
  auto dir = srv->get(srv->base() + "/news\r\n");
  CHECK(dir.status == 31);
  CHECK(dir.meta == srv->base() + "/news/");
  auto rule = srv->get(srv->base() + "/blog/x.gmi\r\n");
  CHECK(rule.status == 31);
  CHECK(rule.meta == srv->base() + "/news/x.gmi");
  auto away = srv->get(srv->base() + "/away/\r\n");
  CHECK(away.meta == "https://example.org/");
}
