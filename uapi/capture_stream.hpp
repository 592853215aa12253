// The capture stream of `sluicectl capture`, both ends: the request on the control socket
// (`capture=1` and its filter lines) and the pcap stream the daemon answers with. Stream: the pcap
// global header (LINKTYPE_RAW, host byte order, as pcap files are), then records; a trailer ends
// it: a record header with ts_sec = ts_usec = 0xffffffff (never a valid time) followed by the
// 8-byte count of dropped copies. A refused request gets "errno=N\n\n" instead of the header.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "crypto/memory.hpp"

namespace sluice::uapi {

inline constexpr std::uint32_t kPcapMagic = 0xa1b2c3d4;  // microsecond timestamps
inline constexpr std::uint32_t kLinktypeRaw = 101;       // bare IPv4/IPv6, what a TUN device carries
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
};

// The whole request, "capture=1\n" then optional `peer=HEX`, `direction=in|out|both`,
// `snaplen=N` (1-65535) lines, then the empty line. Nothing on a malformed request.
[[nodiscard]] std::optional<CaptureFilter> parse_capture_request(std::string_view request);

[[nodiscard]] std::array<std::uint8_t, kPcapHeaderSize> pcap_header(std::uint32_t snaplen);
[[nodiscard]] std::array<std::uint8_t, kPcapRecordHeaderSize> pcap_record_header(std::uint32_t sec, std::uint32_t usec,
                                                                                 std::uint32_t caplen,
                                                                                 std::uint32_t len);

}  // namespace sluice::uapi
