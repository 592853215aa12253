#include "mesh/subnet_pool.hpp"

#include <algorithm>
#include <cstdint>

#include "crypto/random.hpp"
#include "mesh/address_math.hpp"

namespace sluice::mesh {
namespace {

using tunnel::IpPrefix;

// A run of addresses, both ends included.
struct Interval {
  Uint128 first;
  Uint128 last;
};

// The prefixes of `family` as sorted intervals that do not overlap, so a walk can pass each once.
std::vector<Interval> taken_intervals(tunnel::IpFamily family, const std::vector<IpPrefix>& taken) {
  std::vector<Interval> intervals;
  for (const IpPrefix& prefix : taken) {
    if (prefix.family() != family) continue;
    const Uint128 first = to_integer(prefix.masked().address());
    intervals.push_back({first, first | host_mask(prefix.address().bit_length(), prefix.cidr())});
  }
  std::sort(intervals.begin(), intervals.end(), [](const Interval& a, const Interval& b) { return a.first < b.first; });
  std::vector<Interval> merged;
  for (const Interval& interval : intervals) {
    if (!merged.empty() && interval.first <= merged.back().last) {
      merged.back().last = std::max(merged.back().last, interval.last);
    } else {
      merged.push_back(interval);
    }
  }
  return merged;
}

bool in_range(const SubnetRange& range, const IpPrefix& prefix) {
  const Uint128 start = to_integer(prefix.address());
  return prefix.family() == range.network.family() && prefix.cidr() == range.subnet_len && prefix.masked() == prefix &&
         start >= to_integer(range.subnet_min) && start <= to_integer(range.subnet_max);
}

std::optional<IpPrefix> pick(const SubnetRange& range, const std::vector<IpPrefix>& taken, const RandomIndex& random) {
  const std::vector<IpPrefix> candidates = free_subnets(range, taken, kSubnetCandidates);
  if (candidates.empty()) return std::nullopt;
  return candidates.at(random(candidates.size()));
}

}  // namespace

std::vector<IpPrefix> free_subnets(const SubnetRange& range, const std::vector<IpPrefix>& taken, std::size_t limit) {
  const tunnel::IpFamily family = range.network.family();
  const Uint128 mask = host_mask(range.network.address().bit_length(), range.subnet_len);
  const Uint128 max = to_integer(range.subnet_max);
  const std::vector<Interval> intervals = taken_intervals(family, taken);
  auto next_taken = intervals.begin();
  std::vector<IpPrefix> found;
  // Each turn finds a free subnet or jumps past one taken interval, so the walk is bounded by
  // limit + taken.size() turns whatever the range's size.
  Uint128 candidate = to_integer(range.subnet_min);
  while (found.size() < limit) {
    while (next_taken != intervals.end() && next_taken->last < candidate) ++next_taken;
    if (next_taken != intervals.end() && next_taken->first <= (candidate | mask)) {
      // Every candidate up to SubnetMax overlaps this interval.
      if (next_taken->last >= max) break;
      // The subnet after the one holding the interval's end; no overflow, as that end is below max.
      candidate = (next_taken->last | mask) + 1;
      continue;
    }
    found.emplace_back(from_integer(candidate, family), range.subnet_len);
    if (candidate >= max) break;
    candidate += mask + 1;
  }
  return found;
}

bool fits_config(const NetworkConfig& config, const SubnetKey& subnets) {
  if (!in_range(config.ipv4, subnets.subnet)) return false;
  if (!config.ipv6) return !subnets.subnet6;
  return subnets.subnet6 && in_range(*config.ipv6, *subnets.subnet6);
}

std::size_t secure_random_index(std::size_t bound) {
  return crypto::random_uniform(static_cast<std::uint32_t>(std::min<std::size_t>(bound, UINT32_MAX)));
}

std::optional<SubnetKey> choose_subnets(const NetworkConfig& config, const std::vector<IpPrefix>& taken,
                                        const RandomIndex& random) {
  const auto subnet = pick(config.ipv4, taken, random);
  if (!subnet) return std::nullopt;
  SubnetKey key{*subnet, std::nullopt};
  if (config.ipv6) {
    key.subnet6 = pick(*config.ipv6, taken, random);
    if (!key.subnet6) return std::nullopt;
  }
  return key;
}

}  // namespace sluice::mesh
