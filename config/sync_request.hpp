// The one conversion from a configuration to the control protocol: the set request that brings a
// running interface to what the configuration says, changing only what differs, as `wg syncconf`
// does, so that sessions of unchanged peers survive. sluiced uses it at start (against an empty
// interface) and on SIGHUP, sluicectl for `reload`: each compares with the interface as a get=1
// answer shows it.
#pragma once

#include <cstdint>

#include "config/settings.hpp"
#include "uapi/interface_state.hpp"
#include "uapi/set_request.hpp"

namespace sluice::config {

// Peers gone from the configuration are removed (first); every other peer is stated in full with
// its allowed IPs replaced, without replace_peers (which would end every session). The private
// key, port and mark are sent only when they differ (a port of 0 in the file means "keep whatever
// is bound"; no mark in the file keeps `own_fwmark`, the mark the daemon set itself for its full
// tunnel; no private key removes the interface's).
[[nodiscard]] uapi::SetRequest sync_request(const InterfaceSettings& wanted, const uapi::InterfaceState& running,
                                            std::uint32_t own_fwmark = 0);

}  // namespace sluice::config
