// Endpoints to socket addresses and back.
#include <boost/test/unit_test.hpp>

#include <netinet/in.h>

#include "platform/socket_address.hpp"

using sluice::platform::from_sockaddr;
using sluice::platform::to_sockaddr;
using sluice::tunnel::Endpoint;
using sluice::tunnel::IpAddress;

BOOST_AUTO_TEST_SUITE(daemon_socket_address)

BOOST_AUTO_TEST_CASE(both_families_round_trip) {
  const std::uint8_t v4[4] = {192, 0, 2, 7};
  std::uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
  v6[15] = 9;
  for (const Endpoint& endpoint : {Endpoint(IpAddress::v4(v4), 51820), Endpoint(IpAddress::v6(v6), 1)}) {
    sockaddr_storage storage;
    const socklen_t length = to_sockaddr(endpoint.address, endpoint.port, storage);
    BOOST_TEST(length == (endpoint.address.is_v4() ? sizeof(sockaddr_in) : sizeof(sockaddr_in6)));
    const auto back = from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), length);
    BOOST_TEST((back && *back == endpoint), endpoint.to_string());
    BOOST_TEST(!from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), length - 1).has_value());
  }
  sockaddr_storage storage;
  to_sockaddr(IpAddress::v4(v4), 0x1234, storage);
  BOOST_TEST(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port == htons(0x1234));
}

BOOST_AUTO_TEST_CASE(other_families_are_nothing) {
  sockaddr_storage storage{};
  storage.ss_family = AF_UNIX;
  BOOST_TEST(!from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), sizeof storage).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
