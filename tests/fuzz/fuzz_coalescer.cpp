// The coalescer on its own, fed any sequence of packets, as an authenticated peer could send them:
// fuzz_offload only coalesces what split_packet made, so every TCP header it sees is well formed.
// Input: one byte of settings (bit 0: the device takes UDP super-packets, bit 1: Ethernet frames,
// bits 2 and 3: the largest packet built, small enough for inputs of a few KB to reach), then
// packets, each a 2-byte big-endian length (cut to what is left) and its bytes.
// Every super-packet built must split again (the kernel takes what split_packet takes), every
// packet passed through alone must be one of the inputs, unchanged, and what comes out must be
// as many packets as went in, of the same lengths in all (IP lengths, not buffer sizes: padding
// taken for data would show).
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "tunnel/ip_packet.hpp"
#include "tunnel/offload.hpp"

using namespace sluice;

namespace {

// A packet's length as its IP header says (past the link header), or its size when it has none.
std::size_t ip_length(std::span<const std::uint8_t> packet, std::size_t link_header) {
  if (packet.size() <= link_header) return packet.size();
  const auto parsed = tunnel::parse_ip_packet(packet.subspan(link_header));
  if (parsed.status != tunnel::IpPacketStatus::ok) return packet.size();
  return link_header + parsed.packet.total_length;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool udp = (data[0] & 1) != 0;
  const std::size_t link_header = (data[0] & 2) != 0 ? tunnel::kEthernetHeaderSize : 0;
  std::vector<std::vector<std::uint8_t>> packets;
  for (std::size_t at = 1; at < size;) {
    std::size_t length = size - at;
    if (length >= 2) {
      length = std::min<std::size_t>((std::size_t{data[at]} << 8) | data[at + 1], length - 2);
      at += 2;
    }
    packets.emplace_back(data + at, data + at + length);
    at += length;
  }

  constexpr std::size_t kMaxPackets[] = {65535, 3000, 1500, 200};
  tunnel::Coalescer coalescer(kMaxPackets[(data[0] >> 2) & 3], link_header, udp);
  std::size_t packets_in = 0, length_in = 0, packets_out = 0, length_out = 0;
  const auto write_all = [&] {
    for (std::size_t i = 0; i < coalescer.size(); ++i) {
      const auto out = coalescer.pending(i);
      if (out.size() < tunnel::VirtioNetHeader::kSize) __builtin_trap();
      const auto header = tunnel::VirtioNetHeader::parse(
          std::span<const std::uint8_t, tunnel::VirtioNetHeader::kSize>(out.data(), tunnel::VirtioNetHeader::kSize));
      std::vector<std::uint8_t> packet(out.begin() + tunnel::VirtioNetHeader::kSize, out.end());
      if (header.gso_type == tunnel::VirtioNetHeader::kGsoNone) {
        if (std::find(packets.begin(), packets.end(), packet) == packets.end()) __builtin_trap();
        ++packets_out;
        length_out += ip_length(packet, link_header);
        continue;
      }
      const auto status = tunnel::split_packet(
          header, packet,
          [&](std::span<const std::uint8_t> segment) {
            ++packets_out;
            length_out += ip_length(segment, link_header);
          },
          tunnel::Framing{link_header, 0});
      if (status != tunnel::OffloadStatus::ok) __builtin_trap();
    }
    coalescer.clear();
  };
  for (const auto& packet : packets) {
    bool added = coalescer.add(packet);
    if (!added) {
      write_all();
      added = coalescer.add(packet);
    }
    if (added) {
      ++packets_in;
      length_in += ip_length(packet, link_header);
    }
  }
  write_all();
  if (packets_out != packets_in || length_out != length_in) __builtin_trap();
  return 0;
}
