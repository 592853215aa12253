// sluicectl events: follows the daemon's event stream (daemon/event_stream.hpp) and copies its
// lines to stdout as they come, until the daemon closes the stream (it stopped: exit 0, so that
// scripts can wait on it), Ctrl-C, or stdout is closed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctl/commands.hpp"

namespace sluice::ctl {

// The interface to follow: `ifname` if given, else the one interface with a control socket.
// Throws uapi::ControlError when there is none or more than one (naming them).
[[nodiscard]] std::string events_interface(const std::optional<std::string>& ifname,
                                           const std::vector<std::string>& running);

// The request for the stream.
[[nodiscard]] std::string events_request(bool json);

int run_events(const Globals& globals, const std::optional<std::string>& ifname, bool json);

}  // namespace sluice::ctl
