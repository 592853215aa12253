// TUN offloads: a virtio-net header and the (super-)packet behind it, as the TUN device hands them
// over, split in place into segments; then the segments coalesced again, as the receiving side
// does with decrypted ones.
#include <cstdint>
#include <span>
#include <vector>

#include "tunnel/offload.hpp"

using namespace sluice;

namespace {
// Enough to coalesce a few super-packets; an MSS of 1 makes thousands of segments.
constexpr std::size_t kKeptSegments = 128;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < tunnel::VirtioNetHeader::kSize) return 0;
  const auto header = tunnel::VirtioNetHeader::parse(
      std::span<const std::uint8_t, tunnel::VirtioNetHeader::kSize>(data, tunnel::VirtioNetHeader::kSize));
  // A buffer of exactly the packet's size: ASan reports any write the split makes outside it.
  std::vector<std::uint8_t> packet(data + tunnel::VirtioNetHeader::kSize, data + size);
  std::vector<std::vector<std::uint8_t>> segments;
  const auto status = tunnel::split_packet(header, packet, [&](std::span<const std::uint8_t> segment) {
    if (segment.data() < packet.data() || segment.data() + segment.size() > packet.data() + packet.size()) {
      __builtin_trap();
    }
    // The next segment is built over this one's tail: keep a copy, as the core does.
    if (segments.size() < kKeptSegments) segments.emplace_back(segment.begin(), segment.end());
  });
  if (status != tunnel::OffloadStatus::ok && !segments.empty()) __builtin_trap();

  // UDP too, as for a device that takes UDP super-packets.
  tunnel::Coalescer coalescer(65535, 0, true);
  const auto write_all = [&coalescer] {
    for (std::size_t i = 0; i < coalescer.size(); ++i) static_cast<void>(coalescer.pending(i));
    coalescer.clear();
  };
  for (const auto& segment : segments) {
    if (coalescer.add(segment)) continue;
    write_all();
    static_cast<void>(coalescer.add(segment));
  }
  write_all();
  return 0;
}
