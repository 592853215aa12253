#include "tunnel/cookie_reply_limiter.hpp"

#include <functional>

namespace sluice::tunnel {

CookieReplyLimiter::CookieReplyLimiter() : slots_(std::make_unique<std::array<Slot, kSlots>>()) {}

bool CookieReplyLimiter::allow(const IpAddress& source, Instant now) {
  Slot& slot = (*slots_)[std::hash<IpAddress>{}(source) % kSlots];
  if (slot.address == source && now - slot.last < kInterval) return false;
  slot.address = source;
  slot.last = now;
  return true;
}

}  // namespace sluice::tunnel
