// libFuzzer target: Gopher request framing and selector parsing.
#include <cstdint>
#include <string_view>

#include "twinstar/gopher.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto frame = twinstar::gopher::find_selector_line(input);
  if (frame.state == twinstar::gopher::frame_state::complete) {
    if (frame.line.size() > twinstar::gopher::max_selector_bytes) __builtin_trap();
    auto req = twinstar::gopher::parse_selector(frame.line);
    if (req) {
      if (req->selector.empty()) __builtin_trap();
    } else {
      (void)twinstar::gopher::gopher_error_item(req.error(), frame.line);
    }
  }
  (void)twinstar::gopher::text_document(input);
  return 0;
}
