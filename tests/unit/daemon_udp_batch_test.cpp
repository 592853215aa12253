// UDP GSO batches: which datagrams may join, and gathering in the caller's storage.
#include <boost/test/unit_test.hpp>

#include <vector>

#include "daemon/udp_batch.hpp"

using sluice::daemon::UdpBatch;
using sluice::tunnel::Endpoint;
using sluice::tunnel::IpAddress;

namespace {

Endpoint endpoint(std::uint16_t port) {
  const std::uint8_t address[4] = {10, 0, 0, 1};
  return Endpoint{IpAddress::v4(std::span<const std::uint8_t, 4>(address, 4)), port, std::nullopt};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_udp_batch)

BOOST_AUTO_TEST_CASE(equal_datagrams_to_one_endpoint_join_until_a_shorter_one) {
  UdpBatch batch;
  const std::vector<std::uint8_t> full(100, 1), short_one(40, 2);
  BOOST_TEST(batch.fits(endpoint(1), full.size()));
  batch.add(endpoint(1), full, nullptr);
  BOOST_TEST(batch.fits(endpoint(1), full.size()));
  BOOST_TEST(!batch.fits(endpoint(2), full.size()));
  BOOST_TEST(!batch.fits(endpoint(1), 101));
  batch.add(endpoint(1), full, nullptr);
  batch.add(endpoint(1), short_one, nullptr);
  BOOST_TEST(!batch.fits(endpoint(1), 10));
  BOOST_TEST(batch.count() == 3u);
  BOOST_TEST(batch.segment_size() == 100);
  BOOST_TEST(batch.bytes().size() == 240u);
  BOOST_TEST(batch.datagram(2).size() == 40u);
  BOOST_TEST(batch.datagram(2)[0] == 2);
}

BOOST_AUTO_TEST_CASE(a_datagram_built_in_its_room_joins_without_a_copy) {
  UdpBatch batch;
  batch.add(endpoint(1), std::vector<std::uint8_t>(64, 1), nullptr);
  const std::span<std::uint8_t> room = batch.room(64);
  BOOST_TEST(room.data() == batch.bytes().data() + 64);
  std::fill(room.begin(), room.end(), std::uint8_t{9});
  batch.add(endpoint(1), room, nullptr);
  BOOST_TEST(batch.count() == 2u);
  BOOST_TEST(batch.datagram(0)[63] == 1);
  BOOST_TEST(batch.datagram(1)[0] == 9);
  BOOST_TEST(batch.datagram(1)[63] == 9);
}

BOOST_AUTO_TEST_CASE(gathers_in_the_callers_storage) {
  UdpBatch batch;
  std::vector<std::uint8_t> storage(UdpBatch::kMaxBytes);
  batch.set_storage(storage);
  const std::vector<std::uint8_t> datagram(64, 7);
  batch.add(endpoint(1), datagram, nullptr);
  batch.add(endpoint(1), datagram, nullptr);
  BOOST_TEST(batch.bytes().data() == storage.data());
  BOOST_TEST(batch.bytes().size() == 128u);
  BOOST_TEST(storage[127] == 7);

  // Too small, or empty: its own buffer again.
  batch.clear();
  std::vector<std::uint8_t> small(1000);
  batch.set_storage(small);
  batch.add(endpoint(1), datagram, nullptr);
  BOOST_TEST(batch.bytes().data() != small.data());
  BOOST_TEST(batch.bytes().data() != storage.data());
  BOOST_TEST(batch.storage().size() == UdpBatch::kMaxBytes);
}

BOOST_AUTO_TEST_SUITE_END()
