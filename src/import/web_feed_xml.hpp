#pragma once
// Private to the importer: safe libxml2 parsing and the few tree helpers the
// feed reader needs.
#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/import/article.hpp"
#include "twinstar/result.hpp"

namespace twinstar::news::detail {

struct xml_doc_deleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using xml_doc_ptr = std::unique_ptr<xmlDoc, xml_doc_deleter>;

// Parses without network access and without loading any external entity or
// DTD; internal entities are expanded. Errors: the first fatal libxml2
// error, as file:line:column.
result<xml_doc_ptr, import_error> parse_xml(std::string_view bytes, std::string_view file_name);

namespace ns {
inline constexpr std::string_view atom10 = "http://www.w3.org/2005/Atom";
inline constexpr std::string_view atom03 = "http://purl.org/atom/ns#";
inline constexpr std::string_view rss10 = "http://purl.org/rss/1.0/";
inline constexpr std::string_view rss09 = "http://my.netscape.com/rdf/simple/0.9/";
inline constexpr std::string_view userland = "http://backend.userland.com/rss2";
inline constexpr std::string_view userland_old = "http://backend.userland.com/rss";
inline constexpr std::string_view rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
inline constexpr std::string_view content = "http://purl.org/rss/1.0/modules/content/";
inline constexpr std::string_view dc = "http://purl.org/dc/elements/1.1/";
inline constexpr std::string_view dcterms = "http://purl.org/dc/terms/";
inline constexpr std::string_view xhtml = "http://www.w3.org/1999/xhtml";
}  // namespace ns

// Which vocabulary an element belongs to, by namespace.
enum class vocabulary { rss, atom, rdf, content, dc, dcterms, xhtml, other };
vocabulary vocabulary_of(const xmlNode* node);

std::string_view local_name(const xmlNode* node);
bool is_element(const xmlNode* node, vocabulary v, std::string_view name);

std::vector<const xmlNode*> child_elements(const xmlNode* node);
const xmlNode* first_child(const xmlNode* node, vocabulary v, std::string_view name);
std::vector<const xmlNode*> children_named(const xmlNode* node, vocabulary v, std::string_view name);

// All text below `node` (CDATA included).
std::string text_of(const xmlNode* node);
// An attribute in no namespace; "" when absent.
std::string attribute(const xmlNode* node, const char* name);
// Whether `node` has element children (markup rather than text).
bool has_element_children(const xmlNode* node);
// The children of `node` written back as HTML: namespace prefixes dropped,
// text escaped, void elements without end tags, comments dropped.
std::string inner_html(const xmlNode* node);

// The base URL in effect at `node`: `initial`, then each xml:base from the
// root down resolved against it; bases that are not absolute http(s),
// gemini, gopher or ftp URLs are ignored.
std::string base_at(const xmlNode* node, const std::string& initial);

}  // namespace twinstar::news::detail
