#include "daemon/dns_resolver.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <stdexcept>

#include "platform/socket_address.hpp"

namespace sluice::daemon {
namespace {

// A server that does not answer is given up on after about 1 + 2 s (two tries), so that a
// dead server is reported soon; the name's last good address stays in use meanwhile.
constexpr int kTimeoutMs = 1000;
constexpr int kTries = 2;

struct Lookup {
  DnsResolver::Done done;
  const bool* destroying;
};

}  // namespace

DnsResolver::DnsResolver(EventLoop& loop) : loop_(loop) {
  static const int library = ares_library_init(ARES_LIB_INIT_ALL);
  if (library != ARES_SUCCESS) throw std::runtime_error(std::string("c-ares: ") + ares_strerror(library));
  ares_options options{};
  options.sock_state_cb = &DnsResolver::socket_state;
  options.sock_state_cb_data = this;
  options.timeout = kTimeoutMs;
  options.tries = kTries;
  const int status =
      ares_init_options(&channel_, &options, ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
  if (status != ARES_SUCCESS) throw std::runtime_error(std::string("c-ares: ") + ares_strerror(status));
}

DnsResolver::~DnsResolver() {
  // Pending lookups are called back with ARES_EDESTRUCTION; they only free themselves.
  destroying_ = true;
  ares_destroy(channel_);
  for (const ares_socket_t fd : watched_) loop_.remove(fd);
}

void DnsResolver::resolve(const std::string& host, Done done) {
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  // The server's order, without c-ares probing each address with a connect().
  hints.ai_flags = ARES_AI_NOSORT;
  auto lookup = std::make_unique<Lookup>(Lookup{std::move(done), &destroying_});
  ares_getaddrinfo(channel_, host.c_str(), nullptr, &hints, &DnsResolver::answered, lookup.release());
}

void DnsResolver::process_timeouts() { ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD); }

void DnsResolver::socket_state(void* data, ares_socket_t fd, int readable, int writable) {
  auto* self = static_cast<DnsResolver*>(data);
  if (self->destroying_) return;
  const auto known = std::find(self->watched_.begin(), self->watched_.end(), fd);
  if (readable == 0 && writable == 0) {
    if (known == self->watched_.end()) return;
    self->watched_.erase(known);
    self->loop_.remove(fd);
    return;
  }
  const std::uint32_t events = (readable != 0 ? EPOLLIN : 0U) | (writable != 0 ? EPOLLOUT : 0U);
  if (known != self->watched_.end()) {
    self->loop_.modify(fd, events);
    return;
  }
  self->watched_.push_back(fd);
  self->loop_.add(fd, events, [self, fd](std::uint32_t ready) {
    const bool in = (ready & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0;
    ares_process_fd(self->channel_, in ? fd : ARES_SOCKET_BAD, (ready & EPOLLOUT) != 0 ? fd : ARES_SOCKET_BAD);
  });
}

void DnsResolver::answered(void* data, int status, int /*timeouts*/, ares_addrinfo* result) {
  const std::unique_ptr<Lookup> lookup(static_cast<Lookup*>(data));
  const std::unique_ptr<ares_addrinfo, decltype(&ares_freeaddrinfo)> owner(result, ares_freeaddrinfo);
  if (*lookup->destroying) return;
  Answer answer;
  if (status != ARES_SUCCESS) {
    answer.error = ares_strerror(status);
  } else {
    int ttl = std::numeric_limits<int>::max();
    for (const ares_addrinfo_node* node = result->nodes; node != nullptr; node = node->ai_next) {
      const auto found = platform::from_sockaddr(node->ai_addr, node->ai_addrlen);
      if (!found) continue;
      if (std::find(answer.addresses.begin(), answer.addresses.end(), found->address) == answer.addresses.end()) {
        answer.addresses.push_back(found->address);
      }
      ttl = std::min(ttl, node->ai_ttl);
    }
    if (answer.addresses.empty()) answer.error = "no IPv4 or IPv6 address";
    answer.ttl = std::chrono::seconds(answer.addresses.empty() ? 0 : std::max(ttl, 0));
  }
  lookup->done(answer);
}

}  // namespace sluice::daemon
