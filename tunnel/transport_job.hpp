// One transport message's encryption or decryption, cut loose from the core so any thread can run
// it. The core does the state work before (session choice, counter, replay pre-check) and after
// (replay window, timers, allowed IPs, sending or delivering, in the order the peer's jobs were made);
// a job only touches its own bytes and the keys of its keypair, read-only.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tunnel/endpoint.hpp"
#include "tunnel/keypair.hpp"

namespace sluice::tunnel {

class Peer;

class TransportJob {
 public:
  enum class Kind : std::uint8_t { seal, open };

  // Runs the AEAD in place, then marks the job done (a release store, so the thread that sees
  // done() also sees the bytes). Safe on any thread, once per hand-out.
  void run() noexcept;
  [[nodiscard]] bool done() const noexcept { return done_.load(std::memory_order_acquire); }

  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  // After run(): whether the seal worked, or the datagram authenticated.
  [[nodiscard]] bool ok() const noexcept { return ok_; }
  [[nodiscard]] const std::vector<std::uint8_t>& datagram() const noexcept { return datagram_; }
  [[nodiscard]] const Keypair* keypair() const noexcept { return keypair_; }

 private:
  friend class Device;

  // Read by run(); set by the core before the job is handed out.
  Kind kind_ = Kind::seal;
  // Counted in Keypair::jobs: the Device keeps the keypair alive (and unwiped) while the job is in
  // flight, even if the session is retired.
  Keypair* keypair_ = nullptr;
  std::uint64_t counter_ = 0;
  // The whole datagram: header, then plaintext (seal: padded, with room for the tag) or ciphertext.
  std::vector<std::uint8_t> datagram_;
  bool ok_ = false;
  std::atomic<bool> done_{false};

  // The core's side: nullptr once the peer was removed (the job is then dropped).
  Peer* peer_ = nullptr;
  Endpoint from_;  // open: where the datagram came from
};

}  // namespace sluice::tunnel
