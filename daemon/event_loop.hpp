// A small epoll loop: callbacks per file descriptor, plus a stop flag.
#pragma once

#include <cstdint>
#include <functional>
#include <unordered_map>

#include "platform/unique_fd.hpp"

namespace sluice::daemon {

class EventLoop {
 public:
  using Handler = std::function<void(std::uint32_t events)>;

  EventLoop();

  // Watches `fd` for `events` (EPOLLIN, ...). The handler may add or remove descriptors.
  void add(int fd, std::uint32_t events, Handler handler);
  void remove(int fd) noexcept;
  // Watches a descriptor already added for other `events`, with the same handler.
  void modify(int fd, std::uint32_t events);

  // Waits up to `timeout_ms` and runs the handlers of ready descriptors.
  void run_once(int timeout_ms);

  void stop() noexcept { stopped_ = true; }
  // The epoll descriptor, for waiting on it from elsewhere (the io_uring data path polls it).
  [[nodiscard]] int fd() const noexcept { return epoll_.get(); }
  [[nodiscard]] bool stopped() const noexcept { return stopped_; }

 private:
  platform::UniqueFd epoll_;
  std::unordered_map<int, Handler> handlers_;
  bool stopped_ = false;
};

}  // namespace sluice::daemon
