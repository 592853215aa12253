// The inner IPv4/IPv6 header parser that routes every decrypted and every outgoing packet.
#include <span>

#include "tunnel/ip_packet.hpp"

using namespace sluice;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const tunnel::IpPacketParse parsed = tunnel::parse_ip_packet(std::span(data, size));
  if (parsed.status == tunnel::IpPacketStatus::ok) {
    // Views must lie inside the input; ASan reports any that do not.
    if (parsed.packet.total_length > size) __builtin_trap();
    static_cast<void>(parsed.packet.source_address().to_string());
    static_cast<void>(parsed.packet.destination_address().to_string());
  } else {
    static_cast<void>(tunnel::to_string(parsed.status));
  }
  return 0;
}
