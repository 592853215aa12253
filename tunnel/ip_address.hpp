// IP addresses and prefixes as small value types, with strict text parsing (config, `wg set`) and
// formatting (`wg show`).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace sluice::tunnel {

enum class IpFamily : std::uint8_t { v4, v6 };

class IpAddress {
 public:
  static IpAddress v4(std::span<const std::uint8_t, 4> bytes) noexcept;
  static IpAddress v6(std::span<const std::uint8_t, 16> bytes) noexcept;
  // Raw network-order bytes; the length picks the family. Throws std::invalid_argument unless 4 or 16.
  static IpAddress from_bytes(std::span<const std::uint8_t> bytes);
  // "10.0.0.1" or "fd00::1". Throws std::invalid_argument naming the bad text.
  static IpAddress parse(std::string_view text);

  [[nodiscard]] IpFamily family() const noexcept { return family_; }
  [[nodiscard]] bool is_v4() const noexcept { return family_ == IpFamily::v4; }
  // 32 or 128: the longest prefix length of this family.
  [[nodiscard]] unsigned bit_length() const noexcept { return is_v4() ? 32 : 128; }
  // Network-order bytes: 4 for IPv4, 16 for IPv6.
  [[nodiscard]] std::span<const std::uint8_t> bytes() const noexcept {
    return std::span<const std::uint8_t>(bytes_).first(is_v4() ? 4 : 16);
  }
  [[nodiscard]] std::string to_string() const;

  // IPv4 keeps the unused 12 bytes zero, so comparing all storage is exact.
  bool operator==(const IpAddress&) const = default;

 private:
  IpAddress(IpFamily family, std::span<const std::uint8_t> bytes) noexcept;

  std::array<std::uint8_t, 16> bytes_{};
  IpFamily family_;
};

class IpPrefix {
 public:
  // Throws std::invalid_argument if `cidr` exceeds the family's bit length. Host bits are kept as given.
  IpPrefix(IpAddress address, unsigned cidr);
  // "10.0.0.0/8", "fd00::/64"; a bare address is a /32 or /128. Host bits are kept (see masked()).
  static IpPrefix parse(std::string_view text);
  // The /32 or /128 that holds just `address`.
  static IpPrefix host(IpAddress address);

  [[nodiscard]] const IpAddress& address() const noexcept { return address_; }
  [[nodiscard]] unsigned cidr() const noexcept { return cidr_; }
  [[nodiscard]] IpFamily family() const noexcept { return address_.family(); }
  // The same prefix with host bits cleared, the form WireGuard stores and shows.
  [[nodiscard]] IpPrefix masked() const noexcept;
  [[nodiscard]] bool contains(const IpAddress& address) const noexcept;
  [[nodiscard]] std::string to_string() const;

  bool operator==(const IpPrefix&) const = default;

 private:
  IpAddress address_;
  std::uint8_t cidr_;
};

}  // namespace sluice::tunnel

// Keyed (crypto/keyed_hash.hpp): senders choose their source addresses.
template <>
struct std::hash<sluice::tunnel::IpAddress> {
  std::size_t operator()(const sluice::tunnel::IpAddress& address) const noexcept;
};
