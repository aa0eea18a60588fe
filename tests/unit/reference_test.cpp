#include "twinstar/reference.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

using twinstar::remove_dot_segments;
using twinstar::resolve_path;
using twinstar::resolve_reference;
using twinstar::scheme_of;
using twinstar::split_reference;

namespace {

struct pair_case {
  const char* input;
  const char* expected;
};

struct resolve_case {
  const char* base;
  const char* reference;
  const char* expected;
};

std::string show(const std::optional<std::string_view>& part) {
  return part ? "[" + std::string(*part) + "]" : "none";
}

}  // namespace

TEST_CASE("split_reference: appendix B components") {
  struct split_case {
    const char* input;
    const char* scheme;
    const char* authority;
    const char* path;
    const char* query;
    const char* fragment;
  };
  const split_case cases[] = {
      {"gemini://host:1965/a/b?q#f", "[gemini]", "[host:1965]", "/a/b", "[q]", "[f]"},
      {"mailto:someone@example.org", "[mailto]", "none", "someone@example.org", "none", "none"},
      {"//host/x", "none", "[host]", "/x", "none", "none"},
      {"//host", "none", "[host]", "", "none", "none"},
      {"/abs/path", "none", "none", "/abs/path", "none", "none"},
      {"rel/path", "none", "none", "rel/path", "none", "none"},
      {"", "none", "none", "", "none", "none"},
      {"?", "none", "none", "", "[]", "none"},
      {"#frag", "none", "none", "", "none", "[frag]"},
      {"a?b#c?d", "none", "none", "a", "[b]", "[c?d]"},
      {"./a:b", "none", "none", "./a:b", "none", "none"},  // 4.2: "./" hides the colon
      {"1a:b", "none", "none", "1a:b", "none", "none"},    // a scheme starts with a letter
      {":x", "none", "none", ":x", "none", "none"},
      {"a b:c", "none", "none", "a b:c", "none", "none"},
      {"x/y:z", "none", "none", "x/y:z", "none", "none"},
      {"GOPHER://h/1", "[GOPHER]", "[h]", "/1", "none", "none"},
      {"svn+ssh://h/r", "[svn+ssh]", "[h]", "/r", "none", "none"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    const auto parts = split_reference(c.input);
    CHECK(show(parts.scheme) == c.scheme);
    CHECK(show(parts.authority) == c.authority);
    CHECK(parts.path == c.path);
    CHECK(show(parts.query) == c.query);
    CHECK(show(parts.fragment) == c.fragment);
  }
}

TEST_CASE("scheme_of: lower-cased / empty for relative references") {
  const pair_case cases[] = {
      {"gemini://h/", "gemini"},
      {"HTTPS://h/", "https"},
      {"mailto:a@b", "mailto"},
      {"/a", ""},
      {"a.gmi", ""},
      {"//h/a", ""},
      {"", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    CHECK(scheme_of(c.input) == c.expected);
  }
}

TEST_CASE("remove_dot_segments: RFC 3986 5.2.4") {
  const pair_case cases[] = {
      {"/a/b/c/./../../g", "/a/g"},  // the RFC's own examples
      {"mid/content=5/../6", "mid/6"},
      {"/", "/"},
      {"", ""},
      {"/.", "/"},
      {"/..", "/"},
      {"/../../..", "/"},
      {"/../x", "/x"},
      {"/a/..", "/"},
      {"/a/.", "/a/"},
      {"/a/./b", "/a/b"},
      {"/a//b/../c", "/a//c"},
      {"/a/b/", "/a/b/"},
      {"../a", "a"},
      {"./a", "a"},
      {".", ""},
      {"..", ""},
      {"/a/..b/.c", "/a/..b/.c"},  // dots inside a name are not dot segments
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    CHECK(remove_dot_segments(c.input) == c.expected);
  }
}

TEST_CASE("resolve_reference: RFC 3986 5.4 normal and abnormal examples") {
  constexpr const char* base = "http://a/b/c/d;p?q";
  const pair_case cases[] = {
      {"g:h", "g:h"},
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"},
      {"g?y#s", "http://a/b/c/g?y#s"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y#s"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g?y/../x", "http://a/b/c/g?y/../x"},
      {"g#s/./x", "http://a/b/c/g#s/./x"},
      {"g#s/../x", "http://a/b/c/g#s/../x"},
      {"http:g", "http:g"},  // strict parser
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    CHECK(resolve_reference(base, c.input) == c.expected);
  }
}

TEST_CASE("resolve_reference: gemini pages") {
  const resolve_case cases[] = {
      {"gemini://localhost/news/a.gmi", "b.gmi", "gemini://localhost/news/b.gmi"},
      {"gemini://localhost/news/a.gmi", "../", "gemini://localhost/"},
      {"gemini://localhost/news/a.gmi", "/about.gmi", "gemini://localhost/about.gmi"},
      {"gemini://localhost/news/a.gmi", "//other.example/x", "gemini://other.example/x"},
      {"gemini://localhost/news/a.gmi", "https://example.org/", "https://example.org/"},
      {"gemini://localhost", "a.gmi", "gemini://localhost/a.gmi"},  // 5.2.3: empty base path
      {"gemini://localhost:1966/", "sub/", "gemini://localhost:1966/sub/"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.base);
    CAPTURE(c.reference);
    CHECK(resolve_reference(c.base, c.reference) == c.expected);
  }
}

TEST_CASE("resolve_path: site paths never rise above the root") {
  const resolve_case cases[] = {
      {"/", "a.gmi", "/a.gmi"},
      {"/", "", "/"},
      {"/", "./", "/"},
      {"/", "..", "/"},
      {"/", "../../../etc/passwd", "/etc/passwd"},
      {"/news/", "a.gmi", "/news/a.gmi"},
      {"/news/", "", "/news/"},
      {"/news/", "../", "/"},
      {"/news/", "..", "/"},
      {"/news/", "./sub/", "/news/sub/"},
      {"/news/a.gmi", "b.gmi", "/news/b.gmi"},
      {"/news/a.gmi", "", "/news/a.gmi"},
      {"/news/a.gmi", "../img/x.png", "/img/x.png"},
      {"/news/a.gmi", "/abs/../b/", "/b/"},
      {"/news/a.gmi", "b.gmi?q=1#top", "/news/b.gmi"},
      {"/news/a.gmi", "#top", "/news/a.gmi"},
      {"/news/a.gmi", "?q", "/news/a.gmi"},
      {"/news/", "my%20file.gmi", "/news/my%20file.gmi"},  // escapes kept as written
      {"", "a", "/a"},
      {"", "", "/"},
      {"/a/b/c/", "../../../../../x", "/x"},
      {"/a/", "//host/p/../q", "/q"},  // authority: its own path
      {"/a/", "gemini://h/x/./y", "/x/y"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.base);
    CAPTURE(c.reference);
    CHECK(resolve_path(c.base, c.reference) == c.expected);
  }
}
