#include "mesh/interface_setup.hpp"

#include <algorithm>
#include <cerrno>
#include <string_view>
#include <system_error>
#include <vector>

#include "platform/rtnetlink.hpp"
#include "platform/small_file.hpp"

namespace sluice::mesh {
namespace {

tunnel::IpPrefix host_address(const tunnel::IpPrefix& subnet) { return tunnel::IpPrefix::host(subnet.address()); }

}  // namespace

void set_up_interface(const std::string& ifname, const NetworkConfig& config, const SubnetKey& subnets,
                      const std::optional<SubnetKey>& previous) {
  platform::Rtnetlink link(ifname);
  if (previous && !(*previous == subnets)) {
    link.delete_address(host_address(previous->subnet));
    if (previous->subnet6) link.delete_address(host_address(*previous->subnet6));
  }
  // Replacing an address the interface holds would announce it again (RTM_NEWADDR) at every check
  // of sluiced; adding a route it has is refused quietly.
  const std::vector<tunnel::IpPrefix> present = link.addresses();
  const auto ensure_address = [&](const tunnel::IpPrefix& address) {
    if (std::find(present.begin(), present.end(), address) == present.end()) link.add_address(address);
  };
  ensure_address(host_address(subnets.subnet));
  link.add_route(config.ipv4.network);
  if (config.ipv6 && subnets.subnet6) {
    ensure_address(host_address(*subnets.subnet6));
    link.add_route(config.ipv6->network);
  }
}

unsigned interface_mtu(const std::string& ifname) {
  const std::string path = "/sys/class/net/" + ifname + "/mtu";
  try {
    return static_cast<unsigned>(std::stoul(platform::read_small_file(path, 16)));
  } catch (const std::system_error& e) {
    throw std::system_error(e.code(), ifname + ": cannot read its MTU from " + path);
  } catch (const std::logic_error&) {
    throw std::system_error(EINVAL, std::generic_category(), ifname + ": unreadable MTU in " + path);
  }
}

}  // namespace sluice::mesh
