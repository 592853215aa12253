#include "uapi/client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "platform/interface_name.hpp"
#include "platform/unix_socket.hpp"
#include "uapi/error.hpp"

namespace sluice::uapi {
namespace {

// Far above any real answer (a get of 100,000 peers is about 35 MB); a larger one is not from a
// daemon we know.
constexpr std::size_t kMaxAnswer = std::size_t{512} << 20;
// Reads of this much at a time, so a large answer costs few system calls.
constexpr std::size_t kReadChunk = 64 << 10;
// A get answer is at most a few hundred bytes per peer: reserving this much up front keeps most
// answers, which hold the private key, from being copied by a growing string.
constexpr std::size_t kAnswerReserve = 64 << 10;

using Clock = std::chrono::steady_clock;

std::string prefixed(std::string_view ifname, std::string_view message) {
  std::string text(ifname);
  text.append(": ").append(message);
  return text;
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<long long>(left, 0));
}

// Waits for `events` on `fd` until `deadline`; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) return false;
  }
}

}  // namespace

void check_interface_name(std::string_view name) {
  try {
    platform::validate_interface_name(std::string(name));
  } catch (const std::invalid_argument&) {
    std::string message("'");
    message.append(name).append(
        "': no such interface (not a valid interface name: 1-15 characters, no '/', ':' "
        "or spaces)");
    throw ControlError(message);
  }
}

std::filesystem::path socket_path(const std::filesystem::path& control_dir, std::string_view ifname) {
  std::string file(ifname);
  file.append(".sock");
  return control_dir / file;
}

std::vector<std::string> socket_interfaces(const std::filesystem::path& control_dir) {
  std::vector<std::string> names;
  std::error_code error;
  for (std::filesystem::directory_iterator it(control_dir, error), end; !error && it != end; it.increment(error)) {
    const std::filesystem::path& path = it->path();
    if (path.extension() == ".sock" && it->is_socket(error)) names.push_back(path.stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string not_sluiced_message(std::string_view ifname, std::string_view request) {
  return prefixed(ifname, std::string("not a sluiced interface (its daemon hung up on ")
                              .append(request)
                              .append(": wireguard-go or another WireGuard daemon; `wg show` reads it)"));
}

Client::Client(const std::filesystem::path& control_dir, std::string ifname)
    : ifname_(std::move(ifname)), path_(socket_path(control_dir, ifname_)) {
  check_interface_name(ifname_);
  const std::string& text = path_.native();
  sockaddr_un addr{};
  try {
    addr = platform::unix_address(path_);
  } catch (const std::system_error&) {
    throw ControlError(prefixed(ifname_, std::string("control socket path is too long: ").append(text)));
  }

  // Non-blocking, so that a daemon that stopped accepting cannot hang connect() either.
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) throw ControlError(prefixed(ifname_, std::string("cannot create a socket: ") + std::strerror(errno)));
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return;
  const int error = errno;
  ::close(fd_);
  fd_ = -1;
  std::string message;
  switch (error) {
    case ENOENT:
      message.append("no daemon is running (no ").append(text).append(")");
      break;
    case ECONNREFUSED:
      message.append("no daemon is running (").append(text).append(" is stale: nothing answers on it)");
      break;
    case EACCES:
    case EPERM:
      message.append("permission denied on ").append(text).append(" (the control socket is root's: run as root)");
      break;
    case EAGAIN:
      message.append("the daemon is not accepting connections on ").append(text).append(" (busy or stopped)");
      break;
    default:
      message.append("cannot connect to ").append(text).append(": ").append(std::strerror(error));
  }
  throw ControlError(prefixed(ifname_, message));
}

Client::~Client() {
  if (fd_ >= 0) ::close(fd_);
}

crypto::SecretText Client::exchange(std::string_view request, int& answer_errno, bool sluice_only) {
  const Clock::time_point deadline = Clock::now() + kAnswerTimeout;
  const std::string request_line(request.substr(0, request.find('\n')));
  const auto timed_out = [&] {
    std::string message("the daemon did not answer within ");
    message.append(std::to_string(kAnswerTimeout.count())).append(" s (").append(path_.string()).append(")");
    return ControlError(prefixed(ifname_, message));
  };
  while (!request.empty()) {
    const ssize_t n = ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
    if (n > 0) {
      request.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(fd_, POLLOUT, deadline)) throw timed_out();
    } else {
      throw ControlError(prefixed(ifname_, std::string("lost the connection to the daemon: ") + std::strerror(errno)));
    }
  }

  crypto::SecretText answer(kAnswerReserve);
  std::string& text = answer.str();
  std::vector<char> chunk(kReadChunk);
  // The answer is key=value lines; the first empty line ends it. Each search starts where the last
  // one stopped, so a long answer read in many pieces costs linear time.
  std::size_t searched = 0;
  while (text.find("\n\n", searched) == std::string::npos) {
    searched = text.empty() ? 0 : text.size() - 1;
    if (!wait_for(fd_, POLLIN, deadline)) throw timed_out();
    const ssize_t n = ::recv(fd_, chunk.data(), chunk.size(), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    // wireguard-go closes the connection on a request it does not know.
    if ((n == 0 || (n < 0 && errno == ECONNRESET)) && text.empty() && sluice_only) {
      throw NotSluicedError(not_sluiced_message(ifname_, request_line));
    }
    if (n <= 0) throw ControlError(prefixed(ifname_, "the daemon closed the connection without answering"));
    const auto received = static_cast<std::size_t>(n);
    if (text.size() + received > text.capacity()) {
      // Grown by hand, doubling: a string growing by itself would leave its old buffer unwiped.
      crypto::SecretText grown(std::max(text.capacity() * 2, text.size() + received));
      grown.str().append(text);
      answer = std::move(grown);
    }
    text.append(chunk.data(), received);
    crypto::wipe(chunk.data(), chunk.size());
    if (text.size() > kMaxAnswer) throw ControlError(prefixed(ifname_, "the daemon's answer is too long"));
  }
  text.erase(text.find("\n\n") + 1);

  // The last line is errno=N; wireguard-go writes it negative after a set, so the sign is dropped.
  const std::size_t line_start = text.rfind('\n', text.size() - 2);
  const std::size_t start = line_start == std::string::npos ? 0 : line_start + 1;
  const std::string_view last = std::string_view(text).substr(start, text.size() - 1 - start);
  int value = 0;
  std::string_view digits = last.substr(std::min(last.size(), std::string_view("errno=").size()));
  if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  if (!last.starts_with("errno=") ||
      std::from_chars(digits.data(), digits.data() + digits.size(), value).ptr != digits.data() + digits.size() ||
      digits.empty()) {
    throw ControlError(prefixed(ifname_, "the daemon's answer does not end in an errno line"));
  }
  answer_errno = value;
  text.erase(start);
  return answer;
}

crypto::SecretText Client::ask(std::string_view request, std::string_view failure, bool sluice_only) {
  int error = 0;
  crypto::SecretText answer = exchange(request, error, sluice_only);
  if (error != 0) {
    throw ControlError(prefixed(ifname_, std::string(failure).append(": ").append(std::strerror(error))));
  }
  return answer;
}

crypto::SecretText Client::get() { return ask("get=1\n\n", "the daemon could not report its state"); }

std::string Client::stats() {
  // A daemon from before stats=1 refuses it as an unknown request.
  return ask("stats=1\n\n", "the daemon could not report its counters", true).str();
}

std::string Client::fdb() { return ask("fdb=1\n\n", "the daemon could not report its L2 segments", true).str(); }

std::string Client::info() { return ask("info=1\n\n", "the daemon could not describe itself").str(); }

std::string Client::sync_routes() { return ask("routes=1\n\n", "the daemon could not update its routes").str(); }

std::string Client::policy() { return ask("policy=1\n\n", "the daemon could not report its policy", true).str(); }

void Client::set_policy(std::string_view lines) {
  std::string request("set_policy=1\n");
  request.append(lines).push_back('\n');
  static_cast<void>(ask(request, "the daemon refused the policy", true));
}

std::string Client::flows() { return ask("flows=1\n\n", "the daemon could not report its flows", true).str(); }

void Client::set(std::string_view request) { static_cast<void>(ask(request, "the daemon refused the change")); }

void Client::publish(std::string_view request) {
  static_cast<void>(ask(request, "the daemon refused the event", true));
}

}  // namespace sluice::uapi
