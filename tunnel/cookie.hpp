// The cookie layer (paper section 5.4.4 and 5.4.7): mac1 on every handshake message, and under
// load mac2 bound to a cookie that proves the sender owns its source address.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "crypto/memory.hpp"
#include "tunnel/constants.hpp"
#include "tunnel/identity.hpp"
#include "tunnel/messages.hpp"

namespace sluice::tunnel {

// Responder side: one per device.
class CookieChecker {
 public:
  enum class Verdict : std::uint8_t { invalid_mac1, valid_mac1, valid_mac1_and_mac2 };

  void set_identity(const LocalIdentity& local);

  // `message` is a whole handshake message whose mac1 starts at `mac1_offset` (mac2 follows it).
  // `source` identifies the sender's address and port (see Endpoint::cookie_bytes); mac2 is only
  // checked when `check_mac2` is set, since computing the cookie costs a MAC.
  [[nodiscard]] Verdict check(std::span<const std::uint8_t> message, std::size_t mac1_offset,
                              std::span<const std::uint8_t> source, bool check_mac2, Instant now);

  // The reply that hands the sender its cookie, encrypted to the mac1 it sent.
  [[nodiscard]] CookieReply make_reply(std::span<const std::uint8_t> message, std::size_t mac1_offset,
                                       std::uint32_t sender_index, std::span<const std::uint8_t> source, Instant now);

 private:
  Mac cookie_for(std::span<const std::uint8_t> source, Instant now);

  Hash mac1_key_{};
  crypto::SymmetricKey cookie_key_;
  crypto::SecretBytes<32> secret_;
  std::optional<Instant> secret_birth_;
};

// Initiator side: one per peer.
class CookieState {
 public:
  // Fills in mac1 and, while a fresh cookie is held, mac2 of an outgoing handshake message.
  void add_macs(std::span<std::uint8_t> message, std::size_t mac1_offset, const RemoteIdentity& remote, Instant now);

  // Accepts a cookie reply that answers the last message we sent; false otherwise.
  [[nodiscard]] bool consume_reply(const CookieReply& reply, const RemoteIdentity& remote, Instant now);

  void clear() noexcept;

 private:
  crypto::SecretBytes<16> cookie_;
  std::optional<Instant> cookie_birth_;
  Mac last_mac1_sent_{};
  bool have_sent_mac1_ = false;
};

}  // namespace sluice::tunnel
