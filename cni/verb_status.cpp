#include "cni/address_store.hpp"
#include "cni/node_subnet.hpp"
#include "cni/verbs.hpp"

namespace sluice::cni {

void run_status(const PluginConfig& config) {
  (void)read_node_subnet(config, ErrorCode::not_available, ErrorCode::not_available);
  try {
    const AddressStore store(config.data_dir, config.name);
  } catch (const CniError& e) {
    throw CniError(ErrorCode::not_available, std::string("no address can be reserved: ") + e.what());
  }
}

}  // namespace sluice::cni
