#include "daemon/interface.hpp"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>

#include "config/config_file.hpp"
#include "config/policy_reader.hpp"
#include "config/sync_request.hpp"
#include "crypto/aead.hpp"
#include "daemon/epoll_data_path.hpp"
#include "daemon/flows_answer.hpp"
#include "daemon/log.hpp"
#include "daemon/peer_event_text.hpp"
#include "daemon/uapi_info.hpp"
#include "daemon/uring_data_path.hpp"
#include "platform/os_error.hpp"
#include "platform/rtnetlink.hpp"
#include "tunnel/ip_packet.hpp"
#include "tunnel/messages.hpp"

namespace sluice::daemon {
namespace {

using namespace std::chrono_literals;

constexpr auto kTickInterval = 100ms;
// Handshake messages per second above which we ask initiators for cookies (paper 5.3).
constexpr auto kDropReportInterval = 10s;
constexpr unsigned kDefaultMtu = 1420;
// The core's bounds on receive jobs in flight (tunnel::Device::set_receive_job_bounds). UDP reads
// run ahead of decryption until `shared` wait, beyond which each peer gets an equal share (64 each
// with 8 sending); a lone sender may have up to `lone` in flight, about what the socket's 4 MiB
// buffer holds, so that it loses nothing here that the kernel would have kept.
constexpr tunnel::Device::ReceiveJobBounds kReceiveJobBounds{.shared = 512, .lone = 4096};

std::chrono::nanoseconds wall_clock() { return std::chrono::system_clock::now().time_since_epoch(); }

// Calls `each` for every datagram of a GSO send or GRO receive: `segment_size` bytes each, the
// last one possibly shorter; a segment size of 0 means one datagram.
template <typename Byte, typename Each>
void for_each_datagram(std::span<Byte> datagrams, std::uint16_t segment_size, Each each) {
  const std::size_t step = segment_size != 0 ? segment_size : datagrams.size();
  for (std::size_t offset = 0; offset < datagrams.size(); offset += step) {
    each(datagrams.subspan(offset, std::min(step, datagrams.size() - offset)));
  }
}

}  // namespace

Interface::Interface(const InterfaceOptions& options, const config::InterfaceSettings& settings)
    : ifname_(options.ifname),
      control_(options.ifname, options.control_directory),
      tun_(options.ifname, options.offloads.vnet),
      config_file_(options.config_file),
      routes_enabled_(settings.routes),
      routes_(options.ifname),
      sockets_(std::make_unique<UdpSockets>(options.ifname, settings.listen_port, settings.fwmark, options.offloads.gso,
                                            options.offloads.gro)),
      fwmark_(settings.fwmark),
      device_(wall_clock),
      endpoint_names_(loop_, device_, events_, [this] { return now(); }),
      timer_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)),
      offloads_(options.offloads),
      tun_offload_(tun_.vnet_header(), options.offloads.uso && has_udp_offloads(tun_.offloads())),
      data_path_(std::make_unique<EpollDataPath>(tun_.fd(), *sockets_, loop_, data_path_handlers())),
      workers_wanted_(std::max(options.workers, 1U)) {
  if (!timer_.valid()) platform::throw_os_error(ifname_ + ": cannot create timer");
  if (offloads_.test_gso_eio) sockets_->simulate_gso_eio();
  const unsigned mtu = settings.mtu.value_or(kDefaultMtu);
  device_.set_mtu(mtu);
  update_event_reporting();

  // Before any peer exists, so no packet passes unjudged. The loader checked it already.
  policy_.configure(settings.policy, config::peer_identities(settings.peers));

  uapi::SetRequest request = config::sync_request(settings, {});
  // The sockets were just made with these.
  request.listen_port.reset();
  request.fwmark.reset();
  if (const int error = apply_set_request(request, *this); error != 0) {
    platform::throw_os_error(ifname_ + ": cannot apply configuration", error);
  }

  platform::Rtnetlink link(ifname_);
  link.set_mtu(mtu);
  for (const auto& address : settings.addresses) link.add_address(address);
  link.set_up();
  // A tunnel that starts without a route it was asked for would send that traffic elsewhere
  // (a full tunnel's IPv4 through the underlay): not starting says so where it is seen.
  if (const RouteChanges routes = apply_routes(); !routes.failures.empty()) {
    std::string message = routes.failures.front();
    for (std::size_t i = 1; i < routes.failures.size(); ++i) message.append("; ").append(routes.failures[i]);
    throw std::runtime_error(message);
  }
  if (!settings.segments.empty()) {
    // Frames sent on a segment show in captures like packets read from the TUN device.
    L2Segments::Observer observer;
    observer.packet = [this](std::span<const std::uint8_t> packet) {
      if (captures_.packets_active()) capture_outbound(packet);
    };
    observer.read_done = [this] { progress_jobs(CryptoWorkers::kBacklog); };
    segments_ = std::make_unique<L2Segments>(
        ifname_, settings.segments, device_, *this, [this] { return now(); }, std::move(observer), captures_,
        offloads_.tap_vnet, offloads_.uso);
  }

  const auto interval = std::chrono::duration_cast<std::chrono::nanoseconds>(kTickInterval).count();
  itimerspec spec{};
  spec.it_interval.tv_nsec = interval;
  spec.it_value.tv_nsec = interval;
  ::timerfd_settime(timer_.get(), 0, &spec, nullptr);

  loop_.add(timer_.get(), EPOLLIN, [this](std::uint32_t) { on_tick(); });
  // Batched datagrams name their peer: send them before a request may remove it.
  control_.attach(loop_,
                  [this](std::string_view text) {
                    flush();
                    return start_request(text, *this);
                  },
                  {{"capture=1\n",
                    [this](platform::UniqueFd fd, std::string_view text) {
                      captures_.start(std::move(fd), text, [this](std::string_view name) {
                        return segments_ ? segments_->find(name) : std::nullopt;
                      });
                    }},
                   {"events=1\n", [this](platform::UniqueFd fd, std::string_view text) {
                      events_.subscribe(std::move(fd), text);
                      update_event_reporting();
                    }}});
  if (settings.metrics_listen) {
    metrics_ = std::make_unique<MetricsServer>(loop_, *settings.metrics_listen, [this] {
      return render_metrics(ifname_, device_, extra_counters(), &policy_);
    });
    Log::info("serving metrics on http://{}/metrics", settings.metrics_listen->to_string());
  }
  Log::info("listening on UDP port {}, control socket {}", sockets_->port(), control_.path().string());
}

DataPath::Handlers Interface::data_path_handlers() {
  DataPath::Handlers handlers;
  handlers.tun_read = [this](std::span<std::uint8_t> read) {
    send_from_tun(read);
    progress_jobs(CryptoWorkers::kBacklog);
  };
  handlers.tun_read_failed = [this](int error) {
    if (!stop_if_tun_removed()) Log::warning("reading from TUN device failed: {}", std::strerror(error));
  };
  handlers.udp_received = [this](std::span<std::uint8_t> datagrams, const tunnel::Endpoint& from,
                                 std::uint16_t segment_size) { receive_datagrams(datagrams, from, segment_size); };
  handlers.send_failed = [this](const tunnel::Endpoint& to, std::span<const std::uint8_t> datagrams,
                                std::uint16_t segment_size, int error) {
    if (segment_size != 0 && datagrams.size() > segment_size) gso_failed(to, error);
    resend(to, datagrams, segment_size);
  };
  handlers.tun_write_failed = [this] { ++tun_write_errors_; };
  return handlers;
}

// Called by run(), not the constructor: an io_uring instance (and the buffers it has pinned)
// belongs to the process that made it, and the daemon may fork to detach after construction.
void Interface::start_data_path() {
  // Handshakes the configuration started leave on the epoll path, before batches move into
  // pool buffers.
  flush();
  std::string uring_status = "off (SLUICE_DISABLE)";
  if (offloads_.uring) {
    std::string missing;
    const std::size_t taps = segments_ ? segments_->size() : 0;
    if (auto uring = UringDataPath::create(tun_.fd(), *sockets_, loop_, data_path_handlers(), taps,
                                           offloads_.multishot_reads, missing)) {
      uring_status = uring->multishot_reads()
                         ? "on"
                         : fmt::format("on, devices read by plain reads ({})", uring->plain_reads_reason());
      data_path_ = std::move(uring);
    } else {
      uring_status = "off (" + missing + ")";
    }
  }
  // GSO batches and coalesced TUN packets are built where the data path hands them to the kernel
  // from (io_uring's pool buffers).
  batch_.set_storage(data_path_->storage(batch_.storage()));
  tun_offload_.use_storage_of(*data_path_);
  if (segments_) segments_->use_data_path(*data_path_);
  Log::info("data path: TUN offloads {}, UDP GSO {}, UDP GRO {}, io_uring {}, {}, ChaCha20-Poly1305 from {}",
            tun_.offloads() != 0 ? "on" : (tun_.vnet_header() ? "virtio-net header only" : "off"),
            sockets_->gso() ? "on" : "off", sockets_->gro() ? "on" : "off", uring_status,
            workers_wanted_ == 1 ? std::string("1 crypto worker (inline)")
                                 : fmt::format("{} crypto workers (the loop's thread and {} more)", workers_wanted_,
                                               workers_wanted_ - 1),
            crypto::transport_aead_libraries());
}

void Interface::run() {
  start_data_path();
  if (workers_wanted_ > 1 && !workers_) {
    workers_ = std::make_unique<CryptoWorkers>(workers_wanted_ - 1);
    device_.set_hand_out_jobs(true);
    device_.set_receive_job_bounds(kReceiveJobBounds);
    // The loop (polled by the io_uring path too) wakes up for jobs finished on other threads;
    // run_jobs() below collects them.
    loop_.add(workers_->finished_fd(), EPOLLIN, [this](std::uint32_t) { workers_->clear_finished(); });
  }
  while (!loop_.stopped()) {
    data_path_->run_once(1000);
    // Captures are drained once per turn, not per packet.
    if (captures_.active()) captures_.flush();
    run_jobs();
    flush();
    events_.flush();
    update_event_reporting();
  }
}

void Interface::flush() {
  flush_sends();
  tun_offload_.flush(*data_path_);
  if (segments_) segments_->flush();
}

void Interface::handle_signals(int fd) {
  loop_.add(fd, EPOLLIN, [this, fd](std::uint32_t) {
    signalfd_siginfo info{};
    if (::read(fd, &info, sizeof info) != sizeof info) return;
    if (info.ssi_signo == SIGHUP) {
      reload_config();
      return;
    }
    Log::info("received signal {}; exiting", info.ssi_signo);
    stop();
  });
}

void Interface::reload_config() {
  if (config_file_.empty()) {
    Log::warning("SIGHUP: started without --config, so there is no file to reload");
    return;
  }
  config::InterfaceSettings settings;
  try {
    settings = config::load_config_file(config_file_);
  } catch (const config::ConfigError& e) {
    Log::error("SIGHUP: nothing changed: {}", e.what());
    return;
  }
  // The mark the full tunnel set for itself stays while the file names none.
  const uapi::SetRequest request = config::sync_request(settings, running_state(*this), own_fwmark_);
  std::size_t added = 0;
  std::size_t removed = 0;
  for (const uapi::PeerChange& change : request.peers) {
    if (change.remove) {
      ++removed;
    } else if (device_.find_peer(change.public_key) == nullptr) {
      ++added;
    }
  }
  if (const int error = apply_set_request(request, *this); error != 0) {
    Log::error("SIGHUP: {} not applied: {}", config_file_.string(), std::strerror(error));
    return;
  }
  configure_policy(settings.policy, config::peer_identities(settings.peers), "SIGHUP");
  const RouteChanges routes = apply_routes();
  for (const std::string& failure : routes.failures) Log::warning("SIGHUP: {}", failure);
  if (settings.routes != routes_enabled_) {
    Log::warning("SIGHUP: routes = {} in the file, {} here: a reload does not change it (restart to apply)",
                 settings.routes, routes_enabled_);
  }
  Log::info(
      "SIGHUP: reloaded {}: {} peers ({} added, {} removed), routes {} added, {} removed; addresses, MTU "
      "and segments are as they were",
      config_file_.string(), settings.peers.size(), added, removed, routes.added.size(), routes.removed.size());
}

tunnel::Instant Interface::now() const {
  return std::chrono::duration_cast<tunnel::Instant>(std::chrono::steady_clock::now().time_since_epoch());
}

bool Interface::configure_policy(const policy::PolicySettings& settings,
                                 const std::vector<policy::PeerIdentity>& identities, std::string_view origin) {
  try {
    policy_.configure(settings, identities);
  } catch (const std::exception& e) {
    Log::error("{}: policy not changed: {}", origin, e.what());
    return false;
  }
  Log::info("{}: policy: {} rules, inbound default {}, outbound default {}", origin, settings.rules.size(),
            policy::to_string(settings.inbound_default), policy::to_string(settings.outbound_default));
  return true;
}

std::string Interface::serialize_policy() const {
  std::string out;
  uapi::append_policy_lines(out, policy_.settings(), policy_.identities());
  return out;
}

int Interface::set_policy(const uapi::PolicyText& policy) {
  return configure_policy(policy.settings, policy.identities, "control") ? 0 : EINVAL;
}

std::string Interface::serialize_flows() const { return daemon::serialize_flows(policy_, now(), wall_clock()); }

// On the loop's thread, before the core routes and encrypts: one decision per read, so a TCP
// super-packet costs one flow lookup for all its segments. The peer is found as the core will
// find it (allowed IPs by destination); a packet the core will refuse anyway (malformed, no
// route) is left to it.
bool Interface::admit_outbound(std::span<const std::uint8_t> read, tunnel::Instant t) {
  const TunOffload::Peek peek = tun_offload_.peek(read);
  const tunnel::IpPacketParse parsed = tunnel::parse_ip_packet(peek.packet);
  if (parsed.status != tunnel::IpPacketStatus::ok) return true;
  const tunnel::Peer* peer = device_.allowed_ips().lookup(parsed.packet.destination_address()).value_or(nullptr);
  if (peer == nullptr) return true;
  if (policy_.admit(policy::Direction::outbound, peer->public_key(), peek.packet, peek.packets, peek.bytes, t)) {
    return true;
  }
  policy_dropped_outbound_ += peek.packets;
  return false;
}

void Interface::send_from_tun(std::span<std::uint8_t> read) {
  const tunnel::Instant t = now();
  if (!admit_outbound(read, t)) return;
  // The core copies each packet (into its datagram) before the next is built over its tail.
  const bool split = tun_offload_.split(read, [this, t](std::span<const std::uint8_t> packet) {
    if (captures_.packets_active()) capture_outbound(packet);
    device_.send_packet(packet, t, *this);
  });
  if (!split) ++tun_offload_errors_;
}

// The peer is looked up again here, rather than reported by the core, so the core stays as it is
// and this lookup happens only while a capture runs.
void Interface::capture_outbound(std::span<const std::uint8_t> packet) {
  const tunnel::IpPacketParse parsed = tunnel::parse_ip_packet(packet);
  const tunnel::Peer* peer = nullptr;
  if (parsed.status == tunnel::IpPacketStatus::ok) {
    peer = device_.allowed_ips().lookup(parsed.packet.destination_address()).value_or(nullptr);
  }
  captures_.record(uapi::CaptureDirection::out, peer, packet);
}

void Interface::receive_datagrams(std::span<std::uint8_t> received, const tunnel::Endpoint& from,
                                  std::uint16_t segment_size) {
  const tunnel::Instant t = now();
  for_each_datagram(received, segment_size, [&](std::span<std::uint8_t> datagram) {
    const auto type = tunnel::classify(datagram);
    const bool handshake =
        type == tunnel::MessageType::handshake_initiation || type == tunnel::MessageType::handshake_response;
    device_.receive(datagram, from, t, handshake && load_.handshake_arrived(t), *this);
  });
  // With several peers sending, reads run ahead of decryption up to the core's shared bound, so
  // that a backlog forms there, where drops fall on the peers sending most, rather than in the
  // socket's one FIFO for every peer. A lone sender's reads stay paced by decryption: reading
  // ahead cost it 4 to 15 % (docs/speed.md).
  progress_jobs(device_.peers_with_receive_jobs() > 1 ? kReceiveJobBounds.shared : CryptoWorkers::kBacklog);
}

bool Interface::dispatch_jobs() {
  if (!workers_) return false;
  new_jobs_.clear();
  device_.take_jobs(new_jobs_);
  workers_->submit(new_jobs_);
  return !new_jobs_.empty();
}

void Interface::progress_jobs(std::size_t backlog) {
  if (!workers_) return;
  dispatch_jobs();
  workers_->help(backlog);
  device_.finish_jobs(now(), *this);
}

void Interface::run_jobs() {
  if (!workers_) return;
  dispatch_jobs();
  // Finishing may make jobs of its own: packets that waited for the session it confirmed.
  do {
    workers_->help();
    device_.finish_jobs(now(), *this);
  } while (dispatch_jobs());
  // What was delivered here came after the handlers drained the captures.
  if (captures_.active()) captures_.flush();
}

void Interface::on_tick() {
  std::uint64_t expirations = 0;
  if (::read(timer_.get(), &expirations, sizeof expirations) < 0) return;
  const tunnel::Instant t = now();
  device_.tick(t, *this);
  endpoint_names_.tick(t);
  if (segments_) segments_->tick(t);
  // `ip link del` gives no event on the TUN descriptor, `ip link set mtu` none either, and a
  // removed control socket file none: look once a second.
  if (++ticks_ % 10 == 0) {
    policy_.expire(t);
    if (stop_if_tun_removed()) return;
    if (control_.restore_if_removed()) {
      Log::info("control socket {} was removed; listening there again", control_.path().string());
    }
    if (const unsigned mtu = tun_.mtu(); mtu != 0) device_.set_mtu(mtu);
  }
  if (t - last_report_ >= kDropReportInterval) report_drops(t);
}

bool Interface::stop_if_tun_removed() {
  if (tun_.exists()) return false;
  Log::info("TUN device was removed; exiting");
  stop();
  return true;
}

// One summary line per interval instead of a line per bad datagram, so a flood cannot flood the log.
void Interface::report_drops(tunnel::Instant at) {
  if (udp_send_errors_ + tun_write_errors_ + tun_offload_errors_ > 0) {
    Log::warning(
        "in the last {} s: {} datagrams could not be sent, {} packets could not be written to the TUN device, {} "
        "offloaded packets from the TUN device could not be split",
        std::chrono::duration_cast<std::chrono::seconds>(kDropReportInterval).count(), udp_send_errors_,
        tun_write_errors_, tun_offload_errors_);
    udp_send_errors_ = 0;
    tun_write_errors_ = 0;
    tun_offload_errors_ = 0;
  }
  std::vector<NamedCounter> counters = device_counters(device_.counters());
  for (NamedCounter& counter : extra_counters()) counters.push_back(std::move(counter));
  const auto interval = std::chrono::duration_cast<std::chrono::seconds>(kDropReportInterval);
  if (const auto line = drops_.update(counters, interval)) Log::warning("{}", *line);
  last_report_ = at;
}

void Interface::send(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagram, tunnel::Peer* peer) {
  if (!sockets_->gso(to)) {
    // Batched before GSO went off (gso_failed()): those leave first.
    if (!batch_.empty()) flush_sends();
    data_path_->send(to, datagram, 0);
    return;
  }
  if (!batch_.fits(to, datagram.size())) flush_sends();
  batch_.add(to, datagram, peer);
}

std::span<std::uint8_t> Interface::datagram_room(const tunnel::Endpoint& to, std::size_t size) {
  // Without GSO each datagram leaves at once, from wherever the core built it.
  if (!sockets_->gso(to) || size > UdpBatch::kMaxBytes) return {};
  if (!batch_.fits(to, size)) flush_sends();
  return batch_.room(size);
}

void Interface::flush_sends() {
  if (batch_.empty()) return;
  const tunnel::Endpoint& to = batch_.endpoint();
  // GSO may have gone off for this socket since the batch began (gso_failed()).
  if (batch_.count() == 1 || sockets_->gso(to)) {
    // A failure comes back through resend(), one datagram at a time.
    data_path_->send(to, batch_.bytes(), batch_.segment_size());
    batch_.clear();
    // The batch's buffer is the kernel's until the send completes.
    batch_.set_storage(data_path_->storage(batch_.storage()));
    return;
  }
  // Sent here on the syscall path: first what the data path has queued, so nothing overtakes it.
  data_path_->submit();
  tunnel::Peer* peer = batch_.peer();
  for (std::size_t i = 0; i < batch_.count(); ++i) {
    send_unpinning(to, batch_.datagram(i), [peer](const tunnel::Endpoint& unpinned) {
      if (peer != nullptr) peer->set_endpoint(unpinned);
    });
  }
  batch_.clear();
}

void Interface::gso_failed(const tunnel::Endpoint& to, int error) {
  if (error == EIO && sockets_->disable_gso(to)) {
    Log::warning("UDP GSO send on the {} socket failed ({}): sending one datagram at a time from now on",
                 to.address.is_v4() ? "IPv4" : "IPv6", std::strerror(error));
  }
}

void Interface::send_unpinning(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagram,
                               const std::function<void(const tunnel::Endpoint&)>& unpin) {
  int error = sockets_->send(to, datagram);
  if (error != 0 && to.local) {
    // Our address went away: let the kernel pick a source from now on, until the peer writes again.
    const tunnel::Endpoint unpinned{to.address, to.port, std::nullopt};
    unpin(unpinned);
    error = sockets_->send(unpinned, datagram);
  }
  if (error != 0) ++udp_send_errors_;
}

void Interface::resend(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagrams,
                       std::uint16_t segment_size) {
  for_each_datagram(datagrams, segment_size, [&](std::span<const std::uint8_t> datagram) {
    // The peer may be gone since the send was queued: unpin whoever has this endpoint.
    send_unpinning(to, datagram, [&](const tunnel::Endpoint& unpinned) {
      for (const auto& peer : device_.peers()) {
        if (peer->endpoint() == to) peer->set_endpoint(unpinned);
      }
    });
  });
}

void Interface::update_event_reporting() noexcept {
  device_.set_reporting_events(Log::verbose() || events_.active() || endpoint_names_.active());
}

void Interface::follow_endpoints(const crypto::PublicKey& key, const std::vector<std::string>& texts) {
  tunnel::Peer* peer = device_.find_peer(key);
  if (peer != nullptr) endpoint_names_.set(*peer, texts, now());
  update_event_reporting();
}

void Interface::event(const tunnel::PeerEvent& event) {
  // Tested first: the text would be made even when Log::debug() writes nothing.
  if (Log::verbose()) Log::debug("{}", peer_event_text(event));
  // The stream first: it reads the peer's endpoint before the core stores a new one, and a switch
  // that endpoint_names_ makes in answer follows the event it answers.
  if (events_.active()) {
    if (const std::optional<Event> stream_event = core_event(event)) events_.publish(*stream_event);
  }
  endpoint_names_.event(event, now());
}

// On the loop's thread (inline, or from finish_jobs() after a worker opened it): the packet is
// authenticated, and `peer` is the peer whose key did it, so that is its identity. VXLAN for an L2
// segment is not judged (the segments' frames are not IP flows of this host).
void Interface::deliver(tunnel::Peer& peer, std::span<const std::uint8_t> packet, tunnel::Instant t) {
  if (segments_ && segments_->deliver(peer, packet, t)) {
    if (captures_.packets_active()) captures_.record(uapi::CaptureDirection::in, &peer, packet);
    return;
  }
  if (!policy_.admit(policy::Direction::inbound, peer.public_key(), packet, 1, packet.size(), t)) {
    ++policy_dropped_inbound_;
    return;
  }
  if (captures_.packets_active()) captures_.record(uapi::CaptureDirection::in, &peer, packet);
  if (!tun_offload_.write(packet, *data_path_)) ++tun_write_errors_;  // longer than a TUN packet can be
}

int Interface::set_listen_port(std::uint16_t port) {
  try {
    auto replacement = std::make_unique<UdpSockets>(ifname_, port, fwmark_, offloads_.gso, offloads_.gro);
    if (offloads_.test_gso_eio) replacement->simulate_gso_eio();
    flush_sends();
    // Before the old sockets close.
    data_path_->use_sockets(*replacement);
    sockets_ = std::move(replacement);
    return 0;
  } catch (const std::system_error& e) {
    Log::warning("{}", e.what());
    return e.code().value();
  }
}

int Interface::set_fwmark(std::uint32_t mark) {
  if (const int error = sockets_->set_fwmark(mark); error != 0) return -error;
  fwmark_ = mark;
  return 0;
}

void Interface::persistent_keepalive_enabled(tunnel::Peer& peer) { device_.send_keepalive(peer, now(), *this); }

std::vector<NamedCounter> Interface::extra_counters() const {
  std::vector<NamedCounter> counters = segments_ ? segments_->counters() : std::vector<NamedCounter>{};
  counters.push_back({"policy_dropped_inbound", policy_dropped_inbound_,
                      "decrypted packets the policy dropped (see sluicectl flows for the rule)", true});
  counters.push_back({"policy_dropped_outbound", policy_dropped_outbound_,
                      "packets from the TUN device the policy dropped (see sluicectl flows for the rule)", true});
  counters.push_back({"policy_flow_evictions", policy_.flows().evictions(),
                      "flows forgotten to make room in a full flow table", false});
  return counters;
}

RouteChanges Interface::apply_routes() {
  std::vector<tunnel::IpPrefix> prefixes;
  if (routes_enabled_) {
    for (const auto& peer : device_.peers()) {
      for (const tunnel::IpPrefix& prefix : device_.allowed_ips().prefixes_of(peer.get())) prefixes.push_back(prefix);
    }
  }
  const bool full_tunnel =
      std::any_of(prefixes.begin(), prefixes.end(), [](const tunnel::IpPrefix& prefix) { return prefix.cidr() == 0; });
  // A mark set since (wg set, reload) is the user's own.
  if (fwmark_ != own_fwmark_) own_fwmark_ = 0;
  // Before the full tunnel's rules exist: without the mark, its own packets would go into it.
  if (full_tunnel && fwmark_ == 0) {
    if (const int error = set_fwmark(kFullTunnelTable); error != 0) {
      RouteChanges failed;
      failed.failures.push_back(fmt::format("{}: cannot set fwmark {} for the full tunnel: {}", ifname_,
                                            kFullTunnelTable, std::strerror(error)));
      return failed;
    }
    own_fwmark_ = kFullTunnelTable;
  }
  RouteChanges changes = routes_.sync(prefixes, fwmark_);
  if (routes_.full_tunnel_table() == 0 && own_fwmark_ != 0 && set_fwmark(0) == 0) own_fwmark_ = 0;
  return changes;
}

std::string Interface::sync_routes() { return serialize_route_changes(apply_routes()); }

std::string Interface::serialize_info() const {
  return serialize_interface_info(config_file_, routes_enabled_, routes_.full_tunnel_table(), own_fwmark_) +
         endpoint_names_.serialize_info();
}

std::string Interface::serialize_fdb() const { return segments_ ? segments_->serialize_fdb(now()) : std::string(); }

}  // namespace sluice::daemon
