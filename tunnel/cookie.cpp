#include "tunnel/cookie.hpp"

#include "crypto/aead.hpp"
#include "crypto/blake2s.hpp"
#include "crypto/random.hpp"

namespace sluice::tunnel {
namespace {

Mac mac_over(std::span<const std::uint8_t> key, std::span<const std::uint8_t> message, std::size_t length) {
  Mac out{};
  crypto::blake2s_mac16(out, key, message.first(length));
  return out;
}

}  // namespace

void CookieChecker::set_identity(const LocalIdentity& local) {
  mac1_key_ = local.mac1_key;
  cookie_key_ = local.cookie_key;
}

Mac CookieChecker::cookie_for(std::span<const std::uint8_t> source, Instant now) {
  if (!secret_birth_ || now - *secret_birth_ >= kCookieSecretMaxAge) {
    crypto::random_bytes(secret_.span());
    secret_birth_ = now;
  }
  Mac cookie{};
  crypto::blake2s_mac16(cookie, secret_.span(), source);
  return cookie;
}

CookieChecker::Verdict CookieChecker::check(std::span<const std::uint8_t> message, std::size_t mac1_offset,
                                            std::span<const std::uint8_t> source, bool check_mac2, Instant now) {
  const std::size_t mac2_offset = mac1_offset + crypto::kMacSize;
  if (message.size() < mac2_offset + crypto::kMacSize) return Verdict::invalid_mac1;
  const Mac mac1 = mac_over(mac1_key_, message, mac1_offset);
  if (!crypto::equal_ct(mac1, message.subspan(mac1_offset, crypto::kMacSize))) return Verdict::invalid_mac1;
  if (!check_mac2) return Verdict::valid_mac1;
  const Mac cookie = cookie_for(source, now);
  const Mac mac2 = mac_over(cookie, message, mac2_offset);
  if (!crypto::equal_ct(mac2, message.subspan(mac2_offset, crypto::kMacSize))) return Verdict::valid_mac1;
  return Verdict::valid_mac1_and_mac2;
}

CookieReply CookieChecker::make_reply(std::span<const std::uint8_t> message, std::size_t mac1_offset,
                                      std::uint32_t sender_index, std::span<const std::uint8_t> source, Instant now) {
  CookieReply reply;
  reply.receiver_index = sender_index;
  crypto::random_bytes(reply.nonce);
  const Mac cookie = cookie_for(source, now);
  crypto::xchacha20poly1305_encrypt(reply.encrypted_cookie, cookie, reply.nonce, cookie_key_,
                                    message.subspan(mac1_offset, crypto::kMacSize));
  return reply;
}

void CookieState::add_macs(std::span<std::uint8_t> message, std::size_t mac1_offset, const RemoteIdentity& remote,
                           Instant now) {
  const std::size_t mac2_offset = mac1_offset + crypto::kMacSize;
  const Mac mac1 = mac_over(remote.mac1_key, message, mac1_offset);
  std::copy(mac1.begin(), mac1.end(), message.begin() + static_cast<std::ptrdiff_t>(mac1_offset));
  last_mac1_sent_ = mac1;
  have_sent_mac1_ = true;

  Mac mac2{};
  if (cookie_birth_ && now - *cookie_birth_ < kCookieSecretMaxAge - kCookieSecretLatency) {
    mac2 = mac_over(cookie_.span(), message, mac2_offset);
  }
  std::copy(mac2.begin(), mac2.end(), message.begin() + static_cast<std::ptrdiff_t>(mac2_offset));
}

bool CookieState::consume_reply(const CookieReply& reply, const RemoteIdentity& remote, Instant now) {
  if (!have_sent_mac1_) return false;
  crypto::SecretBytes<16> cookie;
  if (!crypto::xchacha20poly1305_decrypt(cookie.span(), reply.encrypted_cookie, reply.nonce, remote.cookie_key,
                                         last_mac1_sent_)) {
    return false;
  }
  cookie_ = cookie;
  cookie_birth_ = now;
  have_sent_mac1_ = false;
  return true;
}

void CookieState::clear() noexcept {
  cookie_.clear();
  cookie_birth_.reset();
  have_sent_mac1_ = false;
}

}  // namespace sluice::tunnel
