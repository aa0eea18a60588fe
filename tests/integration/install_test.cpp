// `cmake --install` of this build into a temporary prefix: what lands where,
// the man pages, and the systemd unit and sysusers.d snippet checked by
// systemd's own tools.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "fixture.hpp"
#include "process.hpp"

using namespace twinstar::test;
namespace fs = std::filesystem;

namespace {

std::string quote(const std::string& text) { return "'" + text + "'"; }

// Runs a shell command; its output (stdout and stderr) with "exit=N" last.
std::string run_with_status(const std::string& command) {
  return run_command("{ " + command + "; } 2>&1; echo \"exit=$?\"");
}

// `cmake --install` into <dir>/usr; returns the prefix.
fs::path install_into(const fs::path& dir) {
  const fs::path prefix = dir / "usr";
  const std::string out = run_with_status(quote(TWINSTAR_CMAKE) + " --install " + quote(TWINSTAR_BUILD_DIR) +
                                          " --prefix " + quote(prefix.string()));
  CAPTURE(out);
  REQUIRE(out.ends_with("exit=0\n"));
  return prefix;
}

}  // namespace

TEST_CASE(
    "install: binary / man pages / unit / sysusers / examples / an edited config survives a reinstall") {
  const fs::path dir = fresh_temp_dir("install");
  const fs::path prefix = install_into(dir);
  for (const char* file :
       {"bin/twinstar", "share/man/man1/twinstar.1", "share/man/man5/twinstar.toml.5",
        "lib/systemd/system/twinstar.service", "lib/sysusers.d/twinstar.conf", "etc/twinstar/twinstar.toml",
        "share/doc/twinstar/examples/twinstar.toml", "share/doc/twinstar/examples/logrotate"}) {
    CAPTURE(file);
    CHECK(fs::is_regular_file(prefix / file));
  }
  CHECK(run_with_status(quote((prefix / "bin/twinstar").string()) + " --version") ==
        "twinstar 0.1.0\nexit=0\n");

  // The unit names this prefix's binary and config.
  const std::string unit = read_file(prefix / "lib/systemd/system/twinstar.service");
  CHECK(unit.find("\nExecStart=" + (prefix / "bin/twinstar").string() + " serve --config " +
                  (prefix / "etc/twinstar/twinstar.toml").string() + "\n") != std::string::npos);
  for (const char* line : {"\nType=notify\n", "\nExecReload=/bin/kill -HUP $MAINPID\n", "\nUser=twinstar\n",
                           "\nStateDirectory=twinstar\n", "\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n",
                           "\nProtectSystem=strict\n", "\nSystemCallFilter=@system-service\n"}) {
    CAPTURE(line);
    CHECK(unit.find(line) != std::string::npos);
  }

  // Both pages render, and groff has nothing to warn about.
  for (const char* page : {"share/man/man1/twinstar.1", "share/man/man5/twinstar.toml.5"}) {
    CAPTURE(page);
    CHECK(run_with_status("groff -man -Tutf8 -ww -z " + quote((prefix / page).string())) == "exit=0\n");
  }
  CHECK(run_command("MANWIDTH=80 man -l " + quote((prefix / "share/man/man5/twinstar.toml.5").string()) +
                    " 2>&1")
            .find("twinstar.toml - configuration of the twinstar Gemini and Gopher server") !=
        std::string::npos);

  // A reinstall (an upgrade) keeps the administrator's config.
  write_file(prefix / "etc/twinstar/twinstar.toml", "# edited\n");
  install_into(dir);
  CHECK(read_file(prefix / "etc/twinstar/twinstar.toml") == "# edited\n");
  fs::remove_all(dir);
}

TEST_CASE("install: systemd-analyze verify accepts the unit / systemd-sysusers creates its user") {
  // setup.sh installs systemd under CI=true only.
  if (!tools_present({"systemd-analyze", "systemd-sysusers"})) return;
  const fs::path dir = fresh_temp_dir("install-systemd");
  const fs::path prefix = install_into(dir);
  const fs::path unit = prefix / "lib/systemd/system/twinstar.service";
  // verify checks that ExecStart exists and that the Documentation= man
  // pages are found (hence MANPATH); it warns without failing, so any
  // output at all counts as a failure.
  const std::string verify = "cd " + quote(dir.string()) +
                             " && MANPATH=" + quote((prefix / "share/man").string()) +
                             " systemd-analyze verify ";
  const std::string out = run_with_status(verify + quote(unit.string()));
  CAPTURE(out);
  CHECK(out == "exit=0\n");
  // The same check sees a mistake: a misspelt type in a copy of the unit.
  write_file(dir / "broken.service", [&] {
    std::string text = read_file(unit);
    text.replace(text.find("Type=notify"), 11, "Type=notfy");
    return text;
  }());
  CHECK(run_with_status(verify + quote((dir / "broken.service").string())).find("notfy") !=
        std::string::npos);

  fs::create_directories(dir / "root/etc");
  const std::string users = run_with_status("systemd-sysusers --root=" + quote((dir / "root").string()) +
                                            " " + quote((prefix / "lib/sysusers.d/twinstar.conf").string()));
  CAPTURE(users);
  CHECK(users.ends_with("exit=0\n"));
  const std::string passwd = read_file(dir / "root/etc/passwd");
  CAPTURE(passwd);
  const auto at = passwd.find("twinstar:x:");
  REQUIRE(at != std::string::npos);
  CHECK(passwd.find(":/var/lib/twinstar:/usr/sbin/nologin\n", at) != std::string::npos);
  const long uid = std::stol(passwd.substr(at + 11));
  CHECK(uid < 1000);  // a system account
  CHECK(read_file(dir / "root/etc/group").find("twinstar:x:") != std::string::npos);
  fs::remove_all(dir);
}
