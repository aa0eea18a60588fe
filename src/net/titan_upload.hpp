#pragma once
// Internal to the network shell: a Titan upload received on a Gemini
// connection (see titan.hpp for the decisions, titan_upload.cpp for the I/O).
#include <string>
#include <string_view>

#include "shell.hpp"
#include "tls_stream.hpp"
#include "twinstar/capsule.hpp"
#include "twinstar/error.hpp"
#include "twinstar/gemini_site.hpp"

namespace twinstar::shell {

struct titan_result {
  gemini_reply reply{gemini::status::temporary_failure, "Upload failed"};
  std::string host, path;  // for the access log (parameters, token included, left out)
  std::string problem;     // the server's own failure, for the log
  bool cut = false;        // the deadline closed the connection: nothing can be answered
};

// Handles the Titan request (`request.line`, with the connection's ports,
// client and certificate) whose first body bytes, read along with it, are
// `early`: decides (titan::parse_request, authorise, locate), then
// reads exactly `size` bytes within request_timeout + size / min_write_rate
// into a temporary dot file in the target directory, fsyncs it and renames
// it over the target (size 0: unlinks the target), and forgets the answer,
// listing and feed caches so the change shows at the next request. Nothing
// is written when the upload is refused, and the temporary file is removed
// when the body falls short. Success is a 30 to the gemini:// URL of the
// file (of its directory after a delete).
asio::awaitable<titan_result> receive_titan(tls_stream& stream, const gemini_request& request,
                                            std::string_view early, const snapshot& site, shared_state& state,
                                            session_deadline& deadline);

}  // namespace twinstar::shell
