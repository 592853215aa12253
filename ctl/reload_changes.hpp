// What `sluicectl reload` reports beside the set request it sends (config/sync_request.hpp): the
// peers it changes, and what differs but a reload cannot change (addresses, MTU, L2 segments).
#pragma once

#include <string>
#include <vector>

#include "config/settings.hpp"
#include "ctl/fdb.hpp"
#include "ctl/link_info.hpp"
#include "uapi/interface_state.hpp"

namespace sluice::ctl {

// The peers in both the file and the interface whose allowed IPs, endpoint, keepalive or
// preshared key the reload changes.
[[nodiscard]] std::size_t changed_peers(const config::InterfaceSettings& wanted, const uapi::InterfaceState& running);

// One line for each setting the control protocol cannot change (addresses, MTU) that
// differs between the file and the interface: reload leaves those as they are.
[[nodiscard]] std::vector<std::string> unapplied_changes(const config::InterfaceSettings& wanted, const LinkInfo& link);

// A line when the file's [[segment]] tables differ from the running segments (VNI, TAP, bridge,
// MTU set, local address, aging, static entries): segments are made at start only. None when equal.
[[nodiscard]] std::vector<std::string> segment_changes(const config::InterfaceSettings& wanted,
                                                       const std::vector<SegmentTable>& running);

}  // namespace sluice::ctl
