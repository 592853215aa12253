#include "tunnel/vxlan.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "tunnel/byte_order.hpp"
#include "tunnel/checksum.hpp"
#include "tunnel/ip_packet.hpp"

namespace sluice::tunnel {
namespace {

constexpr std::uint8_t kProtocolUdp = 17;
constexpr std::uint8_t kVxlanFlagVni = 0x08;  // the I flag: the VNI field is valid
constexpr std::uint8_t kDefaultHopLimit = 64;
constexpr std::size_t kIpv4Header = 20;
constexpr std::size_t kIpv6Header = 40;
// RFC 7348 section 5 suggests the dynamic range (RFC 6335) for the hashed source port.
constexpr std::uint16_t kSourcePortBase = 49152;
constexpr std::uint16_t kSourcePortCount = 16384;

// The UDP checksum's sum over the pseudo-header (RFC 768, RFC 8200 section 8.1) and the datagram.
std::uint64_t udp_sum(std::span<const std::uint8_t> source, std::span<const std::uint8_t> destination,
                      std::span<const std::uint8_t> datagram) noexcept {
  return checksum_add(
      datagram, pseudo_header_sum(source, destination, kProtocolUdp, static_cast<std::uint32_t>(datagram.size())));
}

std::uint16_t source_port(std::span<const std::uint8_t> frame) noexcept {
  // FNV-1a over both MAC addresses: one conversation keeps one port.
  std::uint32_t hash = 2166136261u;
  for (std::size_t i = 0; i < 12 && i < frame.size(); ++i) hash = (hash ^ frame[i]) * 16777619u;
  return static_cast<std::uint16_t>(kSourcePortBase + hash % kSourcePortCount);
}

void write_ipv4(std::span<std::uint8_t> header, const VxlanAddressing& a, std::size_t total) noexcept {
  std::fill(header.begin(), header.end(), 0);
  header[0] = 0x45;
  store_be16(header.data() + 2, static_cast<std::uint16_t>(total));
  // Don't fragment: a frame that does not fit is dropped before this, never split.
  header[6] = 0x40;
  header[8] = kDefaultHopLimit;
  header[9] = kProtocolUdp;
  std::copy_n(a.source.bytes().begin(), 4, header.begin() + 12);
  std::copy_n(a.destination.bytes().begin(), 4, header.begin() + 16);
  store_be16(header.data() + 10, checksum_finish(checksum_add(header.first(kIpv4Header))));
}

void write_ipv6(std::span<std::uint8_t> header, const VxlanAddressing& a, std::size_t payload) noexcept {
  std::fill(header.begin(), header.end(), 0);
  header[0] = 0x60;
  store_be16(header.data() + 4, static_cast<std::uint16_t>(payload));
  header[6] = kProtocolUdp;
  header[7] = kDefaultHopLimit;
  std::copy_n(a.source.bytes().begin(), 16, header.begin() + 8);
  std::copy_n(a.destination.bytes().begin(), 16, header.begin() + 24);
}

}  // namespace

std::span<std::uint8_t> vxlan_encapsulate(std::span<std::uint8_t> buffer, std::size_t frame_offset,
                                          std::size_t frame_size, const VxlanAddressing& a) {
  if (a.source.family() != a.destination.family()) {
    throw std::invalid_argument("VXLAN: source and destination addresses of different families");
  }
  if (a.vni > kMaxVni) throw std::invalid_argument("VXLAN: VNI over 24 bits");
  const bool v4 = a.source.is_v4();
  const std::size_t headroom = vxlan_headroom(a.source.family());
  if (frame_offset < headroom || frame_offset + frame_size > buffer.size()) {
    throw std::invalid_argument("VXLAN: no room for the headers in front of the frame");
  }
  const std::span<std::uint8_t> packet = buffer.subspan(frame_offset - headroom, headroom + frame_size);
  const std::size_t ip_size = v4 ? kIpv4Header : kIpv6Header;
  const std::span<std::uint8_t> udp = packet.subspan(ip_size);
  const std::span<std::uint8_t> frame = packet.subspan(headroom);

  store_be16(udp.data(), source_port(frame));
  store_be16(udp.data() + 2, kVxlanPort);
  store_be16(udp.data() + 4, static_cast<std::uint16_t>(udp.size()));
  store_be16(udp.data() + 6, 0);
  const std::span<std::uint8_t> vxlan = udp.subspan(kUdpHeaderSize, kVxlanHeaderSize);
  std::fill(vxlan.begin(), vxlan.end(), 0);
  vxlan[0] = kVxlanFlagVni;
  store_be32(vxlan.data() + 4, a.vni << 8);  // 24 bits, then a reserved byte

  if (v4) {
    write_ipv4(packet.first(kIpv4Header), a, packet.size());
  } else {
    write_ipv6(packet.first(kIpv6Header), a, udp.size());
    std::uint16_t checksum = checksum_finish(udp_sum(a.source.bytes(), a.destination.bytes(), udp));
    // 0 means "no checksum"; a computed 0 is sent as all ones (RFC 768).
    if (checksum == 0) checksum = 0xffff;
    store_be16(udp.data() + 6, checksum);
  }
  return packet;
}

std::optional<VxlanFrame> vxlan_decapsulate(std::span<const std::uint8_t> packet) noexcept {
  const IpPacketParse parsed = parse_ip_packet(packet);
  const IpPacketView& ip = parsed.packet;
  // A fragment is left to the kernel, which reassembles. IPv6 extension headers are not followed:
  // our peers and Linux's vxlan send none.
  if (parsed.status != IpPacketStatus::ok || ip.fragment || ip.protocol != kProtocolUdp) return std::nullopt;
  if (ip.version == 4 && checksum_finish(checksum_add(packet.first(ip.header_length))) != 0) return std::nullopt;
  const std::span<const std::uint8_t> udp = packet.subspan(ip.header_length, ip.total_length - ip.header_length);
  if (udp.size() < kUdpHeaderSize + kVxlanHeaderSize + kEthernetHeaderSize) return std::nullopt;
  if (load_be16(udp.data() + 2) != kVxlanPort || load_be16(udp.data() + 4) != udp.size()) return std::nullopt;
  if (load_be16(udp.data() + 6) != 0 && checksum_finish(udp_sum(ip.source, ip.destination, udp)) != 0) {
    return std::nullopt;
  }
  const std::span<const std::uint8_t> vxlan = udp.subspan(kUdpHeaderSize, kVxlanHeaderSize);
  if ((vxlan[0] & kVxlanFlagVni) == 0) return std::nullopt;
  VxlanFrame out{
      load_be32(vxlan.data() + 4) >> 8,
      ip.source_address(),
      ip.destination_address(),
      udp.subspan(kUdpHeaderSize + kVxlanHeaderSize),
  };
  return out;
}

std::optional<IpAddress> peer_tunnel_address(std::span<const IpPrefix> allowed_ips, IpFamily family) {
  std::optional<IpAddress> first_host;
  for (const IpPrefix& prefix : allowed_ips) {
    if (prefix.family() != family) continue;
    const unsigned bits = prefix.address().bit_length();
    if (prefix.cidr() == bits) return prefix.address();
    if (!first_host && prefix.cidr() > 0 && prefix.cidr() < bits - 1) {
      std::array<std::uint8_t, 16> bytes{};
      const IpPrefix masked = prefix.masked();  // the bytes below are a view into it
      const auto network = masked.address().bytes();
      std::copy(network.begin(), network.end(), bytes.begin());
      // The network address ends in at least two zero bits: no carry.
      ++bytes[network.size() - 1];
      first_host = IpAddress::from_bytes(std::span(bytes).first(network.size()));
    }
  }
  return first_host;
}

}  // namespace sluice::tunnel
