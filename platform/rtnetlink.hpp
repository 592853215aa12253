// Interface set-up through rtnetlink (libmnl): link state, MTU, addresses, routes, policy rules.
// Each call throws std::system_error naming the interface, what was attempted and errno.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

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

class Rtnetlink {
 public:
  // Addresses the interface by name; looked up on every call, so a vanished device gives ENODEV.
  explicit Rtnetlink(std::string ifname);

  void set_up();
  void set_mtu(unsigned mtu);
  // `address` keeps its host bits: 10.0.0.1/24 is the address 10.0.0.1 on a /24.
  void add_address(const tunnel::IpPrefix& address);
  // Removes the address (as add_address takes it); false, and nothing changed, if it is not there.
  bool delete_address(const tunnel::IpPrefix& address);
  // A route for `destination` (host bits cleared) through the interface in `table`. Returns
  // false, and changes nothing, if a route to that prefix exists already in that table.
  bool add_route(const tunnel::IpPrefix& destination, std::uint32_t table = kMainTable);
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

 private:
  [[nodiscard]] unsigned index() const;
  // Starts an RTM_NEWLINK request for this interface in `buffer`.
  ifinfomsg* link_message(void* buffer);
  // Starts an RTM_NEWADDR or RTM_DELADDR request for `address` on this interface in `buffer`.
  nlmsghdr* address_message(void* buffer, std::uint16_t type, const tunnel::IpPrefix& address);
  // False when the kernel answered EEXIST to a new route, rule or link, ESRCH or ENOENT to a
  // deletion, or EADDRNOTAVAIL to an address deletion. `answer`, if given, is called with each
  // message of the answer.
  bool request(void* message, const std::string& what, int (*answer)(const nlmsghdr*, void*) = nullptr,
               void* data = nullptr);
  bool change_rule(const PolicyRule& rule, bool add);

  std::string ifname_;
};

}  // namespace sluice::platform
