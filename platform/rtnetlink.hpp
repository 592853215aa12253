// Interface set-up through rtnetlink (libmnl): links (bridges, veth pairs), their state, MTU,
// addresses, routes, policy rules. Each call throws std::system_error naming the interface, what
// was attempted and errno. Every call opens its socket anew, in the network namespace the thread
// is in at that moment.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct ifinfomsg;
struct nlmsghdr;

#include "tunnel/ip_address.hpp"

namespace sluice::platform {

inline constexpr std::uint32_t kMainTable = 254;  // RT_TABLE_MAIN

// One policy routing rule (`ip rule`): packets of the family that match go to `table`.
struct PolicyRule {
  bool ipv6 = false;
  std::uint32_t priority = 0;
  std::uint32_t table = 0;
  std::optional<std::uint32_t> not_fwmark;             // matches packets without this mark
  std::optional<std::uint32_t> suppress_prefixlength;  // results this short or shorter are ignored

  [[nodiscard]] std::string to_string() const;  // as `ip rule` writes it
};

// One link as RTM_GETLINK shows it.
struct LinkState {
  std::string name;
  std::string alias;  // IFLA_IFALIAS (`ip link set NAME alias TEXT`); empty when none
  std::string mac;    // lowercase "aa:bb:cc:dd:ee:ff"; empty for links without a hardware address
  unsigned index = 0;
  unsigned mtu = 0;
  bool up = false;  // administratively (IFF_UP), whatever the carrier
};

// One unicast route of a table through an interface.
struct RouteState {
  tunnel::IpPrefix destination;
  std::optional<tunnel::IpAddress> gateway;
  bool from_kernel = false;  // RTPROT_KERNEL: made for an address or by the IPv6 stack, not by a user
};

// Every link of the current network namespace.
[[nodiscard]] std::vector<LinkState> list_links();

class Rtnetlink {
 public:
  // Addresses the interface by name; looked up on every call, so a vanished device gives ENODEV.
  explicit Rtnetlink(std::string ifname);

  void set_up();
  void set_mtu(unsigned mtu);
  // `address` keeps its host bits: 10.0.0.1/24 is the address 10.0.0.1 on a /24. `skip_dad`
  // (IPv6 only, IFA_F_NODAD) makes it usable at once instead of tentative for a second or so.
  void add_address(const tunnel::IpPrefix& address, bool skip_dad = false);
  // Removes the address (as add_address takes it); false, and nothing changed, if it is not there.
  bool delete_address(const tunnel::IpPrefix& address);
  // A route for `destination` (host bits cleared) through the interface in `table`. Returns
  // false, and changes nothing, if a route to that prefix exists already in that table.
  bool add_route(const tunnel::IpPrefix& destination, std::uint32_t table = kMainTable);
  // A route for `destination` via `gateway` through the interface, onlink: the gateway need not lie
  // in a subnet of the interface (an address/32 reaching a router). False as for add_route.
  bool add_route_via(const tunnel::IpPrefix& destination, const tunnel::IpAddress& gateway,
                     std::uint32_t table = kMainTable);
  // Removes the route to `destination` through the interface from `table`; false if there is none.
  bool delete_route(const tunnel::IpPrefix& destination, std::uint32_t table = kMainTable);
  // Whether the kernel's route lookup for `address` (as `ip route get` does it) picks this interface.
  [[nodiscard]] bool routes_through(const tunnel::IpAddress& address);
  // False, and nothing changed, if the same rule exists at that priority (add) or none does (delete).
  bool add_rule(const PolicyRule& rule);
  bool delete_rule(const PolicyRule& rule);
  // Creates a Linux bridge of this name; false, and nothing changed, if a link of that name exists.
  bool create_bridge();
  // Enslaves the interface to the bridge (or other master) `master`.
  void set_master(const std::string& master);
  // Creates a veth pair: this interface here and `peer` directly in the network namespace of
  // `peer_netns_fd` (IFLA_NET_NS_FD, an fd of /proc/PID/ns/net or /var/run/netns/NAME), so the
  // peer's name never has to be free here. Both get `mtu` unless it is 0. False, and nothing
  // changed, if a link of either name exists already in its namespace.
  bool create_veth(const std::string& peer, int peer_netns_fd, unsigned mtu = 0);
  // Removes the link (a veth takes its peer along); false if there is none.
  bool delete_link();
  // Sets the link's alias, a free text (up to 255 bytes) that survives renames.
  void set_alias(const std::string& alias);
  // The link's state; nullopt if no link has this name.
  [[nodiscard]] std::optional<LinkState> state();
  // The interface's addresses of scope global in both families (not the IPv6 link-local one).
  [[nodiscard]] std::vector<tunnel::IpPrefix> addresses();
  // The unicast routes of `table` through the interface, both families.
  [[nodiscard]] std::vector<RouteState> routes(std::uint32_t table = kMainTable);

 private:
  [[nodiscard]] unsigned index() const;
  // Starts an RTM_NEWLINK request for this interface in `buffer`.
  ifinfomsg* link_message(void* buffer);
  // Starts an RTM_NEWADDR or RTM_DELADDR request for `address` on this interface in `buffer`.
  nlmsghdr* address_message(void* buffer, std::uint16_t type, const tunnel::IpPrefix& address);
  // False when the kernel answered EEXIST to a new route, rule or link, ESRCH or ENOENT to a
  // deletion, EADDRNOTAVAIL to an address deletion, or ENODEV to a link's deletion or query.
  // `answer`, if given, is called with each message of the answer.
  bool request(void* message, const std::string& what, int (*answer)(const nlmsghdr*, void*) = nullptr,
               void* data = nullptr);
  bool change_rule(const PolicyRule& rule, bool add);
  // add_route and add_route_via: through `gateway` (onlink) when given, else scope link.
  bool new_route(const tunnel::IpPrefix& destination, const std::optional<tunnel::IpAddress>& gateway,
                 std::uint32_t table);

  std::string ifname_;
};

}  // namespace sluice::platform
