#pragma once
// The Gopher face of a capsule: a selector becomes a menu, a text rendering of
// a gemtext page, a file to send byte-exact, or a type 3 error item.
// Disk access, no sockets: the network shell only moves the bytes.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/config.hpp"
#include "twinstar/gopher.hpp"
#include "twinstar/router.hpp"

namespace twinstar {
namespace feed {
class cache;
}
class listing_cache;

// What a Gopher answer is; the access log shows it as the status field.
// `url`: the HTML page that sends an 'h' item's client on to its URL.
enum class gopher_kind { menu, text, file, url, error, slow_down };

// "menu", "text", "file", "url", "error", "slow-down".
std::string_view name_of(gopher_kind kind);

struct gopher_answer {
  std::string body = {};            // the whole response when `file` is empty
  std::filesystem::path file = {};  // else: send this file byte-exact
  std::uint64_t file_size = 0;
  gopher_kind kind = gopher_kind::error;
  // What it was built from (answer_cache.hpp watches them); empty for errors.
  std::vector<std::filesystem::path> sources = {};
};

struct gopher_site {
  const router& routes;
  const host_config& host;
  gopher::menu_context context;    // host/port written in menus
  std::filesystem::path cert_dir;  // never served
  std::string gemini_base;         // "gemini://localhost" for text references
  // Feed indexes (feed_cache.hpp); null serves feed directories as plain
  // listings. Set: a feed directory's menu is its generated index, atom.xml
  // is sent as a file, and {{latest}} markers in index pages are expanded.
  feed::cache* feeds = nullptr;
  // Generated directory listings (listing.hpp) kept between requests; null
  // builds each one for its request.
  listing_cache* listings = nullptr;

  // Decide the answer to one request line (terminator removed).
  // - directories (with or without the trailing slash): a `gophermap` file if
  //   present, else the index.gmi converted to a menu, else the generated
  //   listing as a menu (51-equivalent error item when listing is off);
  //   a menu never reads the directories it only links to;
  // - a .gmi page: plain text (type 0) rendered from the gemtext;
  // - other files: byte-exact; missing or refused: a type 3 error item.
  gopher_answer answer(std::string_view request_line) const;
};

// The host a Gopher listener serves: the first host with gopher enabled, or
// nullptr when none has.
const host_config* gopher_host(const server_config& config);

}  // namespace twinstar
