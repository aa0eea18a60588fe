#pragma once
// Private to the config module: the [[host.cgi]] and [[host.scgi]] tables.
#include <toml++/toml.h>

#include <string_view>
#include <vector>

#include "config_fields.hpp"
#include "twinstar/config.hpp"

namespace twinstar::detail {

// One [[host.cgi]] table (path, dir, timeout) into host.cgi; every problem
// goes to `reader` at its line:column, and a rule with a bad path is dropped.
// `dir` defaults to the directory at `path` in the host's root.
void read_cgi(field_reader& reader, const toml::table& table, host_config& host);
// One [[host.scgi]] table (path, socket, timeout) into host.scgi.
void read_scgi(field_reader& reader, const toml::table& table, host_config& host);

// check_on_disk's part: each CGI `dir` is a directory, and one inside the
// host's root is the directory at its own `path` (else its scripts would be
// served as files at another URL). Symlinks are followed.
void check_cgi_on_disk(const host_config& host, std::string_view file_name,
                       std::vector<config_error>& errors);

}  // namespace twinstar::detail
