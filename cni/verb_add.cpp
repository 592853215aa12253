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

// Reservations made by this ADD, released again unless commit() is reached: the all-or-nothing half
// of ADD that lives in the data dir (create_veth undoes its own half).
class NewReservations {
 public:
  explicit NewReservations(AddressStore& store) : store_(store) {}
  NewReservations(const NewReservations&) = delete;
  NewReservations& operator=(const NewReservations&) = delete;
  ~NewReservations() {
    for (const IpAddress& address : addresses_) {
      try {
        store_.release(address);
      } catch (const CniError&) {
        // The ADD fails anyway with its own error; GC removes what stays behind.
      }
    }
  }
  void add(const IpAddress& address) { addresses_.push_back(address); }
  void commit() { addresses_.clear(); }

 private:
  AddressStore& store_;
  std::vector<IpAddress> addresses_;
};

}  // namespace

nlohmann::json run_add(const Invocation& invocation, const PluginConfig& config) {
  const mesh::SubnetEnv subnet = read_node_subnet(config, ErrorCode::try_again_later, ErrorCode::io_failure);
  const Attachment attachment{invocation.container_id, invocation.ifname};
  VethPlan plan;
  plan.netns_path = invocation.netns;
  plan.container_ifname = invocation.ifname;
  plan.host_ifname = host_ifname(config.name, attachment.container_id, attachment.ifname);
  plan.host_alias = host_alias(config.name, attachment.container_id, attachment.ifname);
  plan.mtu = attachment_mtu(config, subnet);

  AddressStore store(config.data_dir, config.name);
  NewReservations undo(store);
  std::vector<IpPrefix> subnets{subnet.subnet};
  if (subnet.ipv6_subnet) subnets.push_back(*subnet.ipv6_subnet);
  for (const IpPrefix& family_subnet : subnets) {
    // subnet.env names the gateway: the subnet with the host bits of its first host.
    const IpAddress gateway = family_subnet.address();
    // An attachment that holds an address already keeps it (an ADD repeated after a crash).
    std::optional<IpAddress> address = store.find(attachment, family_subnet.family());
    if (!address) {
      address = store.reserve(attachment, family_subnet, gateway);
      undo.add(*address);
    }
    plan.container_addresses.push_back(IpPrefix::host(*address));
    plan.gateways.push_back(gateway);
  }
  MadeVeth made;
  try {
    made = create_veth(plan);
  } catch (const LinkError& e) {
    throw link_failure(e);
  }
  if (config.policy) {
    try {
      install_policy(*config.policy, config.name, plan.host_ifname, plan.container_addresses);
    } catch (...) {
      // All or nothing: install_policy left no pins, the veth goes here, the reservations with undo.
      try {
        (void)delete_veth(plan.host_ifname, plan.netns_path, plan.container_ifname);
      } catch (const LinkError&) {
        // The ADD fails with the policy's error; GC removes a veth that stays behind.
      }
      throw;
    }
  }
  undo.commit();

  Result result;
  result.interfaces = {{plan.host_ifname, made.host_mac, ""},
                       {invocation.ifname, made.container_mac, invocation.netns}};
  for (std::size_t i = 0; i < plan.container_addresses.size(); ++i) {
    result.ips.push_back({plan.container_addresses[i], plan.gateways[i], 1});
    result.routes.push_back({default_route(plan.gateways[i]), plan.gateways[i]});
  }
  result.dns = config.dns;
  if (config.prev_result) return append_result(*config.prev_result, result, config.cni_version);
  return result_json(result, config.cni_version);
}

}  // namespace sluice::cni
