// One running interface: the TUN device, the UDP sockets and the control socket wired to the
// protocol core, driven by a DataPath (io_uring where the kernel has it, else the epoll loop) and a
// monotonic clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "daemon/capture.hpp"
#include "daemon/control_socket.hpp"
#include "daemon/crypto_workers.hpp"
#include "daemon/data_path.hpp"
#include "daemon/drop_report.hpp"
#include "daemon/endpoint_names.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/event_stream.hpp"
#include "daemon/interface_routes.hpp"
#include "daemon/l2_segments.hpp"
#include "daemon/metrics_server.hpp"
#include "daemon/offload_switches.hpp"
#include "daemon/tun_device.hpp"
#include "daemon/tun_offload.hpp"
#include "daemon/uapi.hpp"
#include "daemon/udp_batch.hpp"
#include "daemon/udp_sockets.hpp"
#include "policy/policy.hpp"
#include "tunnel/device.hpp"
#include "tunnel/load_monitor.hpp"

namespace sluice::daemon {

struct InterfaceOptions {
  std::string ifname;
  std::filesystem::path control_directory = "/run/wireguard";
  // The absolute path of the file the settings came from (empty: none), for info=1.
  std::filesystem::path config_file;
  OffloadSwitches offloads;
  // Threads running transport crypto, the loop's own included; 1: all inline on the loop's thread.
  unsigned workers = 1;
};

// Allocate with make_unique: it holds the private key (in its Device), so it lives in locked memory.
class Interface final : public tunnel::Sink, public UapiTarget, public crypto::LockedAllocation {
 public:
  // Creates the TUN device, the control socket and the UDP sockets, and applies `settings`
  // (addresses, MTU and routes through rtnetlink, then keys and peers). Throws on any failure,
  // a route that could not be added included, with a message naming the interface and the cause;
  // whatever was created is released.
  Interface(const InterfaceOptions& options, const config::InterfaceSettings& settings);

  // Runs until stop() (a signal) or until the TUN device disappears (`ip link del`).
  void run();
  void stop() noexcept { loop_.stop(); }
  // Watches the signalfd `fd`: SIGHUP reloads the config file (reload_config), any other signal
  // stops the loop.
  void handle_signals(int fd);
  // Applies the config file the interface started from as `sluicectl reload` does: peers and
  // their allowed IPs follow the file (unchanged peers keep their sessions), and so do routes. A
  // file that does not load changes nothing; either way one log line says what happened.
  void reload_config();

  // tunnel::Sink
  void send(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagram, tunnel::Peer* peer) override;
  std::span<std::uint8_t> datagram_room(const tunnel::Endpoint& to, std::size_t size) override;
  void deliver(tunnel::Peer& peer, std::span<const std::uint8_t> packet, tunnel::Instant now) override;
  void event(const tunnel::PeerEvent& event) override;

  // UapiTarget
  tunnel::Device& device() override { return device_; }
  [[nodiscard]] std::uint16_t listen_port() const override { return sockets_->port(); }
  int set_listen_port(std::uint16_t port) override;
  [[nodiscard]] std::uint32_t fwmark() const override { return fwmark_; }
  int set_fwmark(std::uint32_t mark) override;
  [[nodiscard]] tunnel::Instant now() const override;
  void persistent_keepalive_enabled(tunnel::Peer& peer) override;
  void follow_endpoints(const crypto::PublicKey& key, const std::vector<std::string>& texts) override;
  [[nodiscard]] std::vector<NamedCounter> extra_counters() const override;
  [[nodiscard]] std::string serialize_fdb() const override;
  [[nodiscard]] std::string serialize_info() const override;
  [[nodiscard]] std::string sync_routes() override;
  [[nodiscard]] bool publishing() const override { return events_.active(); }
  void publish(const Event& event) override { events_.publish(event); }
  [[nodiscard]] std::string serialize_policy() const override;
  [[nodiscard]] int set_policy(const uapi::PolicyText& policy) override;
  [[nodiscard]] std::string serialize_flows() const override;

 private:
  // One read from the TUN device: its packets go to the core.
  void send_from_tun(std::span<std::uint8_t> read);
  // Whether the policy lets a read from the TUN device (a packet or a super-packet) leave, to the
  // peer that routing by allowed IPs picks for it. Counts a refusal.
  bool admit_outbound(std::span<const std::uint8_t> read, tunnel::Instant now);
  // New rules, defaults and identities; false (and a log line, nothing changed) if refused.
  bool configure_policy(const policy::PolicySettings& settings, const std::vector<policy::PeerIdentity>& identities,
                        std::string_view origin);
  void capture_outbound(std::span<const std::uint8_t> packet);
  // Sends what send() gathered for one GSO send, and writes the packet deliver() is coalescing.
  // Runs after every batch of events, and before anything that may remove a peer.
  void flush();
  void flush_sends();
  // After a GSO send failed with `error`: EIO says this socket cannot segment (the route's device
  // has no checksum offload, or IPsec applies), so GSO goes off for it, with one log line; other
  // errors (EMSGSIZE: a path MTU below the segment size) concern that batch only, which then
  // leaves one datagram at a time while GSO stays on.
  void gso_failed(const tunnel::Endpoint& to, int error);
  // A send on the syscall path; if our pinned source address is gone, `unpin` is told the
  // endpoint without it and the datagram goes once more from there.
  void send_unpinning(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagram,
                      const std::function<void(const tunnel::Endpoint&)>& unpin);
  // One receive: a datagram, or several of `segment_size` bytes (UDP GRO).
  void receive_datagrams(std::span<std::uint8_t> received, const tunnel::Endpoint& from, std::uint16_t segment_size);
  // What the data paths call back with.
  DataPath::Handlers data_path_handlers();
  // io_uring where it works (the epoll path stays otherwise), and the log line that says so.
  void start_data_path();
  // After a send failed: one datagram at a time, as flush_sends() does.
  void resend(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagrams, std::uint16_t segment_size);
  void on_tick();
  void report_drops(tunnel::Instant at);
  // The core reports its events while the debug log or an event stream wants them.
  void update_event_reporting() noexcept;
  // With worker threads: hands the core's new jobs to them; returns whether there were any.
  bool dispatch_jobs();
  // Between reads: hands out new jobs, runs some here while more than `backlog` wait, and sends or
  // delivers what is finished, so output flows while input is still being read.
  void progress_jobs(std::size_t backlog);
  // Runs queued jobs on this thread too, then sends and delivers the finished ones (each peer's in
  // order).
  void run_jobs();
  // True (and the loop stopped) once `ip link del` removed the device: how wg-quick stops us.
  bool stop_if_tun_removed();
  // With `routes = true`: the routes through the interface made equal to the peers' allowed IPs
  // (a /0 as a full tunnel, whose table is the sockets' fwmark: set to kFullTunnelTable if none).
  RouteChanges apply_routes();

  std::string ifname_;
  EventLoop loop_;
  // After the loop (they unregister from it), before the control socket that hands them connections.
  CaptureSet captures_{loop_};
  EventStream events_{loop_, ifname_};
  // Before the TUN device: a second daemon for the same name is refused by the socket check,
  // with a clearer message than the kernel's EBUSY.
  ControlSocket control_;
  TunDevice tun_;
  const std::filesystem::path config_file_;
  const bool routes_enabled_;
  // After the TUN device: its rules are removed before the device goes.
  InterfaceRoutes routes_;
  // The mark this daemon set for its full tunnel (the config had none); 0: none.
  std::uint32_t own_fwmark_ = 0;
  std::unique_ptr<UdpSockets> sockets_;
  std::uint32_t fwmark_ = 0;
  tunnel::Device device_;
  // Endpoint names and lists (after the loop and the device it uses).
  EndpointNames endpoint_names_;
  platform::UniqueFd timer_;
  std::unique_ptr<MetricsServer> metrics_;  // only with metrics_listen
  std::unique_ptr<L2Segments> segments_;    // only with [[segment]] tables
  OffloadSwitches offloads_;
  UdpBatch batch_;
  TunOffload tun_offload_;
  // The epoll path from construction (what the configuration sends before run() leaves through
  // it), replaced by io_uring in run() unless SLUICE_DISABLE=uring or the kernel lacks something.
  // After the device and the sockets: io_uring's reads in flight must be cancelled before they close.
  std::unique_ptr<DataPath> data_path_;

  tunnel::LoadMonitor load_;

  // Rules and flows. Used on the loop's thread only: the TUN reads and deliver() run there, also
  // with crypto workers (they only seal and open; finish_jobs() delivers on this thread).
  policy::Policy policy_;
  std::uint64_t policy_dropped_inbound_ = 0;
  std::uint64_t policy_dropped_outbound_ = 0;

  DropReport drops_;
  tunnel::Instant last_report_{};
  std::uint64_t tun_write_errors_ = 0;
  std::uint64_t udp_send_errors_ = 0;
  std::uint64_t tun_offload_errors_ = 0;
  unsigned ticks_ = 0;

  unsigned workers_wanted_ = 1;
  std::vector<tunnel::TransportJob*> new_jobs_;
  // Last, so its threads are joined before anything they read goes. Started by run(), after
  // privileges were dropped and the process detached (capabilities are per thread; fork keeps one).
  std::unique_ptr<CryptoWorkers> workers_;
};

}  // namespace sluice::daemon
