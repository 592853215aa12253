// The agent's one-shot commands beside `run`: what the mesh looks like from this node, leaving
// it, and bringing the containers' policy programs up to date.
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

// One pass of what `run` does at every check of sluiced with `container_policy = true` (whatever
// that key says): sluiced's policy and peers compiled into every container policy program pinned
// under the config's bpffs. Prints a line per container written to `out`, per problem to `err`;
// returns the exit status (1 when a container could not be written). Throws uapi::ControlError
// when sluiced cannot be asked.
int sync_container_policies(const AgentConfig& config, std::ostream& out, std::ostream& err);

}  // namespace sluice::mesh
