// Addresses as unsigned integers, for walking subnets: IPv6 needs all 128 bits, so GCC's and
// clang's unsigned __int128 holds either family (IPv4 in the low 32 bits).
#pragma once

#include "tunnel/ip_address.hpp"

namespace sluice::mesh {

using Uint128 = unsigned __int128;

[[nodiscard]] Uint128 to_integer(const tunnel::IpAddress& address) noexcept;
[[nodiscard]] tunnel::IpAddress from_integer(Uint128 value, tunnel::IpFamily family) noexcept;

// The host part of a /`cidr` in a family of `bit_length` bits: 0.0.0.255 for a /24 of IPv4.
[[nodiscard]] Uint128 host_mask(unsigned bit_length, unsigned cidr) noexcept;

// Whether `address` is the first address of a /`cidr` (no host bits set).
[[nodiscard]] bool is_aligned(const tunnel::IpAddress& address, unsigned cidr) noexcept;

}  // namespace sluice::mesh
