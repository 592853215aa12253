// Transport sessions: a keypair per completed handshake, and the current / previous / next slots
// a peer keeps so packets in flight across a rekey still decrypt (paper section 6.1). The slots own
// their keypairs; a keypair retired while transport jobs hold it is kept (unwiped) by the Device
// until its last job is done.
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
  // Transport jobs made on this session and not yet recycled. Jobs are made and recycled on the
  // core's thread only (workers just run them), so a plain count does, with no atomic per job.
  std::uint32_t jobs = 0;

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

  // Keypairs taken out of service; the caller releases their receiver indices, and keeps those
  // that jobs still hold until their jobs are done. A keypair's keys are wiped when it is destroyed.
  using Retired = std::vector<std::unique_ptr<Keypair>>;

  // Installs a fresh session. The initiator uses it at once; the responder holds it as `next`
  // until the initiator's first packet confirms it.
  [[nodiscard]] Retired install(std::unique_ptr<Keypair> keypair);

  // A packet arrived on `keypair`: if it is `next`, promote it and return true.
  [[nodiscard]] bool confirm(const Keypair* keypair, Retired& retired);

  // Every session, taken out of service.
  [[nodiscard]] Retired clear_all();

 private:
  std::unique_ptr<Keypair> current_;
  std::unique_ptr<Keypair> previous_;
  std::unique_ptr<Keypair> next_;
};

}  // namespace sluice::tunnel
