#include "tunnel/endpoint.hpp"

#include <algorithm>

namespace sluice::tunnel {

Endpoint::CookieSource Endpoint::cookie_source() const noexcept {
  CookieSource source;
  const auto addr = address.bytes();
  std::copy(addr.begin(), addr.end(), source.bytes.begin());
  source.bytes[addr.size()] = static_cast<std::uint8_t>(port >> 8);
  source.bytes[addr.size() + 1] = static_cast<std::uint8_t>(port);
  source.size = addr.size() + 2;
  return source;
}

std::string Endpoint::to_string() const {
  const std::string host = address.to_string();
  return (address.is_v4() ? host : "[" + host + "]") + ":" + std::to_string(port);
}

}  // namespace sluice::tunnel
