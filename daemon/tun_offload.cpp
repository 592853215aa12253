#include "daemon/tun_offload.hpp"

#include "daemon/coalescer_storage.hpp"

namespace sluice::daemon {

bool TunOffload::split(std::span<std::uint8_t> read, const PacketHandler& each) const {
  if (!vnet_header_) {
    each(read);
    return true;
  }
  // Shorter than its header: the device never hands over such a read; nothing to send.
  if (read.size() < tunnel::VirtioNetHeader::kSize) return true;
  const auto header = tunnel::VirtioNetHeader::parse(read.first<tunnel::VirtioNetHeader::kSize>());
  return tunnel::split_packet(header, read.subspan(tunnel::VirtioNetHeader::kSize), each) == tunnel::OffloadStatus::ok;
}

TunOffload::Peek TunOffload::peek(std::span<const std::uint8_t> read) const noexcept {
  if (!vnet_header_) return {read, 1, read.size()};
  if (read.size() < tunnel::VirtioNetHeader::kSize) return {};
  const auto header = tunnel::VirtioNetHeader::parse(read.first<tunnel::VirtioNetHeader::kSize>());
  Peek peek{read.subspan(tunnel::VirtioNetHeader::kSize), 1, 0};
  peek.bytes = peek.packet.size();
  const std::size_t headers = header.header_length;
  if (header.gso_type != tunnel::VirtioNetHeader::kGsoNone && header.gso_size != 0 && peek.packet.size() > headers) {
    const std::size_t payload = peek.packet.size() - headers;
    peek.packets = static_cast<std::uint32_t>((payload + header.gso_size - 1) / header.gso_size);
    // Each segment carries the headers again.
    peek.bytes += (peek.packets - 1) * headers;
  }
  return peek;
}

bool TunOffload::write(std::span<const std::uint8_t> packet, DataPath& path) {
  if (!vnet_header_) {
    path.write_tun(packet);
    return true;
  }
  if (coalescer_.add(packet)) return true;
  // Every slot is taken (or the packet is too long): make room, and try once more.
  flush(path);
  return coalescer_.add(packet);
}

void TunOffload::flush(DataPath& path) {
  write_coalesced(coalescer_, path, [&path](std::span<const std::uint8_t> packet) { path.write_tun(packet); });
}

void TunOffload::use_storage_of(DataPath& path) {
  if (vnet_header_) build_in_storage_of(coalescer_, path);
}

}  // namespace sluice::daemon
