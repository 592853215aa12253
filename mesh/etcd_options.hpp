// The agent config's [etcd] table as the etcd client's options; the password is read from its
// file here, at the last moment, into memory that is wiped.
#pragma once

#include "etcd/client_options.hpp"
#include "mesh/agent_config.hpp"

namespace sluice::mesh {

// Throws std::system_error naming the password file when it cannot be read.
[[nodiscard]] etcd::ClientOptions etcd_client_options(const EtcdSettings& settings);

}  // namespace sluice::mesh
