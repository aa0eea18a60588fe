// libFuzzer target: the TOML config loader (toml++ plus our validation).
#include <cstdint>
#include <string_view>

#include "twinstar/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto result = twinstar::parse_config(input, "fuzz.toml", "/tmp");
  if (!result) {
    for (const auto& e : result.error()) {
      (void)e.to_string();
      if (e.message.empty()) __builtin_trap();  // every error says something
    }
  }
  return 0;
}
