// The routes `routes = true` asks for: one through the interface for each allowed IP of its peers.
//
// A /0 (0.0.0.0/0 or ::/0) is not put in the main table, where an existing default route (the
// underlay's) would win or be in the way. As wg-quick does, it becomes a full tunnel of its own
// routing table T, the fwmark of the UDP sockets:
//   default dev IF table T
//   rule 32764: lookup main suppress_prefixlength 0   (more specific main routes still win)
//   rule 32765: not fwmark T lookup T                  (all the rest, but the tunnel's own packets)
// The encrypted packets carry mark T, so they still reach the endpoint through the underlay.
//
// Only what this object added is ever removed: routes that existed already are left alone, and
// so are rules that existed already. Routes through the interface go with its device; the rules
// are removed by sync() or the destructor.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/rtnetlink.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::daemon {

// wg-quick's table and mark when the interface has no fwmark.
inline constexpr std::uint32_t kFullTunnelTable = 51820;

struct RouteChanges {
  std::vector<tunnel::IpPrefix> added;
  std::vector<tunnel::IpPrefix> removed;
  // One line each, naming the interface, the prefix and the cause.
  std::vector<std::string> failures;
};

class InterfaceRoutes {
 public:
  explicit InterfaceRoutes(std::string ifname);
  InterfaceRoutes(const InterfaceRoutes&) = delete;
  InterfaceRoutes& operator=(const InterfaceRoutes&) = delete;
  // Removes the full tunnels' rules (never throws; a failure is logged).
  ~InterfaceRoutes();

  // Makes the routes through the interface those to `prefixes`: adds the missing ones, removes
  // the ones it added that are no longer wanted. `fwmark` is the sockets' mark and the full
  // tunnel's table; it must not be 0 when a /0 is wanted. A prefix that could not be routed is a
  // failure and the others are still done.
  RouteChanges sync(const std::vector<tunnel::IpPrefix>& prefixes, std::uint32_t fwmark);

  // The table of the running full tunnel(s); 0 when there is none.
  [[nodiscard]] std::uint32_t full_tunnel_table() const;

 private:
  struct FullTunnel {
    std::uint32_t table = 0;
    bool route_added = false;
    std::vector<platform::PolicyRule> rules_added;
  };

  // Returns the failure, if any; on failure whatever was added is removed again.
  std::optional<std::string> start_full_tunnel(bool ipv6, std::uint32_t table);
  void stop_full_tunnel(bool ipv6);
  std::optional<std::string> add_main_route(const tunnel::IpPrefix& prefix, RouteChanges& changes);

  std::string ifname_;
  platform::Rtnetlink link_;
  std::vector<tunnel::IpPrefix> added_;            // main-table routes this object added
  std::array<std::optional<FullTunnel>, 2> full_;  // [0] IPv4, [1] IPv6
};

}  // namespace sluice::daemon
