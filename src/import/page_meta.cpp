// Page metadata: <head> meta tags, JSON-LD, <time>, bylines.
#include "page_meta.hpp"

#include <algorithm>

#include "html_dom.hpp"
#include "twinstar/ascii.hpp"
#include "twinstar/import/convert.hpp"
#include "utf8.hpp"

namespace twinstar::news::detail {
namespace {

// A byline longer than this is a sentence, not a name.
constexpr std::size_t max_byline_bytes = 100;

unsigned hex4(std::string_view s, std::size_t at) {
  if (at + 4 > s.size()) return 0xFFFD;
  unsigned value = 0;
  for (std::size_t i = at; i < at + 4; ++i) {
    const char c = s[i];
    value <<= 4;
    if (c >= '0' && c <= '9')
      value |= static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f')
      value |= static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      value |= static_cast<unsigned>(c - 'A' + 10);
    else
      return 0xFFFD;
  }
  return value;
}

std::size_t skip_space(std::string_view s, std::size_t at) {
  while (at < s.size() && (s[at] == ' ' || s[at] == '\n' || s[at] == '\t' || s[at] == '\r')) ++at;
  return at;
}

// The JSON string starting at s[at] == '"'; `end` is set past its quote.
std::string read_string(std::string_view s, std::size_t at, std::size_t& end) {
  std::string out;
  std::size_t i = at + 1;
  for (; i < s.size() && s[i] != '"'; ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    const char e = s[++i];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
      case 'b':
      case 'f':
        out += ' ';
        break;
      case 'u': {
        unsigned code = hex4(s, i + 1);
        i += 4;
        if (code >= 0xD800 && code < 0xDC00 && i + 6 < s.size() && s[i + 1] == '\\' && s[i + 2] == 'u') {
          const unsigned low = hex4(s, i + 3);
          if (low >= 0xDC00 && low < 0xE000) {
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
        }
        append_utf8(out, code);
        break;
      }
      default:
        out += e;  // \" \\ \/
    }
  }
  end = i + 1;
  return out;
}

// Position of the value of the first `"key":` outside strings; npos if none.
std::size_t find_value(std::string_view json, std::string_view key) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  for (std::size_t at = 0; at < json.size(); ++at) {
    if (json[at] != '"') continue;
    std::size_t end = 0;
    if (json.substr(at, quoted.size()) == quoted) {
      std::size_t colon = skip_space(json, at + quoted.size());
      if (colon < json.size() && json[colon] == ':') return skip_space(json, colon + 1);
    }
    read_string(json, at, end);
    at = end - 1;
  }
  return std::string_view::npos;
}

// End of the object or array starting at json[at].
std::size_t value_end(std::string_view json, std::size_t at) {
  int depth = 0;
  for (std::size_t i = at; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '"') {
      std::size_t end = 0;
      read_string(json, i, end);
      i = end - 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return json.size();
}

std::string attr(const GumboNode* node, const char* name) { return std::string(attribute(node, name)); }

bool is_url(std::string_view text) {
  return text.find("://") != std::string_view::npos || text.starts_with("/");
}

std::string without_by(std::string text) {
  text = normalize_space(text);
  // "Name (https://home.page/)": the name.
  if (const auto open = text.rfind(" (");
      open != std::string::npos && text.ends_with(")") && is_url(std::string_view(text).substr(open + 2))) {
    text.resize(open);
  }
  if (text.size() > 3 && ascii_lower(std::string_view(text).substr(0, 3)) == "by ") text.erase(0, 3);
  if (text.size() > max_byline_bytes || is_url(text)) return "";
  return text;
}

template <class F>
void for_each_element(const GumboNode* node, F&& f, int depth = 0) {
  if (depth > max_depth) return;
  if (node->type == GUMBO_NODE_ELEMENT && f(node)) return;
  for_each_child(node, [&](const GumboNode* child) { for_each_element(child, f, depth + 1); });
}

}  // namespace

std::string json_string_value(std::string_view json, std::string_view key) {
  const std::size_t at = find_value(json, key);
  if (at >= json.size() || json[at] != '"') return "";
  std::size_t end = 0;
  return read_string(json, at, end);
}

std::vector<std::string> json_names(std::string_view json, std::string_view key) {
  std::vector<std::string> names;
  const std::size_t at = find_value(json, key);
  if (at >= json.size()) return names;
  std::size_t end = 0;
  if (json[at] == '"') {
    names.push_back(read_string(json, at, end));
    return names;
  }
  if (json[at] != '{' && json[at] != '[') return names;
  std::string_view value = json.substr(at, value_end(json, at) - at);
  while (true) {
    const std::size_t name = find_value(value, "name");
    if (name >= value.size() || value[name] != '"') break;
    std::string text = read_string(value, name, end);
    if (!text.empty() && std::find(names.begin(), names.end(), text) == names.end()) names.push_back(text);
    value.remove_prefix(end);
  }
  return names;
}

std::string strip_site_name(std::string_view title, std::string_view site_name) {
  static constexpr std::string_view separators[] = {" | ",  " - ",       " \xE2\x80\x93 ", " \xE2\x80\x94 ",
                                                    " :: ", " \xC2\xB7 "};
  std::size_t cut = std::string_view::npos;
  std::size_t width = 0;
  for (std::string_view sep : separators) {
    const std::size_t at = title.rfind(sep);
    if (at != std::string_view::npos && (cut == std::string_view::npos || at > cut)) {
      cut = at;
      width = sep.size();
    }
  }
  if (cut == std::string_view::npos) return std::string(title);
  const std::string_view head = title.substr(0, cut);
  const std::string_view tail = title.substr(cut + width);
  auto words = [](std::string_view s) { return 1 + std::count(s.begin(), s.end(), ' '); };
  if ((!site_name.empty() && ascii_lower(tail) == ascii_lower(site_name)) ||
      (words(head) >= 2 && words(tail) <= 4)) {
    return std::string(head);
  }
  return std::string(title);
}

page_meta read_page_meta(const GumboNode* root) {
  page_meta meta;
  std::string twitter_title;
  std::string meta_author;
  std::string meta_date;
  std::string og_url;
  std::string ld_date;
  std::vector<std::string> ld_authors;
  for_each_element(root, [&](const GumboNode* node) {
    const std::string_view tag = tag_of(node);
    if (tag == "meta") {
      const std::string key = ascii_lower(!attribute(node, "property").empty() ? attribute(node, "property")
                                          : !attribute(node, "name").empty()   ? attribute(node, "name")
                                                                               : attribute(node, "itemprop"));
      const std::string content = normalize_space(attribute(node, "content"));
      if (content.empty()) return true;
      if (key == "og:title" && meta.og_title.empty()) meta.og_title = content;
      if (key == "twitter:title" && twitter_title.empty()) twitter_title = content;
      if (key == "og:site_name" && meta.site_name.empty()) meta.site_name = content;
      if (key == "og:url" && og_url.empty()) og_url = content;
      if ((key == "author" || key == "article:author" || key == "byl" || key == "dc.creator" ||
           key == "parsely-author" || key == "sailthru.author") &&
          meta_author.empty()) {
        meta_author = without_by(content);
      }
      if ((key == "article:published_time" || key == "datepublished" || key == "date" || key == "pubdate" ||
           key == "publishdate" || key == "dc.date" || key == "dcterms.date" || key == "dc.date.issued" ||
           key == "parsely-pub-date" || key == "sailthru.date" || key == "og:published_time") &&
          meta_date.empty()) {
        meta_date = content;
      }
      return true;
    }
    if (tag == "link" && meta.canonical.empty()) {
      if (ascii_lower(attribute(node, "rel")) == "canonical") meta.canonical = attr(node, "href");
      return true;
    }
    if (tag == "title" && meta.document_title.empty()) {
      meta.document_title = text_of(node);
      return true;
    }
    if (tag == "script") {
      if (ascii_lower(attribute(node, "type")) != "application/ld+json") return true;
      std::string json;
      for_each_child(node, [&](const GumboNode* child) {
        if (child->type == GUMBO_NODE_TEXT || child->type == GUMBO_NODE_WHITESPACE)
          json += child->v.text.text;
      });
      if (meta.ld_headline.empty()) meta.ld_headline = normalize_space(json_string_value(json, "headline"));
      if (ld_date.empty()) ld_date = json_string_value(json, "datePublished");
      if (ld_authors.empty()) {
        for (std::string& name : json_names(json, "author")) {
          name = without_by(name);
          if (!name.empty()) ld_authors.push_back(std::move(name));
        }
      }
      return true;
    }
    return false;
  });
  if (meta.og_title.empty()) meta.og_title = twitter_title;
  meta.authors = !ld_authors.empty() ? ld_authors : std::vector<std::string>{};
  if (meta.authors.empty() && !meta_author.empty()) meta.authors.push_back(meta_author);
  meta.published = !meta_date.empty() ? meta_date : ld_date;
  if (meta.canonical.empty()) meta.canonical = og_url;
  return meta;
}

std::string find_time(const GumboNode* scope) {
  std::string found;
  for_each_element(scope, [&](const GumboNode* node) {
    if (!found.empty()) return true;
    if (tag_of(node) == "time" && !attribute(node, "datetime").empty()) {
      found = attr(node, "datetime");
    } else if (attribute(node, "itemprop") == "datePublished") {
      found = !attribute(node, "datetime").empty() ? attr(node, "datetime") : attr(node, "content");
    }
    return !found.empty() || is_dropped(node);
  });
  return found;
}

byline find_byline(const GumboNode* scope) {
  byline found;
  for_each_element(scope, [&](const GumboNode* node) {
    if (found.node != nullptr) return true;
    if (is_dropped(node)) return true;
    const std::string hints = ascii_lower(std::string(attribute(node, "class")) + " " + attr(node, "id"));
    const bool named = attribute(node, "rel") == "author" || attribute(node, "itemprop") == "author" ||
                       hints.find("byline") != std::string::npos ||
                       (hints.find("author") != std::string::npos && hints.find("bio") == std::string::npos);
    if (!named) return false;
    found.name = without_by(text_of(node));
    found.node = node;
    return true;
  });
  if (found.name.empty()) return {};
  return found;
}

}  // namespace twinstar::news::detail
