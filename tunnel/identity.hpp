// Static keys of the two ends of a handshake, with the values WireGuard derives from them once
// (mac1 and cookie keys, the static-static Diffie-Hellman result).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "crypto/memory.hpp"

namespace sluice::tunnel {

using Hash = std::array<std::uint8_t, 32>;

// HASH(label || public_key), the key for mac1 ("mac1----") or for cookie encryption ("cookie--").
[[nodiscard]] Hash labelled_key(std::string_view label, const crypto::PublicKey& public_key);

struct LocalIdentity {
  crypto::PrivateKey private_key;
  crypto::PublicKey public_key;
  // Checks mac1 of messages sent to us.
  Hash mac1_key{};
  // Encrypts the cookie replies we send.
  crypto::SymmetricKey cookie_key;
  bool has_key = false;

  [[nodiscard]] static LocalIdentity from_private(const crypto::PrivateKey& private_key);
};

struct RemoteIdentity {
  crypto::PublicKey public_key;
  crypto::PresharedKey preshared_key;
  // Computes mac1 of messages we send to this peer.
  Hash mac1_key{};
  // Decrypts cookie replies this peer sends us.
  crypto::SymmetricKey cookie_key;
  // DH(our static private, their static public); invalid when either key is missing or the
  // result is zero, and then no handshake with this peer is possible.
  crypto::SecretBytes<32> static_static;
  bool static_static_valid = false;
  // Whether static_static is computed for the current private key. A Device leaves it to the
  // first handshake with the peer: an X25519 takes 50 to 100 us here, so computing it when a
  // peer is added would make configuring 100,000 peers (or changing the private key then) take
  // seconds.
  bool static_static_known = false;

  RemoteIdentity() = default;
  // Computes static_static at once.
  RemoteIdentity(const crypto::PublicKey& remote, const LocalIdentity& local);
  // Leaves static_static to ensure_static_static().
  explicit RemoteIdentity(const crypto::PublicKey& remote);
  // Computes static_static now.
  void precompute(const LocalIdentity& local);
  // Computes static_static unless already known.
  void ensure_static_static(const LocalIdentity& local) {
    if (!static_static_known) precompute(local);
  }
  // Called when our private key changes: static_static is wiped and computed again when needed.
  void forget_static_static() noexcept;
};

}  // namespace sluice::tunnel
