// The forwarding database of one L2 segment: which peer a MAC address lives behind. Entries are
// learned from the source address of frames a peer sends us and age out when that address has
// been silent for the aging time; static entries come from the config and never age or move.
// Time is passed in, so tests drive the aging with a fake clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <unordered_map>
#include <vector>

#include "crypto/memory.hpp"
#include "tunnel/constants.hpp"
#include "tunnel/ethernet.hpp"

namespace sluice::tunnel {

class Fdb {
 public:
  // Linux bridges default to 300 s (IEEE 802.1D's recommendation).
  static constexpr std::chrono::seconds kDefaultAging{300};
  // A bound on learned entries, so a peer sending random source addresses cannot grow the table
  // without end; past it new addresses are not learned (their frames are flooded instead).
  static constexpr std::size_t kDefaultCapacity = 8192;

  struct Entry {
    MacAddress mac;
    crypto::PublicKey peer;
    bool is_static = false;
    Instant last_seen{};  // learned entries only
  };

  explicit Fdb(std::chrono::seconds aging = kDefaultAging, std::size_t capacity = kDefaultCapacity);
  // Neither copied nor moved: last_learned_ points into this table's nodes.
  Fdb(const Fdb&) = delete;
  Fdb& operator=(const Fdb&) = delete;

  // Replaces any entry for `mac`.
  void add_static(const MacAddress& mac, const crypto::PublicKey& peer);

  // `mac` was the source of a frame from `peer` at `now`: (re)learns it, moving it if it was
  // behind another peer. Static entries and group addresses are left alone. False when the table
  // is full and `mac` was not in it.
  bool learn(const MacAddress& mac, const crypto::PublicKey& peer, Instant now);

  // The peer behind `mac`, or nullptr when unknown or aged out. Valid until the next change.
  [[nodiscard]] const crypto::PublicKey* lookup(const MacAddress& mac, Instant now) const noexcept;

  // `mac` is on our side of the segment (it sent a frame from the local bridge): a learned entry
  // for it is stale, the station moved here.
  void forget_learned(const MacAddress& mac) noexcept;

  // Drops learned entries older than the aging time.
  void expire(Instant now);

  // Every entry, sorted by MAC address.
  [[nodiscard]] std::vector<Entry> entries() const;
  [[nodiscard]] std::size_t size() const noexcept { return table_.size(); }
  [[nodiscard]] std::chrono::seconds aging() const noexcept { return aging_; }

 private:
  [[nodiscard]] bool expired(const Entry& entry, Instant now) const noexcept;

  std::chrono::seconds aging_;
  std::size_t capacity_;
  std::size_t learned_ = 0;
  std::unordered_map<MacAddress, Entry> table_;
  // The learned entry learn() saw last: a run of frames from one station skips the keyed hash and
  // the table probe. Reset wherever an entry may be erased or made static (nodes stay put otherwise).
  Entry* last_learned_ = nullptr;
};

}  // namespace sluice::tunnel
