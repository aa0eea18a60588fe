#pragma once
// Asking the user at the terminal, for `get`'s answers to Gemini input
// prompts (10, and 11 for sensitive input).
#include <optional>
#include <string>
#include <string_view>

namespace twinstar::cli {

// Writes `question` to the controlling terminal (/dev/tty) and reads one line
// from it (at most 1024 bytes, the line end removed), with echo off when
// `sensitive`; the terminal's settings are restored afterwards, also when
// SIGINT, SIGTERM, SIGHUP or SIGQUIT end the process meanwhile. nullopt when
// there is nobody to ask (stdin is not a terminal, /dev/tty cannot be opened)
// or the user ended the input (Ctrl-D, EOF).
std::optional<std::string> ask_terminal(std::string_view question, bool sensitive);

}  // namespace twinstar::cli
