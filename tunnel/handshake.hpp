// One peer's Noise_IKpsk2 handshake state (paper section 5.4): building and consuming the
// initiation and response messages and deriving the transport keys. No I/O, no clock: times and
// TAI64N stamps are passed in.
#pragma once

#include <cstdint>
#include <optional>

#include "crypto/memory.hpp"
#include "crypto/tai64n.hpp"
#include "tunnel/constants.hpp"
#include "tunnel/identity.hpp"
#include "tunnel/messages.hpp"

namespace sluice::tunnel {

// The transport keys a completed handshake yields.
struct SessionKeys {
  crypto::SymmetricKey send;
  crypto::SymmetricKey receive;
  std::uint32_t local_index = 0;
  std::uint32_t remote_index = 0;
  bool initiator = false;
};

// The first half of consuming an initiation: enough to learn which peer sent it.
struct OpenedInitiation {
  crypto::PublicKey remote_static;
  crypto::PublicKey remote_ephemeral;
  crypto::SecretBytes<32> chaining_key;
  crypto::SecretBytes<32> hash;
  std::uint32_t sender_index = 0;
};

// Decrypts the initiator's static key. Fails on a bad tag or a low-order ephemeral key.
[[nodiscard]] std::optional<OpenedInitiation> open_initiation(const Initiation& message, const LocalIdentity& local);

// TAI64N of a wall-clock time with the nanoseconds rounded down, so the timestamp does not leak
// fine-grained timing (the resolution still allows the responder's 50 initiations/s limit).
[[nodiscard]] crypto::Tai64n whitened_tai64n(std::chrono::nanoseconds wall_since_epoch) noexcept;

class Handshake {
 public:
  enum class State : std::uint8_t {
    zeroed,
    created_initiation,
    consumed_initiation,
    created_response,
    consumed_response,
  };

  [[nodiscard]] State state() const noexcept { return state_; }
  [[nodiscard]] std::uint32_t local_index() const noexcept { return local_index_; }
  [[nodiscard]] std::uint32_t remote_index() const noexcept { return remote_index_; }

  // Initiator: a new initiation (macs left zero for the cookie layer to fill in).
  [[nodiscard]] std::optional<Initiation> create_initiation(const LocalIdentity& local, const RemoteIdentity& remote,
                                                            const crypto::Tai64n& timestamp, std::uint32_t local_index);
  // Initiator: the peer's response to our initiation. Leaves the state untouched on failure.
  [[nodiscard]] bool consume_response(const Response& message, const LocalIdentity& local,
                                      const RemoteIdentity& remote);

  // Responder: second half of consuming an initiation from this peer. Rejects a timestamp not
  // newer than the last accepted one (replay) and initiations arriving faster than
  // kInitiationsPerSecond (flood). Leaves the state untouched on failure.
  [[nodiscard]] bool accept_initiation(const OpenedInitiation& opened, const Initiation& message,
                                       const RemoteIdentity& remote, Instant now);
  // Responder: the response to the accepted initiation.
  [[nodiscard]] std::optional<Response> create_response(const RemoteIdentity& remote, std::uint32_t local_index);

  // After consume_response (initiator) or create_response (responder): the transport keys.
  // The handshake is zeroed afterwards.
  [[nodiscard]] std::optional<SessionKeys> derive_session();

  // Forgets the handshake in progress; the replay and flood memory is kept.
  void clear() noexcept;

 private:
  State state_ = State::zeroed;
  crypto::SecretBytes<32> chaining_key_;
  crypto::SecretBytes<32> hash_;
  crypto::PrivateKey ephemeral_private_;
  crypto::PublicKey remote_ephemeral_;
  std::uint32_t local_index_ = 0;
  std::uint32_t remote_index_ = 0;
  crypto::Tai64n latest_timestamp_{};
  std::optional<Instant> last_initiation_consumption_;
};

}  // namespace sluice::tunnel
