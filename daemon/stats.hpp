// The answer to `stats=1`, a request of our own on the control socket (the stock `wg` never sends
// it): every interface-wide counter of the core, then per peer `public_key=` (hex, as in a get
// answer) followed by that peer's counters. key=value lines like get, so one parser reads both;
// names are stable, new ones may be added.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tunnel/device.hpp"

namespace sluice::daemon {

// A counter's value with its table row's name, help and drop flag (tunnel/counter_field.hpp).
struct NamedCounter {
  std::string name;
  std::uint64_t value = 0;
  std::string_view help;
  bool drop = false;
};

// The rows of `fields` with their values in `counters`, each name after `prefix`.
template <typename Counters, std::size_t N>
[[nodiscard]] std::vector<NamedCounter> named_counters(const tunnel::CounterField<Counters> (&fields)[N],
                                                       const Counters& counters, std::string_view prefix = {}) {
  std::vector<NamedCounter> out;
  out.reserve(N);
  for (const auto& field : fields) {
    out.push_back({std::string(prefix).append(field.name), counters.*field.member, field.help, field.drop});
  }
  return out;
}

// Every counter by its stable name, in a fixed order; shared by stats=1, the metrics page and the
// drop log.
[[nodiscard]] inline std::vector<NamedCounter> device_counters(const tunnel::DeviceCounters& counters) {
  return named_counters(tunnel::kDeviceCounterFields, counters);
}
[[nodiscard]] inline std::vector<NamedCounter> peer_counters(const tunnel::PeerCounters& counters) {
  return named_counters(tunnel::kPeerCounterFields, counters);
}

// The key=value lines (`extra` after the core's interface counters), without the final "errno=0"
// and empty line. Holds no secret.
[[nodiscard]] std::string serialize_stats(const tunnel::Device& device, const std::vector<NamedCounter>& extra = {});
// Its two parts: the interface's counters, then one section per peer (the answer on the control
// socket writes them a slice of peers at a time).
void append_stats_interface(std::string& out, const tunnel::Device& device, const std::vector<NamedCounter>& extra);
void append_stats_peer(std::string& out, const tunnel::Peer& peer);
// Room one peer's section takes at most.
inline constexpr std::size_t kStatsPeerBytes = 160 + std::size(tunnel::kPeerCounterFields) * 64;

}  // namespace sluice::daemon
