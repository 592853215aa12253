// One row of a counter table: every place that shows counters (stats=1, the metrics page, the
// drop log, sluicectl's JSON) reads the same table, so a counter is named once, described once
// and counted as a drop (or not) once.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::tunnel {

template <typename Counters>
struct CounterField {
  std::string_view name;  // stable: stats=1 key, metric name part, JSON key, drop log word
  std::uint64_t Counters::*member;
  bool drop;              // a packet or datagram that was lost; part of the drop log and its total
  std::string_view help;  // what one count means, one line
};

}  // namespace sluice::tunnel
