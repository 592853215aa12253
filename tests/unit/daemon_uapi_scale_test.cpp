// The control protocol with 100,000 peers, counted rather than timed: a set that changes one peer
// touches that peer's prefixes only, and a get is written a slice of peers at a time, each peer
// and prefix listed once.
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "crypto/key_encoding.hpp"
#include "crypto/random.hpp"
#include "crypto/x25519.hpp"
#include "daemon/uapi.hpp"
#include "daemon/uapi_answer.hpp"
#include "tests/common/fake_uapi_target.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

constexpr int kPeers = 100000;
constexpr std::uint64_t kDescent = 129;  // nodes one trie descent visits at most

std::string hex_key(const crypto::PublicKey& key) { return crypto::encode_hex_key(key.span()); }

std::string hex(unsigned n) {
  std::array<char, 16> text{};
  std::snprintf(text.data(), text.size(), "%x", n);
  return text.data();
}

std::size_t count(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// What `wg setconf` sends for kPeers peers, each with an endpoint, an IPv4 /25 and an IPv6 /64.
struct ManyPeers {
  tunnel::Device device{[] { return std::chrono::nanoseconds(1'700'000'000s); }};
  test::FakeUapiTarget target{device};
  std::vector<crypto::PublicKey> keys;

  ManyPeers() {
    std::string request = "set=1\nprivate_key=" + crypto::encode_hex_key(crypto::generate_private_key().span()) +
                          "\nreplace_peers=true\n";
    request.reserve(std::size_t{kPeers} * 240);
    for (int i = 0; i < kPeers; ++i) {
      crypto::PublicKey key;
      crypto::random_bytes(key.bytes);
      keys.push_back(key);
      const auto n = static_cast<unsigned>(i);
      request += "public_key=" + hex_key(key) + "\nendpoint=127.1." + std::to_string((n >> 8) & 255) + "." +
                 std::to_string(n & 255) + ":20000\nreplace_allowed_ips=true\nallowed_ip=10." + std::to_string(n >> 9) +
                 "." + std::to_string((n >> 1) & 255) + "." + std::to_string(128 * (n & 1)) +
                 "/25\nallowed_ip=fd00:5c:" + hex(n >> 16) + ":" + hex(n & 0xffff) + "::/64\n";
    }
    request += "\n";
    BOOST_REQUIRE_EQUAL(daemon::handle_request(request, target), "errno=0\n\n");
    BOOST_REQUIRE_EQUAL(target.device().peers().size(), static_cast<std::size_t>(kPeers));
  }

  [[nodiscard]] std::uint64_t touched() { return target.device().allowed_ips().nodes_touched(); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_uapi_scale)

BOOST_AUTO_TEST_CASE(a_set_of_one_peer_touches_that_peer_only) {
  ManyPeers many;
  tunnel::Device& device = many.target.device();
  const std::size_t prefixes = device.allowed_ips().size();
  BOOST_TEST(prefixes == 2u * kPeers);

  // What `wg set IF peer K allowed-ips A` sends: that peer's two prefixes go, one comes.
  std::uint64_t before = many.touched();
  const std::string change = "set=1\npublic_key=" + hex_key(many.keys[31337]) +
                             "\nupdate_only=true\nreplace_allowed_ips=true\nallowed_ip=192.168.77.0/24\n\n";
  BOOST_TEST(daemon::handle_request(change, many.target) == "errno=0\n\n");
  BOOST_TEST(many.touched() - before <= 3 * kDescent);
  tunnel::Peer* changed = device.find_peer(many.keys[31337]);
  BOOST_TEST(device.allowed_ips().prefixes_of(changed).size() == 1u);
  BOOST_TEST(device.allowed_ips().size() == prefixes - 1);
  BOOST_TEST(device.allowed_ips().count_of(device.find_peer(many.keys[31338])) == 2u);

  // What `wg set IF peer K remove` sends: one peer goes, with its one prefix.
  before = many.touched();
  const std::string removal = "set=1\npublic_key=" + hex_key(many.keys[4242]) + "\nremove=true\n\n";
  BOOST_TEST(daemon::handle_request(removal, many.target) == "errno=0\n\n");
  BOOST_TEST(many.touched() - before <= 2 * kDescent);
  BOOST_TEST(device.find_peer(many.keys[4242]) == nullptr);
  BOOST_TEST(device.peers().size() == static_cast<std::size_t>(kPeers - 1));
  BOOST_TEST(device.allowed_ips().size() == prefixes - 3);
}

BOOST_AUTO_TEST_CASE(a_syncconf_restating_every_peer_rebuilds_only_the_changed_one) {
  ManyPeers many;
  tunnel::Device& device = many.target.device();
  // What `wg syncconf` sends for a file with one peer's prefixes changed: every peer, each with
  // replace_allowed_ips and its prefixes; the same sections as the setconf, but for one.
  std::string request = "set=1\n";
  request.reserve(std::size_t{kPeers} * 240);
  for (int i = 0; i < kPeers; ++i) {
    tunnel::Peer* peer = device.find_peer(many.keys[static_cast<std::size_t>(i)]);
    request += "public_key=" + hex_key(many.keys[static_cast<std::size_t>(i)]) + "\nreplace_allowed_ips=true\n";
    if (i == 999) {
      request += "allowed_ip=192.168.77.0/24\n";
      continue;
    }
    for (const tunnel::IpPrefix& prefix : device.allowed_ips().prefixes_of(peer)) {
      request += "allowed_ip=" + prefix.to_string() + "\n";
    }
  }
  request += "\n";
  const std::size_t nodes = device.allowed_ips().node_count();
  const std::uint64_t before = many.touched();
  BOOST_TEST(daemon::handle_request(request, many.target) == "errno=0\n\n");
  // Each unchanged peer's prefixes are read once (2 per peer) and left alone; only peer 999's are
  // removed and replaced.
  BOOST_TEST(many.touched() - before <= 2u * kPeers + 3 * kDescent);
  BOOST_TEST(device.allowed_ips().size() == 2u * kPeers - 1);
  BOOST_TEST(device.allowed_ips().node_count() <= nodes);
  BOOST_TEST(device.allowed_ips().prefixes_of(device.find_peer(many.keys[999])).size() == 1u);
  BOOST_TEST(device.allowed_ips().prefixes_of(device.find_peer(many.keys[998])).size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_get_is_written_in_slices_listing_each_prefix_once) {
  ManyPeers many;
  tunnel::Device& device = many.target.device();
  const std::uint64_t before = many.touched();
  const auto answer = daemon::start_request("get=1\n\n", many.target);
  std::string whole;
  std::size_t parts = 0;
  for (bool more = true; more; ++parts) {
    std::string part;
    part.reserve(daemon::kControlPartBytes);
    more = answer->next(part);
    // No part outgrew the room it was given (a grown string would leave keys in freed memory).
    BOOST_TEST(part.capacity() == daemon::kControlPartBytes);
    whole += part;
    // A peer removed while the answer is being written is left out of the slices still to come.
    if (parts == 0) BOOST_REQUIRE(device.remove_peer(many.keys[kPeers - 1]));
  }
  BOOST_TEST(parts >= static_cast<std::size_t>(kPeers) / daemon::PeerSlicesAnswer::kPeersPerPart);
  BOOST_TEST(count(whole, "public_key=") == static_cast<std::size_t>(kPeers - 1));
  BOOST_TEST(count(whole, "allowed_ip=") == 2u * (kPeers - 1));
  BOOST_TEST(whole.find(hex_key(many.keys[kPeers - 1])) == std::string::npos);
  BOOST_TEST(whole.starts_with("private_key="));
  BOOST_TEST(whole.ends_with("errno=0\n\n"));
  // Each prefix read once (the removal touched two), never the whole trie per peer.
  BOOST_TEST(many.touched() - before <= 2u * kPeers + 2 * kDescent);
}

BOOST_AUTO_TEST_SUITE_END()
