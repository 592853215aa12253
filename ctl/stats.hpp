// What `sluicectl stats` prints: the counters of a `stats=1` answer as a table or as JSON (schema
// in sluicectl(8), JSON OUTPUT).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/memory.hpp"
#include "ctl/show.hpp"

namespace sluice::ctl {

// Counters by name, in the daemon's order; kept generic so a newer daemon's counters show up in
// an older sluicectl.
using Counters = std::vector<std::pair<std::string, std::uint64_t>>;

struct PeerStats {
  crypto::PublicKey public_key;
  std::optional<std::int64_t> latest_handshake;  // Unix seconds; absent before the first one
  Counters counters;
};

struct InterfaceStats {
  Counters counters;
  std::vector<PeerStats> peers;
};

// `lines` is the answer without its errno line. A line that is not key=number throws uapi::ControlError.
[[nodiscard]] InterfaceStats parse_stats_answer(std::string_view lines);

// One interface: its counters, then each peer's, one aligned "name  value" row each; the latest
// handshake as `show` says it ("5 seconds ago").
[[nodiscard]] std::string stats_text(std::string_view ifname, const InterfaceStats& stats, WallClock::time_point now);

// One element of the document's "interfaces" array; the document itself is show_document's.
[[nodiscard]] nlohmann::ordered_json stats_json(std::string_view ifname, const InterfaceStats& stats);

}  // namespace sluice::ctl
