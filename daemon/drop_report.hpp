// The drop log: one line per interval with what was lost since the last one, by counter name,
// instead of a line per lost packet (a flood cannot flood the log). Pure: the caller passes the
// counters and writes the line.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/stats.hpp"

namespace sluice::daemon {

class DropReport {
 public:
  // The line for the drop counters of `counters` (NamedCounter::drop) that grew since the last
  // call, e.g. "lost 3 packets in the last 10 s: bad_mac1 1, replayed 2"; the total is the sum of
  // the parts. Nothing when none grew. `counters` comes in the same order every call; the first
  // call counts from zero.
  [[nodiscard]] std::optional<std::string> update(const std::vector<NamedCounter>& counters,
                                                  std::chrono::seconds interval);

 private:
  std::vector<std::uint64_t> last_;
};

}  // namespace sluice::daemon
