// The connection-tracking table, which is also the flow table that `sluicectl flows` shows: one
// entry per flow, found from a packet of either direction by one hash lookup. Fixed capacity,
// all memory taken up front (no allocation per packet or per flow); when full, the least recently
// seen flow makes room and the eviction is counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "crypto/memory.hpp"
#include "policy/flow_tuple.hpp"
#include "policy/rules.hpp"
#include "tunnel/constants.hpp"

namespace sluice::policy {

// A tuple with its two ends in a fixed order (the lower address and port first), so that a
// packet and its reply have the same key.
struct FlowKey {
  std::array<std::uint8_t, 16> low{};
  std::array<std::uint8_t, 16> high{};
  std::uint16_t low_port = 0;
  std::uint16_t high_port = 0;
  std::uint8_t protocol = 0;
  std::uint8_t family = 4;

  // `source_is_low` tells which end of the key the tuple's source is.
  static FlowKey of(const FlowTuple& tuple, bool& source_is_low) noexcept;
  // The tuple whose source is the low end (or the high end).
  [[nodiscard]] FlowTuple tuple(bool source_is_low) const noexcept;
  bool operator==(const FlowKey&) const = default;
};

inline constexpr std::uint16_t kDefaultRule = 0xffff;

struct Flow {
  FlowKey key;
  // The first packet's source end, and its direction: the flow's origin.
  bool origin_is_low = true;
  Direction origin = Direction::inbound;
  Action verdict = Action::allow;
  bool closing = false;               // TCP FIN or RST seen
  std::uint16_t rule = kDefaultRule;  // the rule that decided, or the direction's default
  std::uint32_t generation = 0;       // of the rules that decided
  crypto::PublicKey peer;
  // Indexed by Direction.
  std::uint64_t packets[2] = {0, 0};
  std::uint64_t bytes[2] = {0, 0};
  tunnel::Instant first_seen{};
  tunnel::Instant last_seen{};

  [[nodiscard]] FlowTuple origin_tuple() const noexcept { return key.tuple(origin_is_low); }
};

class FlowTable {
 public:
  explicit FlowTable(std::size_t capacity);

  // The flow of `key`, or nullptr.
  [[nodiscard]] Flow* find(const FlowKey& key, std::uint64_t hash) noexcept;
  // A fresh entry for `key` (not yet in the table), evicting the least recently seen flow when
  // full. The caller fills it in.
  Flow& insert(const FlowKey& key, std::uint64_t hash);
  // Marks it the most recently seen.
  void touch(Flow& flow) noexcept;
  void erase(Flow& flow) noexcept;
  // Removes every flow for which `expired` says so.
  template <typename Predicate>
  std::size_t erase_if(Predicate expired) {
    std::size_t erased = 0;
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].used && expired(slots_[i].flow)) {
        erase(slots_[i].flow);
        ++erased;
      }
    }
    return erased;
  }
  // Most recently seen first.
  template <typename Each>
  void for_each(Each each) const {
    for (std::uint32_t i = head_; i != kNone; i = slots_[i].less_recent) {
      each(slots_[i].flow);
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }
  [[nodiscard]] std::uint64_t evictions() const noexcept { return evictions_; }

  [[nodiscard]] static std::uint64_t hash(const FlowKey& key) noexcept;

 private:
  static constexpr std::uint32_t kNone = 0xffffffff;
  struct Slot {
    Flow flow;
    std::uint64_t hash = 0;
    std::uint32_t chain_next = kNone;
    // The recency list: head_ is the most recent, tail_ the least.
    std::uint32_t more_recent = kNone;
    std::uint32_t less_recent = kNone;
    bool used = false;
  };

  [[nodiscard]] std::uint32_t index_of(const Flow& flow) const noexcept;
  void unlink_recency(std::uint32_t index) noexcept;
  void push_front(std::uint32_t index) noexcept;

  std::vector<Slot> slots_;
  std::vector<std::uint32_t> buckets_;  // a power of two, at least the capacity
  std::uint32_t free_ = kNone;          // free slots, chained through chain_next
  std::uint32_t head_ = kNone;
  std::uint32_t tail_ = kNone;
  std::size_t size_ = 0;
  std::uint64_t evictions_ = 0;
};

}  // namespace sluice::policy
