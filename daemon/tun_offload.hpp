// The packet side of the TUN device: between the device's reads and writes (which a DataPath
// makes) and the IP packets the tunnel sends and delivers. With a virtio-net header
// (IFF_VNET_HDR), a read becomes finished packets (super-packets split, partial checksums done)
// and packets to write are coalesced into super-packets; without one, packets pass as they are.
// So no one else looks at a virtio-net header, as wireguard-go keeps that inside its tun package.
// The splitting and coalescing themselves are tunnel/offload's, without I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "daemon/data_path.hpp"
#include "tunnel/offload.hpp"

namespace sluice::daemon {

class TunOffload {
 public:
  using PacketHandler = std::function<void(std::span<const std::uint8_t> packet)>;

  // `vnet_header`: the device's reads and writes carry a virtio-net header (TunDevice::vnet_header());
  // `udp_super_packets`: it takes UDP super-packets too (has_udp_offloads).
  explicit TunOffload(bool vnet_header, bool udp_super_packets = false)
      : vnet_header_(vnet_header), coalescer_(65535, 0, udp_super_packets) {}

  // Hands `each` the IP packets of one read from the device, in order. Each packet is built in
  // `read` over what `each` was given before (see tunnel::split_packet): done with when `each`
  // returns. False (and `each` not called) when a super-packet could not be split.
  [[nodiscard]] bool split(std::span<std::uint8_t> read, const PacketHandler& each) const;

  // What one read holds, without splitting it: the (super-)packet, how many packets it becomes
  // and their bytes in all. For one decision per read (a super-packet is one flow).
  struct Peek {
    std::span<const std::uint8_t> packet;
    std::uint32_t packets = 1;
    std::size_t bytes = 0;
  };
  [[nodiscard]] Peek peek(std::span<const std::uint8_t> read) const noexcept;

  // A decrypted packet for the device: joins the super-packet of its flow, or is written through
  // `path` at once when the device takes no virtio-net header. False (nothing written) when it is
  // longer than a TUN packet can be.
  [[nodiscard]] bool write(std::span<const std::uint8_t> packet, DataPath& path);
  // Writes the super-packets built so far through `path`, and builds the next ones in its
  // storage(). Once per loop turn, and before anything that may remove a peer.
  void flush(DataPath& path);
  // Builds in `path`'s storage() from now on (the data path was just chosen). Only after flush().
  void use_storage_of(DataPath& path);

 private:
  bool vnet_header_;
  tunnel::Coalescer coalescer_;
};

}  // namespace sluice::daemon
