// The UAPI control socket /run/wireguard/IFNAME.sock: a Unix stream socket that the stock `wg`
// tool talks to. Requests end with an empty line; each gets one answer. Nothing here blocks the
// event loop: answers are written as the client takes them (EPOLLOUT), one part per turn of the
// loop (daemon/control_answer.hpp), so the tunnel's packets go on while a long answer is written.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/control_answer.hpp"
#include "daemon/event_loop.hpp"
#include "platform/unique_fd.hpp"

namespace sluice::daemon {

class ControlSocket {
 public:
  using RequestHandler = std::function<std::unique_ptr<ControlAnswer>(std::string_view request)>;

  // Creates `directory` (mode 0700) and the socket (mode 0600). If a daemon already answers on
  // that path, throws std::runtime_error saying so; a stale socket file is replaced. Connections
  // are accepted from root and from the effective uid that made the socket, no one else.
  ControlSocket(const std::string& ifname, const std::filesystem::path& directory);
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

  // Takes over a connection whose request starts with a given line (a capture or event stream);
  // the descriptor is non-blocking and no longer watched by the control socket.
  using TakeoverHandler = std::function<void(platform::UniqueFd fd, std::string_view request)>;
  struct Takeover {
    std::string first_line;  // "capture=1\n"
    TakeoverHandler handler;
  };

  // Starts accepting connections on `loop`; requests are answered by `handler`, except those
  // whose first line is one of `takeovers`, which go to its handler. Streams are admitted as every
  // request is (trusted()).
  void attach(EventLoop& loop, RequestHandler handler, std::vector<Takeover> takeovers = {});

  // Listens on a new socket at path() if its file was removed: `wg` removes a socket it finds
  // refusing connections, as ours does for a moment after bind. Returns whether it did. Never once
  // privileges were dropped: the socket would belong to the unprivileged user.
  bool restore_if_removed();

 private:
  struct Connection {
    platform::UniqueFd fd;
    std::string buffer;                     // requests received and not yet answered
    std::size_t scanned = 0;                // how far `buffer` has been searched for the end of a request
    std::unique_ptr<ControlAnswer> answer;  // the answer being written, until its last part is made
    std::string out;                        // the part being sent
    std::size_t sent = 0;                   // how much of `out` the client has taken
    bool read_closed = false;               // the client half-closed: close once all is answered
    std::uint32_t events = 0;               // what the loop watches for
  };

  void accept_all();
  // Whether the peer of a new connection is root or the user that made the socket; logs a refusal.
  [[nodiscard]] bool trusted(int fd) const;
  void on_event(int fd);
  // Reads what has arrived; false when the connection is to be closed (the request is too long).
  bool read_available(Connection& connection);
  enum class Outcome : std::uint8_t { keep, close, handed_over };
  // Sends what the client takes, makes at most one more part, and starts the next request once
  // an answer is complete. handed_over: `connection` is gone.
  Outcome pump(int fd, Connection& connection);
  void watch(int fd, Connection& connection, std::uint32_t events);
  void close_connection(int fd);

  std::string ifname_;
  std::filesystem::path path_;
  platform::UniqueFd listener_;
  uid_t owner_;  // the effective uid that made the socket, before any drop of privileges
  bool restore_failed_ = false;
  EventLoop* loop_ = nullptr;
  RequestHandler handler_;
  std::vector<Takeover> takeovers_;
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
};

}  // namespace sluice::daemon
