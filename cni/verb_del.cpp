#include "cni/address_store.hpp"
#include "cni/container_link.hpp"
#include "cni/container_policy_pins.hpp"
#include "cni/host_names.hpp"
#include "cni/link_failure.hpp"
#include "cni/verbs.hpp"

namespace sluice::cni {

void run_del(const Invocation& invocation, const PluginConfig& config) {
  // The lock first: a DEL never interleaves with an ADD of the same network.
  AddressStore store(config.data_dir, config.name);
  try {
    (void)delete_veth(host_ifname(config.name, invocation.container_id, invocation.ifname), invocation.netns,
                      invocation.ifname);
  } catch (const LinkError& e) {
    // The veth must go before its address is free again, or the next ADD would route it twice;
    // the runtime retries a failed DEL.
    if (e.kind() != LinkError::Kind::no_netns) throw link_failure(e);
  }
  // Deleting the veth detached the program; its pins keep it loaded until they go.
  if (config.policy) {
    remove_policy(*config.policy, config.name, host_ifname(config.name, invocation.container_id, invocation.ifname));
  }
  (void)store.release(Attachment{invocation.container_id, invocation.ifname});
}

}  // namespace sluice::cni
