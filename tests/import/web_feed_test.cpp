#include "twinstar/import/web_feed.hpp"

#include <doctest/doctest.h>

#include "support.hpp"

using namespace twinstar;
using namespace twinstar::news;

namespace {

web_feed load(std::string_view name, std::string_view base = "") {
  const auto file = test::data_dir() / "feeds" / "wellformed" / std::string(name);
  auto parsed = parse_web_feed(test::read_file(file), file.string(), base);
  REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().to_string()));
  return parsed.value();
}

std::string body_of(const web_feed_item& item) { return test::body_text(item.body); }

}  // namespace

TEST_CASE("web_feed: RSS 2.0 content / description and dates") {
  const web_feed encoded = load("item_content_encoded.xml");
  REQUIRE(encoded.items.size() == 1);
  CHECK(body_of(encoded.items[0]) == "Example content\n");

  const web_feed naked = load("item_description_naked_markup.xml");
  REQUIRE(naked.items.size() == 1);
  CHECK(body_of(naked.items[0]) == "Example description\n");

  const web_feed xhtml = load("item_xhtml_body.xml");
  REQUIRE(xhtml.items.size() == 1);
  CHECK(body_of(xhtml.items[0]) == "Example content\n");

  CHECK(load("item_pubDate.xml").items.at(0).date == "2004-01-01");
  CHECK(load("item_dc_date.xml").items.at(0).date == "2003-12-31");
  CHECK(load("entity_in_doctype.xml").items.at(0).guid == "tag:example.com,2006-05-04:/blog/");
  CHECK(body_of(load("demoronize-1.xml").items.at(0)) == "don\u2019t\n");
}

TEST_CASE("web_feed: hostile HTML content loses its scripts and handlers") {
  const web_feed crazy = load("item_content_encoded_crazy.xml");
  REQUIRE(crazy.items.size() == 1);
  CHECK(body_of(crazy.items[0]) ==
        "## Did The Javascript Execute?\n\nI will execute here, too, if you mouse over me\n");
}

TEST_CASE("web_feed: enclosures become links") {
  const web_feed f = load("item_enclosure_multiple.xml");
  REQUIRE(f.items.size() == 1);
  CHECK(f.items[0].link == "http://example.com/");
  CHECK(body_of(f.items[0]) ==
        "=> http://example.com/1 Enclosure (image/jpeg)\n=> http://example.com/2 Enclosure (image/gif)\n");
  CHECK(body_of(load("entry_link_rel_enclosure.xml").items.at(0)) ==
        "=> http://www.example.com/ Enclosure (text/html)\n");
  const web_feed relative = load("rss_2.0_relurl_2.xml");
  REQUIRE(relative.items.size() == 1);
  CHECK(body_of(relative.items[0])
            .find("=> https://kryogenix.org/images/me/hackergotchi-simpler.png Enclosure\n") !=
        std::string::npos);
}

TEST_CASE("web_feed: relative links resolve against xml:base / the feed URL or the self link") {
  const web_feed unicode = load("rel_uri_with_unicode_character.xml");
  CHECK(body_of(unicode.items.at(0)) == "uri\n\n=> http://any.test/\u00C0 uri\n");
  CHECK(unicode.link.empty());

  const web_feed relative = load("atom_relative.xml");
  REQUIRE(relative.items.size() == 1);
  CHECK(relative.link == "https://example.com/blog/");
  CHECK(relative.items[0].link == "https://example.com/blog/2003/12/13/atom03");
  CHECK(relative.items[0].author == "Jane Doe");  // inherited from the feed
  CHECK(relative.items[0].date == "2003-12-13");

  const web_feed based = load("atom_xml_base.xml");
  REQUIRE(based.items.size() == 1);
  CHECK(based.items[0].title == "my cool entry title");
  CHECK(based.items[0].date == "2022-04-21");
  CHECK(based.items[0].link.empty());
  CHECK(body_of(based.items[0]) == "=> https://numi.st/post/2022/travel-uke/IMG_1232.jpeg Image\n");

  // The feed's own URL (as the mirror passes it) is the base of last resort.
  const web_feed with_base = load("rss_2.0_relurl_1.xml", "https://feeds.example/rss.xml");
  REQUIRE(with_base.items.size() == 2);
  for (const web_feed_item& item : with_base.items) CHECK(item.link.starts_with("https://"));
}

TEST_CASE("web_feed: an unsafe xml:base is ignored") {
  const web_feed f = load("unsafe_base.xml");
  REQUIRE(f.items.size() == 1);
  CHECK(f.items[0].title == "Example test");
}

TEST_CASE("web_feed: Atom text constructs") {
  CHECK(body_of(load("entry_content_inline_markup.xml").items.at(0)) == "Example Atom\n");
  CHECK(body_of(load("entry_content_escaped_markup.xml").items.at(0)) == "Example Atom\n");
  CHECK(body_of(load("entry_content_mode_escaped.xml").items.at(0)) == "Example Atom\n");
  CHECK(body_of(load("entry_content_src.xml").items.at(0)) == "=> http://example.com/movie.mp4 Content\n");
  CHECK(load("entry_content_base64.xml").items.at(0).body.empty());  // not shown
  CHECK(load("amp33.xml").items.at(0).title == "&");
  CHECK(load("missing_quote_in_attr.xml").title == "example");
  CHECK(load("relative_uri_inherit.xml").title == "Example test");
  CHECK(load("entry_issued.xml").items.at(0).date == "2004-01-01");
  CHECK(body_of(load("atommathml.xml").items.at(0)) == "a+b\n");
}

TEST_CASE("web_feed: encodings") {
  CHECK(load("euc-kr.xml").title == "\uB144");
  CHECK(load("utf-16le-bom.xml").items.empty());  // UTF-16 with a BOM parses; the channel is empty
  const web_feed golem = load("rss_1.0_iso8859.xml");
  REQUIRE(golem.items.size() == 1);
  CHECK(golem.items[0].title == "Digitalministerium: Neue Glasfaserf\u00F6rderung mit Schnellkasse");
  CHECK(golem.items[0].author == "Achim Sawall");
  CHECK(body_of(golem.items[0]).find("=> https://www.golem.de/2301/171451-364223-364219_rc.jpg Image\n") !=
        std::string::npos);
  CHECK(body_of(golem.items[0]).find("cpx.golem.de") == std::string::npos);  // the 1x1 tracking pixel
}

TEST_CASE("web_feed: RSS 1.0 / namespaced RSS 2.0 and the DTD that must not be fetched") {
  for (const char* name :
       {"rss1.0withModules.xml", "rss1.0withModulesNoDefNS.xml", "rss2.0NSwithModules.xml"}) {
    CAPTURE(name);
    const web_feed f = load(name);
    REQUIRE(f.items.size() == 1);
    CHECK(f.items[0].title.starts_with("Test Item - RSS"));
    CHECK(f.items[0].date == "2002-09-28");
    CHECK(f.items[0].link.starts_with("http://www.pocketsoap.com/weblog/rssTests/"));
  }
  CHECK(load("doctype_contains_entity_decl.xml").items.empty());
  const web_feed debian = load("rss_1.0_debian.xml");
  REQUIRE(debian.items.size() == 1);
  CHECK(debian.items[0].title == "Updated Debian 11: 11.6 released");
  CHECK(debian.items[0].date == "2022-12-17");
  CHECK(debian.items[0].link == "https://www.debian.org/News/2022/20221217");
}

TEST_CASE("web_feed: real-world RSS 2.0 feeds") {
  const web_feed cloudflare = load("rss_2.0_cloudflare.xml");
  CHECK(cloudflare.title == "The Cloudflare Blog");
  REQUIRE(cloudflare.items.size() == 1);
  const web_feed_item& post = cloudflare.items[0];
  CHECK(post.title == "Privacy-Preserving Compromised Credential Checking");
  CHECK(post.author == "Luke Valenta");
  CHECK(post.date == "2021-10-14");
  const std::string body = body_of(post);
  CHECK(body.find("```") != std::string::npos);    // <pre><code>
  CHECK(body.find("\n## ") != std::string::npos);  // h2
  CHECK(body.find("\n* ") != std::string::npos);   // the list
  CHECK(body.find("=> mailto:") != std::string::npos);

  const web_feed spiegel = load("rss_2.0_spiegel.xml");
  REQUIRE(spiegel.items.size() == 1);
  CHECK(spiegel.items[0].title.starts_with("07.02. \u2013 die Wochenvorschau: Lockdown-Verl\u00E4ngerung"));
  CHECK(spiegel.items[0].date == "2021-02-06");

  CHECK(load("rss_2.0_nbcny.xml").items.at(0).date == "2023-12-16");         // "Sat, Dec 16 2023 02:02:33 PM"
  CHECK(load("rss_2.0_example_6.xml").items.at(0).date == "2020-02-06");     // PST
  CHECK(load("rss_2.0_ilmessaggero.xml").items.at(0).date == "2022-11-15");  // "mer, 16 nov 2022 00:.. +0100"
  const web_feed relurl = load("rss_2.0_relurl_1.xml");
  REQUIRE(relurl.items.size() == 2);
  CHECK(relurl.items[0].author.find('@') == std::string::npos);  // "email (Name)" -> Name
}

TEST_CASE("web_feed: errors") {
  auto not_feed = parse_web_feed("<?xml version=\"1.0\"?>\n<html><body/></html>", "page.xml", "");
  REQUIRE_FALSE(not_feed.ok());
  CHECK(not_feed.error().to_string() == "page.xml:2:1: not an RSS or Atom feed: the root element is <html>");
  auto empty = parse_web_feed("", "empty.xml", "");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().file == "empty.xml");
  // External entities are never read (XXE), not even local files.
  auto xxe = parse_web_feed(
      "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>"
      "<rss><channel><title>&x;</title></channel></rss>",
      "xxe.xml", "");
  if (xxe.ok()) CHECK(xxe->title.empty());
  // Entity expansion bombs hit libxml2's limits instead of eating memory.
  std::string bomb = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"aaaaaaaaaa\">";
  for (char c = 'b'; c <= 'k'; ++c) {
    bomb += std::string("<!ENTITY ") + c + " \"";
    for (int i = 0; i < 10; ++i) bomb += std::string("&") + static_cast<char>(c - 1) + ";";
    bomb += "\">";
  }
  bomb += "]><rss><channel><title>&k;</title></channel></rss>";
  auto exploded = parse_web_feed(bomb, "bomb.xml", "");
  REQUIRE_FALSE(exploded.ok());
  CHECK(exploded.error().line == 1);
}

TEST_CASE("web_feed: looks_like_web_feed") {
  CHECK(looks_like_web_feed("<?xml version=\"1.0\"?><!-- x --><rss>"));
  CHECK(looks_like_web_feed("<!DOCTYPE rdf:RDF [ ]>\n<rdf:RDF>"));
  CHECK(looks_like_web_feed("<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
  CHECK_FALSE(looks_like_web_feed("<html>"));
  CHECK_FALSE(looks_like_web_feed("plain"));
}

namespace {

web_feed parse_inline(const std::string& xml) {
  auto parsed = parse_web_feed(xml, "inline.xml", "");
  REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().to_string()));
  return parsed.value();
}

const char* const rss_head =
    "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"
    "<channel><title>C</title>";

}  // namespace

TEST_CASE("web_feed: base64 Atom content is decoded") {
  // "<p>Hello <b>base64</b></p>" and "plain text"
  const web_feed f = parse_inline(
      "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><title>T</title>"
      "<entry><title>E</title><content type=\"text/html\" "
      "mode=\"base64\">PHA+SGVsbG8gPGI+YmFzZTY0PC9iPjwvcD4="
      "</content></entry>"
      "<entry><title>F</title><content type=\"text/plain\" "
      "mode=\"base64\">cGxhaW4g\ndGV4dA==</content></entry>"
      "</feed>");
  REQUIRE(f.items.size() == 2);
  CHECK(body_of(f.items[0]) == "Hello base64\n");
  CHECK(body_of(f.items[1]) == "plain text\n");
}

struct stub_case {
  const char* name;
  const char* encoded;
  const char* body;
};

TEST_CASE("web_feed: a stub content:encoded does not win over a fuller description") {
  const stub_case cases[] = {
      {"an ellipsis", "<![CDATA[<p>...</p>]]>", "The full description of the story.\n"},
      {"a Unicode ellipsis", "\xE2\x80\xA6", "The full description of the story.\n"},
      {"the title repeated", "<![CDATA[<p>Story title</p>]]>", "The full description of the story.\n"},
      {"much shorter than the description", "The full", "The full description of the story.\n"},
      {"a real content:encoded wins", "<![CDATA[<p>Full text, longer than the description is.</p>]]>",
       "Full text, longer than the description is.\n"},
  };
  for (const stub_case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    const web_feed f =
        parse_inline(std::string(rss_head) +
                     "<item><title>Story title</title><description>The full description of the "
                     "story.</description><content:encoded>" +
                     c.encoded + "</content:encoded></item></channel></rss>");
    REQUIRE(f.items.size() == 1);
    CHECK(body_of(f.items[0]) == c.body);
  }
}

TEST_CASE("web_feed: HTML named entities without a DTD are read, with a warning") {
  const web_feed f = parse_inline(std::string(rss_head) +
                                  "<item><title>Wait&hellip; caf&eacute;&nbsp;now &amp; then</title>"
                                  "<description><![CDATA[<p>&copy; kept for HTML</p>]]></description></item>"
                                  "</channel></rss>");
  REQUIRE(f.items.size() == 1);
  CHECK(f.items[0].title == "Wait\u2026 caf\u00E9 now & then");
  CHECK(body_of(f.items[0]) == "\u00A9 kept for HTML\n");
  REQUIRE(f.warnings.size() == 1);
  CHECK(f.warnings[0].message.find("&hellip;") != std::string::npos);

  auto unknown = parse_web_feed(
      std::string(rss_head) + "<item><title>a &nosuch; b</title></item></channel></rss>", "bad.xml", "");
  CHECK_FALSE(unknown.ok());  // not an HTML entity either: still an error
}
