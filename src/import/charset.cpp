// HTML bytes in a declared charset -> UTF-8 (iconv from glibc).
#include <iconv.h>

#include <cerrno>
#include <memory>

#include "twinstar/ascii.hpp"
#include "twinstar/import/convert.hpp"

namespace twinstar::news {
namespace {

// The HTML spec's prescan looks at the first 1024 bytes; pages put long
// <head>s before the meta, so a little more is read.
constexpr std::size_t prescan_bytes = 4096;

bool is_charset_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':';
}

struct iconv_closer {
  void operator()(iconv_t* cd) const {
    iconv_close(*cd);
    delete cd;
  }
};

}  // namespace

std::string declared_charset(std::string_view html) {
  const std::string head = ascii_lower(html.substr(0, prescan_bytes));
  for (std::size_t meta = head.find("<meta"); meta != std::string::npos;
       meta = head.find("<meta", meta + 5)) {
    const std::size_t end = head.find('>', meta);
    const std::string_view tag =
        std::string_view(head).substr(meta, end == std::string::npos ? end : end - meta);
    std::size_t at = tag.find("charset");
    if (at == std::string_view::npos) continue;
    at += 7;
    while (at < tag.size() && (tag[at] == ' ' || tag[at] == '=' || tag[at] == '"' || tag[at] == '\'')) ++at;
    std::size_t stop = at;
    while (stop < tag.size() && is_charset_char(tag[stop])) ++stop;
    if (stop > at) return std::string(tag.substr(at, stop - at));
  }
  return "";
}

result<std::string, import_error> html_to_utf8(std::string_view bytes, std::string_view file_name) {
  const std::string name(file_name);
  std::string charset;
  if (bytes.starts_with("\xEF\xBB\xBF")) {
    bytes.remove_prefix(3);
    charset = "utf-8";
  } else if (bytes.starts_with("\xFF\xFE")) {
    bytes.remove_prefix(2);
    charset = "utf-16le";
  } else if (bytes.starts_with("\xFE\xFF")) {
    bytes.remove_prefix(2);
    charset = "utf-16be";
  } else {
    charset = declared_charset(bytes);
  }
  // WHATWG Encoding: these labels all mean windows-1252.
  if (charset == "iso-8859-1" || charset == "latin1" || charset == "us-ascii" || charset == "ascii" ||
      charset == "iso8859-1" || charset == "l1" || charset == "cp1252") {
    charset = "windows-1252";
  }
  if (charset.empty() || charset == "utf-8" || charset == "utf8") {
    if (const text_position bad = find_invalid_utf8(bytes); bad.line != 0) {
      return fail(import_error{
          .file = name,
          .line = bad.line,
          .column = bad.column,
          .message = "invalid UTF-8 (or a NUL byte); declare the page's charset with <meta charset>"});
    }
    return std::string(bytes);
  }
  const iconv_t cd = iconv_open("UTF-8", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return fail(import_error{.file = name, .message = "unknown charset \"" + charset + "\""});
  }
  const std::unique_ptr<iconv_t, iconv_closer> closer(new iconv_t(cd));
  std::string out(bytes.size() * 2 + 16, '\0');
  std::string input(bytes);
  char* in = input.data();
  std::size_t in_left = input.size();
  std::size_t written = 0;
  while (in_left > 0) {
    char* out_at = out.data() + written;
    std::size_t out_left = out.size() - written;
    const std::size_t done = iconv(cd, &in, &in_left, &out_at, &out_left);
    written = out.size() - out_left;
    if (done != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    return fail(import_error{
        .file = name,
        .message = "not valid " + charset + " at byte " + std::to_string(input.size() - in_left + 1)});
  }
  out.resize(written);
  if (const text_position bad = find_invalid_utf8(out); bad.line != 0) {
    return fail(import_error{.file = name,
                             .line = bad.line,
                             .column = bad.column,
                             .message = "a NUL byte after decoding " + charset});
  }
  return out;
}

}  // namespace twinstar::news
