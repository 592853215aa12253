#include "tunnel/ethernet.hpp"

#include <algorithm>

#include "crypto/keyed_hash.hpp"
#include "tunnel/byte_order.hpp"

namespace sluice::tunnel {
namespace {

std::optional<std::uint8_t> hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
  return std::nullopt;
}

}  // namespace

std::optional<MacAddress> MacAddress::parse(std::string_view text) noexcept {
  // Six pairs of hex digits and five separators, all the same.
  constexpr std::size_t kLength = 17;
  if (text.size() != kLength || (text[2] != ':' && text[2] != '-')) return std::nullopt;
  MacAddress mac;
  for (std::size_t i = 0; i < mac.bytes.size(); ++i) {
    const std::size_t at = i * 3;
    if (i > 0 && text[at - 1] != text[2]) return std::nullopt;
    const auto high = hex_digit(text[at]);
    const auto low = hex_digit(text[at + 1]);
    if (!high || !low) return std::nullopt;
    mac.bytes[i] = static_cast<std::uint8_t>(*high << 4 | *low);
  }
  return mac;
}

std::string MacAddress::to_string() const {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string text;
  for (const std::uint8_t byte : bytes) {
    if (!text.empty()) text.push_back(':');
    text.push_back(kDigits[byte >> 4]);
    text.push_back(kDigits[byte & 0x0fu]);
  }
  return text;
}

std::optional<EthernetHeader> parse_ethernet(std::span<const std::uint8_t> frame) noexcept {
  if (frame.size() < kEthernetHeaderSize) return std::nullopt;
  EthernetHeader header;
  std::copy_n(frame.begin(), 6, header.destination.bytes.begin());
  std::copy_n(frame.begin() + 6, 6, header.source.bytes.begin());
  header.ethertype = load_be16(frame.data() + 12);
  return header;
}

}  // namespace sluice::tunnel

std::size_t std::hash<sluice::tunnel::MacAddress>::operator()(const sluice::tunnel::MacAddress& mac) const noexcept {
  return static_cast<std::size_t>(sluice::crypto::keyed_hash(mac.bytes));
}
