// The answer to `stats=1`, a request of our own on the control socket (the stock `wg` never sends
// it): every interface-wide counter of the core, then per peer `public_key=` (hex, as in a get
// answer) followed by that peer's counters. key=value lines like get, so one parser reads both;
// names are stable, new ones may be added.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tunnel/device.hpp"

namespace sluice::daemon {

struct NamedCounter {
  std::string_view name;
  std::uint64_t value;
};

// Every counter by its stable name, in a fixed order; shared by stats=1 and the metrics page.
[[nodiscard]] std::vector<NamedCounter> device_counters(const tunnel::DeviceCounters& counters);
[[nodiscard]] std::vector<NamedCounter> peer_counters(const tunnel::PeerCounters& counters);

// The key=value lines (`extra` after the core's interface counters), without the final "errno=0"
// and empty line. Holds no secret.
[[nodiscard]] std::string serialize_stats(const tunnel::Device& device,
                                          const std::vector<NamedCounter>& extra = {});

}  // namespace sluice::daemon
