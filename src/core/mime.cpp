#include "twinstar/mime.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "twinstar/ascii.hpp"

namespace twinstar {
namespace {

inline constexpr std::string_view default_mime = "application/octet-stream";

struct mime_entry {
  std::string_view extension;
  std::string_view mime;
};

// Sorted by extension (lower case) so lookup can bisect.
inline constexpr std::array<mime_entry, 47> builtin_types{{
    {"7z", "application/x-7z-compressed"},
    {"atom", "application/atom+xml"},
    {"avif", "image/avif"},
    {"bz2", "application/x-bzip2"},
    {"css", "text/css"},
    {"csv", "text/csv"},
    {"epub", "application/epub+zip"},
    {"flac", "audio/flac"},
    {"gemini", "text/gemini"},
    {"gif", "image/gif"},
    {"gmi", "text/gemini"},
    {"gz", "application/gzip"},
    {"htm", "text/html"},
    {"html", "text/html"},
    {"ico", "image/vnd.microsoft.icon"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"js", "text/javascript"},
    {"json", "application/json"},
    {"m4a", "audio/mp4"},
    {"md", "text/markdown"},
    {"mkv", "video/x-matroska"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"oga", "audio/ogg"},
    {"ogg", "audio/ogg"},
    {"ogv", "video/ogg"},
    {"opus", "audio/opus"},
    {"otf", "font/otf"},
    {"pdf", "application/pdf"},
    {"png", "image/png"},
    {"rss", "application/rss+xml"},
    {"svg", "image/svg+xml"},
    {"tar", "application/x-tar"},
    {"text", "text/plain"},
    {"tgz", "application/gzip"},
    {"ttf", "font/ttf"},
    {"txt", "text/plain"},
    {"wasm", "application/wasm"},
    {"wav", "audio/wav"},
    {"webm", "video/webm"},
    {"webp", "image/webp"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"xml", "application/xml"},
    {"xz", "application/x-xz"},
    {"zip", "application/zip"},
}};

static_assert(std::is_sorted(builtin_types.begin(), builtin_types.end(),
                             [](const mime_entry& a, const mime_entry& b) {
                               return a.extension < b.extension;
                             }),
              "builtin_types must stay sorted for lower_bound");

// Whole file names whose type their extension would get wrong.
inline constexpr std::array<mime_entry, 1> builtin_names{{
    {"atom.xml", "application/atom+xml"},
}};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Extension of the last path component, without the dot; "" for none. A
// leading dot alone (".profile") is not an extension.
std::string_view extension_of(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  return name.substr(dot + 1);
}

// Config keys may be written with any case or a leading dot.
const std::string* find_override(const std::map<std::string, std::string>& overrides,
                                 std::string_view lowered_ext) {
  if (auto it = overrides.find(std::string(lowered_ext)); it != overrides.end()) {
    return &it->second;
  }
  for (const auto& [key, mime] : overrides) {
    std::string_view k = key;
    if (!k.empty() && k.front() == '.') k.remove_prefix(1);
    if (ascii_lower(k) == lowered_ext) return &mime;
  }
  return nullptr;
}

bool has_parameter(std::string_view mime, std::string_view name) {
  auto semi = mime.find(';');
  while (semi != std::string_view::npos) {
    mime.remove_prefix(semi + 1);
    semi = mime.find(';');
    const auto param = trim(mime.substr(0, semi));
    const auto eq = param.find('=');
    if (ascii_lower(trim(param.substr(0, eq))) == name) return true;
  }
  return false;
}

}  // namespace

std::string mime_for_path(std::string_view file_name, const std::map<std::string, std::string>& overrides) {
  if (const auto slash = file_name.find_last_of("/\\"); slash != std::string_view::npos) {
    file_name.remove_prefix(slash + 1);
  }
  const auto ext = ascii_lower(extension_of(file_name));
  if (!ext.empty()) {
    if (const auto* mime = find_override(overrides, ext)) return *mime;
  }

  const auto lowered_name = ascii_lower(file_name);
  for (const auto& entry : builtin_names) {
    if (entry.extension == lowered_name) return std::string(entry.mime);
  }
  const auto it =
      std::lower_bound(builtin_types.begin(), builtin_types.end(), ext,
                       [](const mime_entry& entry, std::string_view key) { return entry.extension < key; });
  if (it != builtin_types.end() && it->extension == ext && !ext.empty()) {
    return std::string(it->mime);
  }
  return std::string(default_mime);
}

std::string gemini_meta_for(std::string_view mime, std::string_view lang) {
  mime = trim(mime);
  // A 20 with an empty meta breaks clients (Kristall), so never produce one.
  if (mime.empty()) return std::string(default_mime);

  const auto base = ascii_lower(trim(mime.substr(0, mime.find(';'))));
  std::string meta(mime);
  if (base.rfind("text/", 0) != 0) return meta;

  if (!has_parameter(mime, "charset")) meta += "; charset=utf-8";
  lang = trim(lang);
  if (base == "text/gemini" && !lang.empty() && !has_parameter(mime, "lang")) {
    meta += "; lang=";
    meta += lang;
  }
  return meta;
}

}  // namespace twinstar
