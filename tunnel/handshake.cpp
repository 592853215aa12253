#include "tunnel/handshake.hpp"

#include "crypto/aead.hpp"
#include "crypto/blake2s.hpp"
#include "crypto/x25519.hpp"

namespace sluice::tunnel {
namespace {

using crypto::SecretBytes;
using Key32 = SecretBytes<32>;

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

crypto::SymmetricKey as_key(const Key32& bytes) { return crypto::SymmetricKey(bytes.span()); }

// h = HASH(h || data)
void mix_hash(Key32& hash, std::span<const std::uint8_t> data) {
  crypto::blake2s_256(hash.span(), {hash.span(), data});
}

// ck = KDF1(ck, data)
void mix_key(Key32& chaining_key, std::span<const std::uint8_t> data) {
  crypto::kdf1(chaining_key.span(), chaining_key.span(), data);
}

// (ck, k) = KDF2(ck, DH(private, public)); false for a zero DH result.
bool mix_dh(Key32& chaining_key, Key32* key, const crypto::PrivateKey& private_key,
            const crypto::PublicKey& public_key) {
  Key32 shared;
  if (!crypto::x25519(shared, private_key, public_key)) return false;
  if (key != nullptr) {
    crypto::kdf2(chaining_key.span(), key->span(), chaining_key.span(), shared.span());
  } else {
    crypto::kdf1(chaining_key.span(), chaining_key.span(), shared.span());
  }
  return true;
}

// (ck, t, k) = KDF3(ck, psk); h = HASH(h || t)
void mix_psk(Key32& chaining_key, Key32& hash, Key32& key, const crypto::PresharedKey& psk) {
  Key32 temp;
  crypto::kdf3(chaining_key.span(), temp.span(), key.span(), chaining_key.span(), psk.span());
  mix_hash(hash, temp.span());
}

// The chaining key and hash every handshake towards `responder` starts from.
void initial_state(Key32& chaining_key, Key32& hash, const crypto::PublicKey& responder) {
  static const auto constants = [] {
    std::pair<Hash, Hash> ck_and_h{};
    crypto::blake2s_256(ck_and_h.first, {as_bytes(kConstruction)});
    crypto::blake2s_256(ck_and_h.second, {ck_and_h.first, as_bytes(kIdentifier)});
    return ck_and_h;
  }();
  chaining_key = Key32(std::span<const std::uint8_t, 32>(constants.first));
  crypto::blake2s_256(hash.span(), {constants.second, responder.span()});
}

// Encrypts with nonce 0 and the running hash as associated data, then mixes the ciphertext in.
template <std::size_t N>
void encrypt_and_hash(std::span<std::uint8_t, N> out, std::span<const std::uint8_t> plaintext, const Key32& key,
                      Key32& hash) {
  crypto::wg_aead_encrypt(out, plaintext, 0, as_key(key), hash.span());
  mix_hash(hash, out);
}

template <std::size_t N>
bool decrypt_and_hash(std::span<std::uint8_t> out, std::span<const std::uint8_t, N> ciphertext, const Key32& key,
                      Key32& hash) {
  if (!crypto::wg_aead_decrypt(out, ciphertext, 0, as_key(key), hash.span())) return false;
  mix_hash(hash, ciphertext);
  return true;
}

// e = ephemeral public: ck = KDF1(ck, e); h = HASH(h || e)
void mix_ephemeral(Key32& chaining_key, Key32& hash, const crypto::PublicKey& ephemeral) {
  mix_key(chaining_key, ephemeral.span());
  mix_hash(hash, ephemeral.span());
}

}  // namespace

crypto::Tai64n whitened_tai64n(std::chrono::nanoseconds wall_since_epoch) noexcept {
  // Largest power of two below 1 s / kInitiationsPerSecond (20 ms): 2^24 ns, about 16.8 ms.
  constexpr std::int64_t kGranularity = 1 << 24;
  const auto secs = std::chrono::floor<std::chrono::seconds>(wall_since_epoch);
  const std::int64_t nanos = (wall_since_epoch - secs).count() & ~(kGranularity - 1);
  return crypto::tai64n_from_unix(secs + std::chrono::nanoseconds(nanos));
}

std::optional<OpenedInitiation> open_initiation(const Initiation& message, const LocalIdentity& local) {
  if (!local.has_key) return std::nullopt;
  OpenedInitiation opened;
  initial_state(opened.chaining_key, opened.hash, local.public_key);
  opened.remote_ephemeral.bytes = message.ephemeral;
  mix_ephemeral(opened.chaining_key, opened.hash, opened.remote_ephemeral);

  Key32 key;
  if (!mix_dh(opened.chaining_key, &key, local.private_key, opened.remote_ephemeral)) return std::nullopt;
  if (!decrypt_and_hash(opened.remote_static.bytes, std::span<const std::uint8_t, 48>(message.encrypted_static), key,
                        opened.hash)) {
    return std::nullopt;
  }
  opened.sender_index = message.sender_index;
  return opened;
}

std::optional<Initiation> Handshake::create_initiation(const LocalIdentity& local, const RemoteIdentity& remote,
                                                       const crypto::Tai64n& timestamp, std::uint32_t local_index) {
  if (!local.has_key || !remote.static_static_valid) return std::nullopt;
  clear();
  Initiation message;
  initial_state(chaining_key_, hash_, remote.public_key);

  ephemeral_private_ = crypto::generate_private_key();
  const crypto::PublicKey ephemeral_public = crypto::public_from_private(ephemeral_private_);
  message.ephemeral = ephemeral_public.bytes;
  mix_ephemeral(chaining_key_, hash_, ephemeral_public);

  Key32 key;
  if (!mix_dh(chaining_key_, &key, ephemeral_private_, remote.public_key)) {
    clear();
    return std::nullopt;
  }
  encrypt_and_hash(std::span<std::uint8_t, 48>(message.encrypted_static), local.public_key.span(), key, hash_);

  crypto::kdf2(chaining_key_.span(), key.span(), chaining_key_.span(), remote.static_static.span());
  encrypt_and_hash(std::span<std::uint8_t, 28>(message.encrypted_timestamp), timestamp, key, hash_);

  message.sender_index = local_index;
  local_index_ = local_index;
  state_ = State::created_initiation;
  return message;
}

bool Handshake::accept_initiation(const OpenedInitiation& opened, const Initiation& message,
                                  const RemoteIdentity& remote, Instant now) {
  if (!remote.static_static_valid || !(opened.remote_static == remote.public_key)) return false;
  Key32 chaining_key = opened.chaining_key;
  Key32 hash = opened.hash;
  Key32 key;
  crypto::kdf2(chaining_key.span(), key.span(), chaining_key.span(), remote.static_static.span());
  crypto::Tai64n timestamp{};
  if (!decrypt_and_hash(timestamp, std::span<const std::uint8_t, 28>(message.encrypted_timestamp), key, hash)) {
    return false;
  }
  const bool replay = !crypto::tai64n_after(timestamp, latest_timestamp_);
  const bool flood = last_initiation_consumption_.has_value() &&
                     now - *last_initiation_consumption_ < Duration(1s) / kInitiationsPerSecond;
  if (replay || flood) return false;

  clear();
  chaining_key_ = chaining_key;
  hash_ = hash;
  remote_ephemeral_ = opened.remote_ephemeral;
  remote_index_ = opened.sender_index;
  latest_timestamp_ = timestamp;
  last_initiation_consumption_ = now;
  state_ = State::consumed_initiation;
  return true;
}

std::optional<Response> Handshake::create_response(const RemoteIdentity& remote, std::uint32_t local_index) {
  if (state_ != State::consumed_initiation) return std::nullopt;
  Response message;
  ephemeral_private_ = crypto::generate_private_key();
  const crypto::PublicKey ephemeral_public = crypto::public_from_private(ephemeral_private_);
  message.ephemeral = ephemeral_public.bytes;
  mix_ephemeral(chaining_key_, hash_, ephemeral_public);

  if (!mix_dh(chaining_key_, nullptr, ephemeral_private_, remote_ephemeral_) ||
      !mix_dh(chaining_key_, nullptr, ephemeral_private_, remote.public_key)) {
    clear();
    return std::nullopt;
  }
  Key32 key;
  mix_psk(chaining_key_, hash_, key, remote.preshared_key);
  encrypt_and_hash(std::span<std::uint8_t, 16>(message.encrypted_nothing), {}, key, hash_);

  message.sender_index = local_index;
  message.receiver_index = remote_index_;
  local_index_ = local_index;
  state_ = State::created_response;
  return message;
}

bool Handshake::consume_response(const Response& message, const LocalIdentity& local, const RemoteIdentity& remote) {
  if (state_ != State::created_initiation || message.receiver_index != local_index_) return false;
  Key32 chaining_key = chaining_key_;
  Key32 hash = hash_;
  crypto::PublicKey remote_ephemeral;
  remote_ephemeral.bytes = message.ephemeral;
  mix_ephemeral(chaining_key, hash, remote_ephemeral);
  if (!mix_dh(chaining_key, nullptr, ephemeral_private_, remote_ephemeral) ||
      !mix_dh(chaining_key, nullptr, local.private_key, remote_ephemeral)) {
    return false;
  }
  Key32 key;
  mix_psk(chaining_key, hash, key, remote.preshared_key);
  std::array<std::uint8_t, 0> nothing{};
  if (!decrypt_and_hash(nothing, std::span<const std::uint8_t, 16>(message.encrypted_nothing), key, hash)) {
    return false;
  }
  chaining_key_ = chaining_key;
  hash_ = hash;
  remote_ephemeral_ = remote_ephemeral;
  remote_index_ = message.sender_index;
  state_ = State::consumed_response;
  return true;
}

std::optional<SessionKeys> Handshake::derive_session() {
  if (state_ != State::consumed_response && state_ != State::created_response) return std::nullopt;
  SessionKeys keys;
  keys.initiator = state_ == State::consumed_response;
  Key32 first;
  Key32 second;
  crypto::kdf2(first.span(), second.span(), chaining_key_.span(), {});
  keys.send = as_key(keys.initiator ? first : second);
  keys.receive = as_key(keys.initiator ? second : first);
  keys.local_index = local_index_;
  keys.remote_index = remote_index_;
  clear();
  return keys;
}

void Handshake::clear() noexcept {
  state_ = State::zeroed;
  chaining_key_.clear();
  hash_.clear();
  ephemeral_private_.clear();
  remote_ephemeral_ = {};
  local_index_ = 0;
  remote_index_ = 0;
}

}  // namespace sluice::tunnel
