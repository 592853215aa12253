// Interface set-up through rtnetlink (libmnl): link state, MTU, addresses, routes.
// Each call throws std::system_error naming the interface, what was attempted and errno.
#pragma once

#include <string>

struct ifinfomsg;

#include "tunnel/ip_address.hpp"

namespace sluice::daemon {

class Rtnetlink {
 public:
  // Addresses the interface by name; looked up on every call, so a vanished device gives ENODEV.
  explicit Rtnetlink(std::string ifname);

  void set_up();
  void set_mtu(unsigned mtu);
  // `address` keeps its host bits: 10.0.0.1/24 is the address 10.0.0.1 on a /24.
  void add_address(const tunnel::IpPrefix& address);
  // A route for `destination` (host bits cleared) through the interface. Returns false, and
  // changes nothing, if a route to that prefix exists already.
  bool add_route(const tunnel::IpPrefix& destination);
  // Creates a Linux bridge of this name; false, and nothing changed, if a link of that name exists.
  bool create_bridge();
  // Enslaves the interface to the bridge (or other master) `master`.
  void set_master(const std::string& master);

 private:
  [[nodiscard]] unsigned index() const;
  // Starts an RTM_NEWLINK request for this interface in `buffer`.
  ifinfomsg* link_message(void* buffer);
  // False when the kernel answered EEXIST to a new route or link.
  bool request(void* message, const std::string& what);

  std::string ifname_;
};

}  // namespace sluice::daemon
