// libxml2, configured for untrusted feeds, and tree helpers.
#include "web_feed_xml.hpp"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <climits>
#include <mutex>

#include "twinstar/feed.hpp"  // xml_escape, shared with the Atom writer
#include "twinstar/import/uri.hpp"

namespace twinstar::news::detail {
namespace {

// Nothing is ever loaded from outside the document: no DTDs, no external
// entities (XXE), no network. libxml2 only allows this process-wide.
xmlParserInputPtr refuse_external_entity(const char*, const char*, xmlParserCtxtPtr) { return nullptr; }

void initialise_libxml() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSetExternalEntityLoader(refuse_external_entity);
  });
}

// The first fatal error of the parse running on this thread.
struct error_sink {
  bool have = false;
  int line = 0;
  int column = 0;
  std::string message;
};
thread_local error_sink* current_sink = nullptr;

void record_error(void*, xmlErrorPtr error) {
  if (current_sink == nullptr || current_sink->have || error == nullptr) return;
  // Namespace errors (an undeclared prefix) leave a usable tree.
  if (error->level < XML_ERR_ERROR || error->domain == XML_FROM_NAMESPACE) return;
  current_sink->have = true;
  current_sink->line = error->line;
  current_sink->column = error->int2;
  std::string message = error->message ? error->message : "not well-formed XML";
  for (char& c : message) {
    if (c == '\n') c = ' ';
  }
  while (!message.empty() && message.back() == ' ') message.pop_back();
  current_sink->message = std::move(message);
}

constexpr int parse_options =
    XML_PARSE_NONET | XML_PARSE_NOENT | XML_PARSE_NOCDATA | XML_PARSE_NOWARNING | XML_PARSE_NOERROR;

bool is_void_element(std::string_view name) {
  for (std::string_view v : {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                             "source", "track", "wbr"}) {
    if (v == name) return true;
  }
  return false;
}

void write_html(const xmlNode* node, std::string& out, int depth) {
  if (depth > 256) return;
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
      out += feed::xml_escape(text_of(child));
    } else if (child->type == XML_ELEMENT_NODE) {
      const std::string_view name = local_name(child);
      out += "<" + std::string(name);
      for (const xmlAttr* attr = child->properties; attr != nullptr; attr = attr->next) {
        if (attr->ns != nullptr) continue;  // xlink:href, xml:lang, ...
        out += " " + std::string(reinterpret_cast<const char*>(attr->name)) + "=\"";
        out += feed::xml_escape(attribute(child, reinterpret_cast<const char*>(attr->name)));
        out += "\"";
      }
      out += ">";
      if (is_void_element(name)) continue;
      write_html(child, out, depth + 1);
      out += "</" + std::string(name) + ">";
    }
  }
}

}  // namespace

result<xml_doc_ptr, import_error> parse_xml(std::string_view bytes, std::string_view file_name) {
  initialise_libxml();
  const std::string name(file_name);
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    return fail(import_error{.file = name, .message = "document too large"});
  }
  std::unique_ptr<xmlParserCtxt, decltype(&xmlFreeParserCtxt)> context(xmlNewParserCtxt(),
                                                                       &xmlFreeParserCtxt);
  if (!context) return fail(import_error{.file = name, .message = "out of memory"});
  context->sax->serror = record_error;
  error_sink sink;
  current_sink = &sink;
  xmlDoc* doc = xmlCtxtReadMemory(context.get(), bytes.data(), static_cast<int>(bytes.size()), name.c_str(),
                                  nullptr, parse_options);
  current_sink = nullptr;
  xml_doc_ptr owned(doc);
  if (owned && context->wellFormed && !sink.have) return owned;
  if (!sink.have) {
    const xmlError* last = xmlCtxtGetLastError(context.get());
    sink.line = last ? last->line : 0;
    sink.column = last ? last->int2 : 0;
    sink.message = "not well-formed XML";
  }
  return fail(import_error{.file = name, .line = sink.line, .column = sink.column, .message = sink.message});
}

vocabulary vocabulary_of(const xmlNode* node) {
  if (node->ns == nullptr || node->ns->href == nullptr) return vocabulary::rss;  // RSS 0.9x / 2.0
  const std::string_view href(reinterpret_cast<const char*>(node->ns->href));
  if (href == ns::atom10 || href == ns::atom03) return vocabulary::atom;
  if (href == ns::rss10 || href == ns::rss09 || href == ns::userland || href == ns::userland_old) {
    return vocabulary::rss;
  }
  if (href == ns::rdf) return vocabulary::rdf;
  if (href == ns::content) return vocabulary::content;
  if (href == ns::dc) return vocabulary::dc;
  if (href == ns::dcterms) return vocabulary::dcterms;
  if (href == ns::xhtml) return vocabulary::xhtml;
  return vocabulary::other;
}

std::string_view local_name(const xmlNode* node) {
  return node->name ? std::string_view(reinterpret_cast<const char*>(node->name)) : std::string_view();
}

bool is_element(const xmlNode* node, vocabulary v, std::string_view name) {
  return node != nullptr && node->type == XML_ELEMENT_NODE && local_name(node) == name &&
         vocabulary_of(node) == v;
}

std::vector<const xmlNode*> child_elements(const xmlNode* node) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* child = node ? node->children : nullptr; child != nullptr; child = child->next) {
    if (child->type == XML_ELEMENT_NODE) out.push_back(child);
  }
  return out;
}

const xmlNode* first_child(const xmlNode* node, vocabulary v, std::string_view name) {
  for (const xmlNode* child : child_elements(node)) {
    if (is_element(child, v, name)) return child;
  }
  return nullptr;
}

std::vector<const xmlNode*> children_named(const xmlNode* node, vocabulary v, std::string_view name) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* child : child_elements(node)) {
    if (is_element(child, v, name)) out.push_back(child);
  }
  return out;
}

std::string text_of(const xmlNode* node) {
  if (node == nullptr) return "";
  xmlChar* content = xmlNodeGetContent(node);
  std::string text = content ? reinterpret_cast<const char*>(content) : "";
  xmlFree(content);
  return text;
}

std::string attribute(const xmlNode* node, const char* name) {
  if (node == nullptr) return "";
  xmlChar* value = xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>(name));
  std::string text = value ? reinterpret_cast<const char*>(value) : "";
  xmlFree(value);
  return text;
}

bool has_element_children(const xmlNode* node) { return !child_elements(node).empty(); }

std::string inner_html(const xmlNode* node) {
  std::string out;
  if (node != nullptr) write_html(node, out, 0);
  return out;
}

std::string base_at(const xmlNode* node, const std::string& initial) {
  std::vector<const xmlNode*> chain;
  for (const xmlNode* n = node; n != nullptr && n->type == XML_ELEMENT_NODE; n = n->parent) {
    chain.push_back(n);
  }
  std::string base = initial;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    xmlChar* value = xmlGetNsProp(*it, reinterpret_cast<const xmlChar*>("base"), XML_XML_NAMESPACE);
    if (value == nullptr) continue;
    const std::string resolved = resolve_uri(base, reinterpret_cast<const char*>(value));
    xmlFree(value);
    if (is_usable_base(resolved)) base = resolved;
  }
  return base;
}

}  // namespace twinstar::news::detail
