#include "cni/node_subnet.hpp"

#include <system_error>

namespace sluice::cni {

mesh::SubnetEnv read_node_subnet(const PluginConfig& config, ErrorCode when_missing, ErrorCode when_broken) {
  const std::string file = config.subnet_file.string();
  try {
    return mesh::read_subnet_env(config.subnet_file);
  } catch (const std::system_error& e) {
    if (e.code() == std::errc::no_such_file_or_directory) {
      throw CniError(when_missing, "the node has no subnet yet (" + file + " does not exist): is sluice-mesh running?");
    }
    throw CniError(when_broken, "cannot read the node's subnet: " + std::string(e.what()));
  } catch (const mesh::SubnetEnvError& e) {
    throw CniError(when_broken, "the node's subnet file is malformed: " + std::string(e.what()));
  }
}

unsigned attachment_mtu(const PluginConfig& config, const mesh::SubnetEnv& subnet) {
  const unsigned mtu = config.mtu.value_or(subnet.mtu);
  if (subnet.ipv6_subnet && mtu < 1280) {
    throw CniError(ErrorCode::invalid_config, "network config: \"mtu\" " + std::to_string(mtu) +
                                                  " is below IPv6's minimum of 1280, and " +
                                                  config.subnet_file.string() + " gives the node IPv6");
  }
  return mtu;
}

}  // namespace sluice::cni
