// TUN offloads without I/O: the virtio-net header that a TUN device with IFF_VNET_HDR puts in
// front of each packet, splitting the TCP/UDP super-packets it hands over (TSO/USO) into packets
// of at most the MTU, finishing checksums the kernel left partial, and coalescing received TCP
// segments (and UDP datagrams, where the device takes them) back into super-packets for it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "tunnel/ethernet.hpp"

namespace sluice::tunnel {

// struct virtio_net_hdr (10 bytes, little-endian fields as the TUN device uses them on x86 and ARM).
struct VirtioNetHeader {
  static constexpr std::size_t kSize = 10;
  static constexpr std::uint8_t kNeedsChecksum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
  static constexpr std::uint8_t kDataValid = 2;      // VIRTIO_NET_HDR_F_DATA_VALID
  static constexpr std::uint8_t kGsoNone = 0;
  static constexpr std::uint8_t kGsoTcpV4 = 1;
  static constexpr std::uint8_t kGsoTcpV6 = 4;
  static constexpr std::uint8_t kGsoUdpL4 = 5;
  static constexpr std::uint8_t kGsoEcn = 0x80;

  std::uint8_t flags = 0;
  std::uint8_t gso_type = kGsoNone;
  std::uint16_t header_length = 0;
  std::uint16_t gso_size = 0;
  std::uint16_t checksum_start = 0;
  std::uint16_t checksum_offset = 0;

  [[nodiscard]] static VirtioNetHeader parse(std::span<const std::uint8_t, kSize> bytes) noexcept;
  void write(std::span<std::uint8_t, kSize> bytes) const noexcept;
};

enum class OffloadStatus : std::uint8_t {
  ok,
  malformed,    // headers do not fit the packet, or the virtio-net header contradicts them
  unsupported,  // a GSO type or IPv6 extension header we do not split
};

// Where the IP header starts in what split_packet() and Coalescer see, and how large a segment
// may be: L3 (a TUN device) has IP packets; L2 (a TAP device) Ethernet frames, whose headers every
// segment carries too.
struct Framing {
  // Bytes before the IP header: 0 for IP packets, 14 for Ethernet, 18 for one 802.1Q tag.
  std::size_t link_header = 0;
  // The largest segment (link header included) a TCP super-packet is split into, however large
  // gso_size is; 0 for no limit. UDP datagrams keep their size (their boundaries are the data's).
  std::size_t max_segment = 0;
};
inline constexpr std::size_t kMaxLinkHeader = kEthernetHeaderSize + kVlanTagSize;

// Turns one packet read from the TUN device (without its virtio-net header) into ready packets,
// handed to `each` in order: a super-packet is split into segments of `header.gso_size` payload
// bytes each, with their own IP length, IPv4 id and checksum, TCP sequence number and flags
// (FIN/PSH only on the last, CWR only on the first) or UDP length, and full transport checksums;
// a plain packet with a partial checksum gets it finished. An empty packet is malformed.
// Nothing is copied but headers: each segment is built inside `packet`, its headers written over
// the end of the payload before it, which `each` has consumed by then. So `each` must be done
// with a segment's bytes when it returns, and `packet` holds no super-packet afterwards. On any
// status but ok, `each` was not called. With a link header (`framing`), each segment starts with
// a copy of the packet's; a partial checksum's offsets count from the packet's start either way.
[[nodiscard]] OffloadStatus split_packet(const VirtioNetHeader& header, std::span<std::uint8_t> packet,
                                         const std::function<void(std::span<const std::uint8_t>)>& each,
                                         const Framing& framing = {});

// Coalesces consecutive TCP segments of one flow (same addresses and ports, contiguous sequence
// numbers, equal-sized payloads except a shorter last one, only ACK/PSH flags and the same TCP
// options) into super-packets for a TUN device that accepts TSO; and, where the device accepts
// USO, consecutive UDP datagrams of one flow (equal-sized except a shorter last one, at most
// kMaxUdpSegments), as the kernel's UDP GRO and wireguard-go do. Each output is a virtio-net
// header followed by the packet. Everything else passes through on its own with a header that
// marks its checksum as already verified (the tunnel authenticated it).
//
// Several packets are built at once, one per slot, so that interleaved flows are each coalesced.
// A slot holds one run of a flow; a packet of that flow that cannot join the run ends it and
// starts a new slot. Written in slot order, the packets of each flow keep their order.
//
// With an Ethernet header (`link_header` 14), the packets are frames: only untagged IPv4/IPv6
// frames with equal Ethernet headers coalesce, and every other frame passes through unchanged.
class Coalescer {
 public:
  // Packets built at once: enough for the flows that one batch of receives interleaves.
  static constexpr std::size_t kSlots = 8;
  // The kernel refuses a UDP super-packet of more datagrams than UDP_MAX_SEGMENTS: 64 in the
  // kernels that brought USO to TUN (6.2), perhaps more in later ones; 64 is safe for all.
  static constexpr std::size_t kMaxUdpSegments = 64;

  // `max_packet` bounds a coalesced IP packet (at most 65535), which follows `link_header` bytes
  // (0, or 14 for Ethernet frames). `udp`: the device takes UDP super-packets (TUN_F_USO4 and 6).
  explicit Coalescer(std::size_t max_packet = 65535, std::size_t link_header = 0, bool udp = false);
  // It may point into its own buffers.
  Coalescer(const Coalescer&) = delete;
  Coalescer& operator=(const Coalescer&) = delete;

  // Adds a decrypted packet. Returns false when every slot is taken: the caller writes out the
  // packets built so far, calls clear(), then adds it again; also (then again too) for an empty
  // packet or one longer than `max_packet` (plus the link header, or shorter than that).
  [[nodiscard]] bool add(std::span<const std::uint8_t> packet);
  // How many packets are being built, and the i-th of them (virtio-net header first), in the
  // order to write them. Call clear() after writing them.
  [[nodiscard]] std::size_t size() const noexcept { return used_; }
  [[nodiscard]] std::span<const std::uint8_t> pending(std::size_t i);
  void clear() noexcept { used_ = 0; }
  [[nodiscard]] bool empty() const noexcept { return used_ == 0; }

  // Builds slot i's packets in `storage` instead of its own buffer (so the caller can hand the
  // packet to the kernel without a copy); an empty span, or one too small for a header and
  // `max_packet` bytes (and the link header), means its own buffer again (allocated when first needed). Only while
  // empty().
  void set_storage(std::size_t i, std::span<std::uint8_t> storage) noexcept;
  [[nodiscard]] std::span<std::uint8_t> storage(std::size_t i) const noexcept { return slots_[i].storage; }

 private:
  struct Slot {
    std::vector<std::uint8_t> own;
    std::span<std::uint8_t> storage;  // own (empty until needed), or the caller's
    std::size_t count = 0;            // packets in it
    std::size_t size = 0;             // bytes of the packet built so far, after the link header
    std::size_t header_bytes = 0;     // IP + TCP (or UDP) header length of the first segment
    std::size_t segment_size = 0;     // payload bytes of the first segment
    std::uint32_t next_sequence = 0;  // TCP
    unsigned version = 0;             // of a plain TCP or UDP packet (whose flow it is), else 0
    std::uint8_t protocol = 0;        // TCP or UDP with a version, else 0
    bool open = false;                // a segment that the next one of its flow may join
  };
  [[nodiscard]] std::uint8_t* built(Slot& slot);

  std::array<Slot, kSlots> slots_;
  std::size_t used_ = 0;
  std::size_t max_packet_;
  std::size_t link_;
  bool udp_;
};

}  // namespace sluice::tunnel
