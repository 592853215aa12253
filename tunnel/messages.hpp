// The four WireGuard message formats (paper section 5.4): exact sizes, parse and build.
// All integers on the wire are little-endian; the type is one byte followed by three zero bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "crypto/aead.hpp"
#include "crypto/blake2s.hpp"

namespace sluice::tunnel {

enum class MessageType : std::uint8_t {
  handshake_initiation = 1,
  handshake_response = 2,
  cookie_reply = 3,
  transport_data = 4,
};

inline constexpr std::size_t kInitiationSize = 148;
inline constexpr std::size_t kResponseSize = 92;
inline constexpr std::size_t kCookieReplySize = 64;
inline constexpr std::size_t kTransportHeaderSize = 16;
inline constexpr std::size_t kTransportMinSize = kTransportHeaderSize + crypto::kAeadTagSize;
inline constexpr std::size_t kPaddingMultiple = 16;

using Mac = std::array<std::uint8_t, crypto::kMacSize>;

struct Initiation {
  static constexpr std::size_t kMac1Offset = 116;
  static constexpr std::size_t kMac2Offset = 132;

  std::uint32_t sender_index = 0;
  std::array<std::uint8_t, 32> ephemeral{};
  std::array<std::uint8_t, 32 + crypto::kAeadTagSize> encrypted_static{};
  std::array<std::uint8_t, 12 + crypto::kAeadTagSize> encrypted_timestamp{};
  Mac mac1{};
  Mac mac2{};

  void write(std::span<std::uint8_t, kInitiationSize> out) const noexcept;
  [[nodiscard]] static std::optional<Initiation> parse(std::span<const std::uint8_t> in) noexcept;
};

struct Response {
  static constexpr std::size_t kMac1Offset = 60;
  static constexpr std::size_t kMac2Offset = 76;

  std::uint32_t sender_index = 0;
  std::uint32_t receiver_index = 0;
  std::array<std::uint8_t, 32> ephemeral{};
  std::array<std::uint8_t, crypto::kAeadTagSize> encrypted_nothing{};
  Mac mac1{};
  Mac mac2{};

  void write(std::span<std::uint8_t, kResponseSize> out) const noexcept;
  [[nodiscard]] static std::optional<Response> parse(std::span<const std::uint8_t> in) noexcept;
};

struct CookieReply {
  std::uint32_t receiver_index = 0;
  std::array<std::uint8_t, crypto::kXChaChaNonceSize> nonce{};
  std::array<std::uint8_t, 16 + crypto::kAeadTagSize> encrypted_cookie{};

  void write(std::span<std::uint8_t, kCookieReplySize> out) const noexcept;
  [[nodiscard]] static std::optional<CookieReply> parse(std::span<const std::uint8_t> in) noexcept;
};

// Transport data is handled in place; only its header is a value.
struct TransportHeader {
  std::uint32_t receiver_index = 0;
  std::uint64_t counter = 0;

  void write(std::span<std::uint8_t, kTransportHeaderSize> out) const noexcept;
  [[nodiscard]] static std::optional<TransportHeader> parse(std::span<const std::uint8_t> in) noexcept;
};

// The message type if the datagram has a valid type field and exactly the size that type demands
// (at least the minimum for transport data); nothing otherwise.
[[nodiscard]] std::optional<MessageType> classify(std::span<const std::uint8_t> datagram) noexcept;

// Length of a transport plaintext after padding to 16 bytes, never beyond `mtu` when one is given
// (the paper pads to a multiple of 16 but not past the MTU).
[[nodiscard]] std::size_t padded_length(std::size_t plaintext_length, std::size_t mtu = 0) noexcept;

}  // namespace sluice::tunnel
