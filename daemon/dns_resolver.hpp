// Asynchronous name lookups with c-ares, driven by the daemon's event loop: c-ares tells which
// sockets it waits on (their handlers call back into it), and the loop's 100 ms tick lets it
// expire its timeouts. No thread: answers arrive on the loop's own thread, between batches of
// packets, so they may touch the core directly, and the data path never waits on DNS.
// The servers are those of /etc/resolv.conf, read once when the resolver is made (under
// `ip netns exec NS`, /etc/netns/NS/resolv.conf).
#pragma once

#include <ares.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "daemon/event_loop.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::daemon {

class DnsResolver {
 public:
  struct Answer {
    std::vector<tunnel::IpAddress> addresses;  // in the server's order; empty on failure
    std::chrono::seconds ttl{0};               // the smallest of the records'
    std::string error;                         // c-ares's message; empty on success
  };
  using Done = std::function<void(const Answer&)>;

  // Throws std::runtime_error if c-ares cannot start (no memory, unreadable resolver config).
  explicit DnsResolver(EventLoop& loop);
  ~DnsResolver();
  DnsResolver(const DnsResolver&) = delete;
  DnsResolver& operator=(const DnsResolver&) = delete;

  // Looks up the IPv4 and IPv6 addresses of `host`; `done` is called once, on the loop's thread,
  // possibly before this returns (an answer from /etc/hosts). Never called once the resolver is gone.
  void resolve(const std::string& host, Done done);
  // Expires the lookups that waited too long: called on every tick.
  void process_timeouts();

 private:
  static void socket_state(void* data, ares_socket_t fd, int readable, int writable);
  static void answered(void* data, int status, int timeouts, ares_addrinfo* result);

  EventLoop& loop_;
  ares_channel channel_ = nullptr;
  std::vector<ares_socket_t> watched_;
  bool destroying_ = false;
};

}  // namespace sluice::daemon
