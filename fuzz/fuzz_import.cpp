// libFuzzer target: the importer's input parsers (RSS/Atom via libxml2, HTML
// via gumbo, Markdown via md4c, the plain-text rules) and the gemtext writer.
// The first byte picks the parser so one corpus covers all four.
#include <cstdint>
#include <string_view>

#include "twinstar/import/article.hpp"
#include "twinstar/import/convert.hpp"
#include "twinstar/import/text.hpp"
#include "twinstar/import/web_feed.hpp"

using namespace twinstar::news;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto f = parse_web_feed(input, "fuzz.xml", "https://example.org/feed.xml");
      if (f)
        for (const auto& a : web_feed_articles(*f, "2025-01-01")) (void)render_gemtext(a);
      break;
    }
    case 1:
      (void)html_to_gemtext(input, "https://example.org/a/", title_mode::extract);
      break;
    case 2:
      (void)markdown_to_gemtext(input, "fuzz.md", "https://example.org/");
      break;
    default: {
      auto a = parse_plain_text(input, "2025-01-01-fuzz.txt");
      if (a) (void)render_gemtext(*a);
      break;
    }
  }
  return 0;
}
