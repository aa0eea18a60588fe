#pragma once
// MIME types by file extension: a built-in table plus per-host overrides.
#include <map>
#include <string>
#include <string_view>

namespace twinstar {

// Extension (without dot, case-insensitive) -> MIME type. Overrides are looked
// up first. Unknown extensions give "application/octet-stream".
std::string mime_for_path(std::string_view file_name,
                          const std::map<std::string, std::string>& overrides = {});

// The full Content-Type for a Gemini 20 meta: text/gemini gets
// "; lang=xx" when lang is set, text/* gets "; charset=utf-8".
std::string gemini_meta_for(std::string_view mime, std::string_view lang);

}  // namespace twinstar
