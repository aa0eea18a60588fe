#pragma once
// Private to the config module: the [[host.titan]] tables.
#include <toml++/toml.h>

#include <optional>
#include <string>
#include <string_view>

#include "config_fields.hpp"
#include "twinstar/config.hpp"

namespace twinstar::detail {

// "SHA256:<hex>" or bare hex, any case, ':' between bytes allowed -> the
// form tls::fingerprint gives ("SHA256:" + 64 lower-case hex digits);
// nullopt when it is no SHA-256 fingerprint.
std::optional<std::string> normalise_fingerprint(std::string_view text);

// Reads one [[host.titan]] table (prefix, allowed_fingerprints, token,
// max_size, mimes, allow_delete) into host.titan; every problem goes to
// `reader` at its line:column, and a rule with a bad prefix or without a
// fingerprint is dropped (uploads there are then refused).
void read_titan(field_reader& reader, const toml::table& table, host_config& host);

}  // namespace twinstar::detail
