// The node agent: joins this host to the mesh and keeps it there. It claims the node's subnets in
// etcd under a lease it keeps alive, puts their address on the tunnel interface, writes
// subnet.env, and keeps sluiced's peers equal to the other nodes' leases through the control
// socket (the same set requests `wg` sends), following etcd's watch.
//
// What happens when something fails: etcd away → every tunnel and peer stays as it is, calls are
// retried with backoff, and the watch resumes after the last revision it saw (a full read when
// that revision was compacted); sluiced away → retried; sluiced restarted → everything applied
// again; the lease lost (expired while etcd was unreachable) → the same subnets claimed again.
// Only a refusal by etcd (certificate, password) ends the agent: retrying cannot fix it.
#pragma once

#include <atomic>

#include "mesh/agent_config.hpp"

namespace sluice::mesh {

// Runs until `stop` is set (checked at least every 250 ms); the lease is left to its TTL, so an
// agent that comes back within it keeps its subnets. Throws std::runtime_error when etcd refuses
// the agent or the configuration cannot work.
void run_agent(const AgentConfig& config, const std::atomic<bool>& stop);

}  // namespace sluice::mesh
