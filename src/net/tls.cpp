#include "twinstar/tls.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <system_error>

#include "twinstar/capsule.hpp"

namespace twinstar::tls {
namespace {

struct file_closer {
  void operator()(FILE* f) const {
    if (f) std::fclose(f);
  }
};
using file_ptr = std::unique_ptr<FILE, file_closer>;

struct x509_deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct pkey_deleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using x509_ptr = std::unique_ptr<X509, x509_deleter>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;

bool is_ip_literal(const std::string& name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

x509_ptr read_cert(const std::filesystem::path& file) {
  file_ptr f(std::fopen(file.c_str(), "r"));
  if (!f) return nullptr;
  return x509_ptr(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
}

pkey_ptr read_key(const std::filesystem::path& file) {
  file_ptr f(std::fopen(file.c_str(), "r"));
  if (!f) return nullptr;
  return pkey_ptr(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr));
}

bool add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// Session ticket keys, process-wide so tickets survive a reload: a current
// key that seals new tickets and the one before it, which still opens
// tickets (and asks for a fresh one). Keys rotate lazily, on the first
// handshake after ticket_key_lifetime. Nothing is ever written to disk.
struct ticket_key {
  std::array<unsigned char, 16> name{};
  std::array<unsigned char, 32> aes{};
  std::array<unsigned char, 32> hmac{};
  std::chrono::steady_clock::time_point born{};
};

class ticket_keyring {
 public:
  static ticket_keyring& instance() {
    static ticket_keyring ring;
    return ring;
  }

  // Copies, so OpenSSL works on them outside the lock.
  bool current(ticket_key& out) {
    std::lock_guard lock(mutex_);
    if (std::chrono::steady_clock::now() - keys_[0].born >= ticket_key_lifetime) rotate_locked();
    out = keys_[0];
    return valid_;
  }
  // 1: the current key, 2: the previous one, 0: unknown (a full handshake).
  int find(const unsigned char* name, ticket_key& out) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < 2; ++i) {
      if (valid_ && keys_[i].born != std::chrono::steady_clock::time_point{} &&
          std::memcmp(keys_[i].name.data(), name, keys_[i].name.size()) == 0) {
        out = keys_[i];
        return i + 1;
      }
    }
    return 0;
  }
  void rotate() {
    std::lock_guard lock(mutex_);
    rotate_locked();
  }

 private:
  ticket_keyring() { rotate_locked(); }
  void rotate_locked() {
    keys_[1] = keys_[0];
    ticket_key& k = keys_[0];
    valid_ = RAND_bytes(k.name.data(), static_cast<int>(k.name.size())) == 1 &&
             RAND_priv_bytes(k.aes.data(), static_cast<int>(k.aes.size())) == 1 &&
             RAND_priv_bytes(k.hmac.data(), static_cast<int>(k.hmac.size())) == 1;
    k.born = std::chrono::steady_clock::now();
  }

  std::mutex mutex_;
  std::array<ticket_key, 2> keys_{};
  bool valid_ = false;
};

// Fetched once: OpenSSL 3.0 would otherwise look the algorithm up by name
// for every ticket.
const EVP_CIPHER* ticket_cipher() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr);
  return cipher;
}

int on_ticket_key(SSL*, unsigned char key_name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher,
                  EVP_MAC_CTX* mac, int enc) {
  ticket_key key;
  int verdict = 1;
  if (enc) {
    if (!ticket_keyring::instance().current(key) || ticket_cipher() == nullptr) return -1;
    if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(ticket_cipher())) != 1) return -1;
    std::memcpy(key_name, key.name.data(), key.name.size());
  } else {
    verdict = ticket_keyring::instance().find(key_name, key);
    if (verdict == 0 || ticket_cipher() == nullptr) return 0;
  }
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
  if (EVP_MAC_init(mac, key.hmac.data(), key.hmac.size(), params) != 1) return -1;
  const int ok = enc ? EVP_EncryptInit_ex(cipher, ticket_cipher(), nullptr, key.aes.data(), iv)
                     : EVP_DecryptInit_ex(cipher, ticket_cipher(), nullptr, key.aes.data(), iv);
  return ok == 1 ? verdict : -1;
}

// TLS 1.2+ only, no renegotiation, server cipher preference; one session
// ticket per handshake (OpenSSL's default is two, and each costs an
// encryption and a record; one is all a Gemini client reuses), sealed with
// the rotating keys above.
// Client certificates in Gemini are self-signed as a rule: any certificate is
// accepted at the TLS layer and judged by fingerprint and dates afterwards.
int accept_any_certificate(int, X509_STORE_CTX*) { return 1; }

// AEAD suites only, AES-128-GCM first: as strong as needed and ~20% less
// CPU per byte than AES-256-GCM (OpenSSL's first choice) for a large file.
// A client that puts ChaCha20 first (no AES hardware) gets ChaCha20
// (SSL_OP_PRIORITIZE_CHACHA). TLS 1.2: Mozilla's "intermediate" list.
constexpr const char* tls13_suites =
    "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384";
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384";

bool configure_common(SSL_CTX* ctx) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) return false;
  // Needed for session resumption once client certificates may be requested.
  static const unsigned char sid_context[] = "twinstar";
  SSL_CTX_set_session_id_context(ctx, sid_context, sizeof sid_context - 1);
  SSL_CTX_set_options(ctx,
                      SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA);
  if (SSL_CTX_set_ciphersuites(ctx, tls13_suites) != 1 || SSL_CTX_set_cipher_list(ctx, tls12_ciphers) != 1)
    return false;
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  // Read whole TCP segments, not a record header and then its body.
  SSL_CTX_set_read_ahead(ctx, 1);
  SSL_CTX_set_num_tickets(ctx, 1);
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, on_ticket_key);
  return true;
}

int on_server_name(SSL* ssl, int*, void* arg) {
  const auto* self = static_cast<const server_contexts*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!name) return SSL_TLSEXT_ERR_OK;  // no SNI: keep the default host
  if (SSL_CTX* ctx = self->find(name); ctx && ctx != SSL_get_SSL_CTX(ssl)) {
    SSL_set_SSL_CTX(ssl, ctx);
    // SSL_set_SSL_CTX swaps certificate and key only: carry the host's
    // client-certificate request over as well.
    SSL_set_verify(ssl, SSL_CTX_get_verify_mode(ctx), SSL_CTX_get_verify_callback(ctx));
  }
  // An unknown name keeps the default certificate; the request then gets 53.
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

std::string last_error() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

result<void, std::string> generate_self_signed(const std::filesystem::path& cert_file,
                                               const std::filesystem::path& key_file,
                                               const std::vector<std::string>& names, long not_before_days,
                                               long not_after_days) {
  if (names.empty()) return fail("no name for the certificate");
  pkey_ptr key(EVP_EC_gen("P-256"));
  x509_ptr cert(X509_new());
  if (!key || !cert) return fail("cannot create key: " + last_error());

  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_time_adj_ex(X509_getm_notBefore(cert.get()), static_cast<int>(not_before_days), -60 * 60, nullptr);
  X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(not_after_days), 0, nullptr);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(names.front().c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);

  std::string san;
  for (const auto& n : names) {
    if (!san.empty()) san += ',';
    san += (is_ip_literal(n) ? "IP:" : "DNS:") + n;
  }
  if (!add_extension(cert.get(), NID_subject_alt_name, san) ||
      !add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_extension(cert.get(), NID_ext_key_usage, "serverAuth"))
    return fail("cannot add certificate extensions: " + last_error());
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return fail("cannot sign: " + last_error());

  std::error_code ec;
  std::filesystem::create_directories(key_file.parent_path(), ec);
  std::filesystem::create_directories(cert_file.parent_path(), ec);
  int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    return fail("cannot write " + key_file.string() + ": " + std::generic_category().message(errno));
  ::fchmod(fd, 0600);  // also when the file already existed with wider rights
  file_ptr kf(fdopen(fd, "w"));
  if (!kf || PEM_write_PrivateKey(kf.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return fail("cannot write " + key_file.string());
  kf.reset();
  file_ptr cf(std::fopen(cert_file.c_str(), "w"));
  if (!cf || PEM_write_X509(cf.get(), cert.get()) != 1) return fail("cannot write " + cert_file.string());
  return {};
}

result<void, std::string> check_pair(const std::filesystem::path& cert_file,
                                     const std::filesystem::path& key_file, std::string_view host_name) {
  x509_ptr cert = read_cert(cert_file);
  if (!cert) return fail(cert_file.string() + ": cannot read a PEM certificate");
  pkey_ptr key = read_key(key_file);
  if (!key) return fail(key_file.string() + ": cannot read a PEM private key");
  ERR_clear_error();
  if (X509_check_private_key(cert.get(), key.get()) != 1)
    return fail(key_file.string() + ": key does not match certificate " + cert_file.string());
  if (X509_cmp_current_time(X509_get0_notAfter(cert.get())) <= 0)
    return fail(cert_file.string() + ": certificate has expired");
  if (X509_cmp_current_time(X509_get0_notBefore(cert.get())) > 0)
    return fail(cert_file.string() + ": certificate is not valid yet");
  std::string name(host_name);
  bool named = is_ip_literal(name) ? X509_check_ip_asc(cert.get(), name.c_str(), 0) == 1
                                   : X509_check_host(cert.get(), name.data(), name.size(), 0, nullptr) == 1;
  if (!named) return fail(cert_file.string() + ": certificate does not name host '" + name + "'");
  return {};
}

std::vector<config_error> prepare_certificates(const server_config& config, void (*note)(const std::string&),
                                               bool generate) {
  std::vector<config_error> problems;
  for (const auto& host : config.hosts) {
    auto problem = [&](config_location at, const std::string& message) {
      problems.push_back(error_in(config, at, "host '" + host.name + "': " + message));
    };
    std::error_code ec;
    bool have_cert = std::filesystem::exists(host.cert, ec);
    bool have_key = std::filesystem::exists(host.key, ec);
    if (!have_cert && !have_key) {
      if (!generate) {
        if (note)
          note("host '" + host.name + "': no certificate yet; one will be generated at " +
               host.cert.string());
        continue;
      }
      std::vector<std::string> names{host.name};
      names.insert(names.end(), host.aliases.begin(), host.aliases.end());
      if (auto made = generate_self_signed(host.cert, host.key, names); !made) {
        problem(host.cert_at, made.error());
        continue;
      }
      if (note) note("generated a self-signed certificate for " + host.name + ": " + host.cert.string());
    } else if (!have_cert || !have_key) {
      problem(have_cert ? host.key_at : host.cert_at,
              (have_cert ? host.key : host.cert).string() +
                  " is missing (give both files, or neither to generate a pair)");
      continue;
    }
    // Say why a file cannot be read (a service user without access, most often).
    bool readable = true;
    for (const auto& [file, at] : {std::pair{host.cert, host.cert_at}, std::pair{host.key, host.key_at}}) {
      if (::access(file.c_str(), R_OK) != 0) {
        problem(at, file.string() + ": cannot read: " + std::strerror(errno));
        readable = false;
      }
    }
    if (!readable) continue;
    if (auto checked = check_pair(host.cert, host.key, host.name); !checked)
      problem(host.cert_at, checked.error());
  }
  return problems;
}

void rotate_ticket_keys() { ticket_keyring::instance().rotate(); }

std::string fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!cert || X509_digest(cert, EVP_sha256(), md, &len) != 1) return {};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "SHA256:";
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

result<std::unique_ptr<server_contexts>, std::string> server_contexts::build(const server_config& config) {
  auto self = std::unique_ptr<server_contexts>(new server_contexts);
  for (const auto& host : config.hosts) {
    ctx_ptr ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx || !configure_common(ctx.get()) ||
        SSL_CTX_use_certificate_chain_file(ctx.get(), host.cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx.get(), host.key.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx.get()) != 1) {
      return fail(host.name + ": " + last_error());
    }
    if (wants_client_certificates(host))
      SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, accept_any_certificate);
    entry e{{host.name}, std::move(ctx)};
    e.names.insert(e.names.end(), host.aliases.begin(), host.aliases.end());
    self->contexts_.push_back(std::move(e));
  }
  if (self->contexts_.empty()) {
    return fail("no hosts");
  }
  SSL_CTX* def = self->default_context();
  SSL_CTX_set_tlsext_servername_callback(def, on_server_name);
  SSL_CTX_set_tlsext_servername_arg(def, self.get());
  return self;
}

SSL_CTX* server_contexts::find(std::string_view server_name) const {
  std::string name(server_name);
  if (!name.empty() && name.back() == '.') name.pop_back();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const auto& e : contexts_)
    if (std::find(e.names.begin(), e.names.end(), name) != e.names.end()) return e.ctx.get();
  return nullptr;
}

result<ctx_ptr, std::string> make_client_context(int min_version, int max_version,
                                                 const std::filesystem::path& cert_file,
                                                 const std::filesystem::path& key_file) {
  ctx_ptr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return fail(last_error());
  if (min_version < TLS1_2_VERSION) {
    // Old versions are only for probing servers; OpenSSL's default security
    // level forbids them, so lower it for this context alone.
    SSL_CTX_set_security_level(ctx.get(), 0);
    SSL_CTX_set_cipher_list(ctx.get(), "ALL:@SECLEVEL=0");
  }
  SSL_CTX_set_min_proto_version(ctx.get(), min_version);
  SSL_CTX_set_max_proto_version(ctx.get(), max_version);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  if (!cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return fail("client certificate: " + last_error());
    }
  }
  return ctx;
}

}  // namespace twinstar::tls
