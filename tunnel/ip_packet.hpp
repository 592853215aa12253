// Just enough of an IPv4/IPv6 header for cryptokey routing, for trimming padding after decryption
// (the header's own length says where the packet ends), and for the offload and VXLAN code to find
// the transport header. Views into the buffer; no copies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "tunnel/ip_address.hpp"

namespace sluice::tunnel {

enum class IpPacketStatus : std::uint8_t {
  ok,
  too_short,          // shorter than the fixed header, or than the IPv4 header length it states
  bad_version,        // version nibble neither 4 nor 6
  bad_header_length,  // IPv4 IHL below 5
  length_mismatch,    // stated total length below the header length or beyond the buffer
};

[[nodiscard]] std::string_view to_string(IpPacketStatus status) noexcept;

struct IpPacketView {
  unsigned version = 0;                       // 4 or 6
  std::span<const std::uint8_t> source;       // 4 or 16 bytes inside the packet
  std::span<const std::uint8_t> destination;  // 4 or 16 bytes inside the packet
  std::size_t total_length = 0;               // header included; bytes past it are padding
  std::size_t header_length = 0;              // IPv4: from IHL; IPv6: the fixed 40 bytes
  std::uint8_t protocol = 0;                  // IPv4 protocol, or IPv6 next header
  bool fragment = false;                      // IPv4 more-fragments flag or an offset

  [[nodiscard]] IpAddress source_address() const noexcept { return address(source); }
  [[nodiscard]] IpAddress destination_address() const noexcept { return address(destination); }

 private:
  [[nodiscard]] IpAddress address(std::span<const std::uint8_t> bytes) const noexcept {
    return version == 4 ? IpAddress::v4(bytes.first<4>()) : IpAddress::v6(bytes.first<16>());
  }
};

struct IpPacketParse {
  IpPacketStatus status = IpPacketStatus::ok;
  IpPacketView packet;  // meaningful only when status is ok
};

[[nodiscard]] IpPacketParse parse_ip_packet(std::span<const std::uint8_t> bytes) noexcept;

}  // namespace sluice::tunnel
