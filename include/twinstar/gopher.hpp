#pragma once
// Gopher (RFC 1436): selector framing and parsing, menu lines, text
// documents, and rendering a gemtext capsule as Gopher menus and text.
// Pure: facts about the disk arrive through classify_fn.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/error.hpp"
#include "twinstar/result.hpp"

namespace twinstar::gopher {

// RFC 1436: selectors "should" stay under 256 bytes. The whole request line
// (selector, TAB and search string) is capped here, terminator excluded.
inline constexpr std::size_t max_selector_bytes = 255;
inline constexpr std::uint16_t default_port = 70;
// Display strings read best under 70 columns (RFC 1436); text is wrapped here.
inline constexpr std::size_t wrap_columns = 70;

// ---- Requests ---------------------------------------------------------------

// Where the selector line ends within the bytes received so far:
//  - complete: `line` is the request line without its terminator, which is
//    CRLF or a bare LF (Bombadillo sends LF);
//  - need_more: no LF yet and still within the limit;
//  - too_long: more than max_selector_bytes before the terminator, or so many
//    bytes without a LF that the line cannot fit (a final CR is allowed for).
// Bytes after the terminator are ignored.
enum class frame_state { complete, need_more, too_long };
struct frame {
  frame_state state;
  std::string_view line;
};
frame find_selector_line(std::string_view received);

struct request {
  std::string selector;               // "/" for the root; starts with '/'
  std::optional<std::string> search;  // after the first TAB (type 7 queries)
};

// Parse a request line (terminator already removed). The selector is what we
// wrote in our menus: a URL path such as "/news/a.gmi", percent-escapes kept.
//  - An empty selector is "/" (RFC 1436: the empty selector is the root).
//  - "1/news/" or "0/news/a.gmi" (a type character then '/') loses the type
//    character: some clients copy the type from a gopher:// URL's path into
//    the selector. Our selectors always start with '/', so nothing we emit is
//    ever read this way.
//  - Any other selector not starting with '/' is taken from the root
//    ("news/" -> "/news/"), except "URL:..." selectors, kept as sent.
//  - A Gopher+ marker ("+", "!" or "$" alone after the TAB, or anything after
//    a second TAB) is dropped: we answer as a plain Gopher server.
// Errors: request_too_long (> max_selector_bytes), control_character (NUL, CR,
// LF or another C0 control or DEL anywhere but the separating TABs),
// not_utf8. The error detail is a short English reason.
result<request, error> parse_selector(std::string_view line);

// The Gopher error item text for an error met while serving `selector`:
// not_found, forbidden_path, unreadable, listing_disabled and the addressing
// kinds -> "Not found: <selector>" (a refused path must look like a missing
// one); gone -> "Gone"; request-syntax kinds -> "Bad selector: <why>" (the
// error's detail, else a Gopher wording of the kind); internal -> "Server
// error". Server-side details never reach the client.
std::string gopher_error_item(const error& e, std::string_view selector);

// ---- Menu lines ---------------------------------------------------------------

// Where menu items on this server point: the public host and port.
struct menu_context {
  std::string host;
  std::uint16_t port = default_port;
};

// "<type><display>\t<selector>\t<host>\t<port>\r\n". TAB, CR, LF and NUL in
// display, selector or host become spaces so an item can never split.
std::string menu_item(char type, std::string_view display, std::string_view selector, std::string_view host,
                      std::uint16_t port);

// "i<text>\t\t<host>\t<port>\r\n" (the gophernicus form of an info line).
std::string info_line(std::string_view text, const menu_context& context);

// A whole menu holding one error item: "3<message>\t\t<host>\t<port>\r\n.\r\n".
std::string error_menu(std::string_view message, const menu_context& context);

// The display text of `reply` when its first line is a type 3 (error) item,
// "3<text>\t<selector>\t<host>\t<port>" ended by CRLF, LF or the end of the
// reply; nullopt otherwise. All four fields are required (RFC 1436 items
// have them), so a document that merely starts with the digit 3 is not an
// error. Used by clients to tell a failed request from an answer.
std::optional<std::string> error_item_text(std::string_view reply);

// A type 0 document (RFC 1436): line ends normalised to CRLF (LF, CR and CRLF
// are all accepted), a '.' starting a line doubled, and the final ".\r\n".
std::string text_document(std::string_view text);

// Item type for a MIME type (parameters and case ignored): text/html 'h',
// other text/* '0' (text/gemini is served as text), image/gif 'g', other
// image/* 'I', audio/* 's', application/pdf 'd', anything else '9'.
char item_type_for_mime(std::string_view mime);

// ---- Text layout --------------------------------------------------------------

// Columns of `text` when shown: UTF-8 code points (a wide CJK character or an
// emoji counts as one; invalid bytes count one each).
std::size_t display_width(std::string_view text);

// Greedy word wrap to `width` columns (display_width), breaking at spaces; a
// word wider than the room left alone on a line is cut at code point
// boundaries. The first line starts with `first_prefix`, the others with
// `rest_prefix` (hanging indent); both count toward the width. Spacing inside
// a line is kept, the spaces at a break are dropped. Leading spaces of the text
// are kept on the first line. Empty text gives one line: the first prefix.
std::vector<std::string> wrap(std::string_view text, std::size_t width, std::string_view first_prefix = {},
                              std::string_view rest_prefix = {});

// ---- Gemtext and gophermaps ---------------------------------------------------

// A local link target as the disk side sees it.
struct local_link {
  char type;             // item type, e.g. '0', '1', 'I'
  std::string selector;  // what a client sends to fetch it
  bool hidden = false;   // exists but is not for Gopher readers: no item at all
};
// Given an absolute path within the capsule with dot segments removed and
// percent-escapes as the link wrote them ("/news/a.gmi", "/news/"), return its
// item type and selector, or nullopt when nothing is there (a `hidden` one
// leaves the link out of the menu).
using classify_fn = std::function<std::optional<local_link>(std::string_view absolute_path)>;

// A gemtext page as a Gopher menu (ended by ".\r\n"). `page_path` is the
// absolute path of the page or directory the text belongs to ("/",
// "/news/", "/news/a.gmi"); relative links resolve against it.
//  - text, list items ("  * x") and quotes ("> x") become info lines wrapped
//    at wrap_columns with a hanging indent; a blank line stays blank;
//  - "# T" is T over a '=' underline, "## T" over a '-' underline,
//    "### T" keeps its marker;
//  - preformatted lines are kept verbatim (TABs expanded to 8-column stops,
//    no wrapping); the ``` lines and their alt text produce nothing, since a
//    menu cannot mark a line as a description of the block;
//  - links: relative and absolute-path links resolve against page_path and
//    go through `classify` (unknown targets are guessed: '1' for a trailing
//    '/', else item_type_for_mime of the extension); gopher:// links point to
//    that host and port (default 70) with the URL's item type ('1' for an
//    empty path) and its decoded selector; every other URL (gemini, https,
//    mailto, "//host/...") is an 'h' item "URL:<url>" on this server. An
//    empty label shows the URL.
std::string gemtext_to_menu(std::string_view gemtext, std::string_view page_path, const menu_context& context,
                            const classify_fn& classify);

// A gemtext page as a type 0 document (through text_document()). Layout as in
// gemtext_to_menu; each link is "[N] label" (N from 1) and a "References"
// section at the end lists "[N] URL" with each URL resolved against
// `page_url`, the page's absolute URL ("gemini://localhost/news/a.gmi").
// `rewrite`, when given, sees each resolved URL and may replace it: the
// Gopher face gives links to its own capsule as gopher:// URLs a Gopher reader
// can follow.
using rewrite_fn = std::function<std::optional<std::string>(std::string_view resolved_url)>;
std::string gemtext_to_text(std::string_view gemtext, std::string_view page_url,
                            const rewrite_fn& rewrite = {});

// The page a Gopher server answers for a `URL:` selector (an 'h' item whose
// client asked the server instead of opening the URL): an HTML page that
// sends a browser on (meta refresh) and links the URL, as gophernicus and
// pygopherd do. The URL is HTML-escaped.
std::string url_redirect_page(std::string_view url);

// gopher://host[:port]/<type><selector>, the port left out when it is 70.
std::string gopher_url(std::string_view host, std::uint16_t port, char type, std::string_view selector);

// A gophernicus-style gophermap as a menu (ended by ".\r\n"):
//  - a line with a TAB is an item "<type><display>\t<selector>\t<host>\t<port>";
//    missing or empty fields are filled in: host and port from `context` (a
//    port missing after another host is 70), the selector from the display
//    name (with a '/' added for type '1');
//  - a selector of a local item (no host given) that neither starts with '/'
//    nor with "URL:" is relative to `dir_path` (dot segments resolved, never
//    above "/");
//  - a line starting with '#' is a comment; "." alone ends the map;
//  - any other line is an info line, verbatim.
std::string gophermap_to_menu(std::string_view gophermap, std::string_view dir_path,
                              const menu_context& context);

}  // namespace twinstar::gopher
