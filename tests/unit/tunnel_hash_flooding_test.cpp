// Tables keyed by what peers send (learned MACs, handshake source addresses) must not let a
// sender pick keys that share a bucket. Keys that the old, public hashes put into one bucket
// (MACs as 48-bit integers, FNV-1a of IP addresses) must spread like random ones.
#include <algorithm>
#include <array>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "tunnel/ethernet.hpp"
#include "tunnel/ip_address.hpp"

using namespace sluice::tunnel;

namespace {

// A prime the table keeps as its bucket count once asked for it (libstdc++'s prime list).
constexpr std::size_t kBuckets = 1031;
constexpr std::size_t kKeys = 2048;

// The size of the fullest bucket once `keys` are in a table of kBuckets buckets.
template <typename Key>
std::size_t fullest_bucket(const std::vector<Key>& keys) {
  std::unordered_set<Key> table;
  table.max_load_factor(1e6f);
  table.rehash(kBuckets);
  BOOST_REQUIRE_EQUAL(table.bucket_count(), kBuckets);
  table.insert(keys.begin(), keys.end());
  BOOST_REQUIRE_EQUAL(table.size(), keys.size());
  std::size_t fullest = 0;
  for (std::size_t b = 0; b < table.bucket_count(); ++b) fullest = std::max(fullest, table.bucket_size(b));
  return fullest;
}

// About 2 keys per bucket on average; random keys leave the fullest with well under 16.
constexpr std::size_t kFullestAllowed = 16;

std::uint64_t fnv1a(const IpAddress& address) {
  std::uint64_t state = 0xcbf29ce484222325u;
  const auto mix = [&state](std::uint8_t byte) { state = (state ^ byte) * 0x100000001b3u; };
  mix(static_cast<std::uint8_t>(address.family()));
  for (const std::uint8_t byte : address.bytes()) mix(byte);
  return state;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tunnel_hash_flooding)

BOOST_AUTO_TEST_CASE(macs_chosen_as_multiples_of_the_bucket_count_spread_out) {
  std::vector<MacAddress> macs;
  for (std::uint64_t i = 1; i <= kKeys; ++i) {
    const std::uint64_t value = i * kBuckets;
    MacAddress mac;
    for (std::size_t b = 0; b < 6; ++b) mac.bytes[b] = static_cast<std::uint8_t>(value >> (8 * (5 - b)));
    mac.bytes[0] &= 0xfe;  // unicast, as learned entries are
    macs.push_back(mac);
  }
  BOOST_TEST(fullest_bucket(macs) <= kFullestAllowed);
}

BOOST_AUTO_TEST_CASE(addresses_that_collide_under_fnv_spread_out) {
  std::vector<IpAddress> addresses;
  for (std::uint32_t i = 0; addresses.size() < kKeys; ++i) {
    BOOST_REQUIRE(i < (1U << 24));
    const std::array<std::uint8_t, 4> bytes{10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                                            static_cast<std::uint8_t>(i)};
    const IpAddress address = IpAddress::v4(bytes);
    if (fnv1a(address) % kBuckets == 0) addresses.push_back(address);
  }
  BOOST_TEST(fullest_bucket(addresses) <= kFullestAllowed);
}

BOOST_AUTO_TEST_CASE(equal_keys_hash_equally_within_a_process) {
  const auto a = MacAddress::parse("52:54:00:12:34:56").value();
  BOOST_TEST(std::hash<MacAddress>{}(a) == std::hash<MacAddress>{}(MacAddress::parse("52-54-00-12-34-56").value()));
  BOOST_TEST(std::hash<IpAddress>{}(IpAddress::parse("fd00::1")) ==
             std::hash<IpAddress>{}(IpAddress::parse("fd00::1")));
  BOOST_TEST(std::hash<IpAddress>{}(IpAddress::parse("1.2.3.4")) !=
             std::hash<IpAddress>{}(IpAddress::parse("1.2.3.5")));
}

BOOST_AUTO_TEST_SUITE_END()
