#include "mesh/address_math.hpp"

#include <array>
#include <cstdint>

namespace sluice::mesh {

Uint128 to_integer(const tunnel::IpAddress& address) noexcept {
  Uint128 value = 0;
  for (const std::uint8_t byte : address.bytes()) value = (value << 8) | byte;
  return value;
}

tunnel::IpAddress from_integer(Uint128 value, tunnel::IpFamily family) noexcept {
  std::array<std::uint8_t, 16> bytes{};
  const std::size_t size = family == tunnel::IpFamily::v4 ? 4 : 16;
  for (std::size_t i = size; i-- > 0; value >>= 8) bytes[i] = static_cast<std::uint8_t>(value);
  return family == tunnel::IpFamily::v4 ? tunnel::IpAddress::v4(std::span(bytes).first<4>())
                                        : tunnel::IpAddress::v6(bytes);
}

Uint128 host_mask(unsigned bit_length, unsigned cidr) noexcept {
  const unsigned host_bits = bit_length - cidr;
  // Shifting a 128-bit value by 128 is undefined; a /0 of IPv6 is all host bits.
  return host_bits >= 128 ? ~Uint128{0} : (Uint128{1} << host_bits) - 1;
}

bool is_aligned(const tunnel::IpAddress& address, unsigned cidr) noexcept {
  return (to_integer(address) & host_mask(address.bit_length(), cidr)) == 0;
}

}  // namespace sluice::mesh
