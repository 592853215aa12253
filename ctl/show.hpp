// What `sluicectl show` and `status` print: text like `wg show` (colour only on a terminal) and a
// JSON document with a stable schema (documented in sluicectl(8), JSON OUTPUT).
// Private and preshared keys are never shown, only whether they are set.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "uapi/interface_state.hpp"

namespace sluice::ctl {

using WallClock = std::chrono::system_clock;

// Bumped only when a field changes meaning or goes away; new fields may appear without it.
inline constexpr int kJsonSchemaVersion = 1;

// "1 hour, 2 minutes, 5 seconds" (no "ago"); "0 seconds" for zero.
[[nodiscard]] std::string format_duration(std::chrono::seconds duration);
// "now" or "1 minute, 15 seconds ago" for a handshake at `handshake` (since the Unix epoch); one
// in the future (a clock set back) is now.
[[nodiscard]] std::string handshake_ago(std::chrono::seconds handshake, WallClock::time_point now);
// "512 B", "1.50 KiB", "3.20 GiB".
[[nodiscard]] std::string format_bytes(std::uint64_t bytes);

// One interface and its peers, peers with the most recent handshake first (as `wg show`).
[[nodiscard]] std::string show_text(std::string_view ifname, const uapi::InterfaceState& state, bool color,
                                    WallClock::time_point now);

// One element of the document's "interfaces" array.
[[nodiscard]] nlohmann::ordered_json interface_json(std::string_view ifname, const uapi::InterfaceState& state,
                                                    WallClock::time_point now);
// The whole document: {"schema_version": 1, "interfaces": [...]}.
[[nodiscard]] nlohmann::ordered_json show_document(nlohmann::ordered_json interfaces);

// One line of `sluicectl status`: name, port, peers, how many have a live session, traffic.
[[nodiscard]] std::string status_line(std::string_view ifname, const uapi::InterfaceState& state,
                                      WallClock::time_point now);

}  // namespace sluice::ctl
