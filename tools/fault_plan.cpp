#include "tools/fault_plan.hpp"

namespace sluice::tools {

bool FaultPlan::chance(double probability) {
  // Always draw, so the sequence of later decisions does not depend on which rates are zero.
  const double x = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  return x < probability;
}

FaultDecision FaultPlan::decide(std::size_t size) {
  FaultDecision d;
  if (!active_) return d;
  d.drop = chance(rates_.drop);
  if (chance(rates_.duplicate)) d.copies = 2;
  const bool corrupt = chance(rates_.corrupt);
  d.reordered = chance(rates_.reorder);
  const auto offset = std::uniform_int_distribution<std::size_t>(0, size == 0 ? 0 : size - 1)(random_);
  // Never zero, so a corrupted byte always changes.
  const auto mask = static_cast<std::uint8_t>(std::uniform_int_distribution<unsigned>(1, 255)(random_));
  const auto jitter = std::uniform_int_distribution<std::int64_t>(0, rates_.jitter.count())(random_);
  if (corrupt && size > 0) {
    d.corrupt_offset = offset;
    d.corrupt_mask = mask;
  }
  d.delay = rates_.delay + std::chrono::microseconds(jitter);
  if (d.reordered) d.delay += rates_.reorder_hold;
  return d;
}

}  // namespace sluice::tools
