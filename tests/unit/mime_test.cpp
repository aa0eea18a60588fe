#include "twinstar/mime.hpp"

#include <doctest/doctest.h>

#include <string>

using twinstar::gemini_meta_for;
using twinstar::mime_for_path;

namespace {

struct mime_case {
  const char* name;
  const char* expected;
};

}  // namespace

TEST_CASE("mime_for_path: built-in table") {
  const mime_case cases[] = {
      {"index.gmi", "text/gemini"},
      {"page.gemini", "text/gemini"},
      {"notes.txt", "text/plain"},
      {"notes.text", "text/plain"},
      {"README.md", "text/markdown"},
      {"page.html", "text/html"},
      {"page.htm", "text/html"},
      {"style.css", "text/css"},
      {"table.csv", "text/csv"},
      {"data.xml", "application/xml"},
      {"feed.atom", "application/atom+xml"},
      {"atom.xml", "application/atom+xml"},
      {"ATOM.XML", "application/atom+xml"},
      {"posts/atom.xml", "application/atom+xml"},
      {"feed.rss", "application/rss+xml"},
      {"data.json", "application/json"},
      {"paper.pdf", "application/pdf"},
      {"image.png", "image/png"},
      {"photo.jpg", "image/jpeg"},
      {"photo.jpeg", "image/jpeg"},
      {"anim.gif", "image/gif"},
      {"pic.webp", "image/webp"},
      {"logo.svg", "image/svg+xml"},
      {"favicon.ico", "image/vnd.microsoft.icon"},
      {"song.mp3", "audio/mpeg"},
      {"song.ogg", "audio/ogg"},
      {"voice.opus", "audio/opus"},
      {"album.flac", "audio/flac"},
      {"sound.wav", "audio/wav"},
      {"movie.mp4", "video/mp4"},
      {"clip.webm", "video/webm"},
      {"bundle.zip", "application/zip"},
      {"archive.tar.gz", "application/gzip"},
      {"archive.tgz", "application/gzip"},
      {"archive.tar", "application/x-tar"},
      {"archive.tar.bz2", "application/x-bzip2"},
      {"archive.tar.xz", "application/x-xz"},
      {"archive.7z", "application/x-7z-compressed"},
      {"book.epub", "application/epub+zip"},
      {"font.woff", "font/woff"},
      {"font.woff2", "font/woff2"},
      // Case-insensitive extension.
      {"INDEX.GMI", "text/gemini"},
      {"Photo.JpG", "image/jpeg"},
      // Unknown, missing or dot-only extensions.
      {"binary.bin", "application/octet-stream"},
      {"Makefile", "application/octet-stream"},
      {".profile", "application/octet-stream"},
      {"trailing.", "application/octet-stream"},
      {"", "application/octet-stream"},
      {"dir.gmi/file", "application/octet-stream"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    CHECK(mime_for_path(c.name) == c.expected);
  }
}

TEST_CASE("mime_for_path: overrides come first") {
  const std::map<std::string, std::string> overrides{
      {"gmi", "text/x-custom"},
      {"bin", "application/x-thing"},
      {"LOG", "text/plain"},
      {".dat", "application/x-data"},
  };
  const mime_case cases[] = {
      {"index.gmi", "text/x-custom"},
      {"INDEX.GMI", "text/x-custom"},
      {"blob.bin", "application/x-thing"},
      {"server.log", "text/plain"},
      {"values.dat", "application/x-data"},
      {"photo.png", "image/png"},
      {"other.xyz", "application/octet-stream"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    CHECK(mime_for_path(c.name, overrides) == c.expected);
  }
}

TEST_CASE("gemini_meta_for") {
  struct meta_case {
    const char* mime;
    const char* lang;
    const char* expected;
  };
  const meta_case cases[] = {
      {"text/gemini", "", "text/gemini; charset=utf-8"},
      {"text/gemini", "en", "text/gemini; charset=utf-8; lang=en"},
      {"text/gemini", "en,fr", "text/gemini; charset=utf-8; lang=en,fr"},
      {"text/plain", "", "text/plain; charset=utf-8"},
      {"text/plain", "en", "text/plain; charset=utf-8"},  // lang is a text/gemini parameter
      {"text/markdown", "", "text/markdown; charset=utf-8"},
      {"text/plain; charset=iso-8859-1", "", "text/plain; charset=iso-8859-1"},
      {"text/gemini; lang=de", "en", "text/gemini; lang=de; charset=utf-8"},
      {"application/atom+xml", "en", "application/atom+xml"},
      {"application/octet-stream", "", "application/octet-stream"},
      {"image/png", "en", "image/png"},
      {"", "", "application/octet-stream"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.mime);
    CAPTURE(c.lang);
    CHECK(gemini_meta_for(c.mime, c.lang) == c.expected);
  }
}
