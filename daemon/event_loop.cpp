#include "daemon/event_loop.hpp"

#include <sys/epoll.h>

#include <array>
#include <cerrno>

#include "platform/os_error.hpp"

namespace sluice::daemon {

EventLoop::EventLoop() : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (!epoll_.valid()) platform::throw_os_error("cannot create epoll instance");
}

void EventLoop::add(int fd, std::uint32_t events, Handler handler) {
  epoll_event event{};
  event.events = events;
  event.data.fd = fd;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) platform::throw_os_error("cannot watch descriptor");
  handlers_[fd] = std::move(handler);
}

void EventLoop::modify(int fd, std::uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.fd = fd;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &event) != 0) platform::throw_os_error("cannot watch descriptor");
}

void EventLoop::remove(int fd) noexcept {
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  handlers_.erase(fd);
}

void EventLoop::run_once(int timeout_ms) {
  std::array<epoll_event, 64> events{};
  const int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return;
    platform::throw_os_error("epoll_wait failed");
  }
  for (int i = 0; i < n && !stopped_; ++i) {
    const auto it = handlers_.find(events[static_cast<std::size_t>(i)].data.fd);
    // A handler earlier in this batch may have removed the descriptor.
    if (it == handlers_.end()) continue;
    Handler handler = it->second;
    handler(events[static_cast<std::size_t>(i)].events);
  }
}

}  // namespace sluice::daemon
