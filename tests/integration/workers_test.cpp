// Several worker threads, one io_context each: concurrent Gemini and Gopher
// clients all get whole answers, every slot is given back, and stop() ends
// every worker.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "fixture.hpp"

using namespace twinstar;
using namespace std::chrono_literals;

TEST_CASE("workers: three io_contexts serve concurrent clients on both protocols") {
  auto srv = test::start_test_server("workers", [](server_config& c) {
    c.workers = 3;
    c.max_connections_per_ip = 0;
  });
  const auto page = srv->get(srv->base() + "/page.gmi\r\n");
  REQUIRE(page.status == 20);
  client::options o;
  o.timeout = 20s;
  const auto menu = client::send_gopher("127.0.0.1", srv->gopher_port, "/\r\n", o);
  REQUIRE(menu.ok());

  constexpr int clients = 6, each = 15;
  std::atomic<int> same{0}, different{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < each; ++i) {
        bool ok = false;
        if ((t + i) % 2 == 0) {
          auto r =
              client::send_gemini("127.0.0.1", srv->gemini_port, srv->base() + "/page.gmi\r\n", srv->opts());
          ok = r.ok() && r->status == 20 && r->body == page.body;
        } else {
          auto r = client::send_gopher("127.0.0.1", srv->gopher_port, "/\r\n", o);
          ok = r.ok() && r->body == menu->body;
        }
        ++(ok ? same : different);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(same == clients * each);
  CHECK(different == 0);

  // Every connection slot comes back (bounded wait, no sleep).
  CHECK(srv->settles_at(0));
  // The fixture's destructor stops the server and joins run(): a worker left
  // running would hang here (and the test's timeout would say so).
}

TEST_CASE("workers: a port in use by another server is an error even with several workers") {
  auto first = test::start_test_server("workers-first", [](server_config& c) { c.workers = 2; });
  auto config = std::make_shared<server_config>(*first->config);
  config->listen = {{"127.0.0.1", first->gemini_port}};
  config->gopher_listen = {};
  for (auto& h : config->hosts) h.gopher_listen = {};
  auto second = server::create(config);
  REQUIRE_FALSE(second);
  CHECK(second.error().find("cannot listen on 127.0.0.1:" + std::to_string(first->gemini_port)) !=
        std::string::npos);
  // The first server still answers every request itself.
  for (int i = 0; i < 4; ++i) CHECK(first->get(first->base() + "/page.gmi\r\n").status == 20);
}
