// Transport sessions: a keypair per completed handshake, and the current / previous / next slots
// a peer keeps so packets in flight across a rekey still decrypt (paper section 6.1). Slots share
// ownership with transport jobs in flight, so a retired keypair is wiped only when its last job
// is done.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "crypto/memory.hpp"
#include "tunnel/constants.hpp"
#include "tunnel/handshake.hpp"
#include "tunnel/replay_window.hpp"

namespace sluice::tunnel {

struct Keypair : crypto::LockedAllocation {
  Keypair(SessionKeys&& keys, Instant now) noexcept
      : send_key(keys.send),
        receive_key(keys.receive),
        local_index(keys.local_index),
        remote_index(keys.remote_index),
        initiator(keys.initiator),
        birth(now) {}

  crypto::SymmetricKey send_key;
  crypto::SymmetricKey receive_key;
  std::uint32_t local_index;
  std::uint32_t remote_index;
  bool initiator;
  Instant birth;
  std::uint64_t send_counter = 0;
  ReplayWindow replay;

  [[nodiscard]] bool expired(Instant now) const noexcept { return now - birth >= kRejectAfterTime; }
  [[nodiscard]] bool can_send(Instant now) const noexcept {
    return !expired(now) && send_counter < kRejectAfterMessages;
  }
  [[nodiscard]] bool can_receive(Instant now) const noexcept {
    return !expired(now) && replay.greatest() < kRejectAfterMessages;
  }
};

class Keypairs {
 public:
  [[nodiscard]] Keypair* current() const noexcept { return current_.get(); }
  [[nodiscard]] Keypair* previous() const noexcept { return previous_.get(); }
  [[nodiscard]] Keypair* next() const noexcept { return next_.get(); }
  // The slot owning `keypair` (a job takes a share), or nullptr if it is in none.
  [[nodiscard]] std::shared_ptr<Keypair> share(const Keypair* keypair) const noexcept;

  // Keypairs taken out of service; the caller releases their receiver indices. Their keys are
  // wiped when the last share (this list, or a job in flight) goes.
  using Retired = std::vector<std::shared_ptr<Keypair>>;

  // Installs a fresh session. The initiator uses it at once; the responder holds it as `next`
  // until the initiator's first packet confirms it.
  [[nodiscard]] Retired install(std::shared_ptr<Keypair> keypair);

  // A packet arrived on `keypair`: if it is `next`, promote it and return true.
  [[nodiscard]] bool confirm(const Keypair* keypair, Retired& retired);

  // Every session, wiped once the returned list and any job sharing a keypair are gone.
  [[nodiscard]] Retired clear_all();

 private:
  std::shared_ptr<Keypair> current_;
  std::shared_ptr<Keypair> previous_;
  std::shared_ptr<Keypair> next_;
};

}  // namespace sluice::tunnel
