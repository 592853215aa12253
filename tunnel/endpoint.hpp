// A peer's outer UDP address as a plain value; the daemon turns it into a sockaddr.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "tunnel/ip_address.hpp"

namespace sluice::tunnel {

struct Endpoint {
  Endpoint() = default;
  Endpoint(const IpAddress& address_, std::uint16_t port_, std::optional<IpAddress> local_ = std::nullopt)
      : address(address_), port(port_), local(local_) {}

  IpAddress address = IpAddress::v4(std::array<std::uint8_t, 4>{});
  std::uint16_t port = 0;
  // Our own address the peer last wrote to, so answers leave from it (unset: the kernel chooses).
  std::optional<IpAddress> local;

  bool operator==(const Endpoint&) const = default;

  // The bytes a cookie is bound to: address then port (big-endian).
  struct CookieSource {
    std::array<std::uint8_t, 18> bytes{};
    std::size_t size = 0;
    [[nodiscard]] std::span<const std::uint8_t> span() const noexcept { return std::span(bytes).first(size); }
  };
  [[nodiscard]] CookieSource cookie_source() const noexcept;

  // "192.0.2.1:51820" or "[2001:db8::1]:51820", the form `wg` uses.
  [[nodiscard]] std::string to_string() const;
};

}  // namespace sluice::tunnel
