#include "tunnel/endpoint.hpp"

#include <algorithm>

#include "tunnel/byte_order.hpp"

namespace sluice::tunnel {

Endpoint::CookieSource Endpoint::cookie_source() const noexcept {
  CookieSource source;
  const auto addr = address.bytes();
  std::copy(addr.begin(), addr.end(), source.bytes.begin());
  store_be16(source.bytes.data() + addr.size(), port);
  source.size = addr.size() + 2;
  return source;
}

std::string Endpoint::to_string() const {
  const std::string host = address.to_string();
  return (address.is_v4() ? host : "[" + host + "]") + ":" + std::to_string(port);
}

}  // namespace sluice::tunnel
