#include "policy/flow_table.hpp"

#include <bit>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "crypto/keyed_hash.hpp"
#include "tunnel/byte_order.hpp"

namespace sluice::policy {

namespace {

// memcmp's order of two addresses (below, equal or above zero), by two big-endian words rather
// than a library call for every packet.
int compare_addresses(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b) noexcept {
  for (std::size_t i = 0; i < a.size(); i += 8) {
    const std::uint64_t x = tunnel::load_be64(a.data() + i);
    const std::uint64_t y = tunnel::load_be64(b.data() + i);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

}  // namespace

FlowKey FlowKey::of(const FlowTuple& tuple, bool& source_is_low) noexcept {
  const int order = compare_addresses(tuple.source, tuple.destination);
  source_is_low = order < 0 || (order == 0 && tuple.source_port <= tuple.destination_port);
  FlowKey key;
  key.protocol = tuple.protocol;
  key.family = tuple.family;
  if (source_is_low) {
    key.low = tuple.source;
    key.high = tuple.destination;
    key.low_port = tuple.source_port;
    key.high_port = tuple.destination_port;
  } else {
    key.low = tuple.destination;
    key.high = tuple.source;
    key.low_port = tuple.destination_port;
    key.high_port = tuple.source_port;
  }
  return key;
}

FlowTuple FlowKey::tuple(bool source_is_low) const noexcept {
  FlowTuple tuple;
  tuple.protocol = protocol;
  tuple.family = family;
  tuple.source = low;
  tuple.destination = high;
  tuple.source_port = low_port;
  tuple.destination_port = high_port;
  return source_is_low ? tuple : tuple.reversed();
}

std::uint64_t FlowTable::hash(const FlowKey& key) noexcept {
  // Keyed: peers choose their packets' tuples, and must not be able to make them share a chain.
  std::array<std::uint8_t, 38> bytes{};
  std::memcpy(bytes.data(), key.low.data(), 16);
  std::memcpy(bytes.data() + 16, key.high.data(), 16);
  bytes[32] = static_cast<std::uint8_t>(key.low_port >> 8);
  bytes[33] = static_cast<std::uint8_t>(key.low_port);
  bytes[34] = static_cast<std::uint8_t>(key.high_port >> 8);
  bytes[35] = static_cast<std::uint8_t>(key.high_port);
  bytes[36] = key.protocol;
  bytes[37] = key.family;
  return crypto::keyed_hash(bytes);
}

FlowTable::FlowTable(std::size_t capacity) {
  if (capacity == 0 || capacity >= kNone) throw std::invalid_argument("flow table capacity out of range");
  slots_.resize(capacity);
  buckets_.assign(std::bit_ceil(capacity), kNone);
  for (std::uint32_t i = 0; i < capacity; ++i) slots_[i].chain_next = i + 1 < capacity ? i + 1 : kNone;
  free_ = 0;
}

Flow* FlowTable::find(const FlowKey& key, std::uint64_t hash) noexcept {
  for (std::uint32_t i = buckets_[hash & (buckets_.size() - 1)]; i != kNone; i = slots_[i].chain_next) {
    if (slots_[i].hash == hash && slots_[i].flow.key == key) return &slots_[i].flow;
  }
  return nullptr;
}

Flow& FlowTable::insert(const FlowKey& key, std::uint64_t hash) {
  if (free_ == kNone) {
    erase(slots_[tail_].flow);
    ++evictions_;
  }
  const std::uint32_t index = free_;
  Slot& slot = slots_[index];
  free_ = slot.chain_next;
  slot.flow = Flow{};
  slot.flow.key = key;
  slot.hash = hash;
  slot.used = true;
  std::uint32_t& bucket = buckets_[hash & (buckets_.size() - 1)];
  slot.chain_next = bucket;
  bucket = index;
  push_front(index);
  ++size_;
  return slot.flow;
}

std::uint32_t FlowTable::index_of(const Flow& flow) const noexcept {
  static_assert(std::is_standard_layout_v<Slot> && offsetof(Slot, flow) == 0, "a Flow's address is its Slot's");
  return static_cast<std::uint32_t>(reinterpret_cast<const Slot*>(&flow) - slots_.data());
}

void FlowTable::touch(Flow& flow) noexcept {
  const std::uint32_t index = index_of(flow);
  if (head_ == index) return;
  unlink_recency(index);
  push_front(index);
}

void FlowTable::erase(Flow& flow) noexcept {
  const std::uint32_t index = index_of(flow);
  Slot& slot = slots_[index];
  std::uint32_t* link = &buckets_[slot.hash & (buckets_.size() - 1)];
  while (*link != index) link = &slots_[*link].chain_next;
  *link = slot.chain_next;
  unlink_recency(index);
  slot.used = false;
  slot.chain_next = free_;
  free_ = index;
  --size_;
}

void FlowTable::unlink_recency(std::uint32_t index) noexcept {
  Slot& slot = slots_[index];
  if (slot.more_recent != kNone) {
    slots_[slot.more_recent].less_recent = slot.less_recent;
  } else {
    head_ = slot.less_recent;
  }
  if (slot.less_recent != kNone) {
    slots_[slot.less_recent].more_recent = slot.more_recent;
  } else {
    tail_ = slot.more_recent;
  }
  slot.more_recent = slot.less_recent = kNone;
}

void FlowTable::push_front(std::uint32_t index) noexcept {
  Slot& slot = slots_[index];
  slot.more_recent = kNone;
  slot.less_recent = head_;
  if (head_ != kNone) slots_[head_].more_recent = index;
  head_ = index;
  if (tail_ == kNone) tail_ = index;
}

}  // namespace sluice::policy
