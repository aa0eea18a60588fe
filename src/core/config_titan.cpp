// [[host.titan]]: where Titan uploads are accepted (see titan.hpp).
#include "config_titan.hpp"

#include <algorithm>

#include "config_feed.hpp"
#include "twinstar/ascii.hpp"

namespace twinstar::detail {

std::optional<std::string> normalise_fingerprint(std::string_view text) {
  std::string hex = ascii_lower(starts_with_nocase(text, "sha256:") ? text.substr(7) : text);
  hex.erase(std::remove(hex.begin(), hex.end(), ':'), hex.end());
  if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
  return "SHA256:" + hex;
}

void read_titan(field_reader& reader, const toml::table& table, host_config& host) {
  reader.check_keys(table, {"prefix", "allowed_fingerprints", "token", "max_size", "mimes", "allow_delete"},
                    "[[host.titan]]");
  titan_rule rule;
  bool ok = true;
  if (auto prefix = reader.read_string(table, "prefix")) {
    const auto same = [&](const titan_rule& other) { return other.prefix == *prefix; };
    // The same shape as a feed path: a directory, no dot segments.
    if (!is_valid_feed_path(*prefix)) {
      reader.error(*table.get("prefix"),
                   "titan 'prefix' must be a directory path like \"/news/\" (leading and trailing '/', "
                   "no empty, '.' or dot-file segments)");
      ok = false;
    } else if (std::any_of(host.titan.begin(), host.titan.end(), same)) {
      reader.error(*table.get("prefix"), "titan prefix '" + *prefix + "' is used twice");
      ok = false;
    } else {
      rule.prefix = *prefix;
      const auto at = pos_of(table.get("prefix")->source());
      rule.at = {at.line, at.column};
    }
  } else {
    if (!table.contains("prefix")) reader.error(table, "[[host.titan]] needs 'prefix'");
    ok = false;
  }
  if (auto prints = reader.read_strings(table, "allowed_fingerprints")) {
    for (const string_item& item : *prints) {
      if (auto print = normalise_fingerprint(item.text)) {
        rule.allowed.push_back(std::move(*print));
      } else {
        reader.error(item.at, "'allowed_fingerprints' entries must be SHA-256 fingerprints (64 hex digits)");
      }
    }
    if (prints->empty())
      reader.error(*table.get("allowed_fingerprints"),
                   "[[host.titan]] 'allowed_fingerprints' must not be empty");
    if (rule.allowed.empty()) ok = false;  // a rule nobody may use is dropped
  } else {
    // Uploads are never open to anyone with a certificate: say who may.
    if (!table.contains("allowed_fingerprints"))
      reader.error(table, "[[host.titan]] needs 'allowed_fingerprints'");
    ok = false;
  }
  if (auto token = reader.read_string(table, "token")) {
    if (token->empty() || std::any_of(token->begin(), token->end(), [](char c) {
          return static_cast<unsigned char>(c) < 0x21 || c == 0x7f || c == ';';
        })) {
      reader.error(*table.get("token"),
                   "titan 'token' must be non-empty, without spaces, ';' or control characters");
    } else {
      rule.token = *token;
    }
  }
  if (auto size = reader.read_integer(table, "max_size", 1, static_cast<std::int64_t>(max_titan_max_size)))
    rule.max_size = static_cast<std::size_t>(*size);
  if (auto mimes = reader.read_strings(table, "mimes")) {
    rule.mimes.clear();
    for (const string_item& item : *mimes) {
      const std::string type = ascii_lower(item.text);
      if (type.find('/') == std::string::npos || type.find_first_of("; \t\r\n") != std::string::npos) {
        reader.error(item.at, "'mimes' entries must be bare types like \"text/gemini\"");
      } else {
        rule.mimes.push_back(type);
      }
    }
  }
  if (auto del = reader.read_bool(table, "allow_delete")) rule.allow_delete = *del;
  if (ok) host.titan.push_back(std::move(rule));
}

}  // namespace twinstar::detail
