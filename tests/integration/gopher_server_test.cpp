#include <doctest/doctest.h>

#include <algorithm>
#include <asio.hpp>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "fixture.hpp"
#include "process.hpp"

using namespace twinstar;
using twinstar::test::start_test_server;

namespace {

std::vector<std::string> crlf_lines(const std::string& body) {
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < body.size()) {
    auto end = body.find("\r\n", at);
    if (end == std::string::npos) {
      lines.push_back(body.substr(at));
      break;
    }
    lines.push_back(body.substr(at, end - at));
    at = end + 2;
  }
  return lines;
}

// Every line of a menu is "<type><display>\t<selector>\t<host>\t<port>",
// CRLF-terminated, and the menu ends with ".\r\n".
void check_menu_format(const std::string& body, std::uint16_t port) {
  REQUIRE(body.size() >= 3);
  CHECK(body.ends_with("\r\n.\r\n"));
  CHECK(body.find("\r\n") != std::string::npos);
  // No bare LF anywhere.
  for (std::size_t i = 0; i < body.size(); ++i)
    if (body[i] == '\n') CHECK((i > 0 && body[i - 1] == '\r'));
  auto lines = crlf_lines(body);
  REQUIRE(lines.back() == ".");
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    const auto& l = lines[i];
    CAPTURE(l);
    CHECK(std::count(l.begin(), l.end(), '\t') == 3);
    auto last_tab = l.rfind('\t');
    auto host_tab = l.rfind('\t', last_tab - 1);
    CHECK(l.substr(host_tab + 1, last_tab - host_tab - 1) == "localhost");
    CHECK(l.substr(last_tab + 1) == std::to_string(port));
  }
}

}  // namespace

TEST_CASE("gopher: root menu is the index.gmi converted / in RFC 1436 format") {
  auto srv = start_test_server("gopher-root");
  for (const char* request : {"\r\n", "/\r\n", "\n"}) {
    CAPTURE(request);
    auto body = srv->gopher(request);
    check_menu_format(body, srv->gopher_port);
    CHECK(body.find("iTest capsule\t") != std::string::npos);
    CHECK(body.find("0A page\t/page.gmi\tlocalhost\t") != std::string::npos);
  }
}

TEST_CASE("gopher: a directory without index is the generated listing as a menu") {
  auto srv = start_test_server("gopher-dir");
  for (const char* request : {"/listed/\r\n", "/listed\r\n", "/listed/\n"}) {
    CAPTURE(request);
    auto body = srv->gopher(request);
    check_menu_format(body, srv->gopher_port);
    CHECK(body.find("1inner/\t/listed/inner/\t") != std::string::npos);
    CHECK(body.find("0Bee\t/listed/b.gmi\t") != std::string::npos);
    CHECK(body.find("0a.txt\t/listed/a.txt\t") != std::string::npos);
  }
}

TEST_CASE("gopher: a gophermap is served as the directory's menu") {
  auto srv = start_test_server("gopher-map");
  auto body = srv->gopher("/holes/\r\n");
  check_menu_format(body, srv->gopher_port);
  CHECK(body.find("iWelcome to the hole\t") != std::string::npos);
  CHECK(body.find("1Up\t/\tlocalhost\t") != std::string::npos);
  CHECK(body.find("0Page\t/holes/page.gmi\tlocalhost\t") != std::string::npos);
}

TEST_CASE("gopher: a .gmi page requested as a document is text") {
  auto srv = start_test_server("gopher-text");
  auto body = srv->gopher("/page.gmi\r\n");
  CHECK(body == "A page\r\n======\r\nText.\r\n.\r\n");
  auto dots = srv->gopher("/dots.gmi\r\n");
  CHECK(dots.find("\r\n..leading dot\r\n") != std::string::npos);  // RFC 1436 dot-stuffing
  CHECK(dots.ends_with("\r\n.\r\n"));
}

// Most requests are answered on the spot (selector already here, answer out
// in one send); these take the other road, where the connection waits.
TEST_CASE("gopher: the answer is whole however the request arrives and however slowly it is read") {
  auto srv = start_test_server("gopher-pieces");
  std::string big_page;
  for (int i = 1; i <= 40'000; ++i) big_page += "line " + std::to_string(1'000'000 + i) + "\n";
  test::write_file(srv->dir / "root" / "big.gmi", big_page);  // ~540 KB of text, answered from memory
  const std::string page = srv->gopher("/page.gmi\r\n");
  REQUIRE(page == "A page\r\n======\r\nText.\r\n.\r\n");

  asio::io_context io;
  auto connect = [&](int receive_buffer) {
    asio::ip::tcp::socket s(io);
    s.open(asio::ip::tcp::v4());
    if (receive_buffer) s.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    s.connect({asio::ip::make_address("127.0.0.1"), srv->gopher_port});
    return s;
  };
  auto read_all = [](asio::ip::tcp::socket& s) {
    std::string out;
    std::error_code ec;
    char buf[4096];
    while (!ec) out.append(buf, s.read_some(asio::buffer(buf), ec));
    CHECK(ec == asio::error::eof);  // a FIN, not a reset
    return out;
  };

  SUBCASE("in two pieces with the server holding the connection in between") {
    auto s = connect(0);
    asio::write(s, asio::buffer(std::string("/page")));
    REQUIRE(srv->settles_at(1));  // accepted, part of the line read, waiting for the rest
    asio::write(s, asio::buffer(std::string(".gmi\r\n")));
    CHECK(read_all(s) == page);
  }
  SUBCASE("with bytes after the line") {
    auto s = connect(0);
    asio::write(s, asio::buffer(std::string("/page.gmi\r\nand then some more")));
    CHECK(read_all(s) == page);
  }
  SUBCASE("by a client with a 4 KB receive window") {
    auto s = connect(4096);
    asio::write(s, asio::buffer(std::string("/big.gmi\r\n")));
    const std::string body = read_all(s);
    auto lines = crlf_lines(body);
    REQUIRE(lines.size() == 40'001);
    CHECK(lines.back() == ".");
    bool in_order = true;
    for (int i = 0; i < 40'000 && in_order; ++i)
      in_order = lines[i] == "line " + std::to_string(1'000'001 + i);
    CHECK(in_order);
    CHECK(body == srv->gopher("/big.gmi\r\n"));
  }
  CHECK(srv->settles_at(0));  // every slot comes back
}

TEST_CASE("gopher: other files are byte-exact") {
  auto srv = start_test_server("gopher-binary");
  CHECK(srv->gopher("/blob.bin\r\n") == test::binary_blob(300'000));
  CHECK(srv->gopher("/plain.txt\r\n") == "plain text\n");
}

TEST_CASE("gopher: missing and refused selectors get a type 3 error item") {
  auto srv = start_test_server("gopher-errors");
  const char* requests[] = {"/nothing\r\n",
                            "/../outside/secret.txt\r\n",
                            "/%2e%2e/outside/secret.txt\r\n",
                            "/listed/../../outside/secret.txt\r\n",
                            "/escape/secret.txt\r\n",
                            "/.hidden\r\n",
                            "/..%2foutside%2fsecret.txt\r\n",
                            "/private/\r\n"};
  for (const char* r : requests) {
    std::string request(r);
    CAPTURE(request);
    auto body = srv->gopher(request);
    CHECK(body.starts_with("3"));
    CHECK(body.ends_with("\r\n.\r\n"));
    CHECK(body.find("outside the root") == std::string::npos);
  }
  std::string nul("/a\0b\r\n", 6);
  CHECK(srv->gopher(nul).starts_with("3"));
  auto huge = srv->gopher(std::string(4096, 'a') + "\r\n");
  CHECK(huge.starts_with("3"));
  CHECK(huge.ends_with(".\r\n"));
  // The server still answers afterwards.
  CHECK(srv->gopher("/page.gmi\r\n").starts_with("A page"));
}

TEST_CASE("gopher: 20 concurrent requests are all served") {
  auto srv = start_test_server("gopher-concurrency");
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&] {
      client::options o;
      auto r = client::send_gopher("127.0.0.1", srv->gopher_port, "/page.gmi\r\n", o);
      if (r && r->body == "A page\r\n======\r\nText.\r\n.\r\n") ++ok;
    });
  for (auto& t : threads) t.join();
  CHECK(ok == 20);
}

TEST_CASE("gopher: curl and lynx read the bundled capsule's news") {
  auto s = test::start_bundled_server("gopher-real");
  const std::string base = "gopher://127.0.0.1:" + std::to_string(s->gopher_port);
  const std::string article = "/0/news/2025-09-02-putin-xi-wwii-legacy.gmi";

  if (test::tools_present({"curl"})) {
    auto menu = test::run_command("curl -s --max-time 10 " + base + "/1/news/");
    CHECK(menu.find("Putin and Xi Issue Joint Statement on WWII Legacy") != std::string::npos);
    auto text = test::run_command("curl -s --max-time 10 " + base + article);
    CHECK(text.find("Putin and Xi Issue Joint Statement on WWII Legacy\r\n=====") != std::string::npos);
    CHECK(text.find("Emphasis on Historic Responsibility") != std::string::npos);
  }
  if (test::tools_present({"lynx"})) {
    auto home = test::run_command("lynx -dump -connect_timeout=10 " + base + "/");
    CHECK(home.find("twinstar news mirror") != std::string::npos);
    CHECK(home.find("(DIR)") != std::string::npos);
    auto news = test::run_command("lynx -dump -connect_timeout=10 " + base + "/1/news/");
    CHECK(news.find("2025-09-02 Putin and Xi Issue Joint Statement on WWII Legacy") != std::string::npos);
    auto text = test::run_command("lynx -dump -connect_timeout=10 " + base + article);
    CHECK(text.find("A Heavy Toll in the Fight Against Fascism") != std::string::npos);
  }
}

TEST_CASE("gopher: each host can have its own Gopher listener") {
  auto srv = start_test_server("gopher-hosts", [](server_config& c) {
    c.hosts[1].gopher_listen = {{"127.0.0.1", 0}};  // example.test on its own port
  });
  std::uint16_t other_port = 0;
  for (const auto& ep : srv->srv->endpoints())
    if (ep.protocol == protocol::gopher && ep.host == "example.test") other_port = ep.port;
  REQUIRE(other_port != 0);
  CHECK(other_port != srv->gopher_port);
  client::options o;
  auto other = client::send_gopher("127.0.0.1", other_port, "/\r\n", o);
  REQUIRE(other.ok());
  CHECK(other->body.find("iOther host\t\texample.test\t" + std::to_string(other_port)) != std::string::npos);
  auto first = srv->gopher("/\r\n");
  CHECK(first.find("iTest capsule\t\tlocalhost\t" + std::to_string(srv->gopher_port)) != std::string::npos);
  CHECK(first.find("Other host") == std::string::npos);
}
