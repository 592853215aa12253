// Network namespaces by path, and a scope inside one. The plugin is single-threaded: setns() moves
// its one thread, and every netlink socket opened meanwhile belongs to the namespace entered.
#pragma once

#include <optional>
#include <string>

#include "platform/unique_fd.hpp"

namespace sluice::cni {

// An fd of the network namespace at `path` (/var/run/netns/NAME, /proc/PID/ns/net); nullopt when
// the path does not exist or is not a network namespace (the empty file a removed bind mount of
// `ip netns del` leaves behind). Throws LinkError(os) on other failures.
[[nodiscard]] std::optional<platform::UniqueFd> open_netns(const std::string& path);

// Enters a namespace for its lifetime and returns to the one it was made in, on every path.
class NetnsGuard {
 public:
  // `name` only labels errors. Throws LinkError(os) if it cannot enter.
  NetnsGuard(int netns_fd, const std::string& name);
  NetnsGuard(const NetnsGuard&) = delete;
  NetnsGuard& operator=(const NetnsGuard&) = delete;
  ~NetnsGuard();

 private:
  platform::UniqueFd original_;
};

}  // namespace sluice::cni
