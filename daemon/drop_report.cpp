#include "daemon/drop_report.hpp"

#include <fmt/format.h>

namespace sluice::daemon {

std::optional<std::string> DropReport::update(const std::vector<NamedCounter>& counters,
                                              std::chrono::seconds interval) {
  if (last_.size() != counters.size()) last_.assign(counters.size(), 0);
  std::uint64_t total = 0;
  std::string parts;
  for (std::size_t i = 0; i < counters.size(); ++i) {
    const std::uint64_t grown = counters[i].value - last_[i];
    last_[i] = counters[i].value;
    if (!counters[i].drop || grown == 0) continue;
    total += grown;
    parts.append(parts.empty() ? "" : ", ").append(fmt::format("{} {}", counters[i].name, grown));
  }
  if (total == 0) return std::nullopt;
  return fmt::format("lost {} packets in the last {} s: {}", total, interval.count(), parts);
}

}  // namespace sluice::daemon
