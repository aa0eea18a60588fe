#include <doctest/doctest.h>

#include "support.hpp"
#include "twinstar/import/convert.hpp"

using namespace twinstar;
using namespace twinstar::news;

namespace {

struct golden {
  const char* name;
  const char* html;
  const char* gemtext;
};

// HTML fragments (feed content) and the gemtext they become.
const golden fragments[] = {
    {"headings and paragraphs",
     "<h1>Title</h1><p>Hello <b>bold</b> <i>world</i>.</p><h2>Sub</h2><p>Two</p><h4>Deep</h4>",
     "## Title\n\nHello bold world.\n\n## Sub\n\nTwo\n\n### Deep\n"},
    {"links collected after their paragraph",
     "<p>See <a href=\"/a\">the A page</a> and <a href=\"http://x.org/b\">B</a>.</p><p>Next</p>",
     "See the A page and B.\n\n=> https://example.com/a the A page\n=> http://x.org/b B\n\nNext\n"},
    {"images as links, tracking pixels dropped",
     "<p>Look: <img src=\"pic.png\" alt=\"A cat\"> <img src=\"t.gif\" width=\"1\" height=\"1\"><img "
     "src=\"noalt.png\"></p>",
     "Look:\n\n=> https://example.com/dir/pic.png Image: A cat\n=> https://example.com/dir/noalt.png "
     "Image\n"},
    {"an image without alt text takes its figure's caption",
     "<figure><img src=\"a.jpg\"><figcaption>The harbour at dawn</figcaption></figure>"
     "<figure><img src=\"b.jpg\" alt=\"Boats\"><figcaption>Photo: Ann</figcaption></figure>",
     "=> https://example.com/dir/a.jpg Image: The harbour at dawn\n\nPhoto: Ann\n\n"
     "=> https://example.com/dir/b.jpg Image: Boats\n"},
    {"hidden elements dropped: display:none / visibility:hidden styles / aria-hidden / hidden",
     "<div style=\"DISPLAY: None\">Short description</div><p>Kept <span "
     "style=\"visibility:hidden\">gone</span>"
     "<span aria-hidden=\"true\">icon</span><span hidden>x</span>text.</p><p style=\"color: red\">Shown</p>",
     "Kept text.\n\nShown\n"},
    {"a formula's fallback image is its TeX inline / its hidden MathML dropped",
     "<p>A matrix <span class=\"mwe-math-element\"><span style=\"display: none;\"><math>A</math></span>"
     "<img src=\"a.svg\" class=\"mwe-math-fallback-image-inline\" aria-hidden=\"true\" "
     "alt=\"{\\displaystyle A^{\\mathsf {H}}}\"></span>, then.</p>",
     "A matrix A^{\\mathsf {H}}, then.\n"},
    {"lazy-loaded images: data-src or srcset instead of a placeholder",
     "<p><img src=\"data:image/gif;base64,R0lGOD\" data-src=\"/lazy.jpg\" alt=\"Lazy\">"
     "<img srcset=\"/s-320.jpg 320w, /s-640.jpg 640w\" alt=\"Set\"></p>",
     "=> https://example.com/lazy.jpg Image: Lazy\n=> https://example.com/s-320.jpg Image: Set\n"},
    {"ordered list items whose text sits in paragraphs keep their numbers",
     "<ol><li><p>First</p></li><li><p>Second</p><p>more</p></li></ol><ol start=\"7\"><li>Seventh</li></ol>",
     "* 1. First\n* 2. Second\n* more\n\n* 7. Seventh\n"},
    {"lists, ordered ones numbered",
     "<ul><li>One</li><li>Two <a href=\"https://l.example/\">link</a><ul><li>Nested</li></ul></li></ul>"
     "<ol start=\"3\"><li>Three</li><li>Four</li></ol>",
     "* One\n* Two link\n* Nested\n\n=> https://l.example/ link\n\n* 3. Three\n* 4. Four\n"},
    {"block quotes", "<blockquote><p>Quoted one.</p><p>Quoted two.</p></blockquote><p>After</p>",
     "> Quoted one.\n> Quoted two.\n\nAfter\n"},
    {"preformatted blocks verbatim", "<pre>\n  int x;\n\tif (x) {}   \n\n</pre><p>t</p>",
     "```\n  int x;\n\tif (x) {}\n```\n\nt\n"},
    {"script, style, nav, forms, comments dropped",
     "<nav><a href=\"/\">Home</a></nav><script>alert(1)</script><style>p{}</style>"
     "<p onclick=\"x()\">Text<!-- comment --></p><noscript>No</noscript>"
     "<form><label>Name <input value=\"v\"></label><select><option>Opt</option></select></form>"
     "<div role=\"navigation\">menu</div><iframe src=\"https://t.example/\"></iframe>",
     "Text\n"},
    {"entities decoded, whitespace normalised",
     "<p>AT&amp;T &hellip; caf&eacute;&nbsp;&nbsp;now   and\n\tthen &#8217; &#x2014; &lt;tag&gt;</p>",
     "AT&T \u2026 caf\u00E9 now and then \u2019 \u2014 <tag>\n"},
    {"unsafe and fragment links dropped",
     "<p><a href=\"javascript:alert(1)\">x</a> <a href=\"#top\">top</a> <a href=\" mailto:a@b.c \">mail</a>"
     " <a href=\"data:text/html,x\">d</a></p>",
     "x top mail d\n\n=> mailto:a@b.c mail\n"},
    {"duplicate links once", "<p><a href=\"/a\">one</a> <a href=\"/a\">again</a></p>",
     "one again\n\n=> https://example.com/a one\n"},
    {"tables: a preformatted block with aligned columns",
     "<table><tr><th>Name</th><th>Qty</th></tr><tr><td>apple</td><td></td></tr>"
     "<tr><td><p>kiwi</p></td><td><a "
     "href=\"/k\">12</a></td></tr><tr><td>caf\u00E9</td><td>3</td></tr></table>",
     "```\nName  | Qty\n------+----\napple |\nkiwi  | 12\ncaf\u00E9  | 3\n```\n\n=> https://example.com/k "
     "12\n"},
    {"tables: one-row and one-column tables are layout: their cells are paragraphs",
     "<table><tr><td>Only one column</td></tr><tr><td>Second row</td></tr></table><table><tr><td>A cell "
     "that holds a whole paragraph of prose</td><td>x</td></tr></table>",
     "Only one column\n\nSecond row\n\nA cell that holds a whole paragraph of prose\n\nx\n"},
    {"tables: a single-cell layout table keeps its blocks",
     "<table><tr><td><h2>Head</h2><p>Para <a href=\"/p\">one</a></p><ol><li>Item</li></ol></td></tr></table>",
     "## Head\n\nPara one\n\n=> https://example.com/p one\n\n* 1. Item\n"},
    {"tables: role=presentation is layout",
     "<table role=\"presentation\"><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>",
     "a\n\nb\n\nc\n\nd\n"},
    {"tables: caption, <thead>, colspan, <br>, <pre> and a nested table in cells",
     "<table><caption>Prices <b>2024</b></caption><thead><tr><td>Item</td><td>Price</td></tr></thead><tbody>"
     "<tr><td>Tea<br>green</td><td><a href=\"/tea\">\u20AC3</a></td></tr><tr><td colspan=\"2\">Sold "
     "out</td></tr><tr><td>Box</td><td><table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td><pre>d\n "
     "e</pre></td></tr></table></td></tr></tbody></table><p>After</p>",
     "```Prices 2024\nItem      | Price\n----------+----------\nTea green | \u20AC3\nSold out  |\n"
     "Box       | a b c d e\n```\n\n=> https://example.com/tea \u20AC3\n\nAfter\n"},
    {"tables: too wide for a block: one text line per row",
     "<table><tr><th>Film</th><th>Year</th><th>About</th></tr><tr><td>Loop</td><td>1993</td><td>A "
     "weatherman relives the same day over and over again, until he becomes a better man, in a small town "
     "in Pennsylvania.</td></tr></table>",
     "Film | Year | About\nLoop | 1993 | A weatherman relives the same day over and over again, until he "
     "becomes a better man, in a small town in Pennsylvania.\n"},
    {"<br> breaks the line", "<p>Line one<br>Line two</p>", "Line one\nLine two\n"},
    {"Windows-1252 smuggled as C1 controls", "<p>don\xC2\x92t \xC2\x93quote\xC2\x94</p>",
     "don\u2019t \u201Cquote\u201D\n"},
    {"text that would read as another line type", "<p># not a heading</p><p>=&gt; not a link</p>",
     " # not a heading\n\n => not a link\n"},
    {"bare text and divs", "Loose text<div>In a div</div><div><div>Nested</div></div>",
     "Loose text\n\nIn a div\n\nNested\n"},
    {"hr separates", "<p>a</p><hr><p>b</p>", "a\n\nb\n"},
    {"empty input", "", ""},
};

}  // namespace

TEST_CASE("html: fragments convert to the expected gemtext") {
  for (const golden& g : fragments) {
    CAPTURE(g.name);
    const converted c = html_to_gemtext(g.html, "https://example.com/dir/page.html");
    CHECK(c.title.empty());
    CHECK(test::body_text(c.body) == g.gemtext);
  }
}

TEST_CASE("html: a page gives its title and its main content") {
  const char* page =
      "<!DOCTYPE html><html><head><title>Site - Page</title><base href=\"https://base.example/news/\">"
      "<script>var x = '<p>no</p>';</script></head>"
      "<body><nav><a href=\"/\">Home</a></nav><header><h1>Site</h1></header>"
      "<main><h1>Real Title</h1><p>Body <a href=\"x.html\">x</a></p><h1>Second</h1></main>"
      "<footer>foot</footer></body></html>";
  const converted c = html_to_gemtext(page, "https://ignored.example/", title_mode::extract);
  CHECK(c.title == "Real Title");
  CHECK(test::body_text(c.body) == "Body x\n\n=> https://base.example/news/x.html x\n\n## Second\n");
}

TEST_CASE("html: a page without <h1> takes <title>") {
  const converted c = html_to_gemtext("<title> Only &amp; Title </title><p>t</p>", "", title_mode::extract);
  CHECK(c.title == "Only & Title");
  CHECK(test::body_text(c.body) == "t\n");
}

TEST_CASE("html: links stay relative without a base") {
  const converted c = html_to_gemtext("<p><a href=\"rel/x\">x</a></p>", "");
  CHECK(test::body_text(c.body) == "x\n\n=> rel/x x\n");
}

TEST_CASE("html: text helpers") {
  CHECK(html_to_text("<strong>&amp;</strong>") == "&");
  CHECK(html_to_text("a <b>b</b>\n  c<script>x</script>") == "a b c");
  CHECK(html_to_text("AT&T <3") == "AT&T <3");
  CHECK(decode_entity("&hellip;") == "\u2026");
  CHECK(decode_entity("&#38;") == "&");
  CHECK(decode_entity("&nbsp;") == "\u00A0");
  CHECK(decode_entity("&nosuchentity;") == "&nosuchentity;");
  CHECK(normalize_space("  a \t\n b\u00A0\u00A0c\u200B ") == "a b c");
}

TEST_CASE("html: hostile nesting stays bounded") {
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "<div>";
  deep += "deep text";
  const converted c = html_to_gemtext(deep, "");
  CHECK(c.body.size() <= 1);  // the text below the depth limit is dropped, nothing crashes
}
