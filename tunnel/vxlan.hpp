// VXLAN (RFC 7348) inside the tunnel: an Ethernet frame behind an 8-byte VXLAN header, in a UDP
// datagram to port 4789, in an IPv4 or IPv6 packet between the tunnel addresses of two ends. This
// is exactly what a stock Linux `vxlan` device sends and expects, so it can be the far end.
// Encapsulation writes the headers in front of the frame in the same buffer (no copy of the
// frame); decapsulation returns a view of the frame inside the packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "tunnel/ethernet.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::tunnel {

inline constexpr std::uint16_t kVxlanPort = 4789;   // IANA
inline constexpr std::uint32_t kMaxVni = 0xffffff;  // 24 bits
inline constexpr std::size_t kVxlanHeaderSize = 8;
inline constexpr std::size_t kUdpHeaderSize = 8;

// Bytes the IP, UDP and VXLAN headers take in front of the frame.
[[nodiscard]] constexpr std::size_t vxlan_headroom(IpFamily family) noexcept {
  return (family == IpFamily::v4 ? 20 : 40) + kUdpHeaderSize + kVxlanHeaderSize;
}
inline constexpr std::size_t kMaxVxlanHeadroom = 40 + kUdpHeaderSize + kVxlanHeaderSize;

// The largest Ethernet MTU (frame without its 14-byte header) whose encapsulation fits an inner
// packet of `tunnel_mtu` bytes: 1420 - 50 = 1370 over IPv4, 1420 - 70 = 1350 over IPv6.
[[nodiscard]] constexpr std::size_t vxlan_frame_mtu(std::size_t tunnel_mtu, IpFamily family) noexcept {
  const std::size_t overhead = vxlan_headroom(family) + kEthernetHeaderSize;
  return tunnel_mtu > overhead ? tunnel_mtu - overhead : 0;
}

struct VxlanAddressing {
  IpAddress source;       // our tunnel address
  IpAddress destination;  // the peer's; same family
  std::uint32_t vni = 0;
};

// `buffer` holds the frame at [frame_offset, frame_offset + frame_size), with at least
// vxlan_headroom(family) bytes free before it. Writes the headers there and returns the whole
// inner packet. The UDP source port is a hash of the frame's addresses (RFC 7348 section 5, for
// ECMP entropy); the UDP checksum is zero over IPv4, as RFC 7348 says it should be, and computed
// over IPv6, where a zero checksum is refused by default (RFC 8200, and Linux's vxlan).
// Throws std::invalid_argument on missing headroom, a family mismatch or a VNI over 24 bits.
[[nodiscard]] std::span<std::uint8_t> vxlan_encapsulate(std::span<std::uint8_t> buffer, std::size_t frame_offset,
                                                        std::size_t frame_size, const VxlanAddressing& addressing);

struct VxlanFrame {
  std::uint32_t vni = 0;
  IpAddress source;                     // the sender's tunnel address
  IpAddress destination;                // ours, if it was meant for us
  std::span<const std::uint8_t> frame;  // inside the packet, at least an Ethernet header long
};

// The frame in `packet` if it is a well-formed VXLAN datagram: IPv4 (unfragmented, header
// checksum right) or IPv6 (UDP as the next header), UDP to port 4789 with a consistent length and
// a right or zero checksum, the VXLAN I flag set, and an Ethernet header. nullopt for anything
// else, which then stays an ordinary inner packet. A zero UDP checksum is accepted over IPv6 too
// (RFC 6935 allows it for tunnels): the packet was authenticated by the tunnel's AEAD anyway.
[[nodiscard]] std::optional<VxlanFrame> vxlan_decapsulate(std::span<const std::uint8_t> packet) noexcept;

// Where a peer's VXLAN goes, from its allowed IPs (masked, in the order given): the first single
// address (/32 or /128) of `family`; failing that, the first host address (network + 1) of the
// first prefix of that family that has one (so not /0, nor /31, /127 and longer). nullopt if none.
[[nodiscard]] std::optional<IpAddress> peer_tunnel_address(std::span<const IpPrefix> allowed_ips, IpFamily family);

}  // namespace sluice::tunnel
