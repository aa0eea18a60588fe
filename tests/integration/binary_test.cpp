// End to end: the built `twinstar` executable, started as a user would.
#include "fixture.hpp"
#include "process.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

using namespace twinstar;
using namespace twinstar::test;

namespace {

std::vector<std::string> serve_args(const std::filesystem::path& dir, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {TWINSTAR_BINARY, "serve", "--root", (dir / "root").string(),
                                   "--listen", "127.0.0.1:0", "--gopher-listen", "off",
                                   "--cert-dir", (dir / "certs").string(), "--access-log", "off"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace

TEST_CASE("quick serve: generated certificate, fetch, reuse, SIGTERM exits 0") {
  auto dir = fresh_temp_dir("binary");
  write_file(dir / "root" / "index.gmi", "# Quick\n");
  std::string first_fingerprint;
  for (int run = 0; run < 2; ++run) {
    CAPTURE(run);
    child_process proc(serve_args(dir));
    auto line = proc.wait_for("listening on gemini://127.0.0.1:");
    REQUIRE(line);
    client::options o;
    o.sni = "localhost";
    auto reply = client::send_gemini("127.0.0.1", port_of(*line), "gemini://localhost/\r\n", o);
    REQUIRE(reply.ok());
    CHECK(reply->status == 20);
    CHECK(reply->body == "# Quick\n");
    if (run == 0) first_fingerprint = reply->peer_fingerprint;
    else CHECK(reply->peer_fingerprint == first_fingerprint);  // reused, not regenerated
    proc.signal(SIGTERM);
    CHECK(proc.wait() == 0);
  }
  struct stat st {};
  REQUIRE(::stat((dir / "certs" / "localhost.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::filesystem::remove_all(dir);
}

TEST_CASE("config errors are reported as file:line:column and nothing is served") {
  auto dir = fresh_temp_dir("badconfig");
  auto file = dir / "bad.toml";
  write_file(file,
             "[server]\n"
             "listen = [\"127.0.0.1:0\"]\n"
             "listne = 3\n"
             "[[host]]\n"
             "name = \"localhost\"\n"
             "root = \"capsule\"\n"
             "colour = \"blue\"\n");
  child_process proc({TWINSTAR_BINARY, "serve", "--config", file.string()});
  CHECK(proc.wait() == 1);
  const auto& err = proc.stderr_text();
  CAPTURE(err);
  CHECK(err.find(file.string() + ":3:1:") != std::string::npos);
  CHECK(err.find(file.string() + ":7:1:") != std::string::npos);
  CHECK(proc.pending_stdout().find("listening") == std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("--check-config accepts the bundled twinstar.toml") {
  child_process proc({TWINSTAR_BINARY, "serve", "--config", TWINSTAR_SOURCE_DIR "/twinstar.toml", "--check-config"});
  CHECK(proc.wait() == 0);
  CHECK(proc.pending_stdout().find("configuration OK") != std::string::npos);
}

TEST_CASE("a cert/key pair that does not match is a start-up error") {
  auto dir = fresh_temp_dir("mismatch");
  write_file(dir / "root" / "index.gmi", "# x\n");
  REQUIRE_FALSE(tls::generate_self_signed(dir / "a.crt", dir / "a.key", {"localhost"}));
  REQUIRE_FALSE(tls::generate_self_signed(dir / "b.crt", dir / "b.key", {"localhost"}));
  REQUIRE_FALSE(tls::generate_self_signed(dir / "c.crt", dir / "c.key", {"other.example"}));
  struct row {
    std::string cert, key, expect;
  };
  for (const auto& r : {row{"a.crt", "b.key", "does not match"}, row{"c.crt", "c.key", "does not name host"}}) {
    CAPTURE(r.expect);
    child_process proc(serve_args(dir, {"--cert", (dir / r.cert).string(), "--key", (dir / r.key).string()}));
    CHECK(proc.wait() == 1);
    CHECK(proc.stderr_text().find(r.expect) != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("--help describes the flags") {
  child_process proc({TWINSTAR_BINARY, "serve", "--help"});
  CHECK(proc.wait() == 0);
  for (const char* flag : {"--root", "--hostname", "--listen", "--cert", "--key", "--cert-dir", "--check-config"}) {
    CAPTURE(flag);
    CHECK(proc.pending_stdout().find(flag) != std::string::npos);
  }
}
