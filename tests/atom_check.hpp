#pragma once
// Test helper: an Atom document parsed with libxml2, validated against
// tests/data/atom/atom.rng (RFC 4287 Appendix B in RELAX NG), and checked for
// the RFC's rules that a grammar cannot say (4.1.1, 4.1.2): a feed author or
// one per entry, one id/title/updated each, an alternate link per entry,
// RFC 3339 dates, and (twinstar's promise) absolute gemini:// ids and hrefs.
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/url.hpp"

namespace twinstar::test {

inline constexpr std::string_view atom_ns = "http://www.w3.org/2005/Atom";

struct atom_entry_info {
  std::string id, title, updated, href, summary;
};

struct atom_report {
  std::vector<std::string> problems;  // empty = valid
  std::string id, title, updated, self_href, author;
  std::vector<atom_entry_info> entries;
};

namespace atom_detail {

inline std::string text_of(xmlNode* node) {
  xmlChar* content = xmlNodeGetContent(node);
  std::string text = content ? reinterpret_cast<const char*>(content) : "";
  xmlFree(content);
  return text;
}

inline std::string attribute(xmlNode* node, const char* name) {
  xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  std::string text = value ? reinterpret_cast<const char*>(value) : "";
  xmlFree(value);
  return text;
}

inline bool is_atom(xmlNode* node, std::string_view name) {
  return node->type == XML_ELEMENT_NODE && node->ns != nullptr &&
         std::string_view(reinterpret_cast<const char*>(node->ns->href)) == atom_ns &&
         std::string_view(reinterpret_cast<const char*>(node->name)) == name;
}

inline std::vector<xmlNode*> children(xmlNode* parent, std::string_view name) {
  std::vector<xmlNode*> found;
  for (xmlNode* child = parent->children; child != nullptr; child = child->next) {
    if (is_atom(child, name)) found.push_back(child);
  }
  return found;
}

inline void collect_error(void* context, xmlErrorPtr error) {
  auto* problems = static_cast<std::vector<std::string>*>(context);
  std::string message = error && error->message ? error->message : "unknown error";
  while (!message.empty() && message.back() == '\n') message.pop_back();
  problems->push_back("schema: line " + std::to_string(error ? error->line : 0) + ": " + message);
}

// RFC 3339 date-time: "2025-09-02T00:00:00Z", fractions and offsets allowed,
// upper-case T and Z (Atom 3.3 asks for them).
inline bool is_rfc3339(std::string_view t) {
  const auto digits = [&](std::size_t at, std::size_t count) {
    if (at + count > t.size()) return false;
    for (std::size_t i = at; i < at + count; ++i) {
      if (t[i] < '0' || t[i] > '9') return false;
    }
    return true;
  };
  if (t.size() < 20 || !digits(0, 4) || t[4] != '-' || !digits(5, 2) || t[7] != '-' || !digits(8, 2) ||
      t[10] != 'T' || !digits(11, 2) || t[13] != ':' || !digits(14, 2) || t[16] != ':' || !digits(17, 2)) {
    return false;
  }
  std::size_t i = 19;
  if (t[i] == '.') {
    const std::size_t first = ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == first) return false;
  }
  if (i < t.size() && t[i] == 'Z') return i + 1 == t.size();
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    return i + 6 == t.size() && digits(i + 1, 2) && t[i + 3] == ':' && digits(i + 4, 2);
  }
  return false;
}

inline bool is_absolute_gemini(const std::string& text) {
  auto parsed = parse_url(text);
  return parsed.ok() && parsed->scheme == "gemini" && !parsed->host.empty();
}

inline void validate_schema(xmlDoc* doc, const std::string& schema_file, std::vector<std::string>& problems) {
  xmlRelaxNGParserCtxtPtr parser = xmlRelaxNGNewParserCtxt(schema_file.c_str());
  xmlRelaxNGPtr schema = parser ? xmlRelaxNGParse(parser) : nullptr;
  if (schema == nullptr) {
    problems.push_back("schema " + schema_file + " did not load");
  } else {
    xmlRelaxNGValidCtxtPtr valid = xmlRelaxNGNewValidCtxt(schema);
    xmlRelaxNGSetValidStructuredErrors(valid, collect_error, &problems);
    if (xmlRelaxNGValidateDoc(valid, doc) != 0 && problems.empty()) problems.push_back("schema: invalid");
    xmlRelaxNGFreeValidCtxt(valid);
    xmlRelaxNGFree(schema);
  }
  if (parser) xmlRelaxNGFreeParserCtxt(parser);
}

// Exactly one child `name` of `parent`, its text; a problem otherwise.
inline std::string one(xmlNode* parent, std::string_view name, const std::string& where,
                       std::vector<std::string>& problems) {
  auto found = children(parent, name);
  if (found.size() != 1) {
    problems.push_back(where + ": " + std::to_string(found.size()) + " <" + std::string(name) + "> elements");
    return {};
  }
  return text_of(found.front());
}

}  // namespace atom_detail

inline atom_report check_atom(std::string_view xml, const std::string& schema_file) {
  using namespace atom_detail;
  atom_report report;
  auto& problems = report.problems;
  xmlDoc* doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "atom.xml", nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == nullptr) {
    problems.push_back("not well-formed XML");
    return report;
  }
  validate_schema(doc, schema_file, problems);
  xmlNode* feed = xmlDocGetRootElement(doc);
  if (feed == nullptr || !is_atom(feed, "feed")) {
    problems.push_back("the root is not atom:feed");
    xmlFreeDoc(doc);
    return report;
  }
  report.id = one(feed, "id", "feed", problems);
  report.title = one(feed, "title", "feed", problems);
  report.updated = one(feed, "updated", "feed", problems);
  for (xmlNode* author : children(feed, "author")) {
    for (xmlNode* name : children(author, "name")) report.author = text_of(name);
  }
  std::vector<std::string> hrefs;
  for (xmlNode* link : children(feed, "link")) {
    hrefs.push_back(attribute(link, "href"));
    if (attribute(link, "rel") == "self") report.self_href = hrefs.back();
  }
  if (report.self_href.empty()) problems.push_back("feed: no rel=\"self\" link (RFC 4287 4.2.7.2 SHOULD)");

  std::set<std::string> ids;
  bool every_entry_has_author = true;
  for (xmlNode* node : children(feed, "entry")) {
    const std::string where = "entry " + std::to_string(report.entries.size() + 1);
    atom_entry_info info;
    info.id = one(node, "id", where, problems);
    info.title = one(node, "title", where, problems);
    info.updated = one(node, "updated", where, problems);
    if (auto summaries = children(node, "summary"); !summaries.empty())
      info.summary = text_of(summaries.front());
    every_entry_has_author = every_entry_has_author && !children(node, "author").empty();
    for (xmlNode* link : children(node, "link")) {
      hrefs.push_back(attribute(link, "href"));
      const auto rel = attribute(link, "rel");
      if (rel.empty() || rel == "alternate") info.href = hrefs.back();
    }
    if (info.href.empty() && children(node, "content").empty()) {
      problems.push_back(where + ": neither an alternate link nor content (RFC 4287 4.1.2)");
    }
    if (!ids.insert(info.id).second) problems.push_back(where + ": duplicate id " + info.id);
    if (!is_rfc3339(info.updated)) problems.push_back(where + ": updated is not RFC 3339: " + info.updated);
    if (!is_absolute_gemini(info.id))
      problems.push_back(where + ": id is not an absolute gemini URL: " + info.id);
    report.entries.push_back(std::move(info));
  }
  if (report.author.empty() && !every_entry_has_author) {
    problems.push_back("feed: no author, and not every entry has one (RFC 4287 4.1.1)");
  }
  if (!is_rfc3339(report.updated)) problems.push_back("feed: updated is not RFC 3339: " + report.updated);
  if (!is_absolute_gemini(report.id))
    problems.push_back("feed: id is not an absolute gemini URL: " + report.id);
  for (const auto& href : hrefs) {
    if (!is_absolute_gemini(href)) problems.push_back("href is not an absolute gemini URL: " + href);
  }
  xmlFreeDoc(doc);
  return report;
}

}  // namespace twinstar::test
