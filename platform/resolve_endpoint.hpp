// A peer endpoint as written in a config file: "192.0.2.1:51820", "[2001:db8::1]:51820" or
// "vpn.example.com:51820".
#pragma once

#include <string_view>

#include "tunnel/endpoint.hpp"

namespace sluice::platform {

// Numeric addresses are parsed directly; a host name is resolved once with getaddrinfo and its
// first result is used (the daemon does not re-resolve). Throws std::invalid_argument with a
// one-line message naming the text, e.g. "'vpn.example.invalid': cannot resolve host: ...".
[[nodiscard]] tunnel::Endpoint resolve_endpoint(std::string_view text);

}  // namespace sluice::platform
