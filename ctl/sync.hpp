// `sluicectl reload`: bring a running interface to what its config file says, changing only what
// differs, as `wg syncconf` does, so that sessions of unchanged peers survive.
#pragma once

#include <string>
#include <vector>

#include "ctl/fdb.hpp"
#include "uapi/interface_state.hpp"
#include "ctl/link_info.hpp"
#include "config/settings.hpp"
#include "uapi/set_request.hpp"

namespace sluice::ctl {

// Peers gone from the file are removed; every other peer is stated in full with its allowed IPs
// replaced, without replace_peers (which would end every session). The private key, port and
// mark are sent only when they differ (a port of 0 in the file means "keep whatever is bound";
// no mark in the file keeps `own_fwmark`, the mark the daemon set itself for its full tunnel).
[[nodiscard]] uapi::SetRequest sync_request(const config::InterfaceSettings& wanted, const uapi::InterfaceState& running,
                                              std::uint32_t own_fwmark = 0);

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
