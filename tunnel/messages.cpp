#include "tunnel/messages.hpp"

#include <algorithm>
#include <cstring>

namespace sluice::tunnel {
namespace {

void put_u32(std::uint8_t* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void put_u64(std::uint8_t* p, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint32_t get_u32(const std::uint8_t* p) noexcept {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
std::uint64_t get_u64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
void put_type(std::uint8_t* p, MessageType type) noexcept { put_u32(p, static_cast<std::uint32_t>(type)); }

template <std::size_t N>
std::uint8_t* put_bytes(std::uint8_t* p, const std::array<std::uint8_t, N>& bytes) noexcept {
  std::memcpy(p, bytes.data(), N);
  return p + N;
}
template <std::size_t N>
const std::uint8_t* get_bytes(const std::uint8_t* p, std::array<std::uint8_t, N>& bytes) noexcept {
  std::memcpy(bytes.data(), p, N);
  return p + N;
}

bool has_type(std::span<const std::uint8_t> in, MessageType type, std::size_t size) noexcept {
  return classify(in) == type && in.size() == size;
}

}  // namespace

std::optional<MessageType> classify(std::span<const std::uint8_t> datagram) noexcept {
  if (datagram.size() < 4) return std::nullopt;
  switch (get_u32(datagram.data())) {
    case 1:
      return datagram.size() == kInitiationSize ? std::optional(MessageType::handshake_initiation) : std::nullopt;
    case 2:
      return datagram.size() == kResponseSize ? std::optional(MessageType::handshake_response) : std::nullopt;
    case 3:
      return datagram.size() == kCookieReplySize ? std::optional(MessageType::cookie_reply) : std::nullopt;
    case 4:
      return datagram.size() >= kTransportMinSize ? std::optional(MessageType::transport_data) : std::nullopt;
    default:
      return std::nullopt;
  }
}

std::size_t padded_length(std::size_t plaintext_length, std::size_t mtu) noexcept {
  const std::size_t padded = (plaintext_length + kPaddingMultiple - 1) / kPaddingMultiple * kPaddingMultiple;
  if (mtu == 0 || plaintext_length > mtu) return padded;
  return std::min(padded, mtu);
}

void Initiation::write(std::span<std::uint8_t, kInitiationSize> out) const noexcept {
  std::uint8_t* p = out.data();
  put_type(p, MessageType::handshake_initiation);
  put_u32(p + 4, sender_index);
  p = put_bytes(p + 8, ephemeral);
  p = put_bytes(p, encrypted_static);
  p = put_bytes(p, encrypted_timestamp);
  p = put_bytes(p, mac1);
  put_bytes(p, mac2);
}

std::optional<Initiation> Initiation::parse(std::span<const std::uint8_t> in) noexcept {
  if (!has_type(in, MessageType::handshake_initiation, kInitiationSize)) return std::nullopt;
  Initiation m;
  m.sender_index = get_u32(in.data() + 4);
  const std::uint8_t* p = get_bytes(in.data() + 8, m.ephemeral);
  p = get_bytes(p, m.encrypted_static);
  p = get_bytes(p, m.encrypted_timestamp);
  p = get_bytes(p, m.mac1);
  get_bytes(p, m.mac2);
  return m;
}

void Response::write(std::span<std::uint8_t, kResponseSize> out) const noexcept {
  std::uint8_t* p = out.data();
  put_type(p, MessageType::handshake_response);
  put_u32(p + 4, sender_index);
  put_u32(p + 8, receiver_index);
  p = put_bytes(p + 12, ephemeral);
  p = put_bytes(p, encrypted_nothing);
  p = put_bytes(p, mac1);
  put_bytes(p, mac2);
}

std::optional<Response> Response::parse(std::span<const std::uint8_t> in) noexcept {
  if (!has_type(in, MessageType::handshake_response, kResponseSize)) return std::nullopt;
  Response m;
  m.sender_index = get_u32(in.data() + 4);
  m.receiver_index = get_u32(in.data() + 8);
  const std::uint8_t* p = get_bytes(in.data() + 12, m.ephemeral);
  p = get_bytes(p, m.encrypted_nothing);
  p = get_bytes(p, m.mac1);
  get_bytes(p, m.mac2);
  return m;
}

void CookieReply::write(std::span<std::uint8_t, kCookieReplySize> out) const noexcept {
  std::uint8_t* p = out.data();
  put_type(p, MessageType::cookie_reply);
  put_u32(p + 4, receiver_index);
  p = put_bytes(p + 8, nonce);
  put_bytes(p, encrypted_cookie);
}

std::optional<CookieReply> CookieReply::parse(std::span<const std::uint8_t> in) noexcept {
  if (!has_type(in, MessageType::cookie_reply, kCookieReplySize)) return std::nullopt;
  CookieReply m;
  m.receiver_index = get_u32(in.data() + 4);
  const std::uint8_t* p = get_bytes(in.data() + 8, m.nonce);
  get_bytes(p, m.encrypted_cookie);
  return m;
}

void TransportHeader::write(std::span<std::uint8_t, kTransportHeaderSize> out) const noexcept {
  put_type(out.data(), MessageType::transport_data);
  put_u32(out.data() + 4, receiver_index);
  put_u64(out.data() + 8, counter);
}

std::optional<TransportHeader> TransportHeader::parse(std::span<const std::uint8_t> in) noexcept {
  if (classify(in) != MessageType::transport_data) return std::nullopt;
  return TransportHeader{get_u32(in.data() + 4), get_u64(in.data() + 8)};
}

}  // namespace sluice::tunnel
