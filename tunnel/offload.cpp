#include "tunnel/offload.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "tunnel/byte_order.hpp"
#include "tunnel/checksum.hpp"
#include "tunnel/ip_packet.hpp"

namespace sluice::tunnel {
namespace {

constexpr std::uint8_t kProtocolTcp = 6;
constexpr std::uint8_t kProtocolUdp = 17;
constexpr std::size_t kIpv6HeaderSize = 40;
constexpr std::size_t kUdpHeaderSize = 8;
constexpr std::size_t kTcpFlagsOffset = 13;
constexpr std::size_t kTcpChecksumOffset = 16;
constexpr std::size_t kUdpChecksumOffset = 6;
constexpr std::uint8_t kTcpFin = 0x01;
constexpr std::uint8_t kTcpPsh = 0x08;
constexpr std::uint8_t kTcpAck = 0x10;
constexpr std::uint8_t kTcpCwr = 0x80;

// The packet's IP header if the offloads handle it: IPv4 that is no fragment, or IPv6 (whose
// `protocol` is the transport only without extension headers). An empty view (version 0,
// header_length 0) otherwise.
IpPacketView parse_ip(std::span<const std::uint8_t> packet) noexcept {
  const IpPacketParse parsed = parse_ip_packet(packet);
  return parsed.status == IpPacketStatus::ok && !parsed.packet.fragment ? parsed.packet : IpPacketView{};
}

std::span<const std::uint8_t> source_of(const std::uint8_t* ip, unsigned version) noexcept {
  return version == 4 ? std::span(ip + 12, 4) : std::span(ip + 8, 16);
}
std::span<const std::uint8_t> destination_of(const std::uint8_t* ip, unsigned version) noexcept {
  return version == 4 ? std::span(ip + 16, 4) : std::span(ip + 24, 16);
}

void set_ip_length(std::uint8_t* ip, unsigned version, std::size_t ip_header, std::size_t total) noexcept {
  if (version == 4) {
    store_be16(ip + 2, static_cast<std::uint16_t>(total));
    store_be16(ip + 10, 0);
    store_be16(ip + 10, checksum_finish(checksum_add(std::span<const std::uint8_t>(ip, ip_header))));
  } else {
    store_be16(ip + 4, static_cast<std::uint16_t>(total - kIpv6HeaderSize));
  }
}

// A full TCP or UDP checksum over the pseudo-header (`addresses`: address_sum) and the transport
// bytes after `ip_header`.
void set_transport_checksum(std::uint8_t* ip, std::uint64_t addresses, std::size_t ip_header, std::size_t total,
                            std::uint8_t protocol) noexcept {
  std::uint8_t* l4 = ip + ip_header;
  const std::size_t l4_length = total - ip_header;
  const std::size_t field = protocol == kProtocolTcp ? kTcpChecksumOffset : kUdpChecksumOffset;
  store_be16(l4 + field, 0);
  const std::uint64_t sum = pseudo_header_sum(addresses, protocol, static_cast<std::uint32_t>(l4_length));
  std::uint16_t checksum = checksum_finish(checksum_add(std::span<const std::uint8_t>(l4, l4_length), sum));
  if (protocol == kProtocolUdp && checksum == 0) checksum = 0xffff;  // 0 means "none" for UDP
  store_be16(l4 + field, checksum);
}

}  // namespace

VirtioNetHeader VirtioNetHeader::parse(std::span<const std::uint8_t, kSize> b) noexcept {
  const std::uint8_t* p = b.data();
  return {p[0], p[1], load_le16(p + 2), load_le16(p + 4), load_le16(p + 6), load_le16(p + 8)};
}

void VirtioNetHeader::write(std::span<std::uint8_t, kSize> b) const noexcept {
  std::uint8_t* p = b.data();
  p[0] = flags;
  p[1] = gso_type;
  store_le16(p + 2, header_length);
  store_le16(p + 4, gso_size);
  store_le16(p + 6, checksum_start);
  store_le16(p + 8, checksum_offset);
}

OffloadStatus split_packet(const VirtioNetHeader& header, std::span<std::uint8_t> packet,
                           const std::function<void(std::span<const std::uint8_t>)>& each, const Framing& framing) {
  if (packet.empty()) return OffloadStatus::malformed;
  const std::uint8_t type = header.gso_type & static_cast<std::uint8_t>(~VirtioNetHeader::kGsoEcn);
  if (type == VirtioNetHeader::kGsoNone) {
    if ((header.flags & VirtioNetHeader::kNeedsChecksum) != 0) {
      // The kernel left the pseudo-header sum in the field; the sum over everything from
      // checksum_start, that field included, is the checksum.
      const std::size_t start = header.checksum_start;
      const std::size_t field = start + header.checksum_offset;
      if (field + 2 > packet.size() || (start & 1U) != 0) return OffloadStatus::malformed;
      store_be16(&packet[field], checksum_finish(checksum_add(packet.subspan(start))));
    }
    each(packet);
    return OffloadStatus::ok;
  }

  const std::size_t link = framing.link_header;
  if (link > kMaxLinkHeader) return OffloadStatus::unsupported;
  if (packet.size() <= link) return OffloadStatus::malformed;
  const IpPacketView ip = parse_ip(packet.subspan(link));
  std::uint8_t protocol;
  switch (type) {
    case VirtioNetHeader::kGsoTcpV4:
    case VirtioNetHeader::kGsoTcpV6:
      protocol = kProtocolTcp;
      if (ip.version != (type == VirtioNetHeader::kGsoTcpV4 ? 4U : 6U)) return OffloadStatus::malformed;
      break;
    case VirtioNetHeader::kGsoUdpL4:
      protocol = kProtocolUdp;
      break;
    default:
      return OffloadStatus::unsupported;
  }
  if (ip.header_length == 0) return OffloadStatus::malformed;
  if (ip.protocol != protocol) return OffloadStatus::unsupported;  // e.g. an IPv6 extension header
  // From here on, offsets count from the packet's start: the link header, IP, then TCP or UDP.
  const std::size_t l4_offset = link + ip.header_length;
  std::size_t headers = l4_offset + kUdpHeaderSize;
  if (protocol == kProtocolTcp) {
    if (packet.size() < l4_offset + 20) return OffloadStatus::malformed;
    headers = l4_offset + (packet[l4_offset + 12] >> 4) * 4U;
    if (headers < l4_offset + 20) return OffloadStatus::malformed;
  }
  if (headers > packet.size() || header.gso_size == 0) return OffloadStatus::malformed;

  // The template every segment's headers start from: the packet's own are overwritten by the
  // first segment's, and later ones by payload positions. 60 bytes of IPv4 and 60 of TCP at most,
  // behind the link header.
  std::array<std::uint8_t, kMaxLinkHeader + 120> original{};
  std::memcpy(original.data(), packet.data(), headers);
  const std::size_t payload = packet.size() - headers;
  std::size_t mss = header.gso_size;
  if (protocol == kProtocolTcp && framing.max_segment != 0) {
    // TCP segments may be smaller than the sender chose; the receiver sees only a smaller MSS.
    if (framing.max_segment <= headers) return OffloadStatus::unsupported;
    mss = std::min(mss, framing.max_segment - headers);
  }
  const std::size_t count = std::max<std::size_t>(1, (payload + mss - 1) / mss);
  const std::uint16_t first_id = ip.version == 4 ? load_be16(&original[link + 4]) : 0;
  const std::uint32_t first_sequence = protocol == kProtocolTcp ? load_be32(&original[l4_offset + 4]) : 0;
  const std::uint8_t* original_ip = &original[link];
  const std::uint64_t addresses =
      address_sum(source_of(original_ip, ip.version), destination_of(original_ip, ip.version));

  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t chunk = std::min(mss, payload - i * mss);
    const std::size_t total = headers + chunk;
    // Right before this segment's payload: the end of the previous one, already handed out.
    std::uint8_t* position = packet.data() + i * mss;
    std::memcpy(position, original.data(), headers);
    std::uint8_t* ip_start = position + link;
    const std::size_t ip_total = total - link;
    if (ip.version == 4) store_be16(ip_start + 4, static_cast<std::uint16_t>(first_id + i));
    set_ip_length(ip_start, ip.version, ip.header_length, ip_total);
    std::uint8_t* l4 = position + l4_offset;
    if (protocol == kProtocolTcp) {
      store_be32(l4 + 4, first_sequence + static_cast<std::uint32_t>(i * mss));
      std::uint8_t flags = l4[kTcpFlagsOffset];
      if (i + 1 != count) flags &= static_cast<std::uint8_t>(~(kTcpFin | kTcpPsh));
      if (i != 0) flags &= static_cast<std::uint8_t>(~kTcpCwr);
      l4[kTcpFlagsOffset] = flags;
    } else {
      store_be16(l4 + 4, static_cast<std::uint16_t>(ip_total - ip.header_length));
    }
    set_transport_checksum(ip_start, addresses, ip.header_length, ip_total, protocol);
    each(std::span<const std::uint8_t>(position, total));
  }
  return OffloadStatus::ok;
}

Coalescer::Coalescer(std::size_t max_packet, std::size_t link_header, bool udp)
    : max_packet_(std::min<std::size_t>(max_packet, 65535)), link_(link_header), udp_(udp) {}

void Coalescer::set_storage(std::size_t i, std::span<std::uint8_t> storage) noexcept {
  Slot& slot = slots_[i];
  slot.storage =
      storage.size() >= VirtioNetHeader::kSize + link_ + max_packet_ ? storage : std::span<std::uint8_t>(slot.own);
}

std::uint8_t* Coalescer::built(Slot& slot) {
  if (slot.storage.empty()) {
    slot.own.resize(VirtioNetHeader::kSize + link_ + max_packet_);
    slot.storage = slot.own;
  }
  return slot.storage.data() + VirtioNetHeader::kSize;
}

namespace {

// Same addresses and ports: two plain packets of `version`, both TCP or both UDP.
bool same_flow(const std::uint8_t* a, const std::uint8_t* b, unsigned version) noexcept {
  return version == 4 ? std::memcmp(a + 12, b + 12, 8) == 0 && std::memcmp(a + 20, b + 20, 4) == 0
                      : std::memcmp(a + 8, b + 8, 32) == 0 && std::memcmp(a + 40, b + 40, 4) == 0;
}

// The IP header fields a run's packets share: all but lengths, id and checksum (the addresses are
// same_flow's).
bool same_ip_fields(const std::uint8_t* a, const std::uint8_t* b, unsigned version) noexcept {
  return version == 4 ? a[1] == b[1] && std::memcmp(a + 6, b + 6, 4) == 0
                      : std::memcmp(a, b, 4) == 0 && std::memcmp(a + 6, b + 6, 2) == 0;
}

// The TCP header of the next segment of a run: all as the run's but the sequence number (the
// run's next), the checksum and PSH. A UDP header has nothing else: ports and length. Only for a
// segment (a header of 20 bytes or more, within the packet) as long as the run's first.
bool same_tcp_fields(const std::uint8_t* a, const std::uint8_t* b, std::size_t header, std::uint32_t next) noexcept {
  // Acknowledgment, data offset and window; options come in 4-byte words. Compared inline: a
  // library call per packet is a visible share of a receiver's time.
  if (load_be32(a + 4) != next || load_be32(a + 8) != load_be32(b + 8) || a[12] != b[12] ||
      load_be16(a + 14) != load_be16(b + 14)) {
    return false;
  }
  for (std::size_t i = 20; i < header; i += 4) {
    if (load_be32(a + i) != load_be32(b + i)) return false;
  }
  return true;
}

// Packets that are certainly in no run (ICMP; UDP when UDP is not coalesced): the runs built so
// far need not end before them.
bool outside_every_run(const IpPacketView& ip, bool udp) noexcept {
  constexpr std::uint8_t kProtocolIcmp = 1;
  constexpr std::uint8_t kProtocolIcmpv6 = 58;
  return ip.version != 0 &&
         ((ip.protocol == kProtocolUdp && !udp) || ip.protocol == kProtocolIcmp || ip.protocol == kProtocolIcmpv6);
}

// The IP packet behind `link` bytes of link header: for an Ethernet header, only when its
// ethertype says IPv4 or IPv6 and the packet is that version. Empty otherwise.
IpPacketView parse_framed_ip(std::span<const std::uint8_t> frame, std::size_t link) noexcept {
  if (link == 0) return parse_ip(frame);
  const std::uint16_t ethertype = load_be16(&frame[link - 2]);
  if (ethertype != kEthertypeIpv4 && ethertype != kEthertypeIpv6) return {};
  const IpPacketView ip = parse_ip(frame.subspan(link));
  return ip.version == (ethertype == kEthertypeIpv4 ? 4U : 6U) ? ip : IpPacketView{};
}

}  // namespace

bool Coalescer::add(std::span<const std::uint8_t> packet) {
  // An empty packet is nothing to write, alone or not.
  if (packet.size() <= link_ || packet.size() > link_ + max_packet_) return false;
  const std::uint8_t* frame = packet.data();
  const std::uint8_t* p = frame + link_;  // the IP header
  const std::size_t size = packet.size() - link_;
  const IpPacketView ip = parse_framed_ip(packet, link_);
  // Only plain 20-byte IPv4 headers and IPv6 without extensions (a super-packet has one header),
  // and nothing past the IP packet: the padding of a frame (as to Ethernet's 60-byte minimum)
  // would become data in a run.
  const bool plain_ip = (ip.version == 6 || ip.header_length == 20) && ip.total_length == size;
  const std::size_t l4 = ip.header_length;
  std::uint8_t protocol = 0;  // TCP or UDP when the packet is one a run may hold
  std::size_t headers = 0;
  std::size_t payload = 0;
  std::uint8_t flags = 0;
  bool segment = false;  // data a run may grow by
  if (plain_ip && ip.protocol == kProtocolTcp && size >= l4 + 20) {
    protocol = kProtocolTcp;
    headers = l4 + (p[l4 + 12] >> 4) * 4U;
    flags = p[l4 + kTcpFlagsOffset];
    if (headers >= l4 + 20 && headers <= size) payload = size - headers;
    // Pure data segments: ACK, maybe PSH, nothing else (no SYN, FIN, RST, URG, ECE or CWR).
    segment = payload > 0 && (flags & ~kTcpPsh) == kTcpAck;
  } else if (udp_ && plain_ip && ip.protocol == kProtocolUdp && size > l4 + kUdpHeaderSize &&
             load_be16(p + l4 + 4) == size - l4) {
    protocol = kProtocolUdp;
    headers = l4 + kUdpHeaderSize;
    payload = size - headers;
    segment = true;
  }

  if (protocol != 0) {
    // The latest run of this flow, if any: the packet joins it, or ends it.
    for (std::size_t i = used_; i-- > 0;) {
      Slot& slot = slots_[i];
      if (slot.version != ip.version || slot.protocol != protocol) continue;
      std::uint8_t* f = built(slot);
      std::uint8_t* b = f + link_;
      if (!same_flow(p, b, ip.version) || (link_ != 0 && std::memcmp(frame, f, link_) != 0)) continue;
      // The header compares come last: they are valid for segments only.
      const bool joins = segment && slot.open && headers == slot.header_bytes && payload <= slot.segment_size &&
                         slot.size + payload <= max_packet_ && same_ip_fields(p, b, ip.version) &&
                         (protocol == kProtocolUdp ? slot.count < kMaxUdpSegments
                                                   : same_tcp_fields(p + l4, b + l4, headers - l4, slot.next_sequence));
      if (!joins) {
        slot.open = false;
        break;
      }
      std::memcpy(b + slot.size, p + headers, payload);
      slot.size += payload;
      ++slot.count;
      if (protocol == kProtocolUdp) {
        slot.open = payload == slot.segment_size;
        return true;
      }
      slot.next_sequence += static_cast<std::uint32_t>(payload);
      if ((flags & kTcpPsh) != 0) b[l4 + kTcpFlagsOffset] |= kTcpPsh;
      slot.open = payload == slot.segment_size && (flags & kTcpPsh) == 0;
      return true;
    }
  } else if (!outside_every_run(ip, udp_)) {
    // Maybe of a flow we cannot tell (IP options, extension headers, fragments, VLAN tags): no
    // run built so far may grow past it.
    for (std::size_t i = 0; i < used_; ++i) slots_[i].open = false;
  }

  if (used_ == kSlots) return false;
  Slot& slot = slots_[used_++];
  std::memcpy(built(slot), frame, packet.size());
  slot.size = size;
  slot.count = 1;
  slot.version = protocol != 0 ? ip.version : 0;
  slot.protocol = protocol;
  slot.open = segment && (flags & kTcpPsh) == 0;
  if (segment) {
    slot.header_bytes = headers;
    slot.segment_size = payload;
    if (protocol == kProtocolTcp) slot.next_sequence = load_be32(p + l4 + 4) + static_cast<std::uint32_t>(payload);
  }
  return true;
}

std::span<const std::uint8_t> Coalescer::pending(std::size_t i) {
  Slot& slot = slots_[i];
  VirtioNetHeader header;
  std::uint8_t* b = built(slot) + link_;
  if (slot.count == 1) {
    header.flags = VirtioNetHeader::kDataValid;
  } else {
    const std::size_t ip_header = slot.version == 4 ? 20 : kIpv6HeaderSize;
    const std::size_t l4_length = slot.size - ip_header;
    set_ip_length(b, slot.version, ip_header, slot.size);
    const bool udp = slot.protocol == kProtocolUdp;
    // The kernel's own UDP GRO leaves the whole length here too; each segment gets its own.
    if (udp) store_be16(b + ip_header + 4, static_cast<std::uint16_t>(l4_length));
    // A partial checksum, as the kernel's own GRO leaves it: the pseudo-header sum, not inverted.
    const std::uint64_t pseudo = pseudo_header_sum(source_of(b, slot.version), destination_of(b, slot.version),
                                                   slot.protocol, static_cast<std::uint32_t>(l4_length));
    const std::size_t checksum_offset = udp ? kUdpChecksumOffset : kTcpChecksumOffset;
    store_be16(b + ip_header + checksum_offset, static_cast<std::uint16_t>(~checksum_finish(pseudo)));
    header.flags = VirtioNetHeader::kNeedsChecksum;
    header.gso_type = udp                 ? VirtioNetHeader::kGsoUdpL4
                      : slot.version == 4 ? VirtioNetHeader::kGsoTcpV4
                                          : VirtioNetHeader::kGsoTcpV6;
    header.header_length = static_cast<std::uint16_t>(link_ + slot.header_bytes);
    header.gso_size = static_cast<std::uint16_t>(slot.segment_size);
    header.checksum_start = static_cast<std::uint16_t>(link_ + ip_header);
    header.checksum_offset = static_cast<std::uint16_t>(checksum_offset);
  }
  header.write(slot.storage.first<VirtioNetHeader::kSize>());
  return slot.storage.first(VirtioNetHeader::kSize + link_ + slot.size);
}

}  // namespace sluice::tunnel
