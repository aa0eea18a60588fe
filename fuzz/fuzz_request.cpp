// libFuzzer target: the Gemini request path, from raw bytes to a route.
#include <cstdint>
#include <string_view>

#include "twinstar/gemini.hpp"
#include "twinstar/router.hpp"
#include "twinstar/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto frame = twinstar::gemini::find_request_line(input);
  std::string_view line = frame.state == twinstar::gemini::frame_state::complete ? frame.line : input;
  static const twinstar::server_config config = [] {
    twinstar::server_config c;
    twinstar::host_config h;
    h.name = "localhost";
    h.root = "/nonexistent";
    h.redirects = {{"/old/", "/new/", true, true}};
    h.gone = {"/gone"};
    c.hosts = {h};
    return c;
  }();
  static const twinstar::router routes(config);
  auto url = twinstar::parse_url(line);
  if (url) {
    (void)url->to_string();
    auto r = routes.resolve_gemini(*url, 1965, "127.0.0.1");
    if (auto* p = std::get_if<twinstar::route_path>(&r)) {
      // Whatever the spelling, no decoded segment may climb out of the root.
      for (const auto& s : p->path.segments)
        if (s == ".." || s.find('/') != std::string::npos || s.find('\\') != std::string::npos)
          __builtin_trap();
    }
  }
  auto split = twinstar::split_path(input);
  (void)split;
  (void)twinstar::gemini::format_header(twinstar::gemini::status::not_found, input);
  return 0;
}
