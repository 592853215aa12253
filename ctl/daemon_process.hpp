// Starting and stopping sluiced for `sluicectl up` and `down`. Every wait is bounded.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "uapi/interface_state.hpp"

namespace sluice::ctl {

inline constexpr std::chrono::seconds kStartTimeout{20};
inline constexpr std::chrono::seconds kStopTimeout{10};

// $SLUICED if set, else `sluiced` next to this program, else the first on PATH. Throws uapi::ControlError.
[[nodiscard]] std::filesystem::path find_sluiced();

struct StartedDaemon {
  uapi::InterfaceState state;
  // What it said before it detached: its warnings, or every line when started verbose.
  std::vector<std::string> messages;
};

// Runs `sluiced --config CONFIG --control-dir DIR [-v] IFNAME`, which detaches once the interface
// is ready, and returns the state its socket then reports. If it fails, the uapi::ControlError carries the
// daemon's own error line(s) from its stderr.
StartedDaemon start_daemon(const std::filesystem::path& sluiced, const std::filesystem::path& config,
                           const std::string& ifname, const std::filesystem::path& control_dir, bool verbose);

// Sends SIGTERM to the daemon answering on IFNAME's socket and waits until it has exited and its
// socket is gone. Returns its pid.
pid_t stop_daemon(const std::string& ifname, const std::filesystem::path& control_dir);

}  // namespace sluice::ctl
