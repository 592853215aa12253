// The node's subnet.env as the verbs need it: errors turned into CNI errors that tell the user
// what to look at (sluice-mesh writes the file once the node has claimed a subnet).
#pragma once

#include "cni/cni_error.hpp"
#include "cni/plugin_config.hpp"
#include "mesh/subnet_env.hpp"

namespace sluice::cni {

// A missing file is `when_missing` (11 for ADD, 50 for STATUS), any other failure `when_broken`.
[[nodiscard]] mesh::SubnetEnv read_node_subnet(const PluginConfig& config, ErrorCode when_missing,
                                               ErrorCode when_broken);

// The MTU of the attachments: the config's, else the tunnel's from subnet.env. Code 7 when the
// config's is too small for IPv6 and the node has IPv6.
[[nodiscard]] unsigned attachment_mtu(const PluginConfig& config, const mesh::SubnetEnv& subnet);

}  // namespace sluice::cni
