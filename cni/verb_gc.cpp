#include <set>
#include <string>

#include "cni/address_store.hpp"
#include "cni/cni_error.hpp"
#include "cni/container_link.hpp"
#include "cni/container_policy_pins.hpp"
#include "cni/host_names.hpp"
#include "cni/verbs.hpp"

namespace sluice::cni {

void run_gc(const PluginConfig& config) {
  if (!config.valid_attachments) {
    // Without the list every attachment would look stale: refuse rather than remove them all.
    throw CniError(ErrorCode::invalid_config, "GC needs \"cni.dev/valid-attachments\" in the network config");
  }
  const std::set<Attachment> valid(config.valid_attachments->begin(), config.valid_attachments->end());
  AddressStore store(config.data_dir, config.name);
  std::string failures;
  try {
    for (const HostVeth& veth : list_host_veths()) {
      const auto parts = parse_host_alias(veth.alias);
      if (!parts || parts->network != config.name || valid.contains({parts->container_id, parts->ifname})) continue;
      try {
        // Deleting the host side takes the container side along; its namespace is unknown here.
        (void)delete_veth(veth.name, "", parts->ifname);
      } catch (const LinkError& e) {
        failures += std::string(failures.empty() ? "" : "; ") + e.what();
      }
    }
  } catch (const LinkError& e) {
    failures += std::string(failures.empty() ? "" : "; ") + e.what();
  }
  if (config.policy) {
    std::set<std::string> keep;
    for (const Attachment& attachment : valid) {
      keep.insert(host_ifname(config.name, attachment.container_id, attachment.ifname));
    }
    for (const std::string& failure : collect_policies(*config.policy, config.name, keep)) {
      failures += std::string(failures.empty() ? "" : "; ") + failure;
    }
  }
  for (const Reservation& reservation : store.list()) {
    if (!valid.contains(reservation.attachment)) (void)store.release(reservation.address);
  }
  if (!failures.empty()) throw CniError(ErrorCode::io_failure, "GC: " + failures);
}

}  // namespace sluice::cni
