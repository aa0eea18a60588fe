// Reader view: which part of a page is the article, its title, byline and
// date (html_to_gemtext with title_mode::extract).
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "support.hpp"
#include "twinstar/import/convert.hpp"
#include "twinstar/import/source.hpp"

using namespace twinstar;
using namespace twinstar::news;

namespace {

// A paragraph long enough to count as article text.
std::string prose(const std::string& word) {
  std::string p = "<p>";
  for (int i = 0; i < 12; ++i)
    p += word + " sentence number " + std::to_string(i) + ", with commas, and more words. ";
  return p + "</p>";
}

struct content_case {
  const char* name;
  std::string html;
  const char* must_contain;
  const char* must_not_contain;
};

}  // namespace

TEST_CASE("reader: the article is chosen by its text, not by being first") {
  const content_case cases[] = {
      {"a sidebar promo <article> before the post",
       "<body><aside><article><h2>Promo</h2><p>Buy <a href=/x>now</a></p></article></aside>"
       "<div class=post-body>" +
           prose("Real") + prose("Real") + prose("Real") + "</div></body>",
       "Real sentence number 0", "Promo"},
      {"two <article>s, the second is the post",
       "<body><article class=teaser><p><a href=/a>Teaser one</a></p></article><article>" + prose("Story") +
           prose("Story") + "</article></body>",
       "Story sentence", "Teaser one"},
      {"<main> with share buttons and comments around the <article>",
       "<body><main><div class=share-tools><a href=/fb>Share on Facebook</a></div><article>" + prose("Body") +
           prose("Body") + "</article><section id=comments><div class=comment>" + prose("Comment") +
           "</div></section></main></body>",
       "Body sentence", "Comment sentence"},
      {"share links gone",
       "<body><main><div class=share-tools><a href=/fb>Share on Facebook</a></div><article>" + prose("Body") +
           prose("Body") + "</article></main></body>",
       "Body sentence", "Share on Facebook"},
      {"related and trending blocks dropped",
       "<body><div id=content>" + prose("Text") + prose("Text") +
           "<div class=related-articles><h3>Related</h3><ul><li><a href=/r1>Other story one</a></li>"
           "<li><a href=/r2>Other story two</a></li></ul></div><div class=trending><a href=/t>Hot "
           "now</a></div>"
           "</div></body>",
       "Text sentence", "Other story"},
      {"link-heavy menu div loses to prose",
       "<body><div class=menu><p><a href=/1>Politics and more politics and things</a> <a href=/2>Sport and "
       "more sport and other sports</a></p></div><div>" +
           prose("Prose") + prose("Prose") + "</div></body>",
       "Prose sentence", "Politics"},
      {"sibling paragraphs of the best block are merged",
       "<body><div class=wrap><div class=article-text>" + prose("First") + prose("First") + "</div>" +
           prose("Sibling") + "<div class=footer><a href=/c>Copyright notice link</a></div></div></body>",
       "Sibling sentence", "Copyright notice"},
      {"utility classes like overflow-hidden are no hint",
       "<body><article>" + prose("Main") + prose("Main") + prose("Main") +
           "<div class=\"overflow-hidden rounded\">" + prose("Wrapped") + "</div></article></body>",
       "Wrapped sentence", "no such text"},
      {"a post made of list items beats a long comment in the thread below it",
       std::string("<body><main><article><div class=entry-content><ul><li>") +
           "First item, a sentence long enough to count, with commas, like a weekly report's.</li>"
           "<li>Second item, a sentence long enough to count, with commas, like a weekly report's.</li>"
           "<li>Third item, a sentence long enough to count, with commas, like a weekly report's.</li>"
           "</ul></div></article><section id=comments><ol><li class=\"comment hentry\"><blockquote "
           "class=entry-content>" +
           prose("Comment") + "</blockquote></li></ol></section></main></body>",
       "First item", "Comment sentence"},
      {"a list of sentence-long links in the post stays and a menu of short links goes",
       "<body><div class=article>" + prose("Post") + prose("Post") +
           "<ul><li><a href=/b1>Bug 1677080 \u2013 Fullscreen window is affected by switching source</a></li>"
           "<li><a href=/b2>Bug 1677107 \u2013 Add telemetry for tracking multiple window usage</a></li></ul>"
           "<ul><li><a href=/h>Home</a></li><li><a href=/a>About us</a></li></ul></div></body>",
       "Bug 1677080", "About us"},
      {"a heading's permalink mark to itself is no text",
       "<body><article><h2 id=s>Section title <a href=#s class=bookmark>#</a></h2>" + prose("Post") +
           prose("Post") + "</article></body>",
       "Section title\n", "Section title #"},
      {"site footer and nav never in the article",
       "<body><nav><a href=/>Home</a></nav><div class=article>" + prose("Main") + prose("Main") +
           "</div><footer><p>About us and our many other nice things here, really many of "
           "them</p></footer></body>",
       "Main sentence", "About us"},
  };
  for (const content_case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    const converted page = html_to_gemtext(c.html, "https://example.com/", title_mode::extract);
    const std::string body = test::body_text(page.body);
    CAPTURE(body);
    CHECK(body.find(c.must_contain) != std::string::npos);
    CHECK(body.find(c.must_not_contain) == std::string::npos);
  }
}

TEST_CASE("reader: a small page without any long text keeps its <main>") {
  const converted page = html_to_gemtext(
      "<body><header><a href=/>Site</a></header><main><p>Short note.</p></main><footer>foot</footer></body>",
      "", title_mode::extract);
  CHECK(test::body_text(page.body) == "Short note.\n");
}

struct title_case {
  const char* name;
  const char* head;
  const char* body;
  const char* title;
};

TEST_CASE("reader: the title") {
  const title_case cases[] = {
      {"og:title first", "<meta property=og:title content='Open Graph title'><title>T | Site</title>",
       "<h1>Heading</h1>", "Open Graph title"},
      {"twitter:title", "<meta name=twitter:title content='Twitter title'><title>T | Site</title>", "",
       "Twitter title"},
      {"JSON-LD headline",
       "<script type=application/ld+json>{\"@type\":\"NewsArticle\",\"headline\":\"LD \\\"quoted\\\" "
       "headline\"}</script><title>T | Site</title>",
       "", "LD \"quoted\" headline"},
      {"a JSON-LD headline the page never shows is no title",
       "<script type=application/ld+json>{\"headline\":\"Wikimedia list article\"}</script>"
       "<title>List of films featuring time loops - Wikipedia</title>",
       "<h1>List of films featuring time loops</h1><div id=text>", "List of films featuring time loops"},
      {"<h1> inside the content, not the site's logo <h1>", "<title>Story | Site</title>",
       "<header><h1>Site</h1></header><article><h1>Story headline</h1>", "Story headline"},
      {"<title> minus ' | Site'", "<title>The story | The Site</title>", "", "The story"},
      {"<title> minus ' - Site'", "<title>The story - Site Name</title>", "", "The story"},
      {"<title> minus ' — Site'", "<title>The story \u2014 Site</title>", "", "The story"},
      {"<title> minus ' – Site'", "<title>The story \u2013 Site</title>", "", "The story"},
      {"a dash inside the title stays", "<title>Left - right: the debate</title>", "",
       "Left - right: the debate"},
      {"<title> minus the suffix after the page's own one-word <h1>", "<title>Mozilla - Wikipedia</title>",
       "<h1 id=firstHeading>Mozilla</h1><div id=mw-content-text>", "Mozilla"},
      {"og:title minus og:site_name",
       "<meta property=og:site_name content=Daily><meta property=og:title content='Big news | Daily'>", "",
       "Big news"},
  };
  for (const title_case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    const std::string html = std::string("<html><head>") + c.head + "</head><body>" + c.body + prose("Text") +
                             prose("Text") + "</body></html>";
    const converted page = html_to_gemtext(html, "", title_mode::extract);
    CHECK(page.title == c.title);
  }
}

TEST_CASE("reader: a byline that gave the author is not repeated in the body") {
  const converted page = html_to_gemtext(
      "<article><h1>T</h1><p class=byline>By Cy Columnist</p>" + prose("Text") + prose("Text") + "</article>",
      "", title_mode::extract);
  CHECK(page.author == "Cy Columnist");
  CHECK(test::body_text(page.body).find("Cy Columnist") == std::string::npos);
}

TEST_CASE("reader: the title's <h1> is not repeated in the body") {
  const converted page = html_to_gemtext(
      "<head><meta property=og:title content='Story headline'></head><article><h1>Story headline</h1>" +
          prose("Text") + "</article>",
      "", title_mode::extract);
  CHECK(page.title == "Story headline");
  CHECK(test::body_text(page.body).find("Story headline") == std::string::npos);
}

struct meta_case {
  const char* name;
  const char* html;
  const char* author;
  const char* date;
};

TEST_CASE("reader: author and date") {
  const meta_case cases[] = {
      {"meta tags",
       "<meta name=author content='Ann Writer'><meta property=article:published_time "
       "content=2024-03-05T23:30:00-05:00>",
       "Ann Writer", "2024-03-06"},
      {"JSON-LD object author",
       "<script type=\"application/ld+json\">{\"datePublished\": \"2023-11-02T08:00:00Z\", \"author\": "
       "{\"@type\": \"Person\", \"name\": \"Bo Reporter\"}}</script>",
       "Bo Reporter", "2023-11-02"},
      {"JSON-LD author list",
       "<script type=application/ld+json>[{\"@type\":\"NewsArticle\",\"author\":[{\"name\":\"A One\"},"
       "{\"name\":\"B Two\"}],\"datePublished\":\"2022-01-09\"}]</script>",
       "A One, B Two", "2022-01-09"},
      {"<time datetime> in the article", "<article><time datetime=2021-07-04T10:00:00Z>July 4</time>", "",
       "2021-07-04"},
      {"byline element", "<article><p class=byline>By Cy Columnist</p>", "Cy Columnist", ""},
      {"rel=author link", "<article><a rel=author href=/cy>Cy Columnist</a>", "Cy Columnist", ""},
      {"a name followed by its home page",
       "<meta name=author content='Bradley M. Kuhn (http://ebb.org/bkuhn/)'>", "Bradley M. Kuhn", ""},
      {"article:author as a URL is not a name",
       "<meta property=article:author content=https://www.facebook.com/someone>", "", ""},
      {"nothing stated", "<p>x</p>", "", ""},
  };
  for (const meta_case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    const converted page =
        html_to_gemtext(std::string(c.html) + prose("Text") + prose("Text"), "", title_mode::extract);
    CHECK(page.author == c.author);
    CHECK(page.date == c.date);
  }
}

TEST_CASE("reader: a stated time of publication is kept as an instant") {
  const converted timed =
      html_to_gemtext("<meta property=article:published_time content=2024-03-05T23:30:00-05:00>" +
                          prose("Text") + prose("Text"),
                      "", title_mode::extract);
  CHECK(timed.date == "2024-03-06");
  CHECK(timed.published == std::optional<std::int64_t>(1'709'699'400));  // 2024-03-06T04:30:00Z
  const converted day_only =
      html_to_gemtext("<article><time datetime=2021-07-04>July 4</time>" + prose("Text") + prose("Text"), "",
                      title_mode::extract);
  CHECK(day_only.date == "2021-07-04");
  CHECK_FALSE(day_only.published.has_value());
}

struct base_case {
  const char* name;
  const char* head;
  const char* source_url;
  const char* link;
  const char* canonical;
};

TEST_CASE("reader: the base URL and the page's own URL") {
  const base_case cases[] = {
      {"<base href> wins", "<base href=https://b.example/d/><link rel=canonical href=https://c.example/p>",
       "", "=> https://b.example/d/x.html x", "https://c.example/p"},
      {"--source-url over canonical", "<link rel=canonical href=https://c.example/p>",
       "https://s.example/n/page", "=> https://s.example/n/x.html x", "https://c.example/p"},
      {"canonical without --source-url", "<link rel=canonical href=https://c.example/news/p>", "",
       "=> https://c.example/news/x.html x", "https://c.example/news/p"},
      {"og:url without canonical", "<meta property=og:url content=https://o.example/a/p>", "",
       "=> https://o.example/a/x.html x", "https://o.example/a/p"},
      {"nothing: relative", "", "", "=> x.html x", ""},
  };
  for (const base_case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    const std::string html =
        std::string("<head>") + c.head + "</head><body><p><a href=x.html>x</a></p></body>";
    const converted page = html_to_gemtext(html, c.source_url, title_mode::extract);
    CHECK(test::body_text(page.body).find(c.link) != std::string::npos);
    CHECK(page.canonical_url == c.canonical);
  }
}

TEST_CASE("reader: real pages give their golden gemtext") {
  int pages = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::data_dir() / "pages")) {
    const auto golden = entry.path() / "golden.gmi";
    if (!std::filesystem::exists(golden)) continue;
    const std::string name = entry.path().filename().string();
    CAPTURE(name);
    source_options o;
    o.date = "2000-01-01";
    auto imported = import_document(test::read_file(entry.path() / "source.html"), "source.html", o);
    REQUIRE_MESSAGE(imported.ok(), (imported.ok() ? "" : imported.error().to_string()));
    CHECK(render_gemtext(imported->front()) == test::read_file(golden));
    ++pages;
  }
  CHECK(pages >= 6);
}
