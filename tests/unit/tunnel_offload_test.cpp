#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tunnel/checksum.hpp"
#include "tunnel/offload.hpp"

using sluice::tunnel::checksum_add;
using sluice::tunnel::checksum_finish;
using sluice::tunnel::Coalescer;
using sluice::tunnel::Framing;
using sluice::tunnel::OffloadStatus;
using sluice::tunnel::pseudo_header_sum;
using sluice::tunnel::split_packet;
using sluice::tunnel::VirtioNetHeader;

namespace sluice::tunnel {
// For Boost.Test's messages.
inline std::ostream& operator<<(std::ostream& out, OffloadStatus status) { return out << static_cast<int>(status); }
}  // namespace sluice::tunnel

namespace {

using Bytes = std::vector<std::uint8_t>;
using Segments = std::vector<Bytes>;

// split_packet() on a copy of `packet`, each segment copied out as it is handed over (the next
// one is built over its tail).
OffloadStatus split(const VirtioNetHeader& header, const Bytes& packet, Segments& segments,
                    const Framing& framing = {}) {
  segments.clear();
  Bytes scratch = packet;
  return split_packet(
      header, scratch, [&](std::span<const std::uint8_t> s) { segments.emplace_back(s.begin(), s.end()); }, framing);
}

constexpr std::uint8_t kAck = 0x10, kPsh = 0x08, kFin = 0x01, kCwr = 0x80, kSyn = 0x02;

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t be32(const std::uint8_t* p) { return static_cast<std::uint32_t>(be16(p)) << 16 | be16(p + 2); }
void put16(std::uint8_t* p, unsigned v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

// An IPv4 or IPv6 packet 10.0.0.1:1000 -> 10.0.0.2:2000 (or fd00::1 -> fd00::2) of `protocol`
// (6 or 17) with `payload` bytes 0, 1, 2, ...; TCP with sequence `sequence`, `flags` and a 12-byte
// timestamp option. Checksums are left zero.
Bytes make_packet(unsigned version, std::uint8_t protocol, std::size_t payload, std::uint32_t sequence = 1000,
                  std::uint8_t flags = kAck | kPsh) {
  const std::size_t ip = version == 4 ? 20 : 40;
  const std::size_t l4 = protocol == 6 ? 32 : 8;
  Bytes p(ip + l4 + payload);
  if (version == 4) {
    p[0] = 0x45;
    put16(&p[2], static_cast<unsigned>(p.size()));
    put16(&p[4], 0x1234);
    p[6] = 0x40;  // DF
    p[8] = 64;
    p[9] = protocol;
    p[12] = 10, p[15] = 1, p[16] = 10, p[19] = 2;
  } else {
    p[0] = 0x60;
    put16(&p[4], static_cast<unsigned>(p.size() - 40));
    p[6] = protocol;
    p[7] = 64;
    p[8] = 0xfd, p[23] = 1, p[24] = 0xfd, p[39] = 2;
  }
  std::uint8_t* t = &p[ip];
  put16(t, 1000);
  put16(t + 2, 2000);
  if (protocol == 6) {
    put16(t + 4, sequence >> 16);
    put16(t + 6, sequence & 0xffff);
    put16(t + 8, 0xabcd);
    t[12] = 8 << 4;  // 32-byte header
    t[13] = flags;
    put16(t + 14, 512);
    t[20] = 1, t[21] = 1, t[22] = 8, t[23] = 10, t[27] = 7;  // NOP NOP timestamp
  } else {
    put16(t + 4, static_cast<unsigned>(l4 + payload));
  }
  for (std::size_t i = 0; i < payload; ++i) p[ip + l4 + i] = static_cast<std::uint8_t>(i);
  return p;
}

std::size_t ip_length(std::span<const std::uint8_t> p) { return (p[0] >> 4) == 4 ? 20 : 40; }

// Both the IPv4 header checksum and the transport checksum verify (sum to 0 once folded).
bool checksums_valid(std::span<const std::uint8_t> p) {
  const unsigned version = p[0] >> 4;
  const std::size_t ip = ip_length(p);
  if (version == 4 && checksum_finish(checksum_add(p.first(20))) != 0) return false;
  const auto source = version == 4 ? p.subspan(12, 4) : p.subspan(8, 16);
  const auto destination = version == 4 ? p.subspan(16, 4) : p.subspan(24, 16);
  const std::uint8_t protocol = version == 4 ? p[9] : p[6];
  const std::uint64_t pseudo =
      pseudo_header_sum(source, destination, protocol, static_cast<std::uint32_t>(p.size() - ip));
  return checksum_finish(checksum_add(p.subspan(ip), pseudo)) == 0;
}

// `packet` behind an Ethernet header 02:..:02 <- 02:..:01 whose ethertype is its IP version's,
// with an 802.1Q tag (VLAN 7) in front of that if `vlan`.
Bytes make_frame(const Bytes& packet, bool vlan = false, std::uint8_t destination = 2) {
  const bool v4 = (packet[0] >> 4) == 4;
  Bytes f;
  // Reserved whole: GCC 12 warns about a memcpy past the bounds of inserts that grow the vector.
  f.reserve(18 + packet.size());
  for (const std::uint8_t byte : {0x02, 0, 0, 0, 0, int{destination}, 0x02, 0, 0, 0, 0, 1}) f.push_back(byte);
  if (vlan) {
    for (const std::uint8_t byte : {0x81, 0x00, 0x00, 0x07}) f.push_back(byte);
  }
  f.push_back(v4 ? 0x08 : 0x86);
  f.push_back(v4 ? 0x00 : 0xdd);
  f.insert(f.end(), packet.begin(), packet.end());
  return f;
}

VirtioNetHeader gso(std::uint8_t type, std::uint16_t size) {
  VirtioNetHeader h;
  h.flags = VirtioNetHeader::kNeedsChecksum;
  h.gso_type = type;
  h.gso_size = size;
  return h;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tunnel_offload)

BOOST_AUTO_TEST_CASE(checksum_matches_rfc1071_example) {
  // An IPv4 header with a known checksum of 0xb861.
  const Bytes header{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                     0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  BOOST_TEST(checksum_finish(checksum_add(header)) == 0xb861);
  const Bytes odd{0x01, 0x02, 0x03};  // 0x0102 + 0x0300
  BOOST_TEST(checksum_finish(checksum_add(odd)) == static_cast<std::uint16_t>(~0x0402));
}

BOOST_AUTO_TEST_CASE(checksum_matches_the_word_by_word_definition) {
  Bytes data(301);
  std::uint32_t state = 12345;
  for (auto& b : data) b = static_cast<std::uint8_t>((state = state * 1103515245 + 12345) >> 16);
  for (std::size_t length = 0; length <= data.size(); ++length) {
    std::uint64_t reference = 7;
    for (std::size_t i = 0; i < length; i += 2) {
      reference += static_cast<std::uint64_t>(data[i]) << 8 | (i + 1 < length ? data[i + 1] : 0);
    }
    BOOST_TEST(checksum_finish(checksum_add(std::span(data).first(length), 7)) == checksum_finish(reference));
  }
}

BOOST_AUTO_TEST_CASE(virtio_header_round_trips_little_endian) {
  VirtioNetHeader h{1, 4, 0x0102, 1380, 40, 16};
  std::array<std::uint8_t, VirtioNetHeader::kSize> bytes{};
  h.write(bytes);
  BOOST_TEST(bytes[2] == 0x02);
  BOOST_TEST(bytes[3] == 0x01);
  const VirtioNetHeader back = VirtioNetHeader::parse(bytes);
  BOOST_TEST(back.gso_size == 1380);
  BOOST_TEST(back.checksum_start == 40);
  BOOST_TEST(back.checksum_offset == 16);
  BOOST_TEST(back.gso_type == 4);
}

BOOST_AUTO_TEST_CASE(plain_packet_passes_without_copy) {
  Bytes p = make_packet(4, 6, 100);
  std::vector<std::span<const std::uint8_t>> handed;
  BOOST_TEST(split_packet(VirtioNetHeader{}, p, [&](std::span<const std::uint8_t> s) { handed.push_back(s); }) ==
             OffloadStatus::ok);
  BOOST_TEST_REQUIRE(handed.size() == 1U);
  BOOST_TEST(handed[0].data() == p.data());
  BOOST_TEST(handed[0].size() == p.size());
}

BOOST_AUTO_TEST_CASE(partial_checksum_is_finished) {
  for (const std::uint8_t protocol : {std::uint8_t{6}, std::uint8_t{17}}) {
    Bytes p = make_packet(6, protocol, 333);
    // As the kernel leaves it: the pseudo-header sum, folded and not inverted, in the field.
    const std::uint16_t field = protocol == 6 ? 16 : 6;
    const auto pseudo = pseudo_header_sum(std::span(p).subspan(8, 16), std::span(p).subspan(24, 16), protocol,
                                          static_cast<std::uint32_t>(p.size() - 40));
    put16(&p[40 + field], static_cast<std::uint16_t>(~checksum_finish(pseudo)));
    VirtioNetHeader h;
    h.flags = VirtioNetHeader::kNeedsChecksum;
    h.checksum_start = 40;
    h.checksum_offset = field;
    Segments segments;
    BOOST_TEST(split(h, p, segments) == OffloadStatus::ok);
    BOOST_TEST(checksums_valid(segments.at(0)));
  }
}

BOOST_AUTO_TEST_CASE(tcp_super_packet_is_split_with_fixed_headers) {
  for (const unsigned version : {4U, 6U}) {
    const std::uint8_t type = version == 4 ? VirtioNetHeader::kGsoTcpV4 : VirtioNetHeader::kGsoTcpV6;
    Bytes p = make_packet(version, 6, 2500, 0xfffffc00, kAck | kPsh | kFin | kCwr);  // sequence wraps
    Segments segments;
    BOOST_TEST_REQUIRE(split(gso(type, 1000), p, segments) == OffloadStatus::ok);
    BOOST_TEST_REQUIRE(segments.size() == 3U);
    const std::size_t ip = ip_length(p);
    const std::size_t headers = ip + 32;
    std::size_t offset = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      const auto& s = segments[i];
      const std::size_t chunk = i < 2 ? 1000 : 500;
      BOOST_TEST(s.size() == headers + chunk);
      BOOST_TEST(checksums_valid(s));
      if (version == 4) {
        BOOST_TEST(be16(&s[2]) == s.size());
        BOOST_TEST(be16(&s[4]) == 0x1234 + i);
      } else {
        BOOST_TEST(be16(&s[4]) == s.size() - 40);
      }
      BOOST_TEST(be32(&s[ip + 4]) == static_cast<std::uint32_t>(0xfffffc00 + i * 1000));
      const std::uint8_t flags = s[ip + 13];
      BOOST_TEST(((flags & (kPsh | kFin)) != 0) == (i == 2));
      BOOST_TEST(((flags & kCwr) != 0) == (i == 0));
      BOOST_TEST((flags & kAck) != 0);
      BOOST_TEST(std::equal(s.begin() + static_cast<std::ptrdiff_t>(headers), s.end(),
                            p.begin() + static_cast<std::ptrdiff_t>(headers + offset)));
      offset += chunk;
    }
  }
}

BOOST_AUTO_TEST_CASE(udp_super_packet_is_split) {
  Bytes p = make_packet(4, 17, 3000);
  Segments segments;
  BOOST_TEST_REQUIRE(split(gso(VirtioNetHeader::kGsoUdpL4, 1200), p, segments) == OffloadStatus::ok);
  BOOST_TEST_REQUIRE(segments.size() == 3U);
  BOOST_TEST(segments[2].size() == 20U + 8U + 600U);
  for (const auto& s : segments) {
    BOOST_TEST(be16(&s[24]) == s.size() - 20);
    BOOST_TEST(checksums_valid(s));
  }
}

BOOST_AUTO_TEST_CASE(bad_super_packets_are_refused) {
  Bytes p = make_packet(4, 6, 2000);
  Segments segments;
  BOOST_TEST(split(gso(VirtioNetHeader::kGsoTcpV4, 0), p, segments) == OffloadStatus::malformed);
  BOOST_TEST(split(gso(VirtioNetHeader::kGsoTcpV6, 1000), p, segments) == OffloadStatus::malformed);
  BOOST_TEST(split(gso(3, 1000), p, segments) == OffloadStatus::unsupported);  // UFO
  BOOST_TEST(split(gso(VirtioNetHeader::kGsoUdpL4, 1000), p, segments) == OffloadStatus::unsupported);
  Bytes truncated(p.begin(), p.begin() + 30);
  BOOST_TEST(split(gso(VirtioNetHeader::kGsoTcpV4, 1000), truncated, segments) == OffloadStatus::malformed);
  // Refused before any segment is handed over.
  BOOST_TEST(segments.empty());
  BOOST_TEST(split(VirtioNetHeader{}, Bytes{}, segments) == OffloadStatus::malformed);
  BOOST_TEST(segments.empty());
  Coalescer coalescer;
  BOOST_TEST(!coalescer.add({}));
  BOOST_TEST(coalescer.empty());
}

// Each segment's headers are written over the end of the payload before it, so payloads shorter
// than the headers overwrite earlier ones several times over: all must still come out whole.
BOOST_AUTO_TEST_CASE(segments_built_in_place_at_any_size) {
  for (const unsigned version : {4U, 6U}) {
    const std::uint8_t type = version == 4 ? VirtioNetHeader::kGsoTcpV4 : VirtioNetHeader::kGsoTcpV6;
    const std::size_t payload = 3001;
    const Bytes p = make_packet(version, 6, payload, 7000);
    const std::size_t headers = ip_length(p) + 32;
    for (const std::uint16_t mss : {1, 20, 51, 52, 53, 1000, 3001, 4000}) {
      Segments segments;
      BOOST_TEST_REQUIRE(split(gso(type, mss), p, segments) == OffloadStatus::ok);
      BOOST_TEST_REQUIRE(segments.size() == (payload + mss - 1) / mss);
      std::size_t offset = 0;
      for (const auto& s : segments) {
        const std::size_t chunk = std::min<std::size_t>(mss, payload - offset);
        BOOST_TEST_REQUIRE(s.size() == headers + chunk);
        BOOST_TEST(checksums_valid(s));
        BOOST_TEST(be32(&s[ip_length(p) + 4]) == 7000 + offset);
        BOOST_TEST(std::equal(s.begin() + static_cast<std::ptrdiff_t>(headers), s.end(),
                              p.begin() + static_cast<std::ptrdiff_t>(headers + offset)));
        offset += chunk;
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(coalescer_rebuilds_the_super_packet) {
  for (const unsigned version : {4U, 6U}) {
    const std::uint8_t type = version == 4 ? VirtioNetHeader::kGsoTcpV4 : VirtioNetHeader::kGsoTcpV6;
    Bytes p = make_packet(version, 6, 4500);
    Segments segments;
    BOOST_TEST_REQUIRE(split(gso(type, 1000), p, segments) == OffloadStatus::ok);
    const Segments originals = segments;

    Coalescer coalescer;
    for (const auto& s : originals) BOOST_TEST_REQUIRE(coalescer.add(s));
    BOOST_TEST_REQUIRE(coalescer.size() == 1U);
    const auto built = coalescer.pending(0);
    const VirtioNetHeader h = VirtioNetHeader::parse(built.first<VirtioNetHeader::kSize>());
    BOOST_TEST(h.gso_type == type);
    BOOST_TEST(h.gso_size == 1000);
    BOOST_TEST(h.flags == VirtioNetHeader::kNeedsChecksum);
    BOOST_TEST(h.checksum_start == ip_length(p));
    BOOST_TEST(h.header_length == ip_length(p) + 32);
    Bytes rebuilt(built.begin() + VirtioNetHeader::kSize, built.end());
    BOOST_TEST(rebuilt.size() == p.size());

    // Splitting it again (as the kernel would) gives back the very same segments.
    BOOST_TEST_REQUIRE(split(h, rebuilt, segments) == OffloadStatus::ok);
    BOOST_TEST_REQUIRE(segments.size() == originals.size());
    for (std::size_t i = 0; i < originals.size(); ++i) {
      BOOST_TEST(std::equal(segments[i].begin(), segments[i].end(), originals[i].begin(), originals[i].end()));
    }
    coalescer.clear();
    BOOST_TEST(coalescer.empty());
  }
}

// `packet` with byte `at` set to `value`.
Bytes changed(Bytes packet, std::size_t at, std::uint8_t value) {
  packet[at] = value;
  return packet;
}

BOOST_AUTO_TEST_CASE(coalescer_keeps_other_packets_apart) {
  const Bytes first = make_packet(4, 6, 1000, 5000, kAck);
  const Bytes next = make_packet(4, 6, 1000, 6000, kAck);
  // Each ends the run of its flow: it goes into a packet of its own, and so does the segment after.
  const Bytes breakers[] = {
      make_packet(4, 6, 1000, 7000, kAck),         // a gap in the sequence
      make_packet(4, 6, 1000, 6000, kAck | kFin),  // FIN
      make_packet(4, 6, 0, 6000, kAck),            // a pure ACK
      make_packet(4, 6, 1200, 6000, kAck),         // longer than the first
      changed(next, 20 + 8, 0x01),                 // another acknowledgment
      changed(next, 20 + 14, 0x09),                // another window
      changed(next, 20 + 27, 0x08),                // another timestamp (an option)
      changed(next, 1, 0x10),                      // another TOS
  };
  for (const Bytes& breaker : breakers) {
    Coalescer coalescer;
    BOOST_TEST(coalescer.add(first));
    BOOST_TEST(coalescer.add(breaker));
    BOOST_TEST(coalescer.add(next));
    BOOST_TEST_REQUIRE(coalescer.size() == 3U);
    BOOST_TEST(coalescer.pending(0).size() == VirtioNetHeader::kSize + first.size());
    BOOST_TEST(coalescer.pending(1).size() == VirtioNetHeader::kSize + breaker.size());
    BOOST_TEST(coalescer.pending(2).size() == VirtioNetHeader::kSize + next.size());
  }

  // Other flows and other protocols take packets of their own; the run goes on past them, up to
  // a shorter segment (the last one).
  Coalescer coalescer;
  BOOST_TEST(coalescer.add(first));
  BOOST_TEST(coalescer.add(make_packet(6, 6, 1000, 6000, kAck)));  // another flow
  BOOST_TEST(coalescer.add(make_packet(4, 17, 100)));              // not TCP
  BOOST_TEST(coalescer.add(make_packet(4, 6, 400, 6000, kAck)));   // shorter: the last one
  BOOST_TEST(coalescer.add(make_packet(4, 6, 400, 6400, kAck)));
  BOOST_TEST_REQUIRE(coalescer.size() == 4U);
  BOOST_TEST(coalescer.pending(0).size() == VirtioNetHeader::kSize + 52 + 1400);
  BOOST_TEST(coalescer.pending(3).size() == VirtioNetHeader::kSize + 52 + 400);

  // Anything that cannot be coalesced goes out alone, marked as verified.
  coalescer.clear();
  BOOST_TEST(coalescer.empty());
  const Bytes syn = make_packet(4, 6, 0, 1, kSyn);
  BOOST_TEST(coalescer.add(syn));
  BOOST_TEST(coalescer.add(make_packet(4, 6, 100, 2, kAck)));
  BOOST_TEST_REQUIRE(coalescer.size() == 2U);
  const auto alone = coalescer.pending(0);
  BOOST_TEST(alone[0] == VirtioNetHeader::kDataValid);
  BOOST_TEST(alone[1] == VirtioNetHeader::kGsoNone);
  BOOST_TEST(std::equal(alone.begin() + VirtioNetHeader::kSize, alone.end(), syn.begin(), syn.end()));
}

BOOST_AUTO_TEST_CASE(coalescer_coalesces_interleaved_flows) {
  for (const unsigned version : {4U, 6U}) {
    const std::uint8_t type = version == 4 ? VirtioNetHeader::kGsoTcpV4 : VirtioNetHeader::kGsoTcpV6;
    // Flow A from port 1000, flow B from port 3000, their segments alternating.
    Segments a;
    Segments b;
    for (std::uint32_t k = 0; k < 4; ++k) {
      a.push_back(make_packet(version, 6, 1000, 5000 + 1000 * k, kAck));
      b.push_back(make_packet(version, 6, 1000, 9000 + 1000 * k, kAck));
      put16(&b.back()[ip_length(b.back())], 3000);
    }
    Coalescer coalescer;
    for (std::size_t k = 0; k < a.size(); ++k) {
      BOOST_TEST_REQUIRE(coalescer.add(a[k]));
      BOOST_TEST_REQUIRE(coalescer.add(b[k]));
    }
    // One super-packet per flow, A's first (its first segment came first); each splits back
    // into its own segments.
    BOOST_TEST_REQUIRE(coalescer.size() == 2U);
    for (std::size_t i = 0; i < 2; ++i) {
      const Segments& originals = i == 0 ? a : b;
      const auto built = coalescer.pending(i);
      const VirtioNetHeader h = VirtioNetHeader::parse(built.first<VirtioNetHeader::kSize>());
      BOOST_TEST(h.gso_type == type);
      BOOST_TEST(h.gso_size == 1000);
      const Bytes rebuilt(built.begin() + VirtioNetHeader::kSize, built.end());
      Segments segments;
      BOOST_TEST_REQUIRE(split(h, rebuilt, segments) == OffloadStatus::ok);
      BOOST_TEST_REQUIRE(segments.size() == originals.size());
      for (std::size_t k = 0; k < originals.size(); ++k) {
        // The split fills in checksums the originals leave zero: compare all but those.
        const std::size_t l4 = ip_length(originals[k]);
        BOOST_TEST(be16(&segments[k][l4]) == be16(&originals[k][l4]));
        BOOST_TEST(be32(&segments[k][l4 + 4]) == be32(&originals[k][l4 + 4]));
        BOOST_TEST(std::equal(segments[k].begin() + static_cast<std::ptrdiff_t>(l4 + 32), segments[k].end(),
                              originals[k].begin() + static_cast<std::ptrdiff_t>(l4 + 32), originals[k].end()));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(coalescer_passes_malformed_tcp_headers_alone) {
  // A data offset below 5, or past the packet's end, after a packet of the same flow (each the
  // same twice, with sequence number 0 as a slot that holds no run expects, so that every other
  // field matches): no header compare may run on them (under the sanitizers, one would read out
  // of bounds), and each goes out alone.
  const Bytes first = make_packet(4, 6, 1000, 5000, kAck);
  for (const std::uint8_t offset : {std::uint8_t{0}, std::uint8_t{4 << 4}, std::uint8_t{15 << 4}}) {
    const Bytes bad = changed(make_packet(4, 6, 8, 0, kAck), 20 + 12, offset);
    Coalescer coalescer;
    BOOST_TEST(coalescer.add(first));
    BOOST_TEST(coalescer.add(bad));
    BOOST_TEST(coalescer.add(bad));
    BOOST_TEST_REQUIRE(coalescer.size() == 3U);
    for (std::size_t i = 1; i < 3; ++i) {
      const auto alone = coalescer.pending(i);
      BOOST_TEST(alone[1] == VirtioNetHeader::kGsoNone);
      BOOST_TEST(std::equal(alone.begin() + VirtioNetHeader::kSize, alone.end(), bad.begin(), bad.end()));
    }
  }
}

BOOST_AUTO_TEST_CASE(coalescer_table_full) {
  Coalescer coalescer;
  for (std::size_t i = 0; i < Coalescer::kSlots; ++i) {
    Bytes p = make_packet(4, 6, 1000, 5000, kAck);
    put16(&p[20], static_cast<unsigned>(1000 + i));
    BOOST_TEST_REQUIRE(coalescer.add(p));
  }
  const Bytes another = make_packet(4, 17, 100);
  BOOST_TEST(!coalescer.add(another));
  coalescer.clear();
  BOOST_TEST(coalescer.add(another));
  BOOST_TEST(coalescer.size() == 1U);
}

// Where the device takes UDP super-packets (USO), the datagrams of one flow are coalesced as the
// kernel's UDP GRO does: equal sizes but a shorter last one, the whole length in the UDP header,
// a partial checksum; splitting the result gives back the very same datagrams.
BOOST_AUTO_TEST_CASE(coalescer_rebuilds_udp_super_packets) {
  for (const unsigned version : {4U, 6U}) {
    Bytes p = make_packet(version, 17, 3000);
    Segments originals;
    BOOST_TEST_REQUIRE(split(gso(VirtioNetHeader::kGsoUdpL4, 1200), p, originals) == OffloadStatus::ok);
    BOOST_TEST_REQUIRE(originals.size() == 3U);

    Coalescer coalescer(65535, 0, true);
    for (const auto& s : originals) BOOST_TEST_REQUIRE(coalescer.add(s));
    BOOST_TEST_REQUIRE(coalescer.size() == 1U);
    const auto built = coalescer.pending(0);
    const VirtioNetHeader h = VirtioNetHeader::parse(built.first<VirtioNetHeader::kSize>());
    BOOST_TEST(h.gso_type == VirtioNetHeader::kGsoUdpL4);
    BOOST_TEST(h.gso_size == 1200);
    BOOST_TEST(h.flags == VirtioNetHeader::kNeedsChecksum);
    BOOST_TEST(h.checksum_start == ip_length(p));
    BOOST_TEST(h.checksum_offset == 6);
    BOOST_TEST(h.header_length == ip_length(p) + 8);
    Bytes rebuilt(built.begin() + VirtioNetHeader::kSize, built.end());
    BOOST_TEST(rebuilt.size() == p.size());
    BOOST_TEST(be16(&rebuilt[ip_length(p) + 4]) == p.size() - ip_length(p));

    Segments segments;
    BOOST_TEST_REQUIRE(split(h, rebuilt, segments) == OffloadStatus::ok);
    BOOST_TEST_REQUIRE(segments.size() == originals.size());
    for (std::size_t i = 0; i < originals.size(); ++i) {
      BOOST_TEST(std::equal(segments[i].begin(), segments[i].end(), originals[i].begin(), originals[i].end()));
    }
  }
}

BOOST_AUTO_TEST_CASE(coalescer_ends_udp_runs) {
  const Bytes datagram = make_packet(4, 17, 100);
  // Without USO, each datagram goes out alone, marked as verified.
  {
    Coalescer coalescer;
    for (int i = 0; i < 3; ++i) BOOST_TEST_REQUIRE(coalescer.add(datagram));
    BOOST_TEST_REQUIRE(coalescer.size() == 3U);
    BOOST_TEST(coalescer.pending(0)[0] == VirtioNetHeader::kDataValid);
    BOOST_TEST(coalescer.pending(0)[1] == VirtioNetHeader::kGsoNone);
  }
  // A shorter datagram is the last of its run; a longer one, another port, a datagram whose UDP
  // length disagrees with the IP one, and a TCP segment of the same ports each go apart.
  Coalescer coalescer(65535, 0, true);
  Bytes other_port = datagram;
  put16(&other_port[20], 1001);
  Bytes bad_length = datagram;
  put16(&bad_length[24], 50);
  BOOST_TEST(coalescer.add(datagram));
  BOOST_TEST(coalescer.add(other_port));                       // slot 1
  BOOST_TEST(coalescer.add(make_packet(4, 6, 100, 1, kAck)));  // slot 2
  BOOST_TEST(coalescer.add(datagram));
  BOOST_TEST(coalescer.add(make_packet(4, 17, 60)));   // shorter: joins, and ends the run
  BOOST_TEST(coalescer.add(datagram));                 // slot 3
  BOOST_TEST(coalescer.add(make_packet(4, 17, 200)));  // longer: slot 4
  BOOST_TEST(coalescer.add(bad_length));               // slot 5
  BOOST_TEST_REQUIRE(coalescer.size() == 6U);
  BOOST_TEST(coalescer.pending(0).size() == VirtioNetHeader::kSize + 28 + 260);
  BOOST_TEST(coalescer.pending(3).size() == VirtioNetHeader::kSize + datagram.size());
  BOOST_TEST(coalescer.pending(5)[0] == VirtioNetHeader::kDataValid);

  // At most kMaxUdpSegments datagrams in one super-packet: the kernel refuses more.
  coalescer.clear();
  for (std::size_t i = 0; i <= Coalescer::kMaxUdpSegments; ++i) BOOST_TEST_REQUIRE(coalescer.add(datagram));
  BOOST_TEST_REQUIRE(coalescer.size() == 2U);
  BOOST_TEST(coalescer.pending(0).size() == VirtioNetHeader::kSize + 28 + 100 * Coalescer::kMaxUdpSegments);
  BOOST_TEST(coalescer.pending(1).size() == VirtioNetHeader::kSize + datagram.size());
}

BOOST_AUTO_TEST_CASE(coalescer_builds_in_the_callers_storage) {
  const Bytes first = make_packet(4, 6, 1000, 5000, kAck);
  const Bytes second = make_packet(4, 6, 1000, 6000, kAck);
  Coalescer own;
  BOOST_TEST_REQUIRE(own.add(first));
  BOOST_TEST_REQUIRE(own.add(second));
  const Bytes expected(own.pending(0).begin(), own.pending(0).end());

  Coalescer coalescer;
  Bytes storage(VirtioNetHeader::kSize + 65535);
  coalescer.set_storage(0, storage);
  BOOST_TEST(coalescer.storage(0).data() == storage.data());
  BOOST_TEST_REQUIRE(coalescer.add(first));
  BOOST_TEST_REQUIRE(coalescer.add(second));
  const auto built = coalescer.pending(0);
  BOOST_TEST(built.data() == storage.data());
  BOOST_TEST(std::equal(built.begin(), built.end(), expected.begin(), expected.end()));

  // Too small for the largest packet, or empty: back to its own buffer.
  coalescer.clear();
  Bytes small(1500);
  coalescer.set_storage(0, small);
  BOOST_TEST(coalescer.storage(0).data() != small.data());
  BOOST_TEST_REQUIRE(coalescer.add(first));
  BOOST_TEST(coalescer.pending(0).data() != storage.data());
  coalescer.clear();
  coalescer.set_storage(0, {});
  BOOST_TEST(coalescer.storage(0).size() == VirtioNetHeader::kSize + 65535);
}

// L2: Ethernet frames (a TAP device's) split and coalesce as their IP packets do, every segment
// behind a copy of the frame's Ethernet header (and VLAN tag).
BOOST_AUTO_TEST_CASE(ethernet_super_frames_are_split) {
  for (const bool vlan : {false, true}) {
    for (const unsigned version : {4U, 6U}) {
      const std::uint8_t type = version == 4 ? VirtioNetHeader::kGsoTcpV4 : VirtioNetHeader::kGsoTcpV6;
      const std::size_t link = vlan ? 18 : 14;
      const Bytes packet = make_packet(version, 6, 2500, 4000);
      const Bytes frame = make_frame(packet, vlan);
      Segments segments;
      BOOST_TEST_REQUIRE(split(gso(type, 1000), frame, segments, Framing{link, 0}) == OffloadStatus::ok);
      BOOST_TEST_REQUIRE(segments.size() == 3U);
      const std::size_t headers = link + ip_length(packet) + 32;
      std::size_t offset = 0;
      for (const auto& s : segments) {
        BOOST_TEST(std::equal(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(link), frame.begin()));
        const std::span<const std::uint8_t> ip = std::span(s).subspan(link);
        BOOST_TEST(checksums_valid(ip));
        BOOST_TEST(be32(&ip[ip_length(ip) + 4]) == 4000 + offset);
        BOOST_TEST(std::equal(s.begin() + static_cast<std::ptrdiff_t>(headers), s.end(),
                              frame.begin() + static_cast<std::ptrdiff_t>(headers + offset)));
        offset += s.size() - headers;
      }
      BOOST_TEST(offset == 2500U);
    }
  }
  // A link header longer than an Ethernet header with one tag is not split.
  Segments segments;
  BOOST_TEST(split(gso(VirtioNetHeader::kGsoTcpV4, 1000), make_frame(make_packet(4, 6, 2000)), segments,
                   Framing{22, 0}) == OffloadStatus::unsupported);
  BOOST_TEST(split(gso(VirtioNetHeader::kGsoTcpV4, 1000), Bytes(14), segments, Framing{14, 0}) ==
             OffloadStatus::malformed);
}

BOOST_AUTO_TEST_CASE(max_segment_bounds_tcp_segments_only) {
  const Bytes tcp = make_frame(make_packet(4, 6, 2500));
  const std::size_t headers = 14 + 20 + 32;
  Segments segments;
  // gso_size 1000, but at most 600 bytes of payload fit: the MSS shrinks.
  BOOST_TEST_REQUIRE(split(gso(VirtioNetHeader::kGsoTcpV4, 1000), tcp, segments, Framing{14, headers + 600}) ==
                     OffloadStatus::ok);
  BOOST_TEST_REQUIRE(segments.size() == 5U);
  for (const auto& s : segments) {
    BOOST_TEST(s.size() <= headers + 600);
    BOOST_TEST(checksums_valid(std::span(s).subspan(14)));
  }
  // No room for any payload: refused, not looped on.
  BOOST_TEST(split(gso(VirtioNetHeader::kGsoTcpV4, 1000), tcp, segments, Framing{14, headers}) ==
             OffloadStatus::unsupported);
  // UDP datagrams keep the size the sender chose.
  const Bytes udp = make_frame(make_packet(4, 17, 3000));
  BOOST_TEST_REQUIRE(split(gso(VirtioNetHeader::kGsoUdpL4, 1200), udp, segments, Framing{14, 100}) ==
                     OffloadStatus::ok);
  BOOST_TEST_REQUIRE(segments.size() == 3U);
  BOOST_TEST(segments[0].size() == 14U + 20U + 8U + 1200U);
}

BOOST_AUTO_TEST_CASE(ethernet_partial_checksum_is_finished) {
  // As the kernel hands over a frame with CHECKSUM_PARTIAL: offsets from the frame's start, the
  // pseudo-header sum in the field.
  Bytes frame = make_frame(make_packet(4, 6, 333));
  const std::span<std::uint8_t> ip = std::span(frame).subspan(14);
  const std::uint64_t pseudo = pseudo_header_sum(ip.subspan(12, 4), ip.subspan(16, 4), 6, 32 + 333);
  put16(&ip[20 + 16], static_cast<std::uint16_t>(~checksum_finish(pseudo)));
  put16(&ip[10], checksum_finish(checksum_add(ip.first(20))));
  VirtioNetHeader h;
  h.flags = VirtioNetHeader::kNeedsChecksum;
  h.checksum_start = 14 + 20;
  h.checksum_offset = 16;
  Segments segments;
  BOOST_TEST_REQUIRE(split(h, frame, segments, Framing{14, 100}) == OffloadStatus::ok);
  BOOST_TEST_REQUIRE(segments.size() == 1U);
  BOOST_TEST(segments[0].size() == frame.size());
  BOOST_TEST(checksums_valid(std::span(segments[0]).subspan(14)));
}

BOOST_AUTO_TEST_CASE(coalescer_rebuilds_ethernet_super_frames) {
  for (const unsigned version : {4U, 6U}) {
    const std::uint8_t type = version == 4 ? VirtioNetHeader::kGsoTcpV4 : VirtioNetHeader::kGsoTcpV6;
    const Bytes frame = make_frame(make_packet(version, 6, 4500));
    Segments originals;
    BOOST_TEST_REQUIRE(split(gso(type, 1000), frame, originals, Framing{14, 0}) == OffloadStatus::ok);

    Coalescer coalescer(65535, 14);
    for (const auto& s : originals) BOOST_TEST_REQUIRE(coalescer.add(s));
    BOOST_TEST_REQUIRE(coalescer.size() == 1U);
    const auto built = coalescer.pending(0);
    const VirtioNetHeader h = VirtioNetHeader::parse(built.first<VirtioNetHeader::kSize>());
    const std::size_t ip = version == 4 ? 20 : 40;
    BOOST_TEST(h.gso_type == type);
    BOOST_TEST(h.gso_size == 1000);
    BOOST_TEST(h.flags == VirtioNetHeader::kNeedsChecksum);
    BOOST_TEST(h.checksum_start == 14 + ip);
    BOOST_TEST(h.header_length == 14 + ip + 32);
    const Bytes rebuilt(built.begin() + VirtioNetHeader::kSize, built.end());
    BOOST_TEST_REQUIRE(rebuilt.size() == frame.size());
    BOOST_TEST(std::equal(rebuilt.begin(), rebuilt.begin() + 14, frame.begin()));

    Segments segments;
    BOOST_TEST_REQUIRE(split(h, rebuilt, segments, Framing{14, 0}) == OffloadStatus::ok);
    BOOST_TEST_REQUIRE(segments.size() == originals.size());
    for (std::size_t i = 0; i < originals.size(); ++i) {
      BOOST_TEST(std::equal(segments[i].begin(), segments[i].end(), originals[i].begin(), originals[i].end()));
    }
  }
}

BOOST_AUTO_TEST_CASE(coalescer_passes_other_frames_unchanged) {
  const Bytes first = make_frame(make_packet(4, 6, 1000, 5000, kAck));
  const Bytes next = make_frame(make_packet(4, 6, 1000, 6000, kAck));
  Coalescer coalescer(65535, 14);
  // An ARP request, a VLAN-tagged TCP segment, the same flow to another MAC address and a frame
  // whose ethertype says IPv6 around an IPv4 packet: each alone, as it came.
  Bytes arp{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x08, 0x06};
  arp.resize(42, 0x11);
  Bytes mislabeled = first;
  mislabeled[12] = 0x86, mislabeled[13] = 0xdd;
  const Bytes others[] = {arp, make_frame(make_packet(4, 6, 1000, 6000, kAck), true),
                          make_frame(make_packet(4, 6, 1000, 6000, kAck), false, 3), mislabeled};
  BOOST_TEST_REQUIRE(coalescer.add(first));
  for (const Bytes& other : others) BOOST_TEST_REQUIRE(coalescer.add(other));
  BOOST_TEST_REQUIRE(coalescer.size() == 5U);
  for (std::size_t i = 0; i < 4; ++i) {
    const auto alone = coalescer.pending(i + 1);
    BOOST_TEST(alone[0] == VirtioNetHeader::kDataValid);
    BOOST_TEST(alone[1] == VirtioNetHeader::kGsoNone);
    BOOST_TEST(std::equal(alone.begin() + VirtioNetHeader::kSize, alone.end(), others[i].begin(), others[i].end()));
  }
  // A frame shorter than its Ethernet header is refused, like an empty packet.
  coalescer.clear();
  BOOST_TEST(!coalescer.add(Bytes(14)));
  // Without anything between them, the two segments make one frame.
  BOOST_TEST_REQUIRE(coalescer.add(first));
  BOOST_TEST_REQUIRE(coalescer.add(next));
  BOOST_TEST_REQUIRE(coalescer.size() == 1U);
  BOOST_TEST(coalescer.pending(0).size() == VirtioNetHeader::kSize + 14 + 52 + 2000);
}

BOOST_AUTO_TEST_CASE(coalescer_never_takes_padding_for_data) {
  // A frame with bytes past its IP packet (padded, as to Ethernet's 60-byte minimum) after a run
  // of its flow: its padding must not join the run as TCP data. It goes out alone and unchanged,
  // and ends the run, so the segment after it does not overtake it.
  for (const unsigned version : {4U, 6U}) {
    const Bytes first = make_frame(make_packet(version, 6, 1000, 5000, kAck));
    const Bytes second = make_frame(make_packet(version, 6, 1000, 6000, kAck));
    Bytes padded = make_frame(make_packet(version, 6, 1, 7000, kAck));
    padded.resize(padded.size() + 6, 0);
    const Bytes after = make_frame(make_packet(version, 6, 1000, 7001, kAck));
    Coalescer coalescer(65535, 14);
    for (const Bytes* frame : {&first, &second, static_cast<const Bytes*>(&padded), &after}) {
      BOOST_TEST_REQUIRE(coalescer.add(*frame));
    }
    BOOST_TEST_REQUIRE(coalescer.size() == 3U);
    BOOST_TEST(coalescer.pending(0).size() ==
               VirtioNetHeader::kSize + 14 + ip_length(make_packet(version, 6, 0)) + 32 + 2000);
    const auto alone = coalescer.pending(1);
    BOOST_TEST(alone[1] == VirtioNetHeader::kGsoNone);
    BOOST_TEST(std::equal(alone.begin() + VirtioNetHeader::kSize, alone.end(), padded.begin(), padded.end()));
    BOOST_TEST(coalescer.pending(2).size() == VirtioNetHeader::kSize + after.size());
  }
}

BOOST_AUTO_TEST_SUITE_END()
