#include "policy/flow_tuple.hpp"

#include <algorithm>

namespace sluice::policy {
namespace {

std::uint16_t load_be16(const std::uint8_t* bytes) noexcept {
  return static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1]);
}

bool is_echo(std::uint8_t protocol, std::uint8_t type) noexcept {
  // Echo request and reply: ICMP 8 and 0, ICMPv6 128 and 129.
  return protocol == kIcmp ? (type == 8 || type == 0) : (type == 128 || type == 129);
}

void read_transport(std::span<const std::uint8_t> l4, PacketFacts& facts) noexcept {
  FlowTuple& tuple = facts.tuple;
  if (tuple.protocol == kTcp || tuple.protocol == kUdp) {
    if (l4.size() < 4) return;
    tuple.source_port = load_be16(l4.data());
    tuple.destination_port = load_be16(l4.data() + 2);
    // RST (0x04) or FIN (0x01) in the flags byte at offset 13.
    if (tuple.protocol == kTcp && l4.size() >= 14) facts.tcp_closing = (l4[13] & 0x05) != 0;
    return;
  }
  if (tuple.protocol == kIcmp || tuple.protocol == kIcmpV6) {
    if (l4.size() < 8) return;
    if (is_echo(tuple.protocol, l4[0])) {
      tuple.source_port = tuple.destination_port = load_be16(l4.data() + 4);
    } else {
      tuple.destination_port = load_be16(l4.data());
    }
  }
}

}  // namespace

tunnel::IpAddress FlowTuple::source_address() const noexcept {
  return family == 4 ? tunnel::IpAddress::v4(std::span(source).first<4>()) : tunnel::IpAddress::v6(source);
}

tunnel::IpAddress FlowTuple::destination_address() const noexcept {
  return family == 4 ? tunnel::IpAddress::v4(std::span(destination).first<4>()) : tunnel::IpAddress::v6(destination);
}

FlowTuple FlowTuple::reversed() const noexcept {
  FlowTuple out = *this;
  std::swap(out.source, out.destination);
  std::swap(out.source_port, out.destination_port);
  return out;
}

std::optional<PacketFacts> read_packet(std::span<const std::uint8_t> packet) noexcept {
  if (packet.empty()) return std::nullopt;
  PacketFacts facts;
  FlowTuple& tuple = facts.tuple;
  const unsigned version = packet[0] >> 4;
  if (version == 4) {
    if (packet.size() < 20) return std::nullopt;
    const std::size_t header = std::size_t{packet[0] & 0x0fU} * 4;
    if (header < 20 || header > packet.size()) return std::nullopt;
    tuple.family = 4;
    tuple.protocol = packet[9];
    std::copy_n(packet.begin() + 12, 4, tuple.source.begin());
    std::copy_n(packet.begin() + 16, 4, tuple.destination.begin());
    // A later fragment has no transport header: it counts as the flow with ports 0.
    const bool later_fragment = (load_be16(packet.data() + 6) & 0x1fff) != 0;
    if (!later_fragment) read_transport(packet.subspan(header), facts);
    return facts;
  }
  if (version == 6) {
    if (packet.size() < 40) return std::nullopt;
    tuple.family = 6;
    tuple.protocol = packet[6];
    std::copy_n(packet.begin() + 8, 16, tuple.source.begin());
    std::copy_n(packet.begin() + 24, 16, tuple.destination.begin());
    read_transport(packet.subspan(40), facts);
    return facts;
  }
  return std::nullopt;
}

}  // namespace sluice::policy
