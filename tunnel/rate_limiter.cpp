#include "tunnel/rate_limiter.hpp"

#include <algorithm>
#include <array>

namespace sluice::tunnel {
namespace {

constexpr Duration kCost = Duration(1s) / RateLimiter::kPacketsPerSecond;
constexpr Duration kMaxCredit = kCost * RateLimiter::kBurst;
// An entry idle this long has a full bucket again, so it carries no information.
constexpr Duration kIdle = 1s;
// A sweep walks the whole table. While it is full of busy senders, newcomers are refused without a
// walk until this long after the last one, so a flood cannot make every message pay for a sweep.
constexpr Duration kFullSweepInterval = 100ms;

IpAddress group(const IpAddress& source) {
  if (source.is_v4()) return source;
  std::array<std::uint8_t, 16> prefix{};
  std::copy_n(source.bytes().begin(), 8, prefix.begin());
  return IpAddress::v6(prefix);
}

}  // namespace

bool RateLimiter::allow(const IpAddress& source, Instant now) {
  const Duration since_sweep = now - last_sweep_;
  if (since_sweep >= kIdle || (buckets_.size() >= kMaxEntries && since_sweep >= kFullSweepInterval)) forget_idle(now);
  // Still full of busy senders after the sweep: refuse newcomers rather than grow.
  const auto key = group(source);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxEntries) return false;
    it = buckets_.emplace(key, Bucket{now, kMaxCredit}).first;
  }
  Bucket& bucket = it->second;
  bucket.credit = std::min(kMaxCredit, bucket.credit + (now - bucket.last));
  bucket.last = now;
  if (bucket.credit < kCost) return false;
  bucket.credit -= kCost;
  return true;
}

void RateLimiter::forget_idle(Instant now) {
  std::erase_if(buckets_, [now](const auto& entry) { return now - entry.second.last >= kIdle; });
  last_sweep_ = now;
  ++sweeps_;
}

}  // namespace sluice::tunnel
