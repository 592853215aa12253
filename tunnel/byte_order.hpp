// Unaligned loads and stores of 16-, 32- and 64-bit integers in a given byte order: big-endian
// for IP, UDP, TCP, Ethernet and VXLAN headers, little-endian for WireGuard messages and the
// virtio-net header, the host's own for the pcap stream. memcpy plus a byte swap where the host
// differs compiles to one load or store (and a bswap, or movbe).
#pragma once

#include <bit>
#include <concepts>
#include <cstdint>
#include <cstring>

namespace sluice::tunnel {

namespace byte_order_detail {

template <std::unsigned_integral T>
constexpr T swap(T value) noexcept {
  if constexpr (sizeof(T) == 2) return __builtin_bswap16(value);
  if constexpr (sizeof(T) == 4) return __builtin_bswap32(value);
  if constexpr (sizeof(T) == 8) return __builtin_bswap64(value);
}

}  // namespace byte_order_detail

template <std::unsigned_integral T, std::endian Order>
T load_as(const std::uint8_t* bytes) noexcept {
  T value;
  std::memcpy(&value, bytes, sizeof value);
  if constexpr (Order != std::endian::native) value = byte_order_detail::swap(value);
  return value;
}

template <std::unsigned_integral T, std::endian Order>
void store_as(std::uint8_t* bytes, T value) noexcept {
  if constexpr (Order != std::endian::native) value = byte_order_detail::swap(value);
  std::memcpy(bytes, &value, sizeof value);
}

inline std::uint16_t load_be16(const std::uint8_t* p) noexcept { return load_as<std::uint16_t, std::endian::big>(p); }
inline std::uint32_t load_be32(const std::uint8_t* p) noexcept { return load_as<std::uint32_t, std::endian::big>(p); }
inline std::uint64_t load_be64(const std::uint8_t* p) noexcept { return load_as<std::uint64_t, std::endian::big>(p); }
inline void store_be16(std::uint8_t* p, std::uint16_t v) noexcept { store_as<std::uint16_t, std::endian::big>(p, v); }
inline void store_be32(std::uint8_t* p, std::uint32_t v) noexcept { store_as<std::uint32_t, std::endian::big>(p, v); }

inline std::uint16_t load_le16(const std::uint8_t* p) noexcept {
  return load_as<std::uint16_t, std::endian::little>(p);
}
inline std::uint32_t load_le32(const std::uint8_t* p) noexcept {
  return load_as<std::uint32_t, std::endian::little>(p);
}
inline std::uint64_t load_le64(const std::uint8_t* p) noexcept {
  return load_as<std::uint64_t, std::endian::little>(p);
}
inline void store_le16(std::uint8_t* p, std::uint16_t v) noexcept {
  store_as<std::uint16_t, std::endian::little>(p, v);
}
inline void store_le32(std::uint8_t* p, std::uint32_t v) noexcept {
  store_as<std::uint32_t, std::endian::little>(p, v);
}
inline void store_le64(std::uint8_t* p, std::uint64_t v) noexcept {
  store_as<std::uint64_t, std::endian::little>(p, v);
}

// The host's order, for formats that are written and read on the same machine (pcap).
inline std::uint32_t load_host32(const std::uint8_t* p) noexcept {
  return load_as<std::uint32_t, std::endian::native>(p);
}
inline void store_host32(std::uint8_t* p, std::uint32_t v) noexcept {
  store_as<std::uint32_t, std::endian::native>(p, v);
}

}  // namespace sluice::tunnel
