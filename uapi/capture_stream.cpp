#include "uapi/capture_stream.hpp"

#include <cstring>

#include "crypto/key_encoding.hpp"
#include "tunnel/parse_number.hpp"
#include "uapi/lines.hpp"

namespace sluice::uapi {
namespace {

constexpr std::string_view kCaptureLine = "capture=1\n";

template <std::size_t N>
void put32(std::array<std::uint8_t, N>& out, std::size_t offset, std::uint32_t value) {
  std::memcpy(out.data() + offset, &value, sizeof value);
}

}  // namespace

std::optional<CaptureFilter> parse_capture_request(std::string_view request) {
  if (!request.starts_with(kCaptureLine) || !request.ends_with("\n\n")) return std::nullopt;
  std::string_view body = request.substr(kCaptureLine.size(), request.size() - kCaptureLine.size() - 1);
  CaptureFilter filter;
  while (!body.empty()) {
    const auto line = split_key_value(take_line(body));
    if (!line) return std::nullopt;
    const auto [key, value] = *line;
    if (key == "peer") {
      crypto::PublicKey peer;
      try {
        crypto::decode_hex_key(value, peer.bytes);
      } catch (const crypto::KeyFormatError&) {
        return std::nullopt;
      }
      filter.peer = peer;
    } else if (key == "direction") {
      if (value == "in") {
        filter.direction = CaptureDirection::in;
      } else if (value == "out") {
        filter.direction = CaptureDirection::out;
      } else if (value == "both") {
        filter.direction = CaptureDirection::both;
      } else {
        return std::nullopt;
      }
    } else if (key == "snaplen") {
      const auto snaplen = tunnel::parse_unsigned<std::uint32_t>(value);
      if (!snaplen || *snaplen == 0 || *snaplen > kDefaultSnaplen) return std::nullopt;
      filter.snaplen = *snaplen;
    } else {
      return std::nullopt;
    }
  }
  return filter;
}

std::array<std::uint8_t, kPcapHeaderSize> pcap_header(std::uint32_t snaplen) {
  std::array<std::uint8_t, kPcapHeaderSize> out{};
  put32(out, 0, kPcapMagic);
  const std::uint16_t version[2] = {2, 4};
  std::memcpy(out.data() + 4, version, sizeof version);
  // thiszone and sigfigs stay 0.
  put32(out, 16, snaplen);
  put32(out, 20, kLinktypeRaw);
  return out;
}

std::array<std::uint8_t, kPcapRecordHeaderSize> pcap_record_header(std::uint32_t sec, std::uint32_t usec,
                                                                    std::uint32_t caplen, std::uint32_t len) {
  std::array<std::uint8_t, kPcapRecordHeaderSize> out{};
  put32(out, 0, sec);
  put32(out, 4, usec);
  put32(out, 8, caplen);
  put32(out, 12, len);
  return out;
}

}  // namespace sluice::uapi
