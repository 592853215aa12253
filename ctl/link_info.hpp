// What the control protocol does not carry but `export` needs: the interface's addresses and MTU,
// read from the kernel in the current network namespace.
#pragma once

#include <string>
#include <vector>

#include "tunnel/ip_address.hpp"

namespace sluice::ctl {

struct LinkInfo {
  std::vector<tunnel::IpPrefix> addresses;  // host bits kept ("10.0.0.1/24"); no IPv6 link-local
  unsigned mtu = 0;
};

// Throws uapi::ControlError ("no such interface in this network namespace") when `ifname` is not here.
[[nodiscard]] LinkInfo read_link_info(const std::string& ifname);

}  // namespace sluice::ctl
