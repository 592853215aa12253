#include "daemon/control_socket.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "crypto/memory.hpp"
#include "daemon/log.hpp"
#include "platform/os_error.hpp"
#include "platform/unix_socket.hpp"

namespace sluice::daemon {
namespace {

// A `wg setconf` of 100,000 peers is about 25 MB; this allows about 500,000 peers.
constexpr std::size_t kMaxRequestSize = std::size_t{128} << 20;
// Reads of this much at a time, so a large request costs few system calls.
constexpr std::size_t kReadChunk = 64 << 10;
constexpr std::uint32_t kReading = EPOLLIN | EPOLLRDHUP;

// Appends without leaving the old contents in a freed block when the string has to grow.
void append_wiping(std::string& buffer, std::string_view data) {
  if (buffer.size() + data.size() > buffer.capacity()) {
    std::string grown;
    grown.reserve(std::max(buffer.capacity() * 2, buffer.size() + data.size()));
    grown.append(buffer);
    buffer.resize(buffer.capacity());
    crypto::wipe(buffer.data(), buffer.size());
    buffer.swap(grown);
  }
  buffer.append(data);
}

// Removes the first `count` characters, leaving no copy of them in the freed tail.
void wipe_prefix(std::string& buffer, std::size_t count) {
  buffer.erase(0, count);
  const std::size_t size = buffer.size();
  buffer.resize(buffer.capacity());
  crypto::wipe(buffer.data() + size, buffer.size() - size);
  buffer.resize(size);
}

// A listening socket bound at `path`, mode 0600. Throws with `ifname` and the cause.
platform::UniqueFd listen_at(const std::filesystem::path& path, const std::string& ifname) {
  platform::UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listener.valid()) platform::throw_os_error(ifname + ": cannot create control socket");
  const sockaddr_un addr = platform::unix_address(path);
  // The socket grants full control of the interface: 0600 from the moment it exists, by the
  // umask alone (a chmod by path afterwards would follow whatever the path then names).
  const mode_t old_mask = ::umask(0177);
  const int bound = ::bind(listener.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int bind_errno = errno;
  ::umask(old_mask);
  if (bound != 0) platform::throw_os_error(ifname + ": cannot bind " + path.string(), bind_errno);
  // Listening at once: `wg` removes a *.sock that refuses connections as stale, which a bound
  // socket does until it listens (restore_if_removed() mends what a `wg` run just then removes).
  if (::listen(listener.get(), 16) != 0) platform::throw_os_error(ifname + ": cannot listen on " + path.string());
  return listener;
}

}  // namespace

ControlSocket::ControlSocket(const std::string& ifname, const std::filesystem::path& directory)
    : ifname_(ifname), path_(directory / (ifname + ".sock")), owner_(::geteuid()) {
  if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
    platform::throw_os_error(ifname + ": cannot create " + directory.string());
  }
  if (platform::unix_socket_answers(path_)) {
    throw std::runtime_error(ifname + ": another daemon is already running for this interface (" + path_.string() +
                             " answers)");
  }
  ::unlink(path_.c_str());
  listener_ = listen_at(path_, ifname);
}

ControlSocket::~ControlSocket() {
  if (loop_ != nullptr) {
    for (const auto& [fd, connection] : connections_) loop_->remove(fd);
    loop_->remove(listener_.get());
  }
  ::unlink(path_.c_str());
}

void ControlSocket::attach(EventLoop& loop, RequestHandler handler, std::vector<Takeover> takeovers) {
  loop_ = &loop;
  handler_ = std::move(handler);
  takeovers_ = std::move(takeovers);
  loop.add(listener_.get(), EPOLLIN, [this](std::uint32_t) { accept_all(); });
}

bool ControlSocket::restore_if_removed() {
  struct stat status {};
  if (::lstat(path_.c_str(), &status) == 0 || errno != ENOENT) return false;
  if (::geteuid() != owner_) {
    // A socket made now would belong to the user the daemon dropped to, who could then read the
    // private key through it.
    if (!restore_failed_) {
      Log::warning("{} was removed; a daemon that dropped its privileges does not make it again (restart it)",
                   path_.string());
    }
    restore_failed_ = true;
    return false;
  }
  platform::UniqueFd fresh;
  try {
    fresh = listen_at(path_, ifname_);
  } catch (const std::system_error& e) {
    // Say so once, not every second (a daemon that dropped privileges may not write there).
    if (!restore_failed_) Log::warning("{} is gone and cannot be made again: {}", path_.string(), e.what());
    restore_failed_ = true;
    return false;
  }
  restore_failed_ = false;
  if (loop_ != nullptr) loop_->remove(listener_.get());
  listener_ = std::move(fresh);
  if (loop_ != nullptr) loop_->add(listener_.get(), EPOLLIN, [this](std::uint32_t) { accept_all(); });
  return true;
}

void ControlSocket::accept_all() {
  for (;;) {
    platform::UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) return;
    if (!trusted(fd.get())) continue;
    const int raw = fd.get();
    auto connection = std::make_unique<Connection>();
    connection->fd = std::move(fd);
    connection->events = kReading;
    connections_[raw] = std::move(connection);
    loop_->add(raw, kReading, [this, raw](std::uint32_t) { on_event(raw); });
  }
}

bool ControlSocket::trusted(int fd) const {
  ucred peer{};
  socklen_t size = sizeof peer;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0) {
    Log::warning("control: refused a connection whose credentials cannot be read: {}", std::strerror(errno));
    return false;
  }
  // The file's mode is the first guard; this one holds even if the file became reachable.
  if (peer.uid == 0 || peer.uid == owner_) return true;
  Log::warning("control: refused a connection from uid {} (pid {}): only root and uid {} may use {}", peer.uid,
               peer.pid, owner_, path_.string());
  return false;
}

void ControlSocket::on_event(int fd) {
  const auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  Connection& connection = *it->second;
  if (!connection.read_closed && !read_available(connection)) {
    close_connection(fd);
    return;
  }
  switch (pump(fd, connection)) {
    case Outcome::keep:
    case Outcome::handed_over:
      return;
    case Outcome::close:
      close_connection(fd);
      return;
  }
}

bool ControlSocket::read_available(Connection& connection) {
  std::vector<char> chunk(kReadChunk);
  bool fits = true;
  for (;;) {
    const ssize_t n = ::recv(connection.fd.get(), chunk.data(), chunk.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) {
      // A client may send its request and half-close at once: what arrived is still answered.
      connection.read_closed = true;
      break;
    }
    append_wiping(connection.buffer, std::string_view(chunk.data(), static_cast<std::size_t>(n)));
    if (connection.buffer.size() > kMaxRequestSize) {
      fits = false;
      break;
    }
  }
  crypto::wipe(chunk.data(), chunk.size());
  return fits;
}

ControlSocket::Outcome ControlSocket::pump(int fd, Connection& connection) {
  bool made_part = false;
  for (;;) {
    // 1. Send what the client takes of the current part.
    while (connection.sent < connection.out.size()) {
      const ssize_t n =
          ::send(fd, connection.out.data() + connection.sent, connection.out.size() - connection.sent, MSG_NOSIGNAL);
      if (n > 0) {
        connection.sent += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && errno == EAGAIN) {
        // Requests that follow wait in the socket until this answer is out.
        watch(fd, connection, EPOLLOUT);
        return Outcome::keep;
      } else {
        return Outcome::close;
      }
    }
    // Parts may hold private or preshared keys.
    crypto::wipe(connection.out.data(), connection.out.size());
    connection.out.clear();
    connection.sent = 0;

    // 2. One part per turn of the loop; the socket being writable brings the next turn at once.
    if (connection.answer) {
      if (made_part) {
        watch(fd, connection, EPOLLOUT);
        return Outcome::keep;
      }
      if (connection.out.capacity() < kControlPartBytes) connection.out.reserve(kControlPartBytes);
      if (!connection.answer->next(connection.out)) connection.answer.reset();
      made_part = true;
      continue;
    }

    // 3. The next complete request, if any.
    const std::size_t end = connection.buffer.find("\n\n", connection.scanned);
    if (end == std::string::npos) {
      // Resume after what was searched, so a client dribbling bytes costs linear time.
      connection.scanned = connection.buffer.empty() ? 0 : connection.buffer.size() - 1;
      if (connection.read_closed) return Outcome::close;
      watch(fd, connection, kReading);
      return Outcome::keep;
    }
    std::string request;
    if (end + 2 == connection.buffer.size()) {
      // The usual case, one request per connection: taken whole, not copied (it may be 25 MB).
      request.swap(connection.buffer);
    } else {
      request = connection.buffer.substr(0, end + 2);
      wipe_prefix(connection.buffer, end + 2);
    }
    connection.scanned = 0;
    for (const Takeover& takeover : takeovers_) {
      if (!request.starts_with(takeover.first_line)) continue;
      platform::UniqueFd taken = std::move(connection.fd);
      close_connection(fd);
      takeover.handler(std::move(taken), request);
      return Outcome::handed_over;
    }
    connection.answer = handler_(request);
    // It may hold keys.
    crypto::wipe(request.data(), request.size());
  }
}

void ControlSocket::watch(int fd, Connection& connection, std::uint32_t events) {
  if (connection.events == events) return;
  loop_->modify(fd, events);
  connection.events = events;
}

void ControlSocket::close_connection(int fd) {
  const auto it = connections_.find(fd);
  if (it != connections_.end()) {
    for (std::string* text : {&it->second->buffer, &it->second->out}) {
      text->resize(text->capacity());
      crypto::wipe(text->data(), text->size());
    }
  }
  loop_->remove(fd);
  connections_.erase(fd);
}

}  // namespace sluice::daemon
