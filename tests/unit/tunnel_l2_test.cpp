// Ethernet headers, VXLAN encapsulation and the forwarding database of L2 segments.
#include <algorithm>
#include <array>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "tunnel/ethernet.hpp"
#include "tunnel/fdb.hpp"
#include "tunnel/vxlan.hpp"

using namespace sluice::tunnel;
using namespace std::chrono_literals;

namespace {

MacAddress mac(const char* text) { return MacAddress::parse(text).value(); }

sluice::crypto::PublicKey key(std::uint8_t fill) {
  sluice::crypto::PublicKey k;
  k.bytes.fill(fill);
  return k;
}

// A buffer with kMaxVxlanHeadroom free bytes, then a frame dst, src, ARP ethertype, `payload` bytes.
std::vector<std::uint8_t> framed(std::size_t payload) {
  std::vector<std::uint8_t> buffer(kMaxVxlanHeadroom + kEthernetHeaderSize + payload);
  const std::array<std::uint8_t, 14> header{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0, 0, 0, 1, 0x08, 0x06};
  std::copy(header.begin(), header.end(), buffer.begin() + kMaxVxlanHeadroom);
  for (std::size_t i = 0; i < payload; ++i)
    buffer[kMaxVxlanHeadroom + kEthernetHeaderSize + i] = static_cast<std::uint8_t>(i);
  return buffer;
}

// The frame of a VXLAN datagram as Linux's vxlan device sends it (captured shape, IPv4, UDP
// checksum 0): 10.10.0.2:54321 -> 10.10.0.1:4789, VNI 100, a 14-byte frame.
std::vector<std::uint8_t> linux_vxlan_v4() {
  std::vector<std::uint8_t> p{0x45, 0x00, 0x00, 0x3e, 0x12, 0x34, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 10,
                              10,   0,    2,    10,   10,   0,    1,    0xd4, 0x31, 0x12, 0xb5, 0x00, 0x2a,
                              0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06, 0,    0,
                              0,    0,    0,    0,    0,    0,    0,    0,    0,    0};
  // The IPv4 header checksum, computed the long way.
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < 20; i += 2) sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  p[10] = static_cast<std::uint8_t>(~sum >> 8);
  p[11] = static_cast<std::uint8_t>(~sum);
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tunnel_l2)

BOOST_AUTO_TEST_CASE(mac_addresses_parse_and_print) {
  BOOST_TEST(mac("52:54:00:AB:cd:0f").to_string() == "52:54:00:ab:cd:0f");
  BOOST_TEST(mac("52-54-00-ab-cd-0f").to_string() == "52:54:00:ab:cd:0f");
  for (const char* bad : {"", "52:54:00:ab:cd", "52:54:00:ab:cd:0g", "52:54-00:ab:cd:0f",
                          "52:54:00:ab:cd:0f:", "5254.00ab.cd0f", "52:54:00:ab:cd:0f0"}) {
    BOOST_TEST(!MacAddress::parse(bad).has_value(), bad);
  }
  BOOST_TEST(mac("ff:ff:ff:ff:ff:ff").is_group());
  BOOST_TEST(mac("01:00:5e:00:00:01").is_group());
  BOOST_TEST(!mac("52:54:00:00:00:01").is_group());
}

BOOST_AUTO_TEST_CASE(ethernet_header) {
  const auto buffer = framed(0);
  const auto frame = std::span(buffer).subspan(kMaxVxlanHeadroom);
  const auto header = parse_ethernet(frame);
  BOOST_REQUIRE(header.has_value());
  BOOST_TEST(header->destination.to_string() == "ff:ff:ff:ff:ff:ff");
  BOOST_TEST(header->source.to_string() == "52:54:00:00:00:01");
  BOOST_TEST(header->ethertype == 0x0806);
  BOOST_TEST(!parse_ethernet(frame.first(13)).has_value());
}

BOOST_AUTO_TEST_CASE(frame_mtu) {
  BOOST_TEST(vxlan_frame_mtu(1420, IpFamily::v4) == 1370u);
  BOOST_TEST(vxlan_frame_mtu(1420, IpFamily::v6) == 1350u);
  BOOST_TEST(vxlan_frame_mtu(40, IpFamily::v4) == 0u);
}

BOOST_AUTO_TEST_CASE(encapsulate_ipv4_round_trip) {
  auto buffer = framed(100);
  const VxlanAddressing a{IpAddress::parse("10.10.0.1"), IpAddress::parse("10.10.0.2"), 0x123456};
  const auto packet = vxlan_encapsulate(buffer, kMaxVxlanHeadroom, kEthernetHeaderSize + 100, a);
  BOOST_TEST(packet.size() == 20u + 8 + 8 + 14 + 100);
  BOOST_TEST(packet[0] == 0x45);
  BOOST_TEST(packet[9] == 17);
  BOOST_TEST((packet[6] & 0x40) != 0, "don't fragment");
  BOOST_TEST((packet[22] << 8 | packet[23]) == 4789);
  BOOST_TEST((packet[20] << 8 | packet[21]) >= 49152);
  BOOST_TEST((packet[26] << 8 | packet[27]) == 0, "IPv4 UDP checksum is zero (RFC 7348)");
  BOOST_TEST(packet[28] == 0x08);
  BOOST_TEST(packet[32] == 0x12);
  BOOST_TEST(packet[33] == 0x34);
  BOOST_TEST(packet[34] == 0x56);
  BOOST_TEST(packet[35] == 0);

  const auto decoded = vxlan_decapsulate(packet);
  BOOST_REQUIRE(decoded.has_value());
  BOOST_TEST(decoded->vni == 0x123456u);
  BOOST_TEST(decoded->source.to_string() == "10.10.0.1");
  BOOST_TEST(decoded->destination.to_string() == "10.10.0.2");
  BOOST_TEST(decoded->frame.size() == 114u);
  BOOST_TEST(decoded->frame.data() == buffer.data() + kMaxVxlanHeadroom);
}

BOOST_AUTO_TEST_CASE(encapsulate_ipv6_round_trip_with_checksum) {
  auto buffer = framed(33);  // odd length: the checksum's last byte is padded
  const VxlanAddressing a{IpAddress::parse("fd00:10::1"), IpAddress::parse("fd00:10::2"), 200};
  const auto packet = vxlan_encapsulate(buffer, kMaxVxlanHeadroom, kEthernetHeaderSize + 33, a);
  BOOST_TEST(packet.size() == 40u + 8 + 8 + 14 + 33);
  BOOST_TEST(packet[0] == 0x60);
  BOOST_TEST(packet[6] == 17);
  BOOST_TEST((packet[46] << 8 | packet[47]) != 0, "IPv6 UDP checksum is computed");
  const auto decoded = vxlan_decapsulate(packet);
  BOOST_REQUIRE(decoded.has_value());
  BOOST_TEST(decoded->vni == 200u);
  BOOST_TEST(decoded->destination.to_string() == "fd00:10::2");
  BOOST_TEST(decoded->frame.size() == 47u);

  // One flipped bit in the frame: the checksum catches it.
  std::vector<std::uint8_t> corrupt(packet.begin(), packet.end());
  corrupt.back() ^= 1;
  BOOST_TEST(!vxlan_decapsulate(corrupt).has_value());
  // A zero checksum (RFC 6935) is accepted.
  corrupt[46] = corrupt[47] = 0;
  BOOST_TEST(vxlan_decapsulate(corrupt).has_value());
}

BOOST_AUTO_TEST_CASE(encapsulate_refuses_bad_arguments) {
  auto buffer = framed(10);
  const VxlanAddressing mixed{IpAddress::parse("10.0.0.1"), IpAddress::parse("fd00::1"), 1};
  BOOST_CHECK_THROW((void)vxlan_encapsulate(buffer, kMaxVxlanHeadroom, 24, mixed), std::invalid_argument);
  const VxlanAddressing big{IpAddress::parse("10.0.0.1"), IpAddress::parse("10.0.0.2"), kMaxVni + 1};
  BOOST_CHECK_THROW((void)vxlan_encapsulate(buffer, kMaxVxlanHeadroom, 24, big), std::invalid_argument);
  const VxlanAddressing ok{IpAddress::parse("10.0.0.1"), IpAddress::parse("10.0.0.2"), 1};
  BOOST_CHECK_THROW((void)vxlan_encapsulate(buffer, 10, 24, ok), std::invalid_argument);
  BOOST_CHECK_THROW((void)vxlan_encapsulate(buffer, kMaxVxlanHeadroom, 25, ok), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(decapsulates_what_linux_sends) {
  const auto packet = linux_vxlan_v4();
  const auto decoded = vxlan_decapsulate(packet);
  BOOST_REQUIRE(decoded.has_value());
  BOOST_TEST(decoded->vni == 100u);
  BOOST_TEST(decoded->source.to_string() == "10.10.0.2");
  BOOST_TEST(decoded->frame.size() == 26u);
  BOOST_TEST(parse_ethernet(decoded->frame)->source.to_string() == "52:54:00:00:00:02");
}

BOOST_AUTO_TEST_CASE(leaves_other_packets_alone) {
  const auto good = linux_vxlan_v4();
  BOOST_TEST(!vxlan_decapsulate({}).has_value());
  BOOST_TEST(!vxlan_decapsulate(std::span(good).first(19)).has_value());
  auto other_port = good;
  other_port[23] = 0xb6;  // 4790
  BOOST_TEST(!vxlan_decapsulate(other_port).has_value());
  auto bad_ip_checksum = good;
  bad_ip_checksum[10] ^= 1;
  BOOST_TEST(!vxlan_decapsulate(bad_ip_checksum).has_value());
  auto no_i_flag = good;
  no_i_flag[28] = 0;
  BOOST_TEST(!vxlan_decapsulate(no_i_flag).has_value());
  auto bad_udp_length = good;
  bad_udp_length[25] = 0x2b;
  BOOST_TEST(!vxlan_decapsulate(bad_udp_length).has_value());
  auto tcp = good;
  tcp[9] = 6;
  tcp[10] = tcp[11] = 0;
  BOOST_TEST(!vxlan_decapsulate(tcp).has_value());
  // A fragment (offset set): left to the kernel.
  auto fragment = good;
  fragment[7] = 1;
  BOOST_TEST(!vxlan_decapsulate(fragment).has_value());
  // Truncated: the IP total length says more than there is.
  BOOST_TEST(!vxlan_decapsulate(std::span(good).first(good.size() - 1)).has_value());
}

BOOST_AUTO_TEST_CASE(peer_tunnel_address_rule) {
  const auto parse = [](std::initializer_list<const char*> texts) {
    std::vector<IpPrefix> out;
    for (const char* text : texts) out.push_back(IpPrefix::parse(text).masked());
    return out;
  };
  const auto address = [](const std::vector<IpPrefix>& prefixes, IpFamily family) {
    const auto found = peer_tunnel_address(prefixes, family);
    return found ? found->to_string() : std::string("none");
  };
  // A single address wins over an earlier wider prefix.
  BOOST_TEST(address(parse({"192.168.20.0/24", "10.10.0.2/32", "fd00::2/128"}), IpFamily::v4) == "10.10.0.2");
  BOOST_TEST(address(parse({"192.168.20.0/24", "10.10.0.2/32", "fd00::2/128"}), IpFamily::v6) == "fd00::2");
  // No single address: the first host of the first prefix that has one.
  BOOST_TEST(address(parse({"10.10.0.0/31", "10.20.0.0/24"}), IpFamily::v4) == "10.20.0.1");
  BOOST_TEST(address(parse({"fd00:20::/64"}), IpFamily::v6) == "fd00:20::1");
  BOOST_TEST(address(parse({"0.0.0.0/0", "::/0"}), IpFamily::v4) == "none");
  BOOST_TEST(address(parse({"10.10.0.2/32"}), IpFamily::v6) == "none");
  BOOST_TEST(address({}, IpFamily::v4) == "none");
}

BOOST_AUTO_TEST_CASE(fdb_learns_moves_and_ages) {
  Fdb fdb(10s);
  const Instant t0 = 1000s;
  const auto a = mac("52:54:00:00:00:0a");
  BOOST_TEST(fdb.lookup(a, t0) == nullptr);
  BOOST_TEST(fdb.learn(a, key(1), t0));
  BOOST_REQUIRE(fdb.lookup(a, t0 + 9s) != nullptr);
  BOOST_TEST((*fdb.lookup(a, t0 + 9s) == key(1)));
  // Seen again behind another peer: it moved.
  BOOST_TEST(fdb.learn(a, key(2), t0 + 5s));
  BOOST_TEST((*fdb.lookup(a, t0 + 14s) == key(2)));
  BOOST_TEST(fdb.lookup(a, t0 + 15s) == nullptr, "aged out after 10 s of silence");
  BOOST_TEST(fdb.size() == 1u, "still stored until expire()");
  fdb.expire(t0 + 15s);
  BOOST_TEST(fdb.size() == 0u);
  // Group addresses are never learned.
  BOOST_TEST(fdb.learn(mac("ff:ff:ff:ff:ff:ff"), key(1), t0));
  BOOST_TEST(fdb.size() == 0u);
}

BOOST_AUTO_TEST_CASE(fdb_static_entries_stay) {
  Fdb fdb(10s);
  const auto a = mac("52:54:00:00:00:0a");
  fdb.add_static(a, key(3));
  fdb.learn(a, key(4), 0s);
  fdb.forget_learned(a);
  fdb.expire(1000s);
  BOOST_REQUIRE(fdb.lookup(a, 1000s) != nullptr);
  BOOST_TEST((*fdb.lookup(a, 1000s) == key(3)));
  const auto entries = fdb.entries();
  BOOST_REQUIRE(entries.size() == 1u);
  BOOST_TEST(entries[0].is_static);
}

BOOST_AUTO_TEST_CASE(fdb_forgets_stations_that_moved_here) {
  Fdb fdb;
  const auto a = mac("52:54:00:00:00:0a");
  fdb.learn(a, key(1), 0s);
  fdb.forget_learned(a);
  BOOST_TEST(fdb.lookup(a, 0s) == nullptr);
}

// A run of frames from one station takes a shortcut past the table; it must learn just the same.
BOOST_AUTO_TEST_CASE(fdb_learns_runs_of_one_station_as_single_frames) {
  Fdb fdb(10s, 2);
  const Instant t0 = 1000s;
  const auto a = mac("52:54:00:00:00:0a");
  const auto b = mac("52:54:00:00:00:0b");
  BOOST_TEST(fdb.learn(a, key(1), t0));
  BOOST_TEST(fdb.learn(a, key(1), t0 + 5s));
  BOOST_TEST(fdb.lookup(a, t0 + 14s) != nullptr, "the run refreshed it");
  BOOST_TEST(fdb.learn(a, key(2), t0 + 6s));
  BOOST_TEST((*fdb.lookup(a, t0 + 6s) == key(2)), "it moved within the run");
  // Gone from the table, so learned again (and counted once), not refreshed in place.
  fdb.forget_learned(a);
  BOOST_TEST(fdb.learn(a, key(1), t0 + 7s));
  BOOST_TEST(fdb.learn(b, key(1), t0 + 7s));
  BOOST_TEST(fdb.size() == 2u);
  fdb.expire(t0 + 17s);
  BOOST_TEST(fdb.size() == 0u);
  BOOST_TEST(fdb.learn(b, key(2), t0 + 18s), "learned again after aging");
  BOOST_TEST(fdb.learn(a, key(2), t0 + 18s), "and room for both");
  // Made static: a run's frames no longer move it.
  fdb.add_static(a, key(3));
  BOOST_TEST(fdb.learn(a, key(4), t0 + 19s));
  BOOST_TEST((*fdb.lookup(a, t0 + 19s) == key(3)));
}

BOOST_AUTO_TEST_CASE(fdb_capacity_bounds_learning) {
  Fdb fdb(10s, 2);
  BOOST_TEST(fdb.learn(mac("52:54:00:00:00:01"), key(1), 0s));
  BOOST_TEST(fdb.learn(mac("52:54:00:00:00:02"), key(1), 0s));
  BOOST_TEST(!fdb.learn(mac("52:54:00:00:00:03"), key(1), 0s));
  BOOST_TEST(fdb.learn(mac("52:54:00:00:00:01"), key(2), 1s), "known addresses still refresh");
  fdb.expire(10s);
  BOOST_TEST(fdb.size() == 1u);
  BOOST_TEST(fdb.learn(mac("52:54:00:00:00:03"), key(1), 10s), "room again after aging");
  const auto entries = fdb.entries();
  BOOST_REQUIRE(entries.size() == 2u);
  BOOST_TEST(entries[0].mac.to_string() == "52:54:00:00:00:01");
}

BOOST_AUTO_TEST_SUITE_END()
