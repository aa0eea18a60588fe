#include "prompt.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace twinstar::cli {
namespace {

inline constexpr std::size_t max_answer_bytes = 1024;  // a whole Gemini request is no longer

// A signal handler can reach nothing else: the terminal to restore, while
// echo is off. Set before the handlers are installed, cleared after.
int echo_off_fd = -1;
termios echo_on_settings{};

extern "C" void restore_and_reraise(int sig) {
  if (echo_off_fd >= 0) ::tcsetattr(echo_off_fd, TCSANOW, &echo_on_settings);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

constexpr int ending_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

// Echo off (the Enter still echoes a newline) for as long as it lives.
class hidden_input {
 public:
  explicit hidden_input(int fd) : fd_(fd) {
    termios settings{};
    if (::tcgetattr(fd, &settings) != 0) return;
    echo_on_settings = settings;
    echo_off_fd = fd;
    struct sigaction action {};
    action.sa_handler = restore_and_reraise;
    sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < std::size(ending_signals); ++i)
      ::sigaction(ending_signals[i], &action, &previous_[i]);
    settings.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    settings.c_lflag |= ECHONL;
    on_ = ::tcsetattr(fd, TCSAFLUSH, &settings) == 0;
  }
  ~hidden_input() {
    if (echo_off_fd < 0) return;
    if (on_) ::tcsetattr(fd_, TCSAFLUSH, &echo_on_settings);
    echo_off_fd = -1;
    for (std::size_t i = 0; i < std::size(ending_signals); ++i)
      ::sigaction(ending_signals[i], &previous_[i], nullptr);
  }
  hidden_input(const hidden_input&) = delete;
  hidden_input& operator=(const hidden_input&) = delete;

 private:
  int fd_;
  bool on_ = false;
  struct sigaction previous_[std::size(ending_signals)]{};
};

}  // namespace

std::optional<std::string> ask_terminal(std::string_view question, bool sensitive) {
  if (::isatty(STDIN_FILENO) != 1) return std::nullopt;
  const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<std::string> answer;
  {
    std::optional<hidden_input> hidden;
    if (sensitive) hidden.emplace(fd);
    if (::write(fd, question.data(), question.size()) == static_cast<ssize_t>(question.size())) {
      std::string line;
      char c = 0;
      ssize_t n = 0;
      while (((n = ::read(fd, &c, 1)) == 1 && c != '\n') || (n < 0 && errno == EINTR))
        if (n == 1 && line.size() < max_answer_bytes) line += c;
      if (n == 1) answer = std::move(line);  // else EOF (Ctrl-D) or an error: no answer
    }
  }
  ::close(fd);
  if (answer && answer->ends_with('\r')) answer->pop_back();
  return answer;
}

}  // namespace twinstar::cli
