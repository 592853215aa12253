#include "tunnel/fdb.hpp"

#include <algorithm>

namespace sluice::tunnel {

Fdb::Fdb(std::chrono::seconds aging, std::size_t capacity) : aging_(aging), capacity_(capacity) {}

void Fdb::add_static(const MacAddress& mac, const crypto::PublicKey& peer) {
  last_learned_ = nullptr;
  const auto found = table_.find(mac);
  if (found != table_.end() && !found->second.is_static) --learned_;
  table_.insert_or_assign(mac, Entry{mac, peer, true, {}});
}

bool Fdb::learn(const MacAddress& mac, const crypto::PublicKey& peer, Instant now) {
  if (last_learned_ != nullptr && last_learned_->mac == mac) {
    last_learned_->peer = peer;
    last_learned_->last_seen = now;
    return true;
  }
  if (mac.is_group()) return true;
  const auto found = table_.find(mac);
  if (found != table_.end()) {
    if (!found->second.is_static) {
      found->second.peer = peer;
      found->second.last_seen = now;
      last_learned_ = &found->second;
    }
    return true;
  }
  if (learned_ >= capacity_) return false;
  last_learned_ = &table_.emplace(mac, Entry{mac, peer, false, now}).first->second;
  ++learned_;
  return true;
}

const crypto::PublicKey* Fdb::lookup(const MacAddress& mac, Instant now) const noexcept {
  const auto found = table_.find(mac);
  if (found == table_.end() || expired(found->second, now)) return nullptr;
  return &found->second.peer;
}

void Fdb::forget_learned(const MacAddress& mac) noexcept {
  const auto found = table_.find(mac);
  if (found == table_.end() || found->second.is_static) return;
  if (last_learned_ == &found->second) last_learned_ = nullptr;
  table_.erase(found);
  --learned_;
}

void Fdb::expire(Instant now) {
  const std::size_t erased = std::erase_if(table_, [&](const auto& item) { return expired(item.second, now); });
  if (erased > 0) last_learned_ = nullptr;
  learned_ -= erased;
}

std::vector<Fdb::Entry> Fdb::entries() const {
  std::vector<Entry> out;
  out.reserve(table_.size());
  for (const auto& [mac, entry] : table_) out.push_back(entry);
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.mac < b.mac; });
  return out;
}

bool Fdb::expired(const Entry& entry, Instant now) const noexcept {
  return !entry.is_static && now - entry.last_seen >= aging_;
}

}  // namespace sluice::tunnel
