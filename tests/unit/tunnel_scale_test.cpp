// What one peer's change costs with 100,000 peers, counted rather than timed: trie nodes visited
// by the allowed-IPs table, and entries compared by the peer lookups (by key and by receiver
// index). A scan of the whole table per peer would show here as counts in the hundreds of
// thousands; each bound below is about one descent of the trie (at most 129 nodes per family).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "crypto/random.hpp"
#include "crypto/x25519.hpp"
#include "tests/common/tunnel_test_support.hpp"
#include "tunnel/allowed_ips.hpp"
#include "tunnel/device.hpp"

using namespace sluice;
using namespace sluice::tunnel;
using namespace std::chrono_literals;

namespace {

constexpr int kPeers = 100000;
// One descent of a trie, IPv6 being the deeper: a node per stored prefix length on the path.
constexpr std::uint64_t kDescent = 129;

// Peer i's two prefixes, as the net test and issue 18 have them: an IPv4 /25 and an IPv6 /64.
std::vector<IpPrefix> prefixes_of_peer(int i) {
  const auto n = static_cast<unsigned>(i);
  const std::array<std::uint8_t, 4> v4{10, static_cast<std::uint8_t>(n >> 9), static_cast<std::uint8_t>(n >> 1),
                                       static_cast<std::uint8_t>(128 * (n & 1))};
  std::array<std::uint8_t, 16> v6{0xfd, 0x00, 0x00, 0x5c};
  v6[4] = static_cast<std::uint8_t>(n >> 24);
  v6[5] = static_cast<std::uint8_t>(n >> 16);
  v6[6] = static_cast<std::uint8_t>(n >> 8);
  v6[7] = static_cast<std::uint8_t>(n);
  return {IpPrefix(IpAddress::v4(v4), 25), IpPrefix(IpAddress::v6(v6), 64)};
}

crypto::PublicKey random_public_key() {
  crypto::PublicKey key;
  crypto::random_bytes(key.bytes);
  return key;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tunnel_scale)

BOOST_AUTO_TEST_CASE(one_value_costs_its_own_prefixes_not_the_table) {
  AllowedIps<int> table;
  for (int i = 0; i < kPeers; ++i) {
    for (const IpPrefix& prefix : prefixes_of_peer(i)) table.insert(prefix, i);
  }
  BOOST_TEST(table.size() == 2u * kPeers);

  // Listing one value's prefixes visits exactly its own nodes.
  std::uint64_t before = table.nodes_touched();
  const std::vector<IpPrefix> listed = table.prefixes_of(4242);
  BOOST_TEST(table.nodes_touched() - before == 2u);
  const std::vector<IpPrefix> expected = prefixes_of_peer(4242);
  BOOST_TEST(listed.size() == expected.size());
  BOOST_TEST((listed == expected));

  // Listing every value's prefixes (a `wg show` dump) visits each stored prefix once.
  before = table.nodes_touched();
  std::size_t total = 0;
  for (int i = 0; i < kPeers; ++i) total += table.prefixes_of(i).size();
  BOOST_TEST(total == 2u * kPeers);
  BOOST_TEST(table.nodes_touched() - before == 2u * kPeers);

  // Removing one value: a descent per prefix it had.
  before = table.nodes_touched();
  table.remove_value(777);
  BOOST_TEST(table.nodes_touched() - before <= 2 * kDescent);
  BOOST_TEST(table.count_of(777) == 0u);
  BOOST_TEST(table.size() == 2u * kPeers - 2);
  BOOST_TEST(!table.lookup(prefixes_of_peer(777)[0].address()).has_value());
  BOOST_TEST(table.lookup(prefixes_of_peer(778)[0].address()).value_or(-1) == 778);

  // Moving one prefix to another value: one descent, and the old owner no longer lists it.
  before = table.nodes_touched();
  table.insert(prefixes_of_peer(5)[0], 6);
  BOOST_TEST(table.nodes_touched() - before <= kDescent);
  BOOST_TEST(table.count_of(5) == 1u);
  BOOST_TEST(table.count_of(6) == 3u);
  BOOST_TEST(table.node_count() <= 2 * table.size());
}

BOOST_AUTO_TEST_CASE(peer_lookups_by_key_and_index_cost_the_same_at_100k_peers) {
  tunnel::Device device([] { return std::chrono::nanoseconds(1'700'000'000s); });
  device.set_private_key(crypto::generate_private_key());
  std::vector<crypto::PublicKey> keys;
  keys.reserve(kPeers);
  for (int i = 0; i < kPeers; ++i) {
    keys.push_back(random_public_key());
    BOOST_REQUIRE(device.add_peer(keys.back()) != nullptr);
  }
  BOOST_TEST(device.peers().size() == static_cast<std::size_t>(kPeers));

  // A lookup by key compares the entries of one hash chain: a handful, however many peers.
  std::size_t longest = 0;
  std::size_t sum = 0;
  for (const crypto::PublicKey& key : keys) {
    const std::size_t cost = device.lookup_cost(key);
    longest = std::max(longest, cost);
    sum += cost;
  }
  BOOST_TEST(longest <= 10u);
  BOOST_TEST(static_cast<double>(sum) / kPeers < 2.5);

  // Receiver indices: handshakes started with 2,000 of the peers register 2,000 indices.
  test::RecordingSink sink;
  for (int i = 0; i < 2000; ++i) {
    tunnel::Peer* peer = device.find_peer(keys[static_cast<std::size_t>(i) * 50]);
    peer->set_endpoint(test::endpoint(2, 51820));
    device.initiate_handshake(*peer, tunnel::Instant{1000s}, sink);
  }
  const std::vector<std::uint32_t> indices = device.receiver_indices();
  BOOST_TEST(indices.size() == 2000u);
  longest = 0;
  for (const std::uint32_t index : indices) longest = std::max(longest, device.lookup_cost(index));
  BOOST_TEST(longest <= 10u);

  // Removing one peer moves at most one other (the last, into its place) and keeps the rest.
  const tunnel::Peer* last = device.peers().back().get();
  const tunnel::Peer* first = device.peers().front().get();
  BOOST_TEST(device.remove_peer(keys[12345]));
  BOOST_TEST(device.find_peer(keys[12345]) == nullptr);
  BOOST_TEST(device.peers().size() == static_cast<std::size_t>(kPeers - 1));
  BOOST_TEST(device.peers()[12345].get() == last);
  BOOST_TEST(device.peers().front().get() == first);
  BOOST_TEST(device.find_peer(keys[kPeers - 1]) == last);
}

BOOST_AUTO_TEST_SUITE_END()
