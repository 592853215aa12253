// Cryptokey routing table: which peer owns an inner address, by longest-prefix match over the
// peers' allowed IPs. One path-compressed binary trie per family: a node exists only where a
// prefix is stored or where two stored prefixes diverge, so the trie has fewer than 2n nodes
// and a lookup visits at most one node per distinct stored prefix length on its path. Each value
// (peer) also has the list of its own nodes, so that what concerns one peer (its prefixes, its
// removal) costs in proportion to that peer's prefixes, never to the size of the table: `wg show`
// and `wg syncconf` with 100,000 peers would otherwise visit the whole trie once per peer.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tunnel/ip_address.hpp"

namespace sluice::tunnel {
namespace detail {

// An address as two big-endian 64-bit words (IPv4 in the top 32 bits), so bit tests, prefix
// comparisons and common-prefix lengths are word operations instead of byte loops.
struct TrieKey {
  std::array<std::uint64_t, 2> words{};

  template <std::size_t N>
  static TrieKey load(std::span<const std::uint8_t, N> bytes) noexcept {
    static_assert(N == 4 || N == 16);
    TrieKey key;
    for (std::size_t i = 0; i < N; ++i) key.words[i / 8] |= std::uint64_t{bytes[i]} << (56 - 8 * (i % 8));
    return key;
  }

  static TrieKey load(const IpAddress& address) noexcept {
    const auto bytes = address.bytes();
    return address.is_v4() ? load(bytes.first<4>()) : load(bytes.first<16>());
  }

  [[nodiscard]] IpAddress to_address(IpFamily family) const noexcept {
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = static_cast<std::uint8_t>(words[i / 8] >> (56 - 8 * (i % 8)));
    }
    return family == IpFamily::v4 ? IpAddress::v4(std::span(bytes).first<4>()) : IpAddress::v6(bytes);
  }

  // Bit `i` counted from the most significant; `i` < 128.
  [[nodiscard]] unsigned bit(unsigned i) const noexcept {
    return static_cast<unsigned>(words[i / 64] >> (63 - i % 64)) & 1u;
  }

  [[nodiscard]] static std::uint64_t word_mask(unsigned cidr, unsigned word) noexcept {
    const unsigned kept = cidr <= 64 * word ? 0 : std::min(cidr - 64 * word, 64u);
    return kept == 0 ? 0 : ~std::uint64_t{0} << (64 - kept);
  }

  [[nodiscard]] TrieKey masked(unsigned cidr) const noexcept {
    return TrieKey{{words[0] & word_mask(cidr, 0), words[1] & word_mask(cidr, 1)}};
  }

  // Whether the first `cidr` bits equal those of `prefix`.
  [[nodiscard]] bool matches(const TrieKey& prefix, unsigned cidr) const noexcept {
    const std::uint64_t high = (words[0] ^ prefix.words[0]) & word_mask(cidr, 0);
    const std::uint64_t low = (words[1] ^ prefix.words[1]) & word_mask(cidr, 1);
    return (high | low) == 0;
  }

  // Number of leading bits shared with `other` (128 if equal).
  [[nodiscard]] unsigned common_prefix(const TrieKey& other) const noexcept {
    const std::uint64_t high = words[0] ^ other.words[0];
    if (high != 0) return static_cast<unsigned>(std::countl_zero(high));
    return 64 + static_cast<unsigned>(std::countl_zero(words[1] ^ other.words[1]));
  }
};

}  // namespace detail

// `Value` is a small copyable handle (a peer pointer or id) compared with ==.
template <class Value>
class AllowedIps {
  // Lookups copy the value out and are noexcept.
  static_assert(std::is_nothrow_copy_constructible_v<Value>);

 public:
  // Stores `prefix` with host bits cleared; an existing identical prefix moves to `value`, since a
  // prefix belongs to exactly one peer.
  void insert(const IpPrefix& prefix, Value value) {
    trie(prefix.family())
        .insert(detail::TrieKey::load(prefix.address()).masked(prefix.cidr()), prefix.cidr(), std::move(value),
                owners_);
  }

  // Removes exactly `prefix` (host bits ignored); false if it was not stored.
  bool remove(const IpPrefix& prefix) {
    return trie(prefix.family())
        .remove(detail::TrieKey::load(prefix.address()).masked(prefix.cidr()), prefix.cidr(), owners_);
  }

  // Removes every prefix owned by `value` (peer removal, or a peer's prefixes replaced): one
  // descent per prefix of that value.
  void remove_value(const Value& value) {
    // Each removal changes the list; the nodes' places are read before any goes.
    for (const Place& place : places_of(value)) {
      trie(place.v6 ? IpFamily::v6 : IpFamily::v4).remove(place.key, place.cidr, owners_);
    }
  }

  [[nodiscard]] std::optional<Value> lookup(const IpAddress& address) const noexcept {
    return trie(address.family()).lookup(detail::TrieKey::load(address));
  }
  // Hot path: addresses straight out of a packet header, no IpAddress built.
  [[nodiscard]] std::optional<Value> lookup_v4(std::span<const std::uint8_t, 4> address) const noexcept {
    return v4_.lookup(detail::TrieKey::load(address));
  }
  [[nodiscard]] std::optional<Value> lookup_v6(std::span<const std::uint8_t, 16> address) const noexcept {
    return v6_.lookup(detail::TrieKey::load(address));
  }

  // IPv4 then IPv6, each ascending by address then prefix length (stable output for `wg show`).
  [[nodiscard]] std::vector<IpPrefix> prefixes_of(const Value& value) const {
    std::vector<Place> places = places_of(value);
    std::sort(places.begin(), places.end(), [](const Place& a, const Place& b) {
      return std::tie(a.v6, a.key.words, a.cidr) < std::tie(b.v6, b.key.words, b.cidr);
    });
    std::vector<IpPrefix> out;
    out.reserve(places.size());
    for (const Place& place : places) {
      out.emplace_back(place.key.to_address(place.v6 ? IpFamily::v6 : IpFamily::v4), place.cidr);
    }
    return out;
  }

  // How many prefixes `value` owns.
  [[nodiscard]] std::size_t count_of(const Value& value) const {
    const auto it = owners_.index.find(value);
    return it == owners_.index.end() ? 0 : it->second.size();
  }

  // Trie nodes visited by insert(), remove(), remove_value() and prefixes_of() since the table was
  // made (lookups are not counted): what tests check to show that a change costs in proportion to
  // the prefixes it touches, not to the size of the table.
  [[nodiscard]] std::uint64_t nodes_touched() const noexcept { return owners_.nodes_touched; }

  [[nodiscard]] std::size_t size() const noexcept { return v4_.size + v6_.size; }
  // Trie nodes in use (stored prefixes plus branch points), at most 2 * size(): memory follows the
  // number of stored prefixes, however they were inserted and removed.
  [[nodiscard]] std::size_t node_count() const noexcept {
    return Trie::count_nodes(v4_.root) + Trie::count_nodes(v6_.root);
  }

  void clear() noexcept {
    v4_ = Trie{IpFamily::v4};
    v6_ = Trie{IpFamily::v6};
    owners_.index.clear();
  }

 private:
  // A stored prefix (`value` set) or a branch point where two subtrees diverge (`value` empty,
  // always two children). `key` has host bits cleared; child[b] holds keys whose bit `cidr` is b.
  // A node with a value keeps its address until the value goes (restructuring moves the owning
  // pointers, not the nodes), so the owners' lists can point at it.
  struct Node {
    detail::TrieKey key;
    std::uint8_t cidr;
    bool v6;
    std::uint32_t owner_slot = 0;  // its place in the list of its value's nodes, while it has one
    std::optional<Value> value;
    std::array<std::unique_ptr<Node>, 2> child{};
  };
  using Slot = std::unique_ptr<Node>;

  // Where a stored prefix is, copied out of its node.
  struct Place {
    detail::TrieKey key;
    std::uint8_t cidr;
    bool v6;
  };

  // Each value's nodes, in no order; a node leaves its list by swapping with the last one.
  struct Owners {
    std::unordered_map<Value, std::vector<Node*>> index;
    mutable std::uint64_t nodes_touched = 0;

    void attach(Node& node, Value value) {
      std::vector<Node*>& list = index[value];
      node.owner_slot = static_cast<std::uint32_t>(list.size());
      list.push_back(&node);
      node.value = std::move(value);
    }

    void detach(Node& node) {
      const auto it = index.find(*node.value);
      std::vector<Node*>& list = it->second;
      Node* last = list.back();
      list[node.owner_slot] = last;
      last->owner_slot = node.owner_slot;
      list.pop_back();
      if (list.empty()) index.erase(it);
      node.value.reset();
    }
  };

  // Where `value`'s prefixes are, in no order.
  [[nodiscard]] std::vector<Place> places_of(const Value& value) const {
    const auto it = owners_.index.find(value);
    if (it == owners_.index.end()) return {};
    std::vector<Place> places;
    places.reserve(it->second.size());
    for (const Node* node : it->second) places.push_back(Place{node->key, node->cidr, node->v6});
    owners_.nodes_touched += places.size();
    return places;
  }

  struct Trie {
    IpFamily family;
    Slot root{};
    std::size_t size = 0;

    [[nodiscard]] unsigned max_cidr() const noexcept { return family == IpFamily::v4 ? 32 : 128; }

    [[nodiscard]] bool v6() const noexcept { return family == IpFamily::v6; }

    void insert(const detail::TrieKey& key, unsigned cidr, Value value, Owners& owners) {
      // Descend through nodes whose prefix covers the new one.
      Slot* slot = &root;
      while (*slot && (*slot)->cidr <= cidr && key.matches((*slot)->key, (*slot)->cidr)) {
        Node& node = **slot;
        ++owners.nodes_touched;
        if (node.cidr == cidr) {
          if (node.value && *node.value == value) return;
          if (node.value) {
            owners.detach(node);
          } else {
            ++size;
          }
          owners.attach(node, std::move(value));
          return;
        }
        slot = &node.child[key.bit(node.cidr)];
      }
      auto fresh = std::make_unique<Node>(Node{key, static_cast<std::uint8_t>(cidr), v6(), 0, std::nullopt});
      owners.attach(*fresh, std::move(value));
      ++size;
      if (!*slot) {
        *slot = std::move(fresh);
        return;
      }
      // The occupant is not inside a covering prefix: either the new prefix covers it, or the two
      // diverge at `split` and need a branch node there.
      const unsigned split = std::min(key.common_prefix((*slot)->key), cidr);
      if (split == cidr) {
        fresh->child[(*slot)->key.bit(cidr)] = std::move(*slot);
        *slot = std::move(fresh);
        return;
      }
      auto branch =
          std::make_unique<Node>(Node{key.masked(split), static_cast<std::uint8_t>(split), v6(), 0, std::nullopt});
      const unsigned side = key.bit(split);
      branch->child[side] = std::move(fresh);
      branch->child[1 - side] = std::move(*slot);
      *slot = std::move(branch);
    }

    bool remove(const detail::TrieKey& key, unsigned cidr, Owners& owners) {
      Slot* parent = nullptr;
      Slot* slot = &root;
      while (*slot && (*slot)->cidr < cidr && key.matches((*slot)->key, (*slot)->cidr)) {
        ++owners.nodes_touched;
        parent = slot;
        slot = &(*slot)->child[key.bit((*slot)->cidr)];
      }
      if (!*slot || (*slot)->cidr != cidr || (*slot)->key.words != key.words || !(*slot)->value) return false;
      ++owners.nodes_touched;
      owners.detach(**slot);
      --size;
      collapse(*slot);
      // The parent may have lost a child; nodes further up keep theirs.
      if (parent) collapse(*parent);
      return true;
    }

    [[nodiscard]] std::optional<Value> lookup(const detail::TrieKey& key) const noexcept {
      const std::optional<Value>* best = nullptr;
      const Node* node = root.get();
      while (node && key.matches(node->key, node->cidr)) {
        if (node->value) best = &node->value;
        if (node->cidr == max_cidr()) break;
        node = node->child[key.bit(node->cidr)].get();
      }
      if (!best) return std::nullopt;
      return *best;
    }

    // A node without a value is only worth keeping as a branch point of two subtrees.
    static void collapse(Slot& slot) {
      if (slot->value || (slot->child[0] && slot->child[1])) return;
      Slot survivor = std::move(slot->child[slot->child[0] ? 0 : 1]);
      slot = std::move(survivor);
    }

    static std::size_t count_nodes(const Slot& slot) noexcept {
      return slot ? 1 + count_nodes(slot->child[0]) + count_nodes(slot->child[1]) : 0;
    }
  };

  [[nodiscard]] Trie& trie(IpFamily family) noexcept { return family == IpFamily::v4 ? v4_ : v6_; }
  [[nodiscard]] const Trie& trie(IpFamily family) const noexcept { return family == IpFamily::v4 ? v4_ : v6_; }

  Trie v4_{IpFamily::v4};
  Trie v6_{IpFamily::v6};
  Owners owners_;
};

}  // namespace sluice::tunnel
