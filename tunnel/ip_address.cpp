#include "tunnel/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "crypto/key_encoding.hpp"
#include "crypto/keyed_hash.hpp"

namespace sluice::tunnel {
namespace {

[[noreturn]] void fail(const std::string& message) { throw std::invalid_argument(message); }

std::string out_of_range(std::string_view cidr, const IpAddress& address) {
  return "prefix length " + std::string(cidr) + " is out of range for " + (address.is_v4() ? "IPv4" : "IPv6") + " (0-" +
         std::to_string(address.bit_length()) + ")";
}

}  // namespace

IpAddress::IpAddress(IpFamily family, std::span<const std::uint8_t> bytes) noexcept : family_(family) {
  std::copy(bytes.begin(), bytes.end(), bytes_.begin());
}

IpAddress IpAddress::v4(std::span<const std::uint8_t, 4> bytes) noexcept { return {IpFamily::v4, bytes}; }

IpAddress IpAddress::v6(std::span<const std::uint8_t, 16> bytes) noexcept { return {IpFamily::v6, bytes}; }

IpAddress IpAddress::from_bytes(std::span<const std::uint8_t> bytes) {
  if (bytes.size() == 4) return v4(bytes.first<4>());
  if (bytes.size() == 16) return v6(bytes.first<16>());
  fail("an IP address has 4 or 16 bytes, not " + std::to_string(bytes.size()));
}

IpAddress IpAddress::parse(std::string_view text) {
  // inet_pton needs a NUL-terminated string; an embedded NUL would silently cut the text short.
  if (text.find('\0') == std::string_view::npos) {
    const std::string terminated(text);
    std::array<std::uint8_t, 16> buffer{};
    if (inet_pton(AF_INET, terminated.c_str(), buffer.data()) == 1) {
      return v4(std::span(buffer).first<4>());
    }
    if (inet_pton(AF_INET6, terminated.c_str(), buffer.data()) == 1) return v6(buffer);
  }
  fail(crypto::quote_unless_key(text) + " is not an IPv4 or IPv6 address");
}

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN];
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), text, sizeof text);
  return text;
}

IpPrefix::IpPrefix(IpAddress address, unsigned cidr) : address_(address), cidr_(0) {
  if (cidr > address.bit_length()) fail(out_of_range(std::to_string(cidr), address));
  cidr_ = static_cast<std::uint8_t>(cidr);
}

IpPrefix IpPrefix::host(IpAddress address) { return {address, address.bit_length()}; }

IpPrefix IpPrefix::parse(std::string_view text) {
  // A key contains '/' often enough that the parts alone would not look like one.
  if (crypto::may_hold_key(text)) fail(crypto::quote_unless_key(text) + " is not an address/length");
  const auto slash = text.find('/');
  const IpAddress address = IpAddress::parse(text.substr(0, slash));
  if (slash == std::string_view::npos) return {address, address.bit_length()};

  const std::string_view length = text.substr(slash + 1);
  // Digits only: from_chars would stop early and accept "8x"; this also rejects "", " 8" and "-1".
  const bool digits_only =
      !length.empty() && std::all_of(length.begin(), length.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits_only)
    fail(crypto::quote_unless_key(length) + " is not a prefix length (in " + crypto::quote_unless_key(text) + ")");
  unsigned cidr = 0;
  if (std::from_chars(length.data(), length.data() + length.size(), cidr).ec != std::errc{} ||
      cidr > address.bit_length()) {
    fail(out_of_range(length, address) + " in " + crypto::quote_unless_key(text));
  }
  return {address, cidr};
}

IpPrefix IpPrefix::masked() const noexcept {
  std::array<std::uint8_t, 16> bytes{};
  const auto source = address_.bytes();
  std::copy(source.begin(), source.end(), bytes.begin());
  for (std::size_t i = 0; i < source.size(); ++i) {
    const int kept = std::clamp(static_cast<int>(cidr_) - static_cast<int>(8 * i), 0, 8);
    bytes[i] &= static_cast<std::uint8_t>(0xff00u >> kept);
  }
  IpPrefix result = *this;
  result.address_ = address_.is_v4() ? IpAddress::v4(std::span(bytes).first<4>()) : IpAddress::v6(bytes);
  return result;
}

bool IpPrefix::contains(const IpAddress& address) const noexcept {
  return address.family() == family() && IpPrefix(address, cidr_).masked() == masked();
}

std::string IpPrefix::to_string() const { return address_.to_string() + "/" + std::to_string(cidr_); }

}  // namespace sluice::tunnel

std::size_t std::hash<sluice::tunnel::IpAddress>::operator()(const sluice::tunnel::IpAddress& address) const noexcept {
  // The family is implied: IPv4 and IPv6 addresses differ in length.
  return static_cast<std::size_t>(sluice::crypto::keyed_hash(address.bytes()));
}
