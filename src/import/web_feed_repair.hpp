#pragma once
// Private to the importer: the repairs real feeds need before and while
// they are read.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace twinstar::news::detail {

// Feeds that declare no DTD still use HTML's named entities (&hellip;,
// &nbsp;), which XML rejects. Outside CDATA sections and comments, each
// such reference that HTML5 knows is replaced by numeric references
// (&#8230;), which read the same in any encoding; XML's own five and
// unknown names are left alone. `replaced` receives each distinct name.
// A document with a <!DOCTYPE is returned unchanged (its DTD may declare them).
std::string replace_html_entities(std::string_view xml, std::vector<std::string>& replaced);

// RFC 4648 base64 (whitespace ignored); nullopt on anything else.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace twinstar::news::detail
