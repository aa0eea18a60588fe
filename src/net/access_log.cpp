#include "twinstar/access_log.hpp"

#include <unistd.h>

#include <algorithm>
#include <asio/ip/address.hpp>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <utility>

namespace twinstar {

namespace {

// `t` in UTC as strftime's `format` lays it out.
std::string utc_time(std::chrono::system_clock::time_point t, const char* format) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

}  // namespace

std::string iso8601(std::chrono::system_clock::time_point t) { return utc_time(t, "%Y-%m-%dT%H:%M:%SZ"); }

namespace {

struct destination_fd {
  int fd = -1;         // -1: "off"
  bool owned = false;  // ours to close (not stdout)
};

// The descriptor for a destination: -1 for "off", stdout for "-", else the
// file opened for appending (see open_log_file). Fails with errno's words.
result<destination_fd, std::string> open_destination(const std::string& destination) {
  if (destination == "off") return destination_fd{};
  if (destination == "-" || destination.empty()) return destination_fd{.fd = STDOUT_FILENO};
  const int fd = open_log_file(destination);
  if (fd < 0) return fail(errno == ENXIO ? "no process is reading the FIFO" : std::strerror(errno));
  return destination_fd{.fd = fd, .owned = true};
}

}  // namespace

access_log::access_log(int fd, bool owned)
    : sink_(std::make_unique<line_sink>(fd, owned, batch_delay)), on_(fd >= 0) {}

result<std::unique_ptr<access_log>, std::string> access_log::open(const std::string& destination) {
  auto opened = open_destination(destination);
  if (!opened) return fail(opened.error());
  return std::unique_ptr<access_log>(new access_log(opened->fd, opened->owned));
}

access_log::~access_log() = default;

result<void, std::string> access_log::reopen(const std::string& destination) {
  auto opened = open_destination(destination);
  if (!opened) return fail(opened.error());
  sink_->replace(opened->fd, opened->owned);
  on_ = opened->fd >= 0;
  return {};
}

namespace {

// Paths come from the network: escape anything that could forge a log line
// (and, for the CLF styles, a quote that would end the request field).
std::string escaped_path(std::string_view raw) {
  std::string path;
  for (unsigned char c : raw) {
    if (c < 0x20 || c == 0x7f || c == ' ' || c == '"' || c == '\\') {
      char esc[5];
      std::snprintf(esc, sizeof esc, "%%%02X", c);
      path += esc;
    } else {
      path += static_cast<char>(c);
    }
  }
  return path.empty() ? "-" : path;
}

// A JSON string (the path is already escaped; host and client are ASCII).
std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

// "[04/Dec/2026:15:03:00 +0000]" (%b is locale-bound; the server never calls setlocale)
std::string clf_time(std::chrono::system_clock::time_point t) {
  return utc_time(t, "[%d/%b/%Y:%H:%M:%S +0000]");
}

// A numeric status for log analysers: Gemini's own; a Gopher answer 20, a
// Gopher error item 51, a Gopher rate-limit refusal 44 (Gemini's slow down).
std::string numeric_status(std::string_view status) {
  if (!status.empty() && status.front() >= '0' && status.front() <= '9') return std::string(status);
  if (status == "error") return "51";
  if (status == "slow-down") return "44";
  return "20";
}

std::string or_dash(std::string_view field) { return field.empty() ? "-" : std::string(field); }

}  // namespace

std::string shown_address(std::string_view client, ip_logging mode) {
  if (mode == ip_logging::full) return or_dash(client);
  if (mode == ip_logging::none) return "-";
  // "1.2.3.4:5678" or "[2001:db8::1]:5678" (or a bare address)
  std::string_view address = client;
  if (address.starts_with('[')) {
    address = address.substr(1, address.find(']') - 1);
  } else if (address.find(':') == address.rfind(':') && address.find(':') != std::string_view::npos) {
    address = address.substr(0, address.find(':'));  // IPv4 with a port
  }
  std::error_code ec;
  auto parsed = asio::ip::make_address(std::string(address), ec);
  if (ec) return "-";
  if (parsed.is_v4()) {
    auto bytes = parsed.to_v4().to_bytes();
    bytes[3] = 0;
    return asio::ip::address_v4(bytes).to_string();
  }
  auto v6 = parsed.to_v6();
  if (v6.is_v4_mapped())
    return shown_address(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string(), mode);
  auto bytes = v6.to_bytes();
  std::fill(bytes.begin() + 6, bytes.end(), 0);  // keep the /48
  return asio::ip::address_v6(bytes).to_string();
}

std::string format_access_line(const access_entry& e, log_style style, ip_logging ip,
                               std::chrono::system_clock::time_point now) {
  const std::string client = shown_address(e.client, ip);
  const std::string path = escaped_path(e.path);
  const std::string bytes = std::to_string(e.bytes);
  const std::string micros = std::to_string(e.duration.count());
  const std::string_view protocol_name = name_of(e.protocol);
  std::string line;
  switch (style) {
    case log_style::twinstar:
      line = iso8601(now) + ' ' + client + ' ' + std::string(protocol_name) + ' ' + or_dash(e.host) + ' ' +
             path + ' ' + or_dash(e.status) + ' ' + bytes + ' ' + micros + "us";
      break;
    case log_style::common:
    case log_style::combined: {
      std::string protocol(protocol_name);
      for (auto& c : protocol) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      line = client + " - - " + clf_time(now) + " \"GET " + path + ' ' + or_dash(protocol) + "\" " +
             numeric_status(e.status) + ' ' + bytes;
      if (style == log_style::combined) line += " \"-\" \"-\" " + or_dash(e.host) + ' ' + micros;
      break;
    }
    case log_style::json:
      line = "{\"time\":" + json_string(iso8601(now)) + ",\"client\":" + json_string(client) +
             ",\"protocol\":" + json_string(protocol_name) + ",\"host\":" + json_string(e.host) +
             ",\"path\":" + json_string(path) + ",\"status\":" + json_string(e.status) +
             ",\"bytes\":" + bytes + ",\"duration_us\":" + micros + "}";
      break;
  }
  return line + '\n';
}

void access_log::write(const access_entry& e) {
  if (!on_) return;
  sink_->write(format_access_line(e, style_.load(std::memory_order_relaxed),
                                  ip_.load(std::memory_order_relaxed), std::chrono::system_clock::now()));
}

void access_log::set_format(log_style style, ip_logging ip) {
  style_ = style;
  ip_ = ip;
}

}  // namespace twinstar
