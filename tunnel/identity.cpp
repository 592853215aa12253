#include "tunnel/identity.hpp"

#include "crypto/blake2s.hpp"
#include "crypto/x25519.hpp"
#include "tunnel/constants.hpp"

namespace sluice::tunnel {
namespace {

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace

Hash labelled_key(std::string_view label, const crypto::PublicKey& public_key) {
  Hash out{};
  crypto::blake2s_256(out, {as_bytes(label), public_key.span()});
  return out;
}

LocalIdentity LocalIdentity::from_private(const crypto::PrivateKey& private_key) {
  LocalIdentity id;
  id.private_key = private_key;
  id.public_key = crypto::public_from_private(private_key);
  id.mac1_key = labelled_key(kLabelMac1, id.public_key);
  const Hash cookie = labelled_key(kLabelCookie, id.public_key);
  id.cookie_key = crypto::SymmetricKey(std::span<const std::uint8_t, 32>(cookie));
  id.has_key = !private_key.is_zero();
  return id;
}

RemoteIdentity::RemoteIdentity(const crypto::PublicKey& remote, const LocalIdentity& local) : RemoteIdentity(remote) {
  precompute(local);
}

RemoteIdentity::RemoteIdentity(const crypto::PublicKey& remote) : public_key(remote) {
  mac1_key = labelled_key(kLabelMac1, public_key);
  const Hash cookie = labelled_key(kLabelCookie, public_key);
  cookie_key = crypto::SymmetricKey(std::span<const std::uint8_t, 32>(cookie));
}

void RemoteIdentity::precompute(const LocalIdentity& local) {
  static_static_valid = local.has_key && crypto::x25519(static_static, local.private_key, public_key);
  static_static_known = true;
}

void RemoteIdentity::forget_static_static() noexcept {
  static_static = crypto::SecretBytes<32>{};
  static_static_valid = false;
  static_static_known = false;
}

}  // namespace sluice::tunnel
