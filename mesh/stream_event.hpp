// The agent's events in sluiced's event stream (`sluicectl events`), sent as publish=1 requests
// (daemon/event_request.hpp): node_joined, node_left, node_changed (or nodes_changed with counts
// when many change at once), subnet_claimed, etcd_lost and etcd_back, each with source=mesh.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::mesh {

using EventFields = std::vector<std::pair<std::string, std::string>>;

// The publish=1 request for event `kind`. Values are made fit for it: control characters become
// spaces, and a value is cut to 256 bytes.
[[nodiscard]] std::string stream_event_request(std::string_view kind, const EventFields& fields);

}  // namespace sluice::mesh
