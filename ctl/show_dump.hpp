// `sluicectl show IFNAME dump`: the tab-separated lines of `wg show IFNAME dump`, for the scripts
// written against wg. Like wg it prints the private and preshared keys (the control socket, and
// so this output, is root's alone).
#pragma once

#include <string_view>

#include "crypto/secret_text.hpp"
#include "uapi/interface_state.hpp"

namespace sluice::ctl {

// One line for the interface (private key, public key, listen port, fwmark), then one per peer
// (public key, preshared key, endpoint, allowed ips, latest handshake, received, sent,
// persistent keepalive) in the daemon's order. `with_name` puts the interface name first on
// every line, as `wg show all dump` does.
[[nodiscard]] crypto::SecretText dump_text(std::string_view ifname, const uapi::InterfaceState& state, bool with_name);

}  // namespace sluice::ctl
