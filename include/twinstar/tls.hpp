#pragma once
// OpenSSL pieces: server contexts per virtual host chosen by SNI, self-signed
// certificate generation, certificate checks and fingerprints.
#include <openssl/ssl.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/config.hpp"
#include "twinstar/result.hpp"

namespace twinstar::tls {

struct ssl_ctx_deleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using ctx_ptr = std::unique_ptr<SSL_CTX, ssl_ctx_deleter>;

// Write a self-signed ECDSA P-256 certificate naming `names` (DNS SANs; IP
// literals become IP SANs; the first is the CN), valid for 50 years from an
// hour ago (tests pass other bounds, in days from now, to make expired
// certificates), and its key (mode 0600). Fails with an error message.
result<void, std::string> generate_self_signed(const std::filesystem::path& cert_file,
                                               const std::filesystem::path& key_file,
                                               const std::vector<std::string>& names,
                                               long not_before_days = 0, long not_after_days = 50 * 365 + 12);

// Check that the files load, the key matches the certificate, the
// certificate is currently valid and names `host_name`. Fails with a message
// describing the first problem.
result<void, std::string> check_pair(const std::filesystem::path& cert_file,
                                     const std::filesystem::path& key_file, std::string_view host_name);

// For every host: generate a certificate when neither cert nor key exists
// (logging one line per generated pair through `note`), then check_pair.
// Returns every problem found, each at the `cert` or `key` key of the config
// (file:line:column; the file alone when the path came from cert_dir), with
// the errno's words when a file cannot be read. With `generate` false
// (--check-config) nothing is written: a missing pair is only noted.
std::vector<config_error> prepare_certificates(const server_config& config, void (*note)(const std::string&),
                                               bool generate = true);

// "SHA256:<64 lowercase hex>" of a DER certificate.
std::string fingerprint(X509* cert);

// Server-side TLS: one SSL_CTX per host, TLS 1.2+ only; the first host's
// context is the default and carries the SNI callback that switches to the
// named host's context. Immutable once built.
class server_contexts {
 public:
  // Errors: a message naming the host and the OpenSSL reason.
  static result<std::unique_ptr<server_contexts>, std::string> build(const server_config& config);

  SSL_CTX* default_context() const { return contexts_.front().ctx.get(); }
  SSL_CTX* find(std::string_view server_name) const;  // nullptr when unknown

 private:
  struct entry {
    std::vector<std::string> names;
    ctx_ptr ctx;
  };
  std::vector<entry> contexts_;
};

// Client-side context: TLS 1.2+ by default (min/max overridable for tests of
// refusal), no verification (Gemini uses TOFU; the caller checks fingerprints),
// optional client certificate.
result<ctx_ptr, std::string> make_client_context(int min_version, int max_version,
                                                 const std::filesystem::path& cert_file,
                                                 const std::filesystem::path& key_file);

// Session tickets are sealed with process-wide keys that rotate every
// ticket_key_lifetime; tickets under the previous key are still accepted
// (and replaced). rotate_ticket_keys() rotates now (tests).
inline constexpr std::chrono::hours ticket_key_lifetime{2};
void rotate_ticket_keys();

// The last OpenSSL error queue entries as text (and clears the queue).
std::string last_error();

}  // namespace twinstar::tls
