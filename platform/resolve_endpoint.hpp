// A peer endpoint as written in a config file: "192.0.2.1:51820", "[2001:db8::1]:51820" or
// "vpn.example.com:51820".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "tunnel/endpoint.hpp"

namespace sluice::platform {

// A host name and port, kept as written for the daemon to resolve (and re-resolve).
struct EndpointName {
  std::string host;
  std::uint16_t port = 0;
  bool operator==(const EndpointName&) const = default;
};

// The text parsed without any lookup: a numeric endpoint, or a name and port. Throws
// std::invalid_argument as resolve_endpoint does for malformed text.
[[nodiscard]] std::variant<tunnel::Endpoint, EndpointName> parse_endpoint_text(std::string_view text);

// Numeric addresses are parsed directly; a host name is resolved once with getaddrinfo and its
// first result is used (the daemon does not re-resolve). Throws std::invalid_argument with a
// one-line message naming the text, e.g. "'vpn.example.invalid': cannot resolve host: ...".
[[nodiscard]] tunnel::Endpoint resolve_endpoint(std::string_view text);

}  // namespace sluice::platform
