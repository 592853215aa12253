#include "uapi/capture_stream.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

#include "crypto/key_encoding.hpp"
#include "platform/interface_name.hpp"
#include "tunnel/byte_order.hpp"
#include "tunnel/parse_number.hpp"
#include "uapi/lines.hpp"

namespace sluice::uapi {
namespace {

constexpr std::string_view kCaptureLine = "capture=1\n";

}  // namespace

bool valid_segment_name(std::string_view name) {
  try {
    platform::validate_interface_name(std::string(name));
    return true;
  } catch (const std::invalid_argument&) {
    return false;
  }
}

std::optional<std::size_t> find_segment(std::string_view name, std::span<const SegmentName> segments) {
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].tap == name) return i;
  }
  const auto vni = tunnel::parse_unsigned<std::uint64_t>(name);
  for (std::size_t i = 0; vni && i < segments.size(); ++i) {
    if (segments[i].vni == *vni) return i;
  }
  return std::nullopt;
}

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
    } else if (key == "segment") {
      if (!valid_segment_name(value)) return std::nullopt;
      filter.segment = std::string(value);
    } else {
      return std::nullopt;
    }
  }
  return filter;
}

std::array<std::uint8_t, kPcapHeaderSize> pcap_header(std::uint32_t snaplen, std::uint32_t linktype) {
  std::array<std::uint8_t, kPcapHeaderSize> out{};
  tunnel::store_host32(out.data(), kPcapMagic);
  const std::uint16_t version[2] = {2, 4};
  std::memcpy(out.data() + 4, version, sizeof version);
  // thiszone and sigfigs stay 0.
  tunnel::store_host32(out.data() + 16, snaplen);
  tunnel::store_host32(out.data() + 20, linktype);
  return out;
}

std::array<std::uint8_t, kPcapRecordHeaderSize> pcap_record_header(std::uint32_t sec, std::uint32_t usec,
                                                                   std::uint32_t caplen, std::uint32_t len) {
  std::array<std::uint8_t, kPcapRecordHeaderSize> out{};
  tunnel::store_host32(out.data(), sec);
  tunnel::store_host32(out.data() + 4, usec);
  tunnel::store_host32(out.data() + 8, caplen);
  tunnel::store_host32(out.data() + 12, len);
  return out;
}

}  // namespace sluice::uapi
