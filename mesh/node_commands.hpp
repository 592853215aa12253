// The agent's one-shot commands beside `run`: what the mesh looks like from this node, and
// leaving it.
#pragma once

#include <ostream>

#include "mesh/agent_config.hpp"

namespace sluice::mesh {

// Every node's lease (subnets, endpoint, key, lease time left) and, from sluiced, whether this
// node has a peer for it and its latest handshake. Throws etcd::Error, NetworkConfigError; a
// sluiced that cannot be asked leaves the handshake columns empty.
void print_status(const AgentConfig& config, bool json, std::ostream& out);

// Revokes this node's lease (its key goes from etcd at once, and the others drop their peer for
// it) and removes the mesh's peers from sluiced. Stop the agent first, or it claims again.
void leave_mesh(const AgentConfig& config, std::ostream& out);

}  // namespace sluice::mesh
