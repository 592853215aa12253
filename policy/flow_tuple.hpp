// The 5-tuple of an IP packet as policy and flows see it, read straight from the packet's bytes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "tunnel/ip_address.hpp"

namespace sluice::policy {

inline constexpr std::uint8_t kIcmp = 1;
inline constexpr std::uint8_t kTcp = 6;
inline constexpr std::uint8_t kUdp = 17;
inline constexpr std::uint8_t kIcmpV6 = 58;

struct FlowTuple {
  std::array<std::uint8_t, 16> source{};  // IPv4 in the first 4 bytes, the rest zero
  std::array<std::uint8_t, 16> destination{};
  // TCP/UDP ports; ICMP echo request and reply: the echo id in both, so a reply finds its
  // request's flow; other ICMP: type and code in the destination port. A later IPv4 fragment
  // (no transport header): 0.
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  std::uint8_t protocol = 0;
  std::uint8_t family = 4;  // 4 or 6

  [[nodiscard]] tunnel::IpAddress source_address() const noexcept;
  [[nodiscard]] tunnel::IpAddress destination_address() const noexcept;
  [[nodiscard]] FlowTuple reversed() const noexcept;
  bool operator==(const FlowTuple&) const = default;
};

struct PacketFacts {
  FlowTuple tuple;
  bool tcp_closing = false;  // FIN or RST set
};

// Nothing for bytes that are no IPv4 or IPv6 packet. IPv6 extension headers are not walked: the
// next header is the protocol (and ports are 0 unless it is TCP, UDP or ICMPv6).
[[nodiscard]] std::optional<PacketFacts> read_packet(std::span<const std::uint8_t> packet) noexcept;

}  // namespace sluice::policy
