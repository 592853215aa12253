// The capture stream of `sluicectl capture`, both ends: the request on the control socket
// (`capture=1` and its filter lines) and the pcap stream the daemon answers with. Stream: the pcap
// global header (host byte order, as pcap files are; LINKTYPE_RAW, or LINKTYPE_ETHERNET for the
// frames of an L2 segment), then records; a trailer ends it: a record header with
// ts_sec = ts_usec = 0xffffffff (never a valid time) followed by the 8-byte count of dropped
// copies. A refused request gets "errno=N\n\n" instead of the header: EINVAL for a malformed
// request, ENOENT for a segment the interface does not have.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "crypto/memory.hpp"

namespace sluice::uapi {

inline constexpr std::uint32_t kPcapMagic = 0xa1b2c3d4;  // microsecond timestamps
inline constexpr std::uint32_t kLinktypeRaw = 101;       // bare IPv4/IPv6, what a TUN device carries
inline constexpr std::uint32_t kLinktypeEthernet = 1;    // the frames of an L2 segment
inline constexpr std::size_t kPcapHeaderSize = 24;
inline constexpr std::size_t kPcapRecordHeaderSize = 16;
inline constexpr std::uint32_t kTrailerMark = 0xffffffff;
inline constexpr std::size_t kTrailerSize = kPcapRecordHeaderSize + 8;
inline constexpr std::uint32_t kDefaultSnaplen = 65535;

enum class CaptureDirection : std::uint8_t { in, out, both };

struct CaptureFilter {
  std::optional<crypto::PublicKey> peer;  // only this peer's packets
  CaptureDirection direction = CaptureDirection::both;
  std::uint32_t snaplen = kDefaultSnaplen;
  // The Ethernet frames of this L2 segment (its TAP name, else its VNI) instead of the inner packets.
  std::optional<std::string> segment;
};

// What a `segment=` value may be: an interface name (1-15 characters, no '/', ':' or white space,
// not "." or ".."), which a VNI in decimal is too.
[[nodiscard]] bool valid_segment_name(std::string_view name);
struct SegmentName {
  std::string_view tap;
  std::uint64_t vni = 0;
};
// Which of `segments` a `segment=` value names, the same at both ends: a TAP name first, else a
// VNI in decimal (so a TAP named like another segment's VNI still means that TAP).
[[nodiscard]] std::optional<std::size_t> find_segment(std::string_view name, std::span<const SegmentName> segments);

// The whole request, "capture=1\n" then optional `peer=HEX`, `direction=in|out|both`,
// `snaplen=N` (1-65535) and `segment=NAME` lines, then the empty line. Nothing on a malformed
// request.
[[nodiscard]] std::optional<CaptureFilter> parse_capture_request(std::string_view request);

[[nodiscard]] std::array<std::uint8_t, kPcapHeaderSize> pcap_header(std::uint32_t snaplen, std::uint32_t linktype);
[[nodiscard]] inline std::uint32_t capture_linktype(const CaptureFilter& filter) {
  return filter.segment ? kLinktypeEthernet : kLinktypeRaw;
}
[[nodiscard]] std::array<std::uint8_t, kPcapRecordHeaderSize> pcap_record_header(std::uint32_t sec, std::uint32_t usec,
                                                                                 std::uint32_t caplen,
                                                                                 std::uint32_t len);

}  // namespace sluice::uapi
