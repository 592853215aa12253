// Ethernet II headers and MAC addresses, as far as an L2 segment needs them: where a frame goes,
// where it came from, and whether it is for everyone (broadcast and multicast).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sluice::tunnel {

inline constexpr std::size_t kEthernetHeaderSize = 14;
// An 802.1Q tag sits between the source MAC and the ethertype, which it moves back by 4 bytes.
inline constexpr std::size_t kVlanTagSize = 4;
inline constexpr std::uint16_t kEthertypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEthertypeIpv6 = 0x86dd;
inline constexpr std::uint16_t kEthertypeVlan = 0x8100;

struct MacAddress {
  std::array<std::uint8_t, 6> bytes{};

  // "52:54:00:12:34:56" (or with '-'), either case; nullopt for anything else.
  [[nodiscard]] static std::optional<MacAddress> parse(std::string_view text) noexcept;
  // Lower case, colon separated.
  [[nodiscard]] std::string to_string() const;
  // The group bit: broadcast and multicast, which go to every peer of the segment.
  [[nodiscard]] bool is_group() const noexcept { return (bytes[0] & 1u) != 0; }

  bool operator==(const MacAddress&) const = default;
  auto operator<=>(const MacAddress&) const = default;
};

struct EthernetHeader {
  MacAddress destination;
  MacAddress source;
  std::uint16_t ethertype = 0;
};

// nullopt when the frame is shorter than the 14-byte header.
[[nodiscard]] std::optional<EthernetHeader> parse_ethernet(std::span<const std::uint8_t> frame) noexcept;

}  // namespace sluice::tunnel

// Keyed (crypto/keyed_hash.hpp): a peer chooses the MACs that the FDB learns.
template <>
struct std::hash<sluice::tunnel::MacAddress> {
  std::size_t operator()(const sluice::tunnel::MacAddress& mac) const noexcept;
};
