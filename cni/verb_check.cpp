#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "cni/address_store.hpp"
#include "cni/container_link.hpp"
#include "cni/container_policy_pins.hpp"
#include "cni/host_names.hpp"
#include "cni/link_failure.hpp"
#include "cni/node_subnet.hpp"
#include "cni/result.hpp"
#include "cni/verbs.hpp"

namespace sluice::cni {
namespace {

using tunnel::IpAddress;
using tunnel::IpPrefix;

template <typename T>
bool holds(const std::vector<T>& values, const T& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// Every difference found, so one CHECK names all of them.
class Differences {
 public:
  void add(const std::string& difference) { text_ += (text_.empty() ? "" : "; ") + difference; }
  void throw_if_any(const Invocation& invocation) const {
    if (text_.empty()) return;
    throw CniError(ErrorCode::check_mismatch, "CHECK of " + invocation.container_id + "/" + invocation.ifname +
                                                  " found the attachment differing from prevResult: " + text_);
  }

 private:
  std::string text_;
};

std::optional<std::size_t> interface_index(const Result& result, const std::string& name, bool in_sandbox) {
  for (std::size_t i = 0; i < result.interfaces.size(); ++i) {
    if (result.interfaces[i].name == name && result.interfaces[i].sandbox.empty() != in_sandbox) return i;
  }
  return std::nullopt;
}

}  // namespace

void run_check(const Invocation& invocation, const PluginConfig& config) {
  if (!config.prev_result) {
    throw CniError(ErrorCode::invalid_config, "CHECK needs prevResult, the result of the container's ADD");
  }
  const Result expected = parse_result(*config.prev_result);
  const std::string host = host_ifname(config.name, invocation.container_id, invocation.ifname);
  const auto container_index = interface_index(expected, invocation.ifname, true);
  if (!container_index || !interface_index(expected, host, false)) {
    throw CniError(ErrorCode::invalid_config, "prevResult lists no interface " + invocation.ifname +
                                                  " in a sandbox and " + host + " on the host: not sluice's result");
  }
  std::vector<const ResultIp*> ips;
  for (const ResultIp& ip : expected.ips) {
    if (ip.interface == container_index) ips.push_back(&ip);
  }
  const mesh::SubnetEnv subnet = read_node_subnet(config, ErrorCode::try_again_later, ErrorCode::io_failure);
  const unsigned mtu = attachment_mtu(config, subnet);

  ObservedVeth observed;
  try {
    observed = observe_veth(host, invocation.netns, invocation.ifname);
  } catch (const LinkError& e) {
    throw link_failure(e);
  }
  Differences differences;
  const std::string inside = invocation.ifname + " in " + invocation.netns;
  if (!observed.container_exists) {
    differences.add(inside + " does not exist");
  } else {
    if (!observed.container_up) differences.add(inside + " is down");
    if (observed.container_mtu != mtu) {
      differences.add(inside + " has MTU " + std::to_string(observed.container_mtu) + ", not " + std::to_string(mtu));
    }
    const std::string& mac = expected.interfaces[*container_index].mac;
    if (!mac.empty() && lower(mac) != lower(observed.container_mac)) {
      differences.add(inside + " has MAC " + observed.container_mac + ", not " + mac);
    }
  }
  if (ips.empty()) differences.add("prevResult gives " + invocation.ifname + " no address");
  AddressStore store(config.data_dir, config.name);
  for (const ResultIp* ip : ips) {
    if (observed.container_exists && !holds(observed.container_addresses, ip->address)) {
      differences.add(inside + " lacks the address " + ip->address.to_string());
    }
    if (observed.container_exists && ip->gateway && !holds(observed.container_default_gateways, *ip->gateway)) {
      differences.add(inside + " has no default route via " + ip->gateway->to_string());
    }
    const IpPrefix route = IpPrefix::host(ip->address.address());
    if (observed.host_exists && !holds(observed.host_routes, route)) {
      differences.add(host + " has no route to " + route.to_string());
    }
    const auto reserved = store.find({invocation.container_id, invocation.ifname}, ip->address.family());
    if (reserved != ip->address.address()) {
      differences.add(ip->address.address().to_string() + " is not reserved for the attachment in " +
                      store.folder().string());
    }
  }
  if (!observed.host_exists) {
    differences.add(host + " does not exist on the node");
  } else {
    if (!observed.host_up) differences.add(host + " is down");
    if (observed.host_mtu != mtu) {
      differences.add(host + " has MTU " + std::to_string(observed.host_mtu) + ", not " + std::to_string(mtu));
    }
  }
  if (config.policy) {
    for (const std::string& problem : policy_problems(*config.policy, config.name, host)) differences.add(problem);
  }
  differences.throw_if_any(invocation);
}

}  // namespace sluice::cni
