// libFuzzer target: PROXY protocol header parsing, v1 and v2.
#include <cstdint>
#include <string>
#include <string_view>

#include "twinstar/proxy_protocol.hpp"

using twinstar::proxy_parse;
using twinstar::proxy_version;

namespace {

void check(std::string_view input, proxy_version version) {
  const proxy_parse p = twinstar::parse_proxy_header(input, version);
  if (p.outcome == proxy_parse::state::invalid) {
    if (p.error.empty()) __builtin_trap();
    return;
  }
  if (p.outcome == proxy_parse::state::incomplete) {
    // More bytes are asked for only while a header could still fit.
    if (input.size() >= twinstar::max_proxy_header_bytes) __builtin_trap();
    return;
  }
  if (p.length > input.size() || p.length > twinstar::max_proxy_header_bytes) __builtin_trap();
  if (version == proxy_version::v1 && p.length > twinstar::max_proxy_v1_bytes) __builtin_trap();
  // The header alone gives the same answer; one byte less is a prefix.
  const proxy_parse alone = twinstar::parse_proxy_header(input.substr(0, p.length), version);
  if (alone.outcome != proxy_parse::state::complete || alone.length != p.length ||
      alone.header.source_address != p.header.source_address)
    __builtin_trap();
  if (twinstar::parse_proxy_header(input.substr(0, p.length - 1), version).outcome !=
      proxy_parse::state::incomplete)
    __builtin_trap();
  // Addresses come out canonical: written back as a v1 line, they parse to themselves.
  if (p.header.has_addresses) {
    const bool v6 = p.header.source_address.find(':') != std::string::npos;
    if (v6 != (p.header.destination_address.find(':') != std::string::npos)) __builtin_trap();
    const std::string line = std::string("PROXY ") + (v6 ? "TCP6 " : "TCP4 ") + p.header.source_address +
                             " " + p.header.destination_address + " " + std::to_string(p.header.source_port) +
                             " " + std::to_string(p.header.destination_port) + "\r\n";
    const proxy_parse again = twinstar::parse_proxy_header(line, proxy_version::v1);
    if (again.outcome != proxy_parse::state::complete ||
        again.header.source_address != p.header.source_address ||
        again.header.destination_address != p.header.destination_address ||
        again.header.source_port != p.header.source_port ||
        again.header.destination_port != p.header.destination_port)
      __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check(input, proxy_version::v1);
  check(input, proxy_version::v2);
  return 0;
}
