#include "tunnel/messages.hpp"

#include <algorithm>
#include <cstring>

#include "tunnel/byte_order.hpp"

namespace sluice::tunnel {
namespace {

void put_type(std::uint8_t* p, MessageType type) noexcept { store_le32(p, static_cast<std::uint32_t>(type)); }

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
  switch (load_le32(datagram.data())) {
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
  store_le32(p + 4, sender_index);
  p = put_bytes(p + 8, ephemeral);
  p = put_bytes(p, encrypted_static);
  p = put_bytes(p, encrypted_timestamp);
  p = put_bytes(p, mac1);
  put_bytes(p, mac2);
}

std::optional<Initiation> Initiation::parse(std::span<const std::uint8_t> in) noexcept {
  if (!has_type(in, MessageType::handshake_initiation, kInitiationSize)) return std::nullopt;
  Initiation m;
  m.sender_index = load_le32(in.data() + 4);
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
  store_le32(p + 4, sender_index);
  store_le32(p + 8, receiver_index);
  p = put_bytes(p + 12, ephemeral);
  p = put_bytes(p, encrypted_nothing);
  p = put_bytes(p, mac1);
  put_bytes(p, mac2);
}

std::optional<Response> Response::parse(std::span<const std::uint8_t> in) noexcept {
  if (!has_type(in, MessageType::handshake_response, kResponseSize)) return std::nullopt;
  Response m;
  m.sender_index = load_le32(in.data() + 4);
  m.receiver_index = load_le32(in.data() + 8);
  const std::uint8_t* p = get_bytes(in.data() + 12, m.ephemeral);
  p = get_bytes(p, m.encrypted_nothing);
  p = get_bytes(p, m.mac1);
  get_bytes(p, m.mac2);
  return m;
}

void CookieReply::write(std::span<std::uint8_t, kCookieReplySize> out) const noexcept {
  std::uint8_t* p = out.data();
  put_type(p, MessageType::cookie_reply);
  store_le32(p + 4, receiver_index);
  p = put_bytes(p + 8, nonce);
  put_bytes(p, encrypted_cookie);
}

std::optional<CookieReply> CookieReply::parse(std::span<const std::uint8_t> in) noexcept {
  if (!has_type(in, MessageType::cookie_reply, kCookieReplySize)) return std::nullopt;
  CookieReply m;
  m.receiver_index = load_le32(in.data() + 4);
  const std::uint8_t* p = get_bytes(in.data() + 8, m.nonce);
  get_bytes(p, m.encrypted_cookie);
  return m;
}

void TransportHeader::write(std::span<std::uint8_t, kTransportHeaderSize> out) const noexcept {
  put_type(out.data(), MessageType::transport_data);
  store_le32(out.data() + 4, receiver_index);
  store_le64(out.data() + 8, counter);
}

std::optional<TransportHeader> TransportHeader::parse(std::span<const std::uint8_t> in) noexcept {
  if (classify(in) != MessageType::transport_data) return std::nullopt;
  return TransportHeader{load_le32(in.data() + 4), load_le64(in.data() + 8)};
}

}  // namespace sluice::tunnel
