// libFuzzer target: gemtext parsing and both Gopher renderings.
#include <cstdint>
#include <string_view>

#include "twinstar/gemtext.hpp"
#include "twinstar/gopher.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto lines = twinstar::gemtext::parse(input);
  (void)lines;
  (void)twinstar::gemtext::first_heading(input);
  twinstar::gopher::menu_context ctx{"localhost", 70};
  auto menu = twinstar::gopher::gemtext_to_menu(input, "/dir/", ctx, [](std::string_view path) {
    return std::optional<twinstar::gopher::local_link>(twinstar::gopher::local_link{'0', std::string(path)});
  });
  // Every menu line has exactly four fields and ends with CRLF; the menu ends with ".\r\n".
  if (menu.size() < 3 || menu.compare(menu.size() - 3, 3, ".\r\n") != 0) __builtin_trap();
  auto text = twinstar::gopher::gemtext_to_text(input, "gemini://localhost/dir/page.gmi");
  if (text.size() < 3 || text.compare(text.size() - 3, 3, ".\r\n") != 0) __builtin_trap();
  (void)twinstar::gopher::gophermap_to_menu(input, "/dir/", ctx);
  return 0;
}
