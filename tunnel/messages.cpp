#include "tunnel/messages.hpp"

#include <algorithm>
#include <cstring>

#include "tunnel/byte_order.hpp"

namespace sluice::tunnel {
namespace {

void put_type(std::uint8_t* p, MessageType type) noexcept { store_le32(p, static_cast<std::uint32_t>(type)); }

// The byte-array fields that follow the integers of a message, in wire order, from `p` on.
template <std::size_t... N>
void put_fields(std::uint8_t* p, const std::array<std::uint8_t, N>&... fields) noexcept {
  ((std::memcpy(p, fields.data(), N), p += N), ...);
}
template <std::size_t... N>
void get_fields(const std::uint8_t* p, std::array<std::uint8_t, N>&... fields) noexcept {
  ((std::memcpy(fields.data(), p, N), p += N), ...);
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
  put_type(out.data(), MessageType::handshake_initiation);
  store_le32(out.data() + 4, sender_index);
  put_fields(out.data() + 8, ephemeral, encrypted_static, encrypted_timestamp, mac1, mac2);
}

std::optional<Initiation> Initiation::parse(std::span<const std::uint8_t> in) noexcept {
  if (!has_type(in, MessageType::handshake_initiation, kInitiationSize)) return std::nullopt;
  Initiation m;
  m.sender_index = load_le32(in.data() + 4);
  get_fields(in.data() + 8, m.ephemeral, m.encrypted_static, m.encrypted_timestamp, m.mac1, m.mac2);
  return m;
}

void Response::write(std::span<std::uint8_t, kResponseSize> out) const noexcept {
  put_type(out.data(), MessageType::handshake_response);
  store_le32(out.data() + 4, sender_index);
  store_le32(out.data() + 8, receiver_index);
  put_fields(out.data() + 12, ephemeral, encrypted_nothing, mac1, mac2);
}

std::optional<Response> Response::parse(std::span<const std::uint8_t> in) noexcept {
  if (!has_type(in, MessageType::handshake_response, kResponseSize)) return std::nullopt;
  Response m;
  m.sender_index = load_le32(in.data() + 4);
  m.receiver_index = load_le32(in.data() + 8);
  get_fields(in.data() + 12, m.ephemeral, m.encrypted_nothing, m.mac1, m.mac2);
  return m;
}

void CookieReply::write(std::span<std::uint8_t, kCookieReplySize> out) const noexcept {
  put_type(out.data(), MessageType::cookie_reply);
  store_le32(out.data() + 4, receiver_index);
  put_fields(out.data() + 8, nonce, encrypted_cookie);
}

std::optional<CookieReply> CookieReply::parse(std::span<const std::uint8_t> in) noexcept {
  if (!has_type(in, MessageType::cookie_reply, kCookieReplySize)) return std::nullopt;
  CookieReply m;
  m.receiver_index = load_le32(in.data() + 4);
  get_fields(in.data() + 8, m.nonce, m.encrypted_cookie);
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
