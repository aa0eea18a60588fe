// RSS and Atom documents -> feed items; see feed.hpp.
#include "twinstar/import/web_feed.hpp"

#include "twinstar/ascii.hpp"
#include "twinstar/import/convert.hpp"
#include "twinstar/import/dates.hpp"
#include "twinstar/import/uri.hpp"
#include "web_feed_repair.hpp"
#include "web_feed_xml.hpp"

namespace twinstar::news {
namespace {

using detail::vocabulary;
using gemtext::line;
using gemtext::line_kind;

enum class feed_kind { rss, rdf, atom };

bool is_web_url(std::string_view url) {
  const std::string scheme = scheme_of(url);
  return scheme == "http" || scheme == "https";
}

// Plain text for titles: HTML-marked or markup-looking text is reduced.
std::string plain_title(const xmlNode* node, bool is_html) {
  if (node == nullptr) return "";
  if (detail::has_element_children(node)) return html_to_text(detail::inner_html(node));
  const std::string text = detail::text_of(node);
  if (is_html || text.find_first_of("<&") != std::string::npos) return html_to_text(text);
  return normalize_space(text);
}

// Text constructs without markup: blank-line separated paragraphs.
std::vector<line> text_lines(std::string_view text) {
  std::vector<line> out;
  std::string paragraph;
  auto flush = [&] {
    std::string p = normalize_space(paragraph);
    paragraph.clear();
    if (p.empty()) return;
    out.push_back({line_kind::text, std::move(p), ""});
    out.push_back({line_kind::text, "", ""});
  };
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view row = text.substr(0, end);
    if (normalize_space(row).empty()) flush();
    paragraph += " ";
    paragraph += row;
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
  }
  flush();
  return out;
}

// Atom text constructs (1.0 type="text|html|xhtml"; 0.3 a MIME type plus
// mode="xml|escaped|base64") and RSS HTML-in-text. `nullopt` = a media type
// we do not show.
std::optional<std::vector<line>> content_lines(const xmlNode* node, const std::string& base, bool atom) {
  const std::string type = detail::attribute(node, "type");
  const std::string mode = detail::attribute(node, "mode");
  if (!atom) {
    const std::string html =
        detail::has_element_children(node) ? detail::inner_html(node) : detail::text_of(node);
    return html_to_gemtext(html, base).body;
  }
  if (mode == "base64") {
    const auto decoded = detail::decode_base64(detail::text_of(node));
    if (!decoded) return std::nullopt;
    if (type == "text/html" || type == "html" || type == "application/xhtml+xml") {
      return html_to_gemtext(*decoded, base).body;
    }
    if (type.empty() || type == "text/plain" || type == "text") return text_lines(*decoded);
    return std::nullopt;
  }
  const bool xhtml = type == "xhtml" || type == "application/xhtml+xml";
  const bool html = type == "html" || type == "text/html" || mode == "escaped";
  const bool text = type.empty() || type == "text" || type == "text/plain";
  if (xhtml || (detail::has_element_children(node) && !html)) {
    // Atom 1.0 wraps XHTML in a <div>, which is not part of the content.
    const auto children = detail::child_elements(node);
    const xmlNode* inner =
        children.size() == 1 && detail::local_name(children[0]) == "div" ? children[0] : node;
    return html_to_gemtext(detail::inner_html(inner), detail::base_at(inner, base)).body;
  }
  if (html) return html_to_gemtext(detail::text_of(node), base).body;
  if (text) return text_lines(detail::text_of(node));
  return std::nullopt;
}

// Some feeds fill content:encoded with "...", the title or a teaser while
// the description holds the text.
bool is_stub(const xmlNode* content, const xmlNode* description, const std::string& title) {
  const std::string text = html_to_text(detail::text_of(content));
  if (text.empty()) return true;
  if (description == nullptr) return false;
  const std::string fuller = html_to_text(detail::text_of(description));
  if (fuller.empty()) return false;
  if (text == "..." || text == "\xE2\x80\xA6" || text == "[...]" || text == "[\xE2\x80\xA6]") return true;
  if (!title.empty() && ascii_lower(text) == ascii_lower(title)) return true;
  return 2 * text.size() < fuller.size();
}

// The first parseable date among `names`: its day, and its instant when it
// states a time of day.
std::string first_date(const xmlNode* item,
                       std::initializer_list<std::pair<vocabulary, std::string_view>> names,
                       std::optional<std::int64_t>* instant = nullptr) {
  for (const auto& [v, name] : names) {
    for (const xmlNode* node : detail::children_named(item, v, name)) {
      const std::string text = detail::text_of(node);
      if (auto day = parse_date(text)) {
        if (instant != nullptr) *instant = parse_time(text);
        return *day;
      }
    }
  }
  return "";
}

// "jane@example.org (Jane Doe)" -> "Jane Doe".
std::string author_name(std::string text) {
  text = normalize_space(text);
  const auto open = text.find(" (");
  if (open != std::string::npos && text.ends_with(")") &&
      text.substr(0, open).find('@') != std::string::npos) {
    return text.substr(open + 2, text.size() - open - 3);
  }
  return text;
}

// Atom links: rel="alternate" or no rel, first wins.
std::string atom_link(const xmlNode* parent, const std::string& base, std::string_view rel) {
  for (const xmlNode* link : detail::children_named(parent, vocabulary::atom, "link")) {
    const std::string r = detail::attribute(link, "rel");
    if ((r.empty() ? std::string_view("alternate") : std::string_view(r)) != rel) continue;
    const std::string href = detail::attribute(link, "href");
    if (!href.empty()) return resolve_uri(detail::base_at(link, base), href);
  }
  return "";
}

void add_enclosures(const xmlNode* item, const std::string& base, web_feed_item& out) {
  std::vector<line> links;
  auto add = [&](const xmlNode* node, const std::string& href) {
    if (href.empty()) return;
    const std::string url = resolve_uri(detail::base_at(node, base), href);
    if (!is_safe_link(url)) return;
    const std::string type = normalize_space(detail::attribute(node, "type"));
    links.push_back({line_kind::link, type.empty() ? "Enclosure" : "Enclosure (" + type + ")", url});
  };
  for (const xmlNode* e : detail::children_named(item, vocabulary::rss, "enclosure")) {
    add(e, detail::attribute(e, "url"));
  }
  for (const xmlNode* link : detail::children_named(item, vocabulary::atom, "link")) {
    if (detail::attribute(link, "rel") == "enclosure") add(link, detail::attribute(link, "href"));
  }
  if (links.empty()) return;
  out.body.push_back({line_kind::text, "", ""});
  out.body.insert(out.body.end(), links.begin(), links.end());
}

web_feed_item read_item(const xmlNode* item, const std::string& feed_base, bool atom) {
  web_feed_item out;
  const std::string base = detail::base_at(item, feed_base);
  if (atom) {
    const xmlNode* title = first_child(item, vocabulary::atom, "title");
    const std::string type = detail::attribute(title, "type");
    out.title = plain_title(
        title, type == "html" || type == "text/html" || detail::attribute(title, "mode") == "escaped");
    out.link = atom_link(item, base, "alternate");
    out.guid = normalize_space(detail::text_of(first_child(item, vocabulary::atom, "id")));
    out.date = first_date(item,
                          {{vocabulary::atom, "published"},
                           {vocabulary::atom, "issued"},
                           {vocabulary::atom, "created"},
                           {vocabulary::atom, "updated"},
                           {vocabulary::atom, "modified"},
                           {vocabulary::dc, "date"}},
                          &out.published);
    if (const xmlNode* author = first_child(item, vocabulary::atom, "author")) {
      out.author = normalize_space(detail::text_of(first_child(author, vocabulary::atom, "name")));
    }
    for (std::string_view name : {"content", "summary"}) {
      const xmlNode* node = first_child(item, vocabulary::atom, name);
      if (node == nullptr) continue;
      if (const std::string src = detail::attribute(node, "src"); !src.empty()) {
        out.body.push_back({line_kind::link, "Content", resolve_uri(detail::base_at(node, base), src)});
        break;
      }
      if (auto lines = content_lines(node, detail::base_at(node, base), true); lines && !lines->empty()) {
        out.body = std::move(*lines);
        break;
      }
    }
  } else {
    out.title = plain_title(first_child(item, vocabulary::rss, "title"), false);
    const xmlNode* link = first_child(item, vocabulary::rss, "link");
    const std::string link_text = normalize_space(detail::text_of(link));
    if (!link_text.empty()) out.link = resolve_uri(detail::base_at(link, base), link_text);
    const xmlNode* guid = first_child(item, vocabulary::rss, "guid");
    out.guid = normalize_space(detail::text_of(guid));
    if (out.link.empty() && detail::attribute(guid, "isPermaLink") != "false" && is_web_url(out.guid)) {
      out.link = out.guid;
    }
    if (out.link.empty()) out.link = atom_link(item, base, "alternate");
    out.date = first_date(item,
                          {{vocabulary::rss, "pubDate"},
                           {vocabulary::dc, "date"},
                           {vocabulary::dcterms, "issued"},
                           {vocabulary::dcterms, "created"},
                           {vocabulary::dcterms, "modified"},
                           {vocabulary::atom, "published"},
                           {vocabulary::atom, "updated"}},
                          &out.published);
    if (const xmlNode* author = first_child(item, vocabulary::rss, "author")) {
      out.author = author_name(detail::text_of(author));
    } else if (const xmlNode* creator = first_child(item, vocabulary::dc, "creator")) {
      out.author = normalize_space(detail::text_of(creator));
    }
    const xmlNode* content = first_child(item, vocabulary::content, "encoded");
    if (content == nullptr) content = first_child(item, vocabulary::xhtml, "body");
    const xmlNode* description = first_child(item, vocabulary::rss, "description");
    if (content == nullptr || is_stub(content, description, out.title)) content = description;
    if (content != nullptr) {
      out.body = *content_lines(content, detail::base_at(content, base), false);
    }
  }
  add_enclosures(item, base, out);
  return out;
}

}  // namespace

result<web_feed, import_error> parse_web_feed(std::string_view bytes, std::string_view file_name,
                                              std::string_view base_url) {
  std::vector<std::string> entities;
  const std::string repaired = detail::replace_html_entities(bytes, entities);
  auto parsed = detail::parse_xml(repaired, file_name);
  if (!parsed) return fail(parsed.error());
  const xmlNode* root = xmlDocGetRootElement(parsed.value().get());
  if (root == nullptr)
    return fail(import_error{.file = std::string(file_name), .message = "no root element"});
  feed_kind kind;
  const std::string_view root_name = detail::local_name(root);
  if (root_name == "rss" && detail::vocabulary_of(root) == vocabulary::rss) {
    kind = feed_kind::rss;
  } else if (root_name == "RDF" && detail::vocabulary_of(root) == vocabulary::rdf) {
    kind = feed_kind::rdf;
  } else if (root_name == "feed" && detail::vocabulary_of(root) == vocabulary::atom) {
    kind = feed_kind::atom;
  } else {
    return fail(import_error{
        .file = std::string(file_name),
        .line = static_cast<int>(xmlGetLineNo(root)),
        .column = 1,
        .message = "not an RSS or Atom feed: the root element is <" + std::string(root_name) + ">"});
  }
  const bool atom = kind == feed_kind::atom;
  const xmlNode* channel = atom ? root : first_child(root, vocabulary::rss, "channel");

  // The initial base: the feed's own URL, else its self link, else its site.
  web_feed out;
  std::string base = is_usable_base(base_url) ? std::string(base_url) : "";
  if (base.empty() && channel != nullptr) {
    const std::string self = atom_link(channel, "", "self");
    base = is_usable_base(self) ? self : "";
  }
  if (channel != nullptr) {
    const std::string channel_base = detail::base_at(channel, base);
    if (atom) {
      const xmlNode* title = first_child(channel, vocabulary::atom, "title");
      const std::string type = detail::attribute(title, "type");
      out.title = plain_title(
          title, type == "html" || type == "text/html" || detail::attribute(title, "mode") == "escaped");
      out.link = atom_link(channel, channel_base, "alternate");
      out.date = first_date(channel, {{vocabulary::atom, "updated"}, {vocabulary::atom, "modified"}});
    } else {
      out.title = plain_title(first_child(channel, vocabulary::rss, "title"), false);
      const std::string link =
          normalize_space(detail::text_of(first_child(channel, vocabulary::rss, "link")));
      if (!link.empty()) out.link = resolve_uri(channel_base, link);
      out.date = first_date(
          channel,
          {{vocabulary::rss, "pubDate"}, {vocabulary::rss, "lastBuildDate"}, {vocabulary::dc, "date"}});
    }
    if (base.empty() && is_usable_base(out.link)) base = out.link;
  }

  std::vector<const xmlNode*> items;
  if (atom) {
    items = detail::children_named(root, vocabulary::atom, "entry");
  } else {
    items = detail::children_named(channel, vocabulary::rss, "item");
    for (const xmlNode* item : detail::children_named(root, vocabulary::rss, "item")) items.push_back(item);
  }
  // Atom entries without an author inherit the feed's (RFC 4287 4.2.1).
  std::string feed_author;
  if (const xmlNode* author = atom ? first_child(root, vocabulary::atom, "author") : nullptr) {
    feed_author = normalize_space(detail::text_of(first_child(author, vocabulary::atom, "name")));
  }
  for (const xmlNode* item : items) {
    out.items.push_back(read_item(item, base, atom));
    if (out.items.back().author.empty()) out.items.back().author = feed_author;
  }
  if (!entities.empty()) {
    std::string names;
    for (const std::string& e : entities) names += (names.empty() ? "" : " ") + e;
    out.warnings.push_back(import_error{.file = std::string(file_name),
                                        .message = "HTML entities without a DTD, read as HTML: " + names});
  }
  return out;
}

bool looks_like_web_feed(std::string_view bytes) {
  // Skip the declaration, comments, doctype and processing instructions.
  std::size_t at = 0;
  while ((at = bytes.find('<', at)) != std::string_view::npos) {
    const std::string_view rest = bytes.substr(at + 1);
    if (rest.starts_with("?") || rest.starts_with("!")) {
      const std::size_t end = rest.starts_with("!--") ? bytes.find("-->", at) : bytes.find('>', at);
      if (end == std::string_view::npos) return false;
      at = end + 1;
      continue;
    }
    return rest.starts_with("rss") || rest.starts_with("feed") || rest.starts_with("rdf:RDF") ||
           rest.starts_with("RDF");
  }
  return false;
}

}  // namespace twinstar::news
