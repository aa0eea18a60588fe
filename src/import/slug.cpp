// make_slug: titles -> ASCII file-name slugs.
#include <algorithm>
#include <utility>
#include <vector>

#include "twinstar/import/article.hpp"
#include "utf8.hpp"

namespace twinstar::news {
namespace {

// Lower-case transliterations; upper-case letters are folded to these first.
constexpr std::pair<char32_t, const char*> transliterations[] = {
    // Latin-1 supplement
    {U'à', "a"},
    {U'á', "a"},
    {U'â', "a"},
    {U'ã', "a"},
    {U'ä', "a"},
    {U'å', "a"},
    {U'æ', "ae"},
    {U'ç', "c"},
    {U'è', "e"},
    {U'é', "e"},
    {U'ê', "e"},
    {U'ë', "e"},
    {U'ì', "i"},
    {U'í', "i"},
    {U'î', "i"},
    {U'ï', "i"},
    {U'ð', "d"},
    {U'ñ', "n"},
    {U'ò', "o"},
    {U'ó', "o"},
    {U'ô', "o"},
    {U'õ', "o"},
    {U'ö', "o"},
    {U'ø', "o"},
    {U'ù', "u"},
    {U'ú', "u"},
    {U'û', "u"},
    {U'ü', "u"},
    {U'ý', "y"},
    {U'þ', "th"},
    {U'ÿ', "y"},
    {U'ß', "ss"},
    // Latin extended-A (the common ones)
    {U'ā', "a"},
    {U'ă', "a"},
    {U'ą', "a"},
    {U'ć', "c"},
    {U'č', "c"},
    {U'ď', "d"},
    {U'đ', "d"},
    {U'ē', "e"},
    {U'ė', "e"},
    {U'ę', "e"},
    {U'ě', "e"},
    {U'ğ', "g"},
    {U'ī', "i"},
    {U'į', "i"},
    {U'ı', "i"},
    {U'ķ', "k"},
    {U'ĺ', "l"},
    {U'ļ', "l"},
    {U'ľ', "l"},
    {U'ł', "l"},
    {U'ń', "n"},
    {U'ņ', "n"},
    {U'ň', "n"},
    {U'ō', "o"},
    {U'ő', "o"},
    {U'œ', "oe"},
    {U'ŕ', "r"},
    {U'ř', "r"},
    {U'ś', "s"},
    {U'ş', "s"},
    {U'š', "s"},
    {U'ţ', "t"},
    {U'ť', "t"},
    {U'ū', "u"},
    {U'ů', "u"},
    {U'ű', "u"},
    {U'ų', "u"},
    {U'ź', "z"},
    {U'ż', "z"},
    {U'ž', "z"},
    // Cyrillic (Russian, plus і and ї)
    {U'а', "a"},
    {U'б', "b"},
    {U'в', "v"},
    {U'г', "g"},
    {U'д', "d"},
    {U'е', "e"},
    {U'ё', "e"},
    {U'ж', "zh"},
    {U'з', "z"},
    {U'и', "i"},
    {U'й', "i"},
    {U'к', "k"},
    {U'л', "l"},
    {U'м', "m"},
    {U'н', "n"},
    {U'о', "o"},
    {U'п', "p"},
    {U'р', "r"},
    {U'с', "s"},
    {U'т', "t"},
    {U'у', "u"},
    {U'ф', "f"},
    {U'х', "kh"},
    {U'ц', "ts"},
    {U'ч', "ch"},
    {U'ш', "sh"},
    {U'щ', "shch"},
    {U'ъ', ""},
    {U'ы', "y"},
    {U'ь', ""},
    {U'э', "e"},
    {U'ю', "iu"},
    {U'я', "ia"},
    {U'і', "i"},
};

char32_t fold_case(char32_t c) {
  if (c >= U'A' && c <= U'Z') return c + 32;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;  // À-Þ
  // Latin extended-A alternates upper/lower, switching parity twice.
  if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return c % 2 == 0 ? c + 1 : c;
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return c % 2 == 1 ? c + 1 : c;
  if (c >= 0x410 && c <= 0x42F) return c + 32;  // А-Я
  if (c >= 0x400 && c <= 0x40F) return c + 80;  // Ѐ-Џ
  return c;
}

bool is_apostrophe(char32_t c) { return c == U'\'' || c == U'’' || c == U'‘' || c == U'ʼ'; }

const char* transliterate(char32_t c) {
  for (const auto& [from, to] : transliterations) {
    if (from == c) return to;
  }
  return nullptr;
}

}  // namespace

std::string make_slug(std::string_view title) {
  std::vector<std::string> words(1);
  for (std::size_t i = 0; i < title.size();) {
    detail::decoded_char ch = detail::decode_utf8(title, i);
    if (ch.length == 0) ch = {U'?', 1};
    i += ch.length;
    if (is_apostrophe(ch.code)) continue;  // "nation's" -> "nations"
    const char32_t c = fold_case(ch.code);
    if ((c >= U'a' && c <= U'z') || (c >= U'0' && c <= U'9')) {
      words.back() += static_cast<char>(c);
    } else if (const char* ascii = transliterate(c)) {
      words.back() += ascii;
    } else if (!words.back().empty()) {
      words.emplace_back();
    }
  }
  std::string slug;
  for (const std::string& word : words) {
    if (word.empty()) continue;
    const std::size_t needed = slug.empty() ? word.size() : slug.size() + 1 + word.size();
    if (needed > max_slug_bytes) {
      if (slug.empty()) slug = word.substr(0, max_slug_bytes);  // one giant word
      break;
    }
    if (!slug.empty()) slug += '-';
    slug += word;
  }
  return slug.empty() ? "article" : slug;
}

}  // namespace twinstar::news
