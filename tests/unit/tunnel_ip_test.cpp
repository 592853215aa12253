#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tunnel/ip_address.hpp"
#include "tunnel/ip_packet.hpp"

using sluice::tunnel::IpAddress;
using sluice::tunnel::IpFamily;
using sluice::tunnel::IpPacketStatus;
using sluice::tunnel::IpPrefix;
using sluice::tunnel::parse_ip_packet;

namespace {

// The exception's message, or "" if `text` parsed.
std::string prefix_error(const std::string& text) {
  try {
    (void)IpPrefix::parse(text);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A 20-byte IPv4 header 10.0.0.1 -> 10.0.0.2 stating `total_length`, in a buffer of `buffer_size`.
std::vector<std::uint8_t> ipv4_packet(std::size_t buffer_size, std::uint16_t total_length) {
  std::vector<std::uint8_t> packet(buffer_size);
  packet[0] = 0x45;
  packet[2] = static_cast<std::uint8_t>(total_length >> 8);
  packet[3] = static_cast<std::uint8_t>(total_length);
  const std::array<std::uint8_t, 8> addresses{10, 0, 0, 1, 10, 0, 0, 2};
  std::copy(addresses.begin(), addresses.end(), packet.begin() + 12);
  return packet;
}

// A 40-byte IPv6 header fd00::1 -> fd00::2 stating `payload_length`, in a buffer of `buffer_size`.
std::vector<std::uint8_t> ipv6_packet(std::size_t buffer_size, std::uint16_t payload_length) {
  std::vector<std::uint8_t> packet(buffer_size);
  packet[0] = 0x60;
  packet[4] = static_cast<std::uint8_t>(payload_length >> 8);
  packet[5] = static_cast<std::uint8_t>(payload_length);
  packet[8] = packet[24] = 0xfd;
  packet[23] = 1;
  packet[39] = 2;
  return packet;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tunnel_ip)

BOOST_AUTO_TEST_CASE(parses_and_formats_addresses) {
  const IpAddress v4 = IpAddress::parse("192.168.1.20");
  BOOST_TEST(v4.is_v4());
  BOOST_TEST(v4.bit_length() == 32u);
  BOOST_TEST(v4.bytes().size() == 4u);
  BOOST_TEST(v4.bytes()[0] == 192);
  BOOST_TEST(v4.to_string() == "192.168.1.20");

  const IpAddress v6 = IpAddress::parse("FD00:0:0::1");
  BOOST_TEST(!v6.is_v4());
  BOOST_TEST(v6.bit_length() == 128u);
  BOOST_TEST(v6.bytes().size() == 16u);
  BOOST_TEST(v6.to_string() == "fd00::1");
  BOOST_TEST((IpAddress::parse("::ffff:1.2.3.4").family() == IpFamily::v6));
}

BOOST_AUTO_TEST_CASE(builds_addresses_from_raw_bytes) {
  const std::array<std::uint8_t, 4> four{10, 1, 2, 3};
  BOOST_TEST(IpAddress::v4(four).to_string() == "10.1.2.3");
  BOOST_TEST((IpAddress::from_bytes(std::span<const std::uint8_t>(four)) == IpAddress::parse("10.1.2.3")));

  std::array<std::uint8_t, 16> sixteen{};
  sixteen[0] = 0x20;
  sixteen[1] = 0x01;
  sixteen[15] = 7;
  BOOST_TEST(IpAddress::v6(sixteen).to_string() == "2001::7");
  BOOST_TEST((IpAddress::from_bytes(std::span<const std::uint8_t>(sixteen)) == IpAddress::parse("2001::7")));

  const std::array<std::uint8_t, 5> five{};
  BOOST_CHECK_THROW((void)IpAddress::from_bytes(five), std::invalid_argument);
  BOOST_CHECK_THROW((void)IpAddress::from_bytes({}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(equality_and_hash_respect_the_family) {
  // Same leading bytes, different family: IPv4 storage must not alias an IPv6 address.
  const IpAddress v4 = IpAddress::parse("1.2.3.4");
  const IpAddress v6 = IpAddress::parse("102:304::");
  BOOST_TEST((v4 != v6));
  BOOST_TEST((v4 == IpAddress::parse("1.2.3.4")));

  const std::unordered_set<IpAddress> set{v4, v6, IpAddress::parse("1.2.3.4")};
  BOOST_TEST(set.size() == 2u);
  BOOST_TEST(set.count(IpAddress::parse("102:304::0")) == 1u);
}

BOOST_AUTO_TEST_CASE(parses_prefixes) {
  const IpPrefix eight = IpPrefix::parse("10.0.0.0/8");
  BOOST_TEST(eight.address().to_string() == "10.0.0.0");
  BOOST_TEST(eight.cidr() == 8u);
  BOOST_TEST(eight.to_string() == "10.0.0.0/8");

  BOOST_TEST(IpPrefix::parse("fd00::/64").to_string() == "fd00::/64");
  BOOST_TEST(IpPrefix::parse("10.1.2.3").cidr() == 32u);
  BOOST_TEST(IpPrefix::parse("fd00::1").cidr() == 128u);
  BOOST_TEST(IpPrefix::parse("0.0.0.0/0").cidr() == 0u);
  BOOST_TEST(IpPrefix::parse("::/0").to_string() == "::/0");
  BOOST_TEST(IpPrefix::parse("10.0.0.0/032").cidr() == 32u);
  // Host bits are kept by parsing, like `wg set` input, and cleared by masked().
  BOOST_TEST(IpPrefix::parse("10.1.2.3/8").to_string() == "10.1.2.3/8");
}

BOOST_AUTO_TEST_CASE(rejects_bad_prefixes_with_clear_messages) {
  BOOST_TEST(contains(prefix_error("10.0.0.0/33"), "prefix length 33 is out of range for IPv4"));
  BOOST_TEST(contains(prefix_error("fd00::/129"), "prefix length 129 is out of range for IPv6"));
  BOOST_TEST(contains(prefix_error("10.0.0.0/99999999999999999999"), "out of range for IPv4"));
  BOOST_TEST(prefix_error("10.0.0.300") == "'10.0.0.300' is not an IPv4 or IPv6 address");
  BOOST_TEST(prefix_error("10.0.0.300/8") == "'10.0.0.300' is not an IPv4 or IPv6 address");

  for (const std::string bad_length : {"", "abc", "-1", "+8", " 8", "8 ", "8/8", "0x8"}) {
    BOOST_TEST_CONTEXT("length '" << bad_length << "'") {
      BOOST_TEST(contains(prefix_error("10.0.0.0/" + bad_length), "is not a prefix length"));
    }
  }
  for (const std::string bad_address :
       {"", "/8", "10.0.0", "010.0.0.1", " 10.0.0.1", "10.0.0.1 ", "1::2::3", "fe80::1%eth0", "host.example"}) {
    BOOST_TEST_CONTEXT("address '" << bad_address << "'") {
      BOOST_TEST(contains(prefix_error(bad_address), "is not an IPv4 or IPv6 address"));
    }
  }
  // An embedded NUL must not let "10.0.0.1" through with trailing garbage, nor cut the message short.
  BOOST_TEST(prefix_error(std::string("10.0.0.1\0junk", 13)) == "'10.0.0.1\\x00junk' is not an IPv4 or IPv6 address");

  BOOST_CHECK_THROW(IpPrefix(IpAddress::parse("10.0.0.0"), 33), std::invalid_argument);
  BOOST_CHECK_THROW(IpPrefix(IpAddress::parse("::"), 129), std::invalid_argument);
  BOOST_CHECK_NO_THROW(IpPrefix(IpAddress::parse("::"), 128));
}

BOOST_AUTO_TEST_CASE(masked_clears_host_bits) {
  BOOST_TEST(IpPrefix::parse("10.1.2.3/8").masked().to_string() == "10.0.0.0/8");
  BOOST_TEST(IpPrefix::parse("10.1.2.3/0").masked().to_string() == "0.0.0.0/0");
  BOOST_TEST(IpPrefix::parse("10.1.2.3/32").masked().to_string() == "10.1.2.3/32");
  BOOST_TEST(IpPrefix::parse("10.1.255.3/20").masked().to_string() == "10.1.240.0/20");
  BOOST_TEST(IpPrefix::parse("fd00:1:2:3:ffff::1/57").masked().to_string() == "fd00:1:2::/57");
  BOOST_TEST(IpPrefix::parse("fd00::1/128").masked().to_string() == "fd00::1/128");
  BOOST_TEST(IpPrefix::parse("ffff::1/0").masked().to_string() == "::/0");
}

BOOST_AUTO_TEST_CASE(prefix_contains_only_its_family) {
  const IpPrefix net = IpPrefix::parse("10.1.0.0/16");
  BOOST_TEST(net.contains(IpAddress::parse("10.1.255.255")));
  BOOST_TEST(!net.contains(IpAddress::parse("10.2.0.0")));
  BOOST_TEST(!net.contains(IpAddress::parse("a01::")));
  BOOST_TEST(IpPrefix::parse("::/0").contains(IpAddress::parse("::ffff:10.1.0.1")));
  BOOST_TEST(!IpPrefix::parse("::/0").contains(IpAddress::parse("10.1.0.1")));
}

BOOST_AUTO_TEST_CASE(parses_ipv4_header_and_ignores_padding) {
  const auto packet = ipv4_packet(48, 37);  // 37 bytes of packet, 11 bytes of padding
  const auto parsed = parse_ip_packet(packet);
  BOOST_REQUIRE(parsed.status == IpPacketStatus::ok);
  BOOST_TEST(parsed.packet.version == 4u);
  BOOST_TEST(parsed.packet.total_length == 37u);
  BOOST_TEST(parsed.packet.source_address().to_string() == "10.0.0.1");
  BOOST_TEST(parsed.packet.destination_address().to_string() == "10.0.0.2");
  BOOST_TEST(parsed.packet.source.data() == packet.data() + 12);
  BOOST_TEST(parsed.packet.destination.size() == 4u);
}

BOOST_AUTO_TEST_CASE(parses_ipv4_header_with_options) {
  auto packet = ipv4_packet(60, 60);
  packet[0] = 0x4f;  // 60-byte header
  BOOST_TEST((parse_ip_packet(packet).status == IpPacketStatus::ok));
  packet[2] = 0;
  packet[3] = 59;  // total below the stated header
  BOOST_TEST((parse_ip_packet(packet).status == IpPacketStatus::length_mismatch));
  packet[3] = 60;
  BOOST_TEST((parse_ip_packet(std::span(packet).first(40)).status == IpPacketStatus::too_short));
}

BOOST_AUTO_TEST_CASE(parses_ipv6_header) {
  const auto packet = ipv6_packet(64, 8);
  const auto parsed = parse_ip_packet(packet);
  BOOST_REQUIRE(parsed.status == IpPacketStatus::ok);
  BOOST_TEST(parsed.packet.version == 6u);
  BOOST_TEST(parsed.packet.total_length == 48u);
  BOOST_TEST(parsed.packet.source_address().to_string() == "fd00::1");
  BOOST_TEST(parsed.packet.destination_address().to_string() == "fd00::2");
  BOOST_TEST(parsed.packet.destination.data() == packet.data() + 24);
}

BOOST_AUTO_TEST_CASE(rejects_malformed_headers) {
  auto v4 = ipv4_packet(40, 40);
  v4[0] = 0x44;
  BOOST_TEST((parse_ip_packet(v4).status == IpPacketStatus::bad_header_length));
  v4[0] = 0x45;
  v4[3] = 41;
  BOOST_TEST((parse_ip_packet(v4).status == IpPacketStatus::length_mismatch));
  v4[3] = 19;
  BOOST_TEST((parse_ip_packet(v4).status == IpPacketStatus::length_mismatch));
  v4[0] = 0x55;
  BOOST_TEST((parse_ip_packet(v4).status == IpPacketStatus::bad_version));

  auto v6 = ipv6_packet(48, 9);
  BOOST_TEST((parse_ip_packet(v6).status == IpPacketStatus::length_mismatch));
  v6[0] = 0x00;
  BOOST_TEST((parse_ip_packet(v6).status == IpPacketStatus::bad_version));

  BOOST_TEST((parse_ip_packet({}).status == IpPacketStatus::too_short));
  BOOST_TEST(to_string(IpPacketStatus::length_mismatch) == "total length does not fit the packet");
}

BOOST_AUTO_TEST_CASE(every_truncation_is_rejected_safely) {
  // Each prefix is copied into its own exact-size buffer so AddressSanitizer sees any over-read.
  const auto full_v4 = ipv4_packet(60, 60);
  const auto full_v6 = ipv6_packet(60, 20);
  for (std::size_t length = 0; length <= 60; ++length) {
    BOOST_TEST_CONTEXT("length " << length) {
      const std::vector<std::uint8_t> v4(full_v4.begin(), full_v4.begin() + static_cast<std::ptrdiff_t>(length));
      const std::vector<std::uint8_t> v6(full_v6.begin(), full_v6.begin() + static_cast<std::ptrdiff_t>(length));
      const auto status_v4 = parse_ip_packet(v4).status;
      const auto status_v6 = parse_ip_packet(v6).status;
      BOOST_TEST((status_v4 == IpPacketStatus::ok) == (length == 60));
      BOOST_TEST((status_v6 == IpPacketStatus::ok) == (length == 60));
      if (length < 20) BOOST_TEST((status_v4 == IpPacketStatus::too_short));
      if (length < 40) BOOST_TEST((status_v6 == IpPacketStatus::too_short));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
