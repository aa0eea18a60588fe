#include "twinstar/gopher.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

namespace gopher = twinstar::gopher;
using twinstar::errc;
using twinstar::error;

namespace {

const gopher::menu_context context{"localhost", 7070};

const char* name_of(gopher::frame_state state) {
  switch (state) {
    case gopher::frame_state::complete:
      return "complete";
    case gopher::frame_state::need_more:
      return "need_more";
    case gopher::frame_state::too_long:
      return "too_long";
  }
  return "?";
}

std::string repeat(char c, std::size_t n) { return std::string(n, c); }

}  // namespace

TEST_CASE("find_selector_line: CRLF / bare LF and the 255-byte limit") {
  struct frame_case {
    std::string input;
    const char* state;
    std::string line;
  };
  const frame_case cases[] = {
      {"", "need_more", ""},
      {"/news/", "need_more", ""},
      {"/news/\r", "need_more", ""},
      {"\r\n", "complete", ""},
      {"\n", "complete", ""},
      {"/news/\r\n", "complete", "/news/"},
      {"/news/\n", "complete", "/news/"},  // Bombadillo
      {"/news/\r\nignored", "complete", "/news/"},
      {"/search\tcats\r\n", "complete", "/search\tcats"},
      {"/a\r\r\n", "complete", "/a\r"},  // parse_selector refuses the CR
      {repeat('a', 255), "need_more", ""},
      {repeat('a', 255) + "\r", "need_more", ""},
      {repeat('a', 255) + "\r\n", "complete", repeat('a', 255)},
      {repeat('a', 255) + "\n", "complete", repeat('a', 255)},
      {repeat('a', 256), "too_long", ""},
      {repeat('a', 256) + "\r\n", "too_long", ""},
      {repeat('a', 256) + "\n", "too_long", ""},
      {repeat('a', 4096), "too_long", ""},
      {repeat('a', 4096) + "\r\n", "too_long", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    const auto framed = gopher::find_selector_line(c.input);
    CHECK(std::string(name_of(framed.state)) == c.state);
    CHECK(framed.line == c.line);
  }
}

TEST_CASE("parse_selector: selectors and search strings") {
  struct ok_case {
    std::string input;
    std::string selector;
    std::optional<std::string> search;
  };
  const ok_case cases[] = {
      {"", "/", std::nullopt},
      {"/", "/", std::nullopt},
      {"/news/", "/news/", std::nullopt},
      {"/news/a.gmi", "/news/a.gmi", std::nullopt},
      {"/my%20file.gmi", "/my%20file.gmi", std::nullopt},  // escapes are the router's
      {"1/news/", "/news/", std::nullopt},                 // type copied from a URL
      {"0/news/a.gmi", "/news/a.gmi", std::nullopt},
      {"1/", "/", std::nullopt},
      {"I/img/cat.png", "/img/cat.png", std::nullopt},
      {"/1/news/", "/1/news/", std::nullopt},  // our own selectors start with '/'
      {"1", "/1", std::nullopt},
      {"news/", "/news/", std::nullopt},
      {"x/news", "/x/news", std::nullopt},  // 'x' is no item type
      {"URL:https://example.org/", "URL:https://example.org/", std::nullopt},
      {"/search\tcats", "/search", "cats"},
      {"/search\tcats and dogs", "/search", "cats and dogs"},
      {"/search\t", "/search", ""},
      {"\tq", "/", "q"},
      {"7/search\tq", "/search", "q"},
      {"/x\t+", "/x", std::nullopt},  // Gopher+ markers
      {"/x\t!", "/x", std::nullopt},
      {"/x\t$", "/x", std::nullopt},
      {"/x\tq\t+", "/x", "q"},
      {"/x\ta\tb", "/x", "a"},
      {"/привет.gmi", "/привет.gmi", std::nullopt},
      {"/" + repeat('a', 254), "/" + repeat('a', 254), std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    const auto parsed = gopher::parse_selector(c.input);
    REQUIRE(parsed.ok());
    CHECK(parsed->selector == c.selector);
    CHECK(parsed->search == c.search);
  }
}

TEST_CASE("parse_selector: refused input") {
  struct bad_case {
    std::string input;
    errc code;
  };
  const bad_case cases[] = {
      {std::string("/a\0b", 4), errc::control_character},
      {std::string("\0", 1), errc::control_character},
      {"/a\rb", errc::control_character},
      {"/a\nb", errc::control_character},
      {"/a\x1b[2J", errc::control_character},
      {"/a\x7f", errc::control_character},
      {std::string("/x\tq\0", 5), errc::control_character},
      {"/\xff", errc::not_utf8},
      {"/\xc3", errc::not_utf8},          // truncated
      {"/\xc0\xaf", errc::not_utf8},      // overlong '/'
      {"/\xed\xa0\x80", errc::not_utf8},  // surrogate
      {"/" + repeat('a', 255), errc::request_too_long},
      {repeat('a', 4096), errc::request_too_long},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    const auto parsed = gopher::parse_selector(c.input);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code == c.code);
    CHECK_FALSE(parsed.error().detail.empty());
  }
}

TEST_CASE("gopher_error_item: one text per error kind") {
  struct item_case {
    error e;
    const char* expected;
  };
  const item_case cases[] = {
      {{errc::not_found, {}}, "Not found: /x"},
      {{errc::forbidden_path, "dotfile /root/.ssh"}, "Not found: /x"},  // detail stays private
      {{errc::unreadable, "EACCES /srv/x"}, "Not found: /x"},
      {{errc::listing_disabled, {}}, "Not found: /x"},
      {{errc::unknown_host, {}}, "Not found: /x"},
      {{errc::gone, {}}, "Gone"},
      {{errc::gone, "moved away"}, "Gone"},
      {{errc::request_too_long, {}}, "Bad selector: selector longer than 255 bytes"},
      {{errc::control_character, "control character in selector"},
       "Bad selector: control character in selector"},
      {{errc::not_utf8, {}}, "Bad selector: request is not valid UTF-8"},
      {{errc::bad_percent_encoding, {}}, "Bad selector: malformed percent-encoding"},
      {{errc::internal, "std::bad_alloc"}, "Server error"},
      {{errc::slow_down, "7"}, "Slow down: too many requests, retry in 7 seconds"},
      {{errc::certificate_required, {}}, "Refused: /x needs a client certificate (Gemini only)"},
      {{errc::cgi_error, {}}, "Refused: /x runs a CGI/SCGI program, served over Gemini only"},
      {{errc::server_busy, {}}, "Server busy, retry later"},
  };
  for (const auto& c : cases) {
    CAPTURE(twinstar::describe(c.e.code));
    CHECK(gopher::gopher_error_item(c.e, "/x") == c.expected);
  }
}

TEST_CASE("gopher_error_item: parse_selector errors read well") {
  const auto parsed = gopher::parse_selector("/" + repeat('a', 300));
  REQUIRE_FALSE(parsed.ok());
  CHECK(gopher::gopher_error_item(parsed.error(), "") == "Bad selector: selector longer than 255 bytes");
  CHECK(gopher::error_menu(gopher::gopher_error_item({errc::not_found, {}}, "/a\tb"), context) ==
        "3Not found: /a b\t\tlocalhost\t7070\r\n.\r\n");
}

TEST_CASE("menu_item / info_line / error_menu: exact bytes / no field can split") {
  CHECK(gopher::menu_item('0', "About", "/about.gmi", "localhost", 70) ==
        "0About\t/about.gmi\tlocalhost\t70\r\n");
  CHECK(gopher::menu_item('1', "", "", "h", 65535) == "1\t\th\t65535\r\n");
  CHECK(gopher::menu_item('0', "a\tb\r\nc", "/x\ty", "h\tost", 70) == "0a b  c\t/x y\th ost\t70\r\n");
  CHECK(gopher::menu_item('0', std::string("n\0l", 3), "/", "h", 70) == "0n l\t/\th\t70\r\n");
  CHECK(gopher::menu_item('\t', "x", "/", "h", 70) == " x\t/\th\t70\r\n");
  CHECK(gopher::info_line("hello", context) == "ihello\t\tlocalhost\t7070\r\n");
  CHECK(gopher::info_line("", context) == "i\t\tlocalhost\t7070\r\n");
  CHECK(gopher::info_line("a\tb", context) == "ia b\t\tlocalhost\t7070\r\n");
  CHECK(gopher::error_menu("Not found: /x", context) == "3Not found: /x\t\tlocalhost\t7070\r\n.\r\n");
}

TEST_CASE("error_item_text: a reply that starts with a type 3 item / anything else") {
  struct error_case {
    std::string reply;
    std::optional<std::string> text;
  };
  const error_case cases[] = {
      {"3Not found: /x\t\tlocalhost\t7070\r\n.\r\n", "Not found: /x"},
      {gopher::error_menu("Gone", context), "Gone"},
      {"3'/x' does not exist\t\terror.host\t1\n", "'/x' does not exist"},  // bare LF, other servers' form
      {"3Oops\t\th\t70", "Oops"},                                          // no line end at all
      {"3\t\th\t70\r\n", ""},
      {"iWelcome\t\th\t70\r\n3Not found\t\th\t70\r\n", std::nullopt},  // not the first item
      {"0About\t/about.gmi\th\t70\r\n", std::nullopt},
      {"3 reasons to read this\r\nMore text.\r\n", std::nullopt},  // a document starting with "3"
      {"3\tcolumns\tin a table\r\n", std::nullopt},                // two TABs: not an item
      {"3", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.reply);
    CHECK(gopher::error_item_text(c.reply) == c.text);
  }
}

TEST_CASE("text_document: CRLF line ends / dot-stuffing / final dot") {
  struct doc_case {
    const char* input;
    const char* expected;
  };
  const doc_case cases[] = {
      {"", ".\r\n"},
      {"a", "a\r\n.\r\n"},
      {"a\n", "a\r\n.\r\n"},
      {"a\r\nb\r\n", "a\r\nb\r\n.\r\n"},
      {"a\nb", "a\r\nb\r\n.\r\n"},
      {"a\rb\r", "a\r\nb\r\n.\r\n"},
      {"a\n\r\nb", "a\r\n\r\nb\r\n.\r\n"},
      {"\n\n", "\r\n\r\n.\r\n"},
      {".\n", "..\r\n.\r\n"},
      {".", "..\r\n.\r\n"},
      {"..x\n", "...x\r\n.\r\n"},
      {"a\n.\nb", "a\r\n..\r\nb\r\n.\r\n"},
      {".\r\n.\r\n", "..\r\n..\r\n.\r\n"},
      {" .x", " .x\r\n.\r\n"},
      {"a.b\n", "a.b\r\n.\r\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    CHECK(gopher::text_document(c.input) == c.expected);
  }
}

TEST_CASE("item_type_for_mime") {
  struct type_case {
    const char* mime;
    char type;
  };
  const type_case cases[] = {
      {"text/gemini", '0'},
      {"text/gemini; lang=en", '0'},
      {"text/plain", '0'},
      {"TEXT/Plain", '0'},
      {"text/markdown", '0'},
      {"text/html", 'h'},
      {"text/html; charset=utf-8", 'h'},
      {"image/gif", 'g'},
      {"image/png", 'I'},
      {"image/jpeg", 'I'},
      {"audio/mpeg", 's'},
      {"audio/ogg", 's'},
      {"application/pdf", 'd'},
      {"application/atom+xml", '0'},
      {"application/rss+xml; charset=utf-8", '0'},
      {"application/xml", '0'},
      {"application/json", '0'},
      {"application/ld+json", '0'},
      {"application/xmlx", '9'},
      {"application/octet-stream", '9'},
      {"application/zip", '9'},
      {"video/mp4", '9'},
      {"", '9'},
      {"textual/x", '9'},
  };
  for (const auto& c : cases) {
    CAPTURE(c.mime);
    CHECK(gopher::item_type_for_mime(c.mime) == c.type);
  }
}

TEST_CASE("display_width counts code points") {
  CHECK(gopher::display_width("") == 0);
  CHECK(gopher::display_width("abc") == 3);
  CHECK(gopher::display_width("привет") == 6);
  CHECK(gopher::display_width("日本語") == 3);
  CHECK(gopher::display_width("😀🎉") == 2);
  CHECK(gopher::display_width("a\xff\x62") == 3);  // invalid bytes count one each ("\x62" is 'b')
  CHECK(gopher::display_width("\xe6\x97") == 2);   // truncated sequence
  CHECK(gopher::display_width("\x80\x80") == 2);   // stray continuation bytes
}

TEST_CASE("wrap: greedy / by code points / hanging indent") {
  struct wrap_case {
    const char* text;
    std::size_t width;
    const char* first;
    const char* rest;
    std::vector<std::string> expected;
  };
  const wrap_case cases[] = {
      {"", 10, "", "", {""}},
      {"   ", 10, "", "", {""}},
      {"hello", 10, "", "", {"hello"}},
      {"hello world", 11, "", "", {"hello world"}},
      {"hello world", 10, "", "", {"hello", "world"}},
      {"a  b", 10, "", "", {"a  b"}},
      {"a    b", 3, "", "", {"a", "b"}},
      {"  indented text", 10, "", "", {"  indented", "text"}},
      {"trailing   ", 20, "", "", {"trailing"}},
      {"aaaaaaaaaaaa", 5, "", "", {"aaaaa", "aaaaa", "aa"}},
      {"ab cdefghijkl", 5, "", "", {"ab", "cdefg", "hijkl"}},
      {"one two three", 9, "  * ", "    ", {"  * one", "    two", "    three"}},
      {"one two", 11, "  * ", "    ", {"  * one two"}},
      {"", 10, "> ", "> ", {">"}},
      {"abcdefgh", 6, "> ", "> ", {"> abcd", "> efgh"}},
      {"привет мир", 10, "", "", {"привет мир"}},
      {"привет мир", 9, "", "", {"привет", "мир"}},
      {"日本語日本語", 4, "", "", {"日本語日", "本語"}},
      {"😀😀😀", 2, "", "", {"😀😀", "😀"}},
      {"abc", 2, "12345", "", {"12345a", "bc"}},  // prefix wider than the width
      {"ab", 0, "", "", {"a", "b"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CAPTURE(c.width);
    CHECK(gopher::wrap(c.text, c.width, c.first, c.rest) == c.expected);
  }
}

TEST_CASE("gophermap_to_menu: gophernicus items / info lines / comments / end marker") {
  const auto map =
      "# a comment\n"
      "Welcome to my hole\r\n"
      "\n"
      "1News\tnews\n"
      "0About\t/about.txt\n"
      "1Sub dir\n"  // no TAB: an info line
      "1Sub dir\t\n"
      "0Notes\tnotes.txt\t\t\n"
      "0Up\t../../../up.txt\n"
      "hExternal\tURL:https://example.org/\n"
      "1Floodgap\t/\tgopher.floodgap.com\t70\n"
      "0Remote\trel.txt\texample.org\n"
      "9Port\t/x.zip\t\tnotaport\n"
      "7Search\t/search\t\t7071\n"
      "iinfo with tab\t\n"
      "\tno type\n"
      ".\n"
      "after the end\n";
  CHECK(gopher::gophermap_to_menu(map, "/holes/gophermap", context) ==
        "iWelcome to my hole\t\tlocalhost\t7070\r\n"
        "i\t\tlocalhost\t7070\r\n"
        "1News\t/holes/news\tlocalhost\t7070\r\n"
        "0About\t/about.txt\tlocalhost\t7070\r\n"
        "i1Sub dir\t\tlocalhost\t7070\r\n"
        "1Sub dir\t/holes/Sub dir/\tlocalhost\t7070\r\n"
        "0Notes\t/holes/notes.txt\tlocalhost\t7070\r\n"
        "0Up\t/up.txt\tlocalhost\t7070\r\n"
        "hExternal\tURL:https://example.org/\tlocalhost\t7070\r\n"
        "1Floodgap\t/\tgopher.floodgap.com\t70\r\n"
        "0Remote\trel.txt\texample.org\t70\r\n"
        "9Port\t/x.zip\tlocalhost\t7070\r\n"
        "7Search\t/search\tlocalhost\t7071\r\n"
        "iinfo with tab\t\tlocalhost\t7070\r\n"
        "i\t\tlocalhost\t7070\r\n"
        ".\r\n");
}

TEST_CASE("gophermap_to_menu: directory forms and empty maps") {
  CHECK(gopher::gophermap_to_menu("", "/", context) == ".\r\n");
  CHECK(gopher::gophermap_to_menu(".\n0x\tx\n", "/", context) == ".\r\n");
  CHECK(gopher::gophermap_to_menu("0x\tx", "/d/", context) == "0x\t/d/x\tlocalhost\t7070\r\n.\r\n");
  CHECK(gopher::gophermap_to_menu("0x\tx", "/d", context) == "0x\t/x\tlocalhost\t7070\r\n.\r\n");
  CHECK(gopher::gophermap_to_menu("0x\tx", "", context) == "0x\t/x\tlocalhost\t7070\r\n.\r\n");
  CHECK(gopher::gophermap_to_menu("1d\t", "/", context) == "1d\t/d/\tlocalhost\t7070\r\n.\r\n");
}
