#include "mesh/interface_setup.hpp"

#include <cerrno>
#include <string_view>
#include <system_error>

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
  link.add_address(host_address(subnets.subnet));
  link.add_route(config.ipv4.network);
  if (config.ipv6 && subnets.subnet6) {
    link.add_address(host_address(*subnets.subnet6));
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
