#include "twinstar/import/article.hpp"

#include <doctest/doctest.h>

#include "twinstar/import/uri.hpp"

using namespace twinstar;
using namespace twinstar::news;

TEST_CASE("article: slugs") {
  struct row {
    const char* title;
    const char* slug;
  };
  const row rows[] = {
      {"Putin and Xi Issue Joint Statement on WWII Legacy",
       "putin-and-xi-issue-joint-statement-on-wwii-legacy"},
      {"  Hello,   World!  ", "hello-world"},
      {"China\u2019s Parade: What\u2019s Next?", "chinas-parade-whats-next"},
      {"Caf\u00E9 cr\u00E8me \u00E0 la fran\u00E7aise", "cafe-creme-a-la-francaise"},
      {"Stra\u00DFe \u00DCber \u00C6sir \u0141\u00F3d\u017A \u0160koda \u0152uvre",
       "strasse-uber-aesir-lodz-skoda-oeuvre"},
      {"\u041F\u0443\u0442\u0438\u043D \u0438 \u0421\u0438", "putin-i-si"},
      {"\u65E5\u672C\u8A9E\u306E\u30BF\u30A4\u30C8\u30EB", "article"},
      {"", "article"},
      {"---", "article"},
      {"C++20 & Rust 1.80", "c-20-rust-1-80"},
      {"A very long title that keeps going and going well past the sixty byte limit of slugs",
       "a-very-long-title-that-keeps-going-and-going-well-past-the"},
      {"Supercalifragilisticexpialidocious-and-then-some-more-letters-than-sixty-in-one-word",
       "supercalifragilisticexpialidocious-and-then-some-more"},
      {"x\xFFy", "x-y"},
  };
  for (const row& r : rows) {
    CAPTURE(r.title);
    const std::string slug = make_slug(r.title);
    CHECK(slug == r.slug);
    CHECK(slug.size() <= max_slug_bytes);
  }
  CHECK(make_slug(std::string(200, 'a')) == std::string(60, 'a'));
}

TEST_CASE("article: rendering") {
  article a;
  a.title = "A Title";
  a.date = "2024-01-02";
  a.author = "Jane Doe";
  a.source_name = "Example";
  a.source_url = "https://example.com/a";
  a.body = {{gemtext::line_kind::text, "", ""},
            {gemtext::line_kind::text, "Para.", ""},
            {gemtext::line_kind::text, "", ""},
            {gemtext::line_kind::text, "", ""},
            {gemtext::line_kind::heading2, "Head", ""},
            {gemtext::line_kind::text, "", ""},
            {gemtext::line_kind::preformat_toggle, "sh", ""},
            {gemtext::line_kind::preformatted, "```inside", ""},
            {gemtext::line_kind::text, "", ""},
            {gemtext::line_kind::preformatted, "", ""},
            {gemtext::line_kind::preformat_toggle, "", ""},
            {gemtext::line_kind::list_item, "item", ""},
            {gemtext::line_kind::link, "", "https://x.example/"},
            {gemtext::line_kind::text, "* star text", ""},
            {gemtext::line_kind::text, "", ""}};
  CHECK(render_gemtext(a) ==
        "# A Title\n\n"
        "2024-01-02 \u00B7 By Jane Doe \u00B7 Source: Example\n\n"
        "Para.\n\n"
        "## Head\n\n"
        "```sh\n ```inside\n\n\n```\n"
        "* item\n"
        "=> https://x.example/\n"
        " * star text\n\n"
        "=> https://example.com/a Source: Example\n"
        "=> ./ More news\n=> / Home\n");
}

TEST_CASE("article: source line without a URL or a name") {
  article a;
  a.title = "T";
  a.date = "2024-01-02";
  a.source_name = "Wire";
  CHECK(render_gemtext(a) ==
        "# T\n\n2024-01-02 \u00B7 Source: Wire\n\nSource: Wire\n=> ./ More news\n=> / Home\n");
  a.source_name.clear();
  a.source_url = "https://e.example/p";
  CHECK(render_gemtext(a) ==
        "# T\n\n2024-01-02\n\n=> https://e.example/p Source\n=> ./ More news\n=> / Home\n");
}

TEST_CASE("article: identity") {
  auto identity = [](std::string url, std::string title, std::string date = "2024-01-02") {
    article a;
    a.title = std::move(title);
    a.date = std::move(date);
    a.source_url = std::move(url);
    return identify(a);
  };
  struct row {
    const char* url;
    bool by_url;  // whether the URL alone identifies the article
  };
  for (const row& r : {row{"https://example.com/story/1", true}, row{"https://e.com/?id=3", true},
                       row{"https://www.rt.com/", false}, row{"https://www.rt.com", false},
                       row{"https://www.rt.com/#top", false}, row{"", false}}) {
    const std::string url = r.url;
    CAPTURE(url);
    CHECK(identity(r.url, "A").by_url.empty() == !r.by_url);
    if (r.by_url) CHECK(identity(r.url, "A").by_url == identity(r.url, "B").by_url);
    CHECK(identity(r.url, "A").by_title != identity(r.url, "B").by_title);
    CHECK(identity(r.url, "A").by_title != identity(r.url, "A", "2024-01-03").by_title);
  }
  article a;
  a.title = "Same";
  a.date = "2024-01-02";
  a.source_name = "S";
  a.source_url = "https://e.com/s";
  auto round_trip = [](const article& x) {
    CHECK(identify_gemtext(render_gemtext(x)).by_url == identify(x).by_url);
    CHECK(identify_gemtext(render_gemtext(x)).by_title == identify(x).by_title);
  };
  round_trip(a);
  a.source_url.clear();
  round_trip(a);
  a.source_name.clear();  // the byline is the date alone
  round_trip(a);
  a.shared_source_url = true;  // a feed's link standing in for the item's
  a.source_url = "https://e.com/news/";
  CHECK(identify(a).by_url.empty());
  CHECK(identify_gemtext(render_gemtext(a)).by_title == identify(a).by_title);
  CHECK(identify_gemtext("no heading\n=> https://e.com/s Source\n").by_title.empty());
  CHECK(identify_gemtext("# T\n\n2024-01-02x\n").by_title == identity("", "T", "").by_title);
}

TEST_CASE("uri: resolving references (RFC 3986 5.4)") {
  const char* base = "http://a/b/c/d;p?q";
  struct row {
    const char* reference;
    const char* resolved;
  };
  const row rows[] = {
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
      {";x", "http://a/b/c/;x"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../g", "http://a/g"},
      {"../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"  spaced name.html ", "http://a/b/c/spaced%20name.html"},
      {"\u00C0", "http://a/b/c/\u00C0"},
  };
  for (const row& r : rows) {
    CAPTURE(r.reference);
    CHECK(resolve_uri(base, r.reference) == r.resolved);
  }
  CHECK(resolve_uri("", "rel/x") == "rel/x");
  CHECK(resolve_uri("urn:uuid:1", "rel/x") == "rel/x");
  CHECK(resolve_uri("https://host", "x") == "https://host/x");
}

TEST_CASE("uri: safe links and usable bases") {
  CHECK(is_safe_link("https://e.com/"));
  CHECK(is_safe_link("mailto:a@b.c"));
  CHECK(is_safe_link("gemini://g.example/"));
  CHECK(is_safe_link("relative/path"));
  CHECK_FALSE(is_safe_link("JavaScript:alert(1)"));
  CHECK_FALSE(is_safe_link(" vbscript:x"));
  CHECK_FALSE(is_safe_link("data:text/html,x"));
  CHECK_FALSE(is_safe_link("file:///etc/passwd"));
  CHECK_FALSE(is_safe_link(""));
  CHECK(is_usable_base("http://example.com/test/"));
  CHECK_FALSE(is_usable_base("javascript:alert('unsafe')"));
  CHECK_FALSE(is_usable_base("/relative/"));
  CHECK_FALSE(is_usable_base("urn:x"));
}
