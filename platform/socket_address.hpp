// Between the core's addresses and ports and the sockaddr_in / sockaddr_in6 the socket calls take.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>

#include "tunnel/endpoint.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::platform {

// Fills `out` (zeroed first) for `address` and `port`; returns the length to pass with it.
socklen_t to_sockaddr(const tunnel::IpAddress& address, std::uint16_t port, sockaddr_storage& out) noexcept;

// The address and port of an AF_INET or AF_INET6 socket address of `length` bytes; nothing for
// another family or a length too short for its own.
[[nodiscard]] std::optional<tunnel::Endpoint> from_sockaddr(const sockaddr* address, socklen_t length) noexcept;

}  // namespace sluice::platform
