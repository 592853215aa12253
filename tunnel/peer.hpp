// Everything the core keeps about one peer: its keys, handshake, sessions, timers, endpoint,
// packets waiting for a session, and counters. The Device drives it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "crypto/memory.hpp"
#include "tunnel/cookie.hpp"
#include "tunnel/counter_field.hpp"
#include "tunnel/endpoint.hpp"
#include "tunnel/fifo.hpp"
#include "tunnel/handshake.hpp"
#include "tunnel/identity.hpp"
#include "tunnel/keypair.hpp"
#include "tunnel/timers.hpp"
#include "tunnel/transport_job.hpp"

namespace sluice::tunnel {

struct PeerCounters {
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_bytes = 0;
  std::uint64_t rx_packets = 0;
  std::uint64_t tx_packets = 0;
  std::uint64_t initiations_sent = 0;
  std::uint64_t initiations_received = 0;
  std::uint64_t handshakes_completed = 0;
  std::uint64_t cookie_replies_received = 0;
  std::uint64_t dropped_replay = 0;
  std::uint64_t dropped_decrypt = 0;
  std::uint64_t dropped_allowed_ips = 0;
  std::uint64_t dropped_malformed = 0;
  std::uint64_t dropped_queue_full = 0;
  std::uint64_t dropped_no_endpoint = 0;
  std::uint64_t dropped_over_fair_share = 0;
};

// Every per-peer counter, in the order stats and metrics show them.
inline constexpr CounterField<PeerCounters> kPeerCounterFields[] = {
    {"rx_bytes", &PeerCounters::rx_bytes, false,
     "bytes of whole datagrams received from the peer, handshakes included"},
    {"tx_bytes", &PeerCounters::tx_bytes, false, "bytes of whole datagrams sent to the peer, handshakes included"},
    {"rx_packets", &PeerCounters::rx_packets, false, "inner packets delivered"},
    {"tx_packets", &PeerCounters::tx_packets, false, "inner packets encrypted and sent"},
    {"initiations_sent", &PeerCounters::initiations_sent, false, "handshake initiations sent"},
    {"initiations_received", &PeerCounters::initiations_received, false, "handshake initiations received"},
    {"handshakes_completed", &PeerCounters::handshakes_completed, false, "handshakes that made a session"},
    {"cookie_replies_received", &PeerCounters::cookie_replies_received, false, "cookie replies from the peer"},
    {"dropped_replay", &PeerCounters::dropped_replay, true, "datagrams with a counter seen before or too old"},
    {"dropped_decrypt", &PeerCounters::dropped_decrypt, true, "datagrams that failed authentication"},
    {"dropped_allowed_ips", &PeerCounters::dropped_allowed_ips, true,
     "decrypted packets whose source is outside the peer's allowed IPs"},
    {"dropped_malformed", &PeerCounters::dropped_malformed, true, "decrypted packets without a valid IP header"},
    {"dropped_queue_full", &PeerCounters::dropped_queue_full, true,
     "packets waiting for a handshake dropped: the queue was full, or the handshake gave up"},
    {"dropped_no_endpoint", &PeerCounters::dropped_no_endpoint, true,
     "packets routed to the peer before its endpoint was known"},
    {"dropped_over_fair_share", &PeerCounters::dropped_over_fair_share, true,
     "datagrams dropped unopened: the peer held its equal share of the bound on receive jobs in flight"},
};

// Heap-allocated by the Device, in locked memory: it holds the preshared key, the handshake's
// ephemeral key and chaining key, and the sessions.
class Peer : public crypto::LockedAllocation {
 public:
  // DH(static, static) is left to the first handshake (RemoteIdentity::static_static_known).
  explicit Peer(const crypto::PublicKey& public_key) : remote_(public_key) {}
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  [[nodiscard]] const crypto::PublicKey& public_key() const noexcept { return remote_.public_key; }
  [[nodiscard]] const crypto::PresharedKey& preshared_key() const noexcept { return remote_.preshared_key; }
  void set_preshared_key(const crypto::PresharedKey& key) noexcept { remote_.preshared_key = key; }

  [[nodiscard]] const std::optional<Endpoint>& endpoint() const noexcept { return endpoint_; }
  void set_endpoint(const Endpoint& endpoint) noexcept { endpoint_ = endpoint; }

  [[nodiscard]] std::uint16_t persistent_keepalive() const noexcept { return persistent_keepalive_; }
  void set_persistent_keepalive(std::uint16_t seconds) noexcept { persistent_keepalive_ = seconds; }

  // Wall-clock time (since the Unix epoch) of the last completed handshake, for `wg show`.
  [[nodiscard]] std::optional<std::chrono::nanoseconds> last_handshake() const noexcept { return last_handshake_; }
  [[nodiscard]] const PeerCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const Keypairs& keypairs() const noexcept { return keypairs_; }
  [[nodiscard]] const PeerTimers& timers() const noexcept { return timers_; }
  [[nodiscard]] std::size_t staged_count() const noexcept { return staged_.size(); }

 private:
  friend class Device;

  RemoteIdentity remote_;
  Handshake handshake_;
  CookieState cookie_;
  Keypairs keypairs_;
  PeerTimers timers_;
  std::optional<Endpoint> endpoint_;
  std::uint16_t persistent_keepalive_ = 0;
  // The receiver index registered for the handshake in progress, if any.
  std::optional<std::uint32_t> handshake_index_;
  std::optional<Instant> last_sent_handshake_;
  bool sent_lastminute_handshake_ = false;
  std::optional<std::chrono::nanoseconds> last_handshake_;
  Fifo<std::vector<std::uint8_t>> staged_;
  // This peer's transport jobs in flight (hand-out mode), in the order made: they leave in that
  // order, whatever the other peers' jobs do.
  Fifo<std::unique_ptr<TransportJob>> jobs_;
  bool listed_with_jobs_ = false;  // in Device::peers_with_jobs_
  std::size_t open_jobs_ = 0;      // of jobs_, those opening a received datagram
  std::size_t slot_ = 0;           // its index in Device::peers_, so that removal needs no search
  PeerCounters counters_;
};

}  // namespace sluice::tunnel
