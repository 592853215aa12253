// The client side of the WireGuard userspace control protocol: one connection to
// DIR/IFNAME.sock, requests out, answers (ending in "errno=N" and an empty line) back. Every wait
// is bounded, and every failure is a ControlError with one line that says what to do about it.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secret_text.hpp"

namespace sluice::uapi {

inline constexpr std::string_view kDefaultControlDir = "/run/wireguard";

// How long a daemon may take to answer one request before sluicectl gives up on it.
inline constexpr std::chrono::seconds kAnswerTimeout{5};

// Throws ControlError unless `name` can be a Linux interface name (1-15 characters, no '/', ':' or
// white space, not "." or ".."), so that no path is ever built from something else.
void check_interface_name(std::string_view name);

[[nodiscard]] std::filesystem::path socket_path(const std::filesystem::path& control_dir, std::string_view ifname);

// Names of the interfaces with a socket in `control_dir` (running or stale), sorted.
[[nodiscard]] std::vector<std::string> socket_interfaces(const std::filesystem::path& control_dir);

// "IFNAME: not a sluiced interface (...)", the message of NotSluicedError for a request that only
// sluiced answers, such as "stats=1".
[[nodiscard]] std::string not_sluiced_message(std::string_view ifname, std::string_view request);

class Client {
 public:
  // Connects without waiting: a missing socket, a stale one, a permission problem or a daemon
  // whose queue is full each throw a ControlError naming the socket.
  Client(const std::filesystem::path& control_dir, std::string ifname);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  // The key=value lines of a get=1 answer, without the final errno line. Holds the private key.
  [[nodiscard]] crypto::SecretText get();
  // The key=value lines of a stats=1 answer (counters only, no secret), without the errno line.
  // Throws NotSluicedError when the daemon hangs up on the request, as other UAPI daemons do.
  [[nodiscard]] std::string stats();
  // The key=value lines of an fdb=1 answer (L2 segments and their forwarding tables); throws
  // NotSluicedError as stats() does.
  [[nodiscard]] std::string fdb();
  // The key=value lines of an info=1 answer (ctl/daemon_info.hpp); a daemon other than sluiced
  // hangs up on it (ControlError), so ask on a connection of its own.
  [[nodiscard]] std::string info();
  // The key=value lines of a routes=1 answer: the daemon brings its routes to the allowed IPs.
  [[nodiscard]] std::string sync_routes();
  // The lines of a policy=1 answer (uapi/policy_text.hpp); throws NotSluicedError as stats() does.
  [[nodiscard]] std::string policy();
  // Sends `lines` (uapi/policy_text.hpp) as a set_policy=1 request; throws ControlError if refused.
  void set_policy(std::string_view lines);
  // The lines of a flows=1 answer (the daemon's flow table and rule counters).
  [[nodiscard]] std::string flows();
  // `request` is a whole set=1 request; throws ControlError if the daemon refuses it.
  void set(std::string_view request);
  // `request` is a whole publish=1 request (an event for the daemon's event stream); throws
  // NotSluicedError as stats() does, ControlError if the daemon refuses it.
  void publish(std::string_view request);

  // The connected socket, for finding the process at its other end.
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  // Sends `request` and returns the whole answer with the errno value taken off. A request that
  // only sluiced knows (`sluice_only`) and is hung up on without a byte throws NotSluicedError.
  [[nodiscard]] crypto::SecretText exchange(std::string_view request, int& answer_errno, bool sluice_only = false);
  // exchange(), and a ControlError "IFNAME: FAILURE: strerror" when the answer's errno is not 0.
  [[nodiscard]] crypto::SecretText ask(std::string_view request, std::string_view failure, bool sluice_only = false);

  std::string ifname_;
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace sluice::uapi
