#include "cni/address_store.hpp"
#include "cni/node_subnet.hpp"
#include "cni/verbs.hpp"
#include "uapi/client.hpp"
#include "uapi/error.hpp"

namespace sluice::cni {

void run_status(const PluginConfig& config) {
  (void)read_node_subnet(config, ErrorCode::not_available, ErrorCode::not_available);
  try {
    const AddressStore store(config.data_dir, config.name);
  } catch (const CniError& e) {
    throw CniError(ErrorCode::not_available, std::string("no address can be reserved: ") + e.what());
  }
  if (!config.policy) return;
  // An ADD with policy asks sluiced for its rules: without an answer no container can be added.
  const PolicyConfig& policy = *config.policy;
  try {
    (void)uapi::Client(policy.control_dir, policy.interface).policy();
  } catch (const uapi::ControlError& e) {
    throw CniError(ErrorCode::not_available, "policy: cannot reach sluiced on " + policy.interface + ": " + e.what());
  }
}

}  // namespace sluice::cni
