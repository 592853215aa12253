#include "platform/socket_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <span>

namespace sluice::platform {

socklen_t to_sockaddr(const tunnel::IpAddress& address, std::uint16_t port, sockaddr_storage& out) noexcept {
  out = {};
  const auto bytes = address.bytes();
  if (address.is_v4()) {
    auto* in = reinterpret_cast<sockaddr_in*>(&out);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    std::memcpy(&in->sin_addr, bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  std::memcpy(&in6->sin6_addr, bytes.data(), 16);
  return sizeof(sockaddr_in6);
}

std::optional<tunnel::Endpoint> from_sockaddr(const sockaddr* address, socklen_t length) noexcept {
  if (length < sizeof(sa_family_t)) return std::nullopt;
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in in{};
    std::memcpy(&in, address, sizeof in);
    return tunnel::Endpoint(
        tunnel::IpAddress::v4(std::span<const std::uint8_t, 4>(reinterpret_cast<const std::uint8_t*>(&in.sin_addr), 4)),
        ntohs(in.sin_port));
  }
  if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, address, sizeof in6);
    return tunnel::Endpoint(tunnel::IpAddress::v6(std::span<const std::uint8_t, 16>(
                                reinterpret_cast<const std::uint8_t*>(&in6.sin6_addr), 16)),
                            ntohs(in6.sin6_port));
  }
  return std::nullopt;
}

}  // namespace sluice::platform
