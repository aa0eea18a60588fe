#pragma once
// Private to the importer: what a page says about itself in <head> and
// JSON-LD (titles, authors, dates, its own URL).
#include <gumbo.h>

#include <string>
#include <string_view>
#include <vector>

namespace twinstar::news::detail {

struct page_meta {
  std::string og_title;              // og:title, else twitter:title
  std::string ld_headline;           // JSON-LD "headline"
  std::string document_title;        // <title>, whitespace normalised
  std::string site_name;             // og:site_name
  std::vector<std::string> authors;  // JSON-LD author names, else meta author
  std::string published;             // the first date stated, as written
  std::string canonical;             // <link rel=canonical>, else og:url, as written
};

// Reads <meta>, <link>, <title> and <script type="application/ld+json">
// anywhere in the page. Never fails: what is missing stays empty.
page_meta read_page_meta(const GumboNode* root);

// A <title> without its site-name suffix: the part before the last " | ",
// " - ", " – " or " — " when that part has at least two words and the
// suffix at most four (or the suffix is `site_name`).
std::string strip_site_name(std::string_view title, std::string_view site_name);

// JSON-LD without a JSON library: the first string value of `key`
// anywhere in `json` (escapes decoded), and for "author" every "name"
// inside its value (or the value itself when it is a string).
std::string json_string_value(std::string_view json, std::string_view key);
std::vector<std::string> json_names(std::string_view json, std::string_view key);

}  // namespace twinstar::news::detail

namespace twinstar::news::detail {

// Inside `scope` (the article): the first <time datetime> (or an element
// with itemprop=datePublished), as written; "" when none.
std::string find_time(const GumboNode* scope);

// Inside `scope`: the author named by rel=author, itemprop=author or an
// element whose class names a byline/author, without a leading "By ";
// "" when none or when the text is too long to be a name.
struct byline {
  std::string name;
  const GumboNode* node = nullptr;  // the element it came from
};
byline find_byline(const GumboNode* scope);

}  // namespace twinstar::news::detail
