// The protocol core of one WireGuard interface, free of I/O: datagrams, inner packets and the
// time come in; datagrams to send and packets to deliver go out through a Sink. The daemon owns
// sockets, the TUN device and the clock; tests drive two Devices against each other in memory.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "crypto/memory.hpp"
#include "tunnel/allowed_ips.hpp"
#include "tunnel/cookie.hpp"
#include "tunnel/cookie_reply_limiter.hpp"
#include "tunnel/counter_field.hpp"
#include "tunnel/endpoint.hpp"
#include "tunnel/identity.hpp"
#include "tunnel/peer.hpp"
#include "tunnel/peer_event.hpp"
#include "tunnel/rate_limiter.hpp"
#include "tunnel/transport_job.hpp"

namespace sluice::tunnel {

// Where the core's output goes. Calls happen synchronously inside Device methods; spans are only
// valid during the call.
class Sink {
 public:
  virtual ~Sink() = default;
  // A datagram to `to`. `peer` is the peer it belongs to, or nullptr for a cookie reply to an
  // unauthenticated sender.
  virtual void send(const Endpoint& to, std::span<const std::uint8_t> datagram, Peer* peer) = 0;
  // Room for the next transport datagram of `size` bytes to `to`, which the core fills, seals in
  // place and then passes to send(): a sink that gathers datagrams for one GSO send hands out the
  // end of its batch, so the datagram is never copied. Valid until the next call into the sink.
  // Empty (the default) or smaller than `size`: the core builds it in its own buffer. Never room
  // that overlaps a packet being sent: a full-sized one is sealed from where it lies into it.
  virtual std::span<std::uint8_t> datagram_room(const Endpoint& /*to*/, std::size_t /*size*/) { return {}; }
  // An authenticated, decrypted inner packet, trimmed of padding, for the TUN device; `now` is the
  // time the Device was given with the datagram (or with finish_jobs()).
  virtual void deliver(Peer& peer, std::span<const std::uint8_t> packet, Instant now) = 0;
  // A handshake or session event, only while the Device reports them (set_reporting_events).
  virtual void event(const PeerEvent& /*event*/) {}
};

// Interface-wide drop and event counters; per-peer ones live in PeerCounters.
struct DeviceCounters {
  std::uint64_t invalid_message = 0;
  std::uint64_t bad_mac1 = 0;
  std::uint64_t cookie_replies_sent = 0;
  std::uint64_t handshake_rate_limited = 0;
  std::uint64_t bad_cookie_reply = 0;
  std::uint64_t handshake_rejected = 0;
  std::uint64_t unknown_index = 0;
  std::uint64_t expired_session = 0;
  std::uint64_t decrypt_failed = 0;
  std::uint64_t replayed = 0;
  std::uint64_t malformed_inner = 0;
  std::uint64_t allowed_ips_mismatch = 0;
  std::uint64_t no_route = 0;
  std::uint64_t no_endpoint = 0;
  std::uint64_t queue_full = 0;
  std::uint64_t oversize = 0;
  std::uint64_t over_fair_share = 0;
};

// Every interface-wide counter, in the order stats, metrics and the drop log show them.
inline constexpr CounterField<DeviceCounters> kDeviceCounterFields[] = {
    {"invalid_message", &DeviceCounters::invalid_message, true,
     "datagrams of an unknown type or of a wrong size for their type"},
    {"bad_mac1", &DeviceCounters::bad_mac1, true, "handshake messages whose mac1 was wrong"},
    {"cookie_replies_sent", &DeviceCounters::cookie_replies_sent, false,
     "cookie replies sent to handshakes that came while under load"},
    {"handshake_rate_limited", &DeviceCounters::handshake_rate_limited, true,
     "handshakes (or datagrams wanting a cookie reply) over a source's share while under load"},
    {"bad_cookie_reply", &DeviceCounters::bad_cookie_reply, true, "cookie replies that could not be opened"},
    {"handshake_rejected", &DeviceCounters::handshake_rejected, true,
     "handshake messages that were undecryptable, from an unknown peer, replayed or flooding"},
    {"unknown_index", &DeviceCounters::unknown_index, true, "datagrams for a session index that does not exist"},
    {"expired_session", &DeviceCounters::expired_session, true, "datagrams for a session past its lifetime"},
    {"decrypt_failed", &DeviceCounters::decrypt_failed, true, "transport datagrams that failed authentication"},
    {"replayed", &DeviceCounters::replayed, true, "transport datagrams with a counter seen before or too old"},
    {"malformed_inner", &DeviceCounters::malformed_inner, true,
     "packets, from the TUN device or decrypted from a peer, without a valid IP header"},
    {"allowed_ips_mismatch", &DeviceCounters::allowed_ips_mismatch, true,
     "decrypted packets whose source is outside the sending peer's allowed IPs"},
    {"no_route", &DeviceCounters::no_route, true, "packets from the TUN device to an address no peer allows"},
    {"no_endpoint", &DeviceCounters::no_endpoint, true, "packets for a peer whose endpoint is not known"},
    {"queue_full", &DeviceCounters::queue_full, true,
     "packets waiting for a handshake dropped: the queue was full, or the handshake gave up"},
    {"oversize", &DeviceCounters::oversize, true, "packets from the TUN device larger than the tunnel carries"},
    {"over_fair_share", &DeviceCounters::over_fair_share, true,
     "datagrams dropped unopened: the peer held its equal share of the bound on receive jobs in flight"},
};

class Device {
 public:
  // Largest inner packet accepted from the TUN side.
  static constexpr std::size_t kMaxPacketSize = 65535;

  // `wall_clock` gives the time since the Unix epoch: for TAI64N stamps and for `wg show`'s
  // latest-handshake time. Everything else runs on the monotonic `now` passed to each call.
  explicit Device(std::function<std::chrono::nanoseconds()> wall_clock);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  // Setting the key that is already set changes nothing; a new key drops every session.
  void set_private_key(const crypto::PrivateKey& private_key);
  [[nodiscard]] const LocalIdentity& identity() const noexcept { return identity_; }

  // Pads transport payloads up to a multiple of 16 but not past `mtu` (0: no limit).
  void set_mtu(std::size_t mtu) noexcept { mtu_ = mtu; }

  // Handshake and session events go to Sink::event() (off by default, for a debug log). Off, the
  // per-packet path pays one test of this flag for them.
  void set_reporting_events(bool on) noexcept { report_events_ = on; }

  // The peer with this key, created if needed; nullptr for our own public key. Adding, finding and
  // removing one peer take constant time (a hash table by key), whatever the number of peers.
  Peer* add_peer(const crypto::PublicKey& public_key);
  [[nodiscard]] Peer* find_peer(const crypto::PublicKey& public_key) const;
  bool remove_peer(const crypto::PublicKey& public_key);
  void remove_all_peers();
  // In the order they were added, except that a removal moves the last peer into the gap.
  [[nodiscard]] const std::vector<std::unique_ptr<Peer>>& peers() const noexcept { return peers_; }

  [[nodiscard]] AllowedIps<Peer*>& allowed_ips() noexcept { return allowed_ips_; }
  [[nodiscard]] const AllowedIps<Peer*>& allowed_ips() const noexcept { return allowed_ips_; }

  // A datagram from the network. Transport data is decrypted in place in `datagram` (copied into a
  // job in hand-out mode).
  // `under_load` is the caller's judgement; it makes handshakes without a valid mac2 get a
  // cookie reply instead of an answer.
  void receive(std::span<std::uint8_t> datagram, const Endpoint& from, Instant now, bool under_load, Sink& sink);

  // An inner packet from the TUN device: routed by destination, encrypted, sent, or staged
  // while a handshake is made. `packet` is copied (or done with) by the time this returns.
  void send_packet(std::span<const std::uint8_t> packet, Instant now, Sink& sink);

  void send_keepalive(Peer& peer, Instant now, Sink& sink);
  // Starts a handshake unless one was sent less than REKEY_TIMEOUT ago.
  void initiate_handshake(Peer& peer, Instant now, Sink& sink);

  // Runs the timers of every peer. Call at least every few hundred milliseconds.
  void tick(Instant now, Sink& sink);

  // Hand-out mode (off by default): transport data is no longer sealed or opened inside
  // send_packet() and receive(). The core does the state work (session, counter, replay pre-check)
  // and makes a TransportJob; the caller runs the jobs, on any threads, and finish_jobs() then
  // checks the replay window and sends or delivers the results of each peer in the order its
  // jobs were made (one peer's slow job holds back only that peer's later ones).
  // Switch only while no job is in flight; destroy the Device only when no job is running.
  void set_hand_out_jobs(bool on) noexcept { hand_out_jobs_ = on; }
  // Appends the jobs made since the last call, in the order made. The Device keeps owning them.
  void take_jobs(std::vector<TransportJob*>& out);
  // Sends or delivers finished jobs, for each peer in order up to its first one not yet done.
  // Jobs of removed peers are dropped. Returns how many jobs are still in flight (made but not
  // finished).
  std::size_t finish_jobs(Instant now, Sink& sink);
  [[nodiscard]] std::size_t jobs_in_flight() const noexcept { return jobs_in_flight_; }
  // Hand-out mode: bounds on the jobs opening received datagrams in flight. Up to `shared` of them
  // (0, the default: no bound at all), every datagram is taken. Beyond it they are shared equally
  // among the peers that have such jobs: a transport datagram from a peer already holding its share
  // of `shared` is dropped unopened (counted as over_fair_share), as fq drops from the fullest
  // queue, so that a backlog read ahead of decryption is cut where it comes from, not from
  // whoever arrives next. A peer alone with such jobs may hold up to `lone` (a single sender keeps
  // its whole backlog); never more than shared + lone are in flight.
  struct ReceiveJobBounds {
    std::size_t shared = 0;
    std::size_t lone = 0;
  };
  void set_receive_job_bounds(ReceiveJobBounds bounds) noexcept { receive_job_bounds_ = bounds; }
  [[nodiscard]] std::size_t receive_jobs_in_flight() const noexcept { return receive_jobs_in_flight_; }
  // How many peers have receive jobs in flight.
  [[nodiscard]] std::size_t peers_with_receive_jobs() const noexcept { return peers_with_receive_jobs_; }

  [[nodiscard]] const DeviceCounters& counters() const noexcept { return counters_; }

  // How many entries a lookup of this public key, or of this receiver index, compares (the length
  // of its hash chain): what tests check to show that a lookup costs the same with 10 peers or
  // 100,000. Kept off the lookups themselves, which the data path makes per datagram.
  [[nodiscard]] std::size_t lookup_cost(const crypto::PublicKey& public_key) const;
  [[nodiscard]] std::size_t lookup_cost(std::uint32_t receiver_index) const;
  // How many peers were removed since the Device was made: while it has not changed, pointers to
  // the peers taken before are still good (a long answer written in slices relies on it).
  [[nodiscard]] std::uint64_t peers_removed() const noexcept { return peers_removed_; }
  // The receiver indices in use (handshakes in progress and sessions).
  [[nodiscard]] std::vector<std::uint32_t> receiver_indices() const;

 private:
  // A receiver index names a handshake in progress (keypair == nullptr) or a session.
  struct IndexEntry {
    Peer* peer;
    Keypair* keypair;
  };

  void receive_handshake(std::span<const std::uint8_t> datagram, MessageType type, const Endpoint& from, Instant now,
                         bool under_load, Sink& sink);
  Peer* consume_initiation(std::span<const std::uint8_t> datagram, Instant now);
  Peer* consume_response(std::span<const std::uint8_t> datagram);
  void receive_cookie_reply(std::span<const std::uint8_t> datagram, const Endpoint& from, Instant now, Sink& sink);
  void receive_transport(std::span<std::uint8_t> datagram, const Endpoint& from, Instant now, Sink& sink);
  // After a transport message authenticated: replay window, session confirmation, timers, allowed IPs.
  void accept_transport(Peer& peer, Keypair& keypair, std::uint64_t counter, std::span<const std::uint8_t> plaintext,
                        std::size_t datagram_size, const Endpoint& from, Instant now, Sink& sink);
  TransportJob& make_job(TransportJob::Kind kind, Peer& peer, Keypair& keypair, std::uint64_t counter);
  void finish_job(TransportJob& job, Instant now, Sink& sink);
  [[nodiscard]] bool within_fair_share(const Peer& peer) const noexcept;
  void recycle_job(std::unique_ptr<TransportJob> job);

  void start_handshake(Peer& peer, Instant now, Sink& sink, bool is_retry);
  void send_response(Peer& peer, Instant now, Sink& sink);
  // Adds mac1/mac2, counts the message as authenticated traffic and sends it.
  void send_handshake_message(Peer& peer, std::span<std::uint8_t> message, std::size_t mac1_offset, Instant now,
                              Sink& sink);
  bool begin_session(Peer& peer, Instant now);
  void handshake_completed(Peer& peer, Sink& sink);
  // Roaming (paper section 2.1): an authenticated message's source becomes the peer's endpoint.
  void update_endpoint(Peer& peer, const Endpoint& from, Sink& sink);
  void report(Sink& sink, PeerEventKind kind, const Peer* peer, const Endpoint* endpoint, int attempt = 0) const {
    if (report_events_) sink.event(PeerEvent{kind, peer, endpoint, attempt});
  }

  void send_staged(Peer& peer, Instant now, Sink& sink);
  bool try_send_now(Peer& peer, std::span<const std::uint8_t> packet, Instant now, Sink& sink);
  void keep_key_fresh_after_send(Peer& peer, Instant now, Sink& sink);
  void keep_key_fresh_after_receive(Peer& peer, Instant now, Sink& sink);
  void transmit(Peer& peer, std::span<const std::uint8_t> datagram, Sink& sink);
  void stage(Peer& peer, std::span<const std::uint8_t> packet);

  std::uint32_t allocate_index(Peer& peer);
  void release_handshake_index(Peer& peer);
  // Frees the receiver indices of retired keypairs; those that jobs still hold go to lingering_.
  void release(Keypairs::Retired& retired);
  void zero_key_material(Peer& peer);
  void forget_peer(Peer& peer);

  std::function<std::chrono::nanoseconds()> wall_clock_;
  LocalIdentity identity_;
  CookieChecker cookie_checker_;
  RateLimiter rate_limiter_;
  CookieReplyLimiter cookie_reply_limiter_;
  std::vector<std::unique_ptr<Peer>> peers_;
  std::unordered_map<crypto::PublicKey, Peer*, crypto::PublicKeyHash> peers_by_key_;
  std::unordered_map<std::uint32_t, IndexEntry> indices_;
  AllowedIps<Peer*> allowed_ips_;
  std::size_t mtu_ = 0;
  bool report_events_ = false;
  std::vector<std::uint8_t> tx_buffer_;
  bool hand_out_jobs_ = false;
  // Jobs made since the last take_jobs(), in the order made. Each is owned by its peer's queue
  // (Peer::jobs_), or by orphaned_jobs_.
  std::vector<TransportJob*> not_handed_out_;
  // The peers whose queue has jobs, in no particular order.
  std::vector<Peer*> peers_with_jobs_;
  // Jobs of peers since removed, possibly running: dropped once done.
  std::vector<std::unique_ptr<TransportJob>> orphaned_jobs_;
  std::size_t jobs_in_flight_ = 0;
  // Retired keypairs that jobs in flight still hold (Keypair::jobs > 0): destroyed, and so wiped,
  // when their last job is recycled. A handful at most (a rekey every two minutes per peer).
  std::vector<std::unique_ptr<Keypair>> lingering_;
  ReceiveJobBounds receive_job_bounds_;
  std::size_t receive_jobs_in_flight_ = 0;  // open jobs, of removed peers' too
  std::size_t peers_with_receive_jobs_ = 0;
  // Finished jobs kept for reuse, so their buffers are not allocated per message.
  std::vector<std::unique_ptr<TransportJob>> spare_jobs_;
  DeviceCounters counters_;
  std::uint64_t peers_removed_ = 0;
};

}  // namespace sluice::tunnel
