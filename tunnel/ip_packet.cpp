#include "tunnel/ip_packet.hpp"

#include "tunnel/byte_order.hpp"

namespace sluice::tunnel {
namespace {

constexpr std::size_t kIpv4MinHeader = 20;
constexpr std::size_t kIpv6Header = 40;

IpPacketParse failed(IpPacketStatus status) noexcept { return {status, {}}; }

IpPacketParse parse_v4(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() < kIpv4MinHeader) return failed(IpPacketStatus::too_short);
  const std::size_t header_length = std::size_t{bytes[0] & 0x0fu} * 4;
  if (header_length < kIpv4MinHeader) return failed(IpPacketStatus::bad_header_length);
  if (bytes.size() < header_length) return failed(IpPacketStatus::too_short);
  const std::size_t total_length = load_be16(bytes.data() + 2);
  if (total_length < header_length || total_length > bytes.size()) return failed(IpPacketStatus::length_mismatch);
  const bool fragment = (load_be16(bytes.data() + 6) & 0x3fffu) != 0;
  return {IpPacketStatus::ok,
          {4, bytes.subspan(12, 4), bytes.subspan(16, 4), total_length, header_length, bytes[9], fragment}};
}

IpPacketParse parse_v6(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() < kIpv6Header) return failed(IpPacketStatus::too_short);
  const std::size_t total_length = kIpv6Header + load_be16(bytes.data() + 4);
  if (total_length > bytes.size()) return failed(IpPacketStatus::length_mismatch);
  return {IpPacketStatus::ok, {6, bytes.subspan(8, 16), bytes.subspan(24, 16), total_length, kIpv6Header, bytes[6]}};
}

}  // namespace

std::string_view to_string(IpPacketStatus status) noexcept {
  switch (status) {
    case IpPacketStatus::ok:
      return "ok";
    case IpPacketStatus::too_short:
      return "too short";
    case IpPacketStatus::bad_version:
      return "bad IP version";
    case IpPacketStatus::bad_header_length:
      return "bad IPv4 header length";
    case IpPacketStatus::length_mismatch:
      return "total length does not fit the packet";
  }
  return "unknown";
}

IpPacketParse parse_ip_packet(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.empty()) return failed(IpPacketStatus::too_short);
  switch (bytes[0] >> 4) {
    case 4:
      return parse_v4(bytes);
    case 6:
      return parse_v6(bytes);
    default:
      return failed(IpPacketStatus::bad_version);
  }
}

}  // namespace sluice::tunnel
