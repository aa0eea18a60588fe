#pragma once
// The two protocols twinstar serves, named in one place for logs and URLs.
#include <string_view>

namespace twinstar {

enum class protocol { gemini, gopher };

// "gemini" / "gopher": the URL scheme and the access log's protocol field.
constexpr std::string_view name_of(protocol p) { return p == protocol::gemini ? "gemini" : "gopher"; }

}  // namespace twinstar
