#include "twinstar/proxy_protocol.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace std::literals;
using twinstar::parse_proxy_header;
using twinstar::proxy_parse;
using twinstar::proxy_version;
using state = proxy_parse::state;

namespace {

const std::string signature{"\r\n\r\n\0\r\nQUIT\n", 12};

// A v2 header: version/command byte, family/transport byte, then the payload.
std::string v2(unsigned char command, unsigned char family, const std::vector<unsigned char>& payload) {
  std::string out = signature;
  out += static_cast<char>(command);
  out += static_cast<char>(family);
  out += static_cast<char>(payload.size() >> 8);
  out += static_cast<char>(payload.size() & 0xff);
  for (unsigned char c : payload) out += static_cast<char>(c);
  return out;
}

// 192.0.2.1:40000 -> 198.51.100.7:1965
const std::vector<unsigned char> inet = {192, 0, 2, 1, 198, 51, 100, 7, 0x9c, 0x40, 0x07, 0xad};

std::vector<unsigned char> inet6() {
  std::vector<unsigned char> p(36, 0);
  p[0] = 0x20, p[1] = 0x01, p[2] = 0x0d, p[3] = 0xb8, p[15] = 1;  // 2001:db8::1
  p[31] = 1;                                                      // ::1
  p[32] = 0x9c, p[33] = 0x40, p[34] = 0x07, p[35] = 0xad;
  return p;
}

struct complete_case {
  std::string input;
  proxy_version version;
  std::size_t length;
  bool has_addresses;
  std::string source;
  int source_port;
  std::string destination;
  int destination_port;
};

struct other_case {
  std::string input;
  proxy_version version;
  state expected;
};

}  // namespace

TEST_CASE("parse_proxy_header accepts valid headers") {
  const std::string tcp4 = "PROXY TCP4 192.0.2.1 198.51.100.7 40000 1965\r\n";
  const std::string longest =
      "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 "
      "65535\r\n";
  auto with_tlv = inet;
  for (unsigned char c : {0x04, 0x00, 0x02, 0xAB, 0xCD}) with_tlv.push_back(c);  // PP2_TYPE_NOOP
  const complete_case cases[] = {
      {tcp4, proxy_version::v1, tcp4.size(), true, "192.0.2.1", 40000, "198.51.100.7", 1965},
      {tcp4 + "gemini://h/\r\n", proxy_version::v1, tcp4.size(), true, "192.0.2.1", 40000, "198.51.100.7",
       1965},
      {"PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::1 1 0\r\n", proxy_version::v1, 41, true, "2001:db8::1", 1, "::1",
       0},
      {"PROXY TCP6 ::ffff:192.0.2.1 :: 5 6\r\n", proxy_version::v1, 36, true, "::ffff:192.0.2.1", 5, "::", 6},
      {"PROXY TCP6 1:0:0:2:0:0:0:3 1:2:3:4:5:6:7:8 5 6\r\n", proxy_version::v1, 48, true, "1:0:0:2::3", 5,
       "1:2:3:4:5:6:7:8", 6},
      {longest, proxy_version::v1, 104, true, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
       "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535},
      {"PROXY UNKNOWN\r\n", proxy_version::v1, 15, false, "", 0, "", 0},
      {"PROXY UNKNOWN ffff:: ::1 1 2\r\n", proxy_version::v1, 30, false, "", 0, "", 0},
      {v2(0x21, 0x11, inet), proxy_version::v2, 28, true, "192.0.2.1", 40000, "198.51.100.7", 1965},
      {v2(0x21, 0x11, inet) + "\x16\x03\x01", proxy_version::v2, 28, true, "192.0.2.1", 40000, "198.51.100.7",
       1965},
      {v2(0x21, 0x11, with_tlv), proxy_version::v2, 33, true, "192.0.2.1", 40000, "198.51.100.7", 1965},
      {v2(0x21, 0x21, inet6()), proxy_version::v2, 52, true, "2001:db8::1", 40000, "::1", 1965},
      {v2(0x20, 0x00, {}), proxy_version::v2, 16, false, "", 0, "", 0},         // LOCAL
      {v2(0x20, 0x11, inet), proxy_version::v2, 28, false, "", 0, "", 0},       // LOCAL ignores addresses
      {v2(0x21, 0x00, {1, 2, 3}), proxy_version::v2, 19, false, "", 0, "", 0},  // AF_UNSPEC
      {v2(0x21, 0x11, std::vector<unsigned char>(2048, 0)), proxy_version::v2, 2064, true, "0.0.0.0", 0,
       "0.0.0.0", 0},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    const auto p = parse_proxy_header(c.input, c.version);
    CAPTURE(p.error);
    REQUIRE(p.outcome == state::complete);
    CHECK(p.length == c.length);
    CHECK(p.header.has_addresses == c.has_addresses);
    CHECK(p.header.source_address == c.source);
    CHECK(p.header.source_port == c.source_port);
    CHECK(p.header.destination_address == c.destination);
    CHECK(p.header.destination_port == c.destination_port);
  }
}

TEST_CASE("parse_proxy_header waits for more or refuses") {
  const std::string full_v2 = v2(0x21, 0x11, inet);
  const other_case cases[] = {
      {"", proxy_version::v1, state::incomplete},
      {"PRO", proxy_version::v1, state::incomplete},
      {"PROXY TCP4 192.0.2.1", proxy_version::v1, state::incomplete},
      {"PROXY TCP4 192.0.2.1 198.51.100.7 40000 1965\r", proxy_version::v1, state::incomplete},
      {"PROXY " + std::string(100, 'x'), proxy_version::v1, state::incomplete},  // 106 bytes
      {"PROXY " + std::string(101, 'x'), proxy_version::v1, state::invalid},     // 107 without CRLF
      {"PROXY UNKNOWN" + std::string(93, ' ') + "\r\n", proxy_version::v1, state::invalid},  // 108
      {"GET / HTTP/1.0\r\n", proxy_version::v1, state::invalid},
      {"gemini://h/\r\n", proxy_version::v1, state::invalid},
      {"proxy TCP4 192.0.2.1 198.51.100.7 1 2\r\n", proxy_version::v1, state::invalid},
      {"PROXY TCP4 192.0.2.1 198.51.100.7 1 2\n", proxy_version::v1, state::invalid},
      {"PROXY TCP4 192.0.2.1 198.51.100.7 1 2\rX", proxy_version::v1, state::invalid},
      {"PROXY TCP4  192.0.2.1 198.51.100.7 1 2\r\n", proxy_version::v1, state::invalid},
      {"PROXY TCP4 192.0.2.1 198.51.100.7 1 2 \r\n", proxy_version::v1, state::invalid},
      {"PROXY TCP4 192.0.2.1 198.51.100.7 1\r\n", proxy_version::v1, state::invalid},
      {"PROXY TCP4 192.0.2.256 198.51.100.7 1 2\r\n", proxy_version::v1, state::invalid},
      {"PROXY TCP4 192.0.2 198.51.100.7 1 2\r\n", proxy_version::v1, state::invalid},
      {"PROXY TCP4 192.0.2.01 198.51.100.7 1 2\r\n", proxy_version::v1, state::invalid},
      {"PROXY TCP4 ::1 ::1 1 2\r\n", proxy_version::v1, state::invalid},
      {"PROXY TCP6 192.0.2.1 ::1 1 2\r\n", proxy_version::v1, state::invalid},
      {"PROXY TCP6 1::2::3 ::1 1 2\r\n", proxy_version::v1, state::invalid},
      {"PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n", proxy_version::v1, state::invalid},
      {"PROXY TCP6 1:2:3:4:5:6:7::8 ::1 1 2\r\n", proxy_version::v1, state::invalid},
      {"PROXY TCP6 12345:: ::1 1 2\r\n", proxy_version::v1, state::invalid},
      {"PROXY TCP4 192.0.2.1 198.51.100.7 65536 2\r\n", proxy_version::v1, state::invalid},
      {"PROXY TCP4 192.0.2.1 198.51.100.7 01 2\r\n", proxy_version::v1, state::invalid},
      {"PROXY TCP4 192.0.2.1 198.51.100.7 -1 2\r\n", proxy_version::v1, state::invalid},
      {"PROXY UDP4 192.0.2.1 198.51.100.7 1 2\r\n", proxy_version::v1, state::invalid},
      {"PROXY TCP4 192.0.2.1 198.51.100.7 1 2\r\n", proxy_version::v2, state::invalid},  // wrong version
      {full_v2, proxy_version::v1, state::invalid},
      {"", proxy_version::v2, state::incomplete},
      {signature.substr(0, 5), proxy_version::v2, state::incomplete},
      {full_v2.substr(0, 15), proxy_version::v2, state::incomplete},
      {full_v2.substr(0, 27), proxy_version::v2, state::incomplete},
      {"\r\n\r\n\0\r\nQUIT!"s, proxy_version::v2, state::invalid},
      {"\x16\x03\x01\x02\x00", proxy_version::v2, state::invalid},  // a bare TLS ClientHello
      {v2(0x11, 0x11, inet), proxy_version::v2, state::invalid},    // version 1
      {v2(0x31, 0x11, inet), proxy_version::v2, state::invalid},    // version 3
      {v2(0x22, 0x11, inet), proxy_version::v2, state::invalid},    // command 2
      {v2(0x21, 0x12, inet), proxy_version::v2, state::invalid},    // DGRAM
      {v2(0x21, 0x31, std::vector<unsigned char>(216, 0)), proxy_version::v2, state::invalid},  // AF_UNIX
      {v2(0x21, 0x11, {1, 2, 3}), proxy_version::v2, state::invalid},                           // short INET
      {v2(0x21, 0x21, inet), proxy_version::v2, state::invalid},                                // short INET6
      {v2(0x21, 0x11, std::vector<unsigned char>(2049, 0)).substr(0, 16), proxy_version::v2, state::invalid},
      {"PROXY TCP4 192.0.2.1 198.51.100.7 1 2\r\n", proxy_version::none, state::invalid},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    const auto p = parse_proxy_header(c.input, c.version);
    CAPTURE(p.error);
    CHECK(p.outcome == c.expected);
    if (c.expected == state::invalid) CHECK_FALSE(p.error.empty());
  }
}

TEST_CASE("parse_proxy_header is incomplete at every prefix of a valid header") {
  const std::string headers[] = {"PROXY TCP4 192.0.2.1 198.51.100.7 40000 1965\r\n", v2(0x21, 0x21, inet6())};
  for (const auto& whole : headers) {
    const auto version = whole[0] == 'P' ? proxy_version::v1 : proxy_version::v2;
    for (std::size_t n = 0; n < whole.size(); ++n) {
      CAPTURE(n);
      CHECK(parse_proxy_header(whole.substr(0, n), version).outcome == state::incomplete);
    }
    CHECK(parse_proxy_header(whole, version).outcome == state::complete);
  }
}
