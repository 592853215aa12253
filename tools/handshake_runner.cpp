#include "tools/handshake_runner.hpp"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <queue>
#include <stdexcept>

#include "platform/os_error.hpp"
#include "platform/unique_fd.hpp"
#include "tools/process_cpu.hpp"
#include "tunnel/byte_order.hpp"

namespace sluice::tools {
namespace {

using Clock = std::chrono::steady_clock;
using tunnel::Instant;

constexpr std::size_t kBatch = 64;
constexpr std::size_t kReplyBuffer = 256;
// Room for every peer's reply at once (a datagram takes about 1 KiB of socket buffer).
constexpr int kSocketBuffer = 8 << 20;

Instant now() { return std::chrono::duration_cast<Instant>(Clock::now().time_since_epoch()); }
std::chrono::nanoseconds wall() { return std::chrono::system_clock::now().time_since_epoch(); }
Instant from_ms(double ms) {
  return std::chrono::duration_cast<Instant>(std::chrono::duration<double, std::milli>(ms));
}
Instant from_s(double s) { return std::chrono::duration_cast<Instant>(std::chrono::duration<double>(s)); }

platform::UniqueFd open_socket() {
  platform::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) platform::throw_os_error("socket");
  // FORCE needs CAP_NET_ADMIN (the script runs as root); otherwise the sysctl maximum applies.
  for (const int option : {SO_RCVBUF, SO_SNDBUF}) {
    const int force = option == SO_RCVBUF ? SO_RCVBUFFORCE : SO_SNDBUFFORCE;
    if (::setsockopt(fd.get(), SOL_SOCKET, force, &kSocketBuffer, sizeof kSocketBuffer) != 0) {
      (void)::setsockopt(fd.get(), SOL_SOCKET, option, &kSocketBuffer, sizeof kSocketBuffer);
    }
  }
  sockaddr_in any{};
  any.sin_family = AF_INET;
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0) platform::throw_os_error("bind");
  return fd;
}

// Initiations waiting to leave, each from its peer's source address (IP_PKTINFO) when one is set.
class SendBatch {
 public:
  SendBatch(const sockaddr_in& target, bool with_source) : target_(target), with_source_(with_source) {}

  [[nodiscard]] bool full() const noexcept { return size_ == kBatch; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

  void add(const std::array<std::uint8_t, tunnel::kInitiationSize>& message, in_addr source) {
    Slot& slot = slots_[size_];
    slot.message = message;
    slot.iov = {slot.message.data(), slot.message.size()};
    mmsghdr& header = headers_[size_++];
    header = {};
    header.msg_hdr.msg_name = &target_;
    header.msg_hdr.msg_namelen = sizeof target_;
    header.msg_hdr.msg_iov = &slot.iov;
    header.msg_hdr.msg_iovlen = 1;
    if (!with_source_) return;
    header.msg_hdr.msg_control = slot.control.data();
    header.msg_hdr.msg_controllen = slot.control.size();
    cmsghdr* cmsg = CMSG_FIRSTHDR(&header.msg_hdr);
    cmsg->cmsg_level = IPPROTO_IP;
    cmsg->cmsg_type = IP_PKTINFO;
    cmsg->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    info.ipi_spec_dst = source;
    std::memcpy(CMSG_DATA(cmsg), &info, sizeof info);
  }

  // Sends the whole batch; returns how many could not be sent.
  std::size_t flush(int fd) {
    std::size_t sent = 0;
    while (sent < size_) {
      const int n = ::sendmmsg(fd, headers_.data() + sent, static_cast<unsigned>(size_ - sent), 0);
      if (n <= 0) {
        // A full send buffer (or a refused source address): the rest are lost, and their peers
        // time out and initiate again.
        if (n < 0 && errno == EINTR) continue;
        break;
      }
      sent += static_cast<std::size_t>(n);
    }
    const std::size_t lost = size_ - sent;
    size_ = 0;
    return lost;
  }

 private:
  struct Slot {
    std::array<std::uint8_t, tunnel::kInitiationSize> message{};
    iovec iov{};
    alignas(cmsghdr) std::array<std::uint8_t, CMSG_SPACE(sizeof(in_pktinfo))> control{};
  };
  sockaddr_in target_;
  bool with_source_;
  std::array<Slot, kBatch> slots_{};
  std::array<mmsghdr, kBatch> headers_{};
  std::size_t size_ = 0;
};

// Received datagrams, one recvmmsg at a time.
class ReceiveBatch {
 public:
  ReceiveBatch() {
    for (std::size_t i = 0; i < kBatch; ++i) {
      iov_[i] = {buffers_[i].data(), kReplyBuffer};
      headers_[i].msg_hdr.msg_iov = &iov_[i];
      headers_[i].msg_hdr.msg_iovlen = 1;
    }
  }
  // Datagrams waiting now (0 when none).
  std::size_t receive(int fd) {
    const int n = ::recvmmsg(fd, headers_.data(), kBatch, MSG_DONTWAIT, nullptr);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }
  [[nodiscard]] std::span<const std::uint8_t> datagram(std::size_t i) const {
    return std::span(buffers_[i]).first(headers_[i].msg_len);
  }

 private:
  std::array<std::array<std::uint8_t, kReplyBuffer>, kBatch> buffers_{};
  std::array<iovec, kBatch> iov_{};
  std::array<mmsghdr, kBatch> headers_{};
};

// The receiver index of a response or cookie reply: whom among our peers it answers.
std::optional<std::uint32_t> receiver_index(std::span<const std::uint8_t> datagram) {
  if (datagram.size() == tunnel::kResponseSize && datagram[0] == 2) return tunnel::load_le32(datagram.data() + 8);
  if (datagram.size() == tunnel::kCookieReplySize && datagram[0] == 3) return tunnel::load_le32(datagram.data() + 4);
  return std::nullopt;
}

}  // namespace

sockaddr_in parse_ipv4_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("--target wants IPv4:PORT, got " + text);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr = parse_ipv4_address(text.substr(0, colon));
  a.sin_port = htons(static_cast<std::uint16_t>(std::stoi(text.substr(colon + 1))));
  return a;
}

in_addr parse_ipv4_address(const std::string& text) {
  in_addr address{};
  if (::inet_pton(AF_INET, text.c_str(), &address) != 1) throw std::invalid_argument("not an IPv4 address: " + text);
  return address;
}

RunReport run_handshakes(std::vector<std::unique_ptr<LoadPeer>>& peers, const RunOptions& options,
                         const volatile std::sig_atomic_t& stop) {
  const platform::UniqueFd fd = open_socket();
  SendBatch send(options.target, options.source_first.has_value());
  ReceiveBatch received;
  const auto source_of = [&](std::uint32_t peer) {
    in_addr address{};
    if (options.source_first) address.s_addr = htonl(ntohl(options.source_first->s_addr) + peer);
    return address;
  };

  // When each idle peer initiates next (a heap: retries come due before later answers' gaps),
  // and when each initiation in flight expires (a queue: all expire after the same timeout).
  struct Due {
    Instant at;
    std::uint32_t peer;
    bool operator>(const Due& other) const noexcept { return at > other.at; }
  };
  struct Expiry {
    Instant at;
    std::uint32_t peer;
    std::uint32_t sender_index;
  };
  std::priority_queue<Due, std::vector<Due>, std::greater<>> ready;
  std::deque<Expiry> in_flight;
  std::vector<Instant> sent_at(peers.size());
  Instant answer_time_total{0};

  const Instant gap = from_ms(options.gap_ms);
  const Instant timeout = from_ms(options.timeout_ms);
  const Instant start = now();
  const Instant window_start = start + from_s(options.warmup);
  const Instant end = window_start + from_s(options.duration);
  // The first initiations spread over one gap, so they do not all arrive in one burst.
  for (std::uint32_t i = 0; i < peers.size(); ++i) {
    ready.push({start + gap * i / static_cast<std::int64_t>(peers.size()), i});
  }

  RunReport report;
  report.peers = peers.size();
  bool counting = false;
  double tool_cpu_start = 0;
  std::optional<double> daemon_cpu_start;
  Instant counting_since{};
  for (;;) {
    Instant t = now();
    if (!counting && t >= window_start) {
      counting = true;
      counting_since = t;
      tool_cpu_start = own_cpu_seconds();
      if (options.daemon_pid != 0) daemon_cpu_start = process_cpu_seconds(options.daemon_pid);
    }
    if (stop || t >= end || report.handshakes >= options.count) break;

    while (!ready.empty() && ready.top().at <= t && !send.full()) {
      const std::uint32_t peer = ready.top().peer;
      ready.pop();
      send.add(peers[peer]->initiate(t, wall()), source_of(peer));
      sent_at[peer] = t;
      in_flight.push_back({t + timeout, peer, peers[peer]->sender_index()});
      ++report.initiations;
    }
    const bool sent = !send.empty();
    report.send_errors += send.flush(fd.get());

    while (!in_flight.empty() && in_flight.front().at <= t) {
      const Expiry expiry = in_flight.front();
      in_flight.pop_front();
      LoadPeer& peer = *peers[expiry.peer];
      if (peer.waiting() && peer.sender_index() == expiry.sender_index) {
        ++report.timeouts;
        ready.push({t, expiry.peer});
      }
    }

    const std::size_t n = received.receive(fd.get());
    if (n > 0) t = now();
    for (std::size_t i = 0; i < n; ++i) {
      const auto datagram = received.datagram(i);
      const auto index = receiver_index(datagram);
      const std::uint32_t number = index ? load_peer_number(*index) : 0;
      if (!index || number >= peers.size()) {
        ++report.ignored;
        continue;
      }
      switch (peers[number]->receive(datagram, t)) {
        case LoadPeer::Outcome::completed:
          if (counting) {
            ++report.handshakes;
            answer_time_total += t - sent_at[number];
          }
          ready.push({t + gap, number});
          break;
        case LoadPeer::Outcome::cookie:
          ++report.cookie_replies;
          ready.push({t + gap, number});
          break;
        case LoadPeer::Outcome::ignored:
          ++report.ignored;
          break;
      }
    }
    if (sent || n > 0) continue;

    // Nothing to do now: sleep until the next peer is due, an initiation expires, the window
    // opens or ends, or a reply arrives.
    Instant next = counting ? end : window_start;
    if (!ready.empty()) next = std::min(next, ready.top().at);
    if (!in_flight.empty()) next = std::min(next, in_flight.front().at);
    const Instant wait = std::max(next - now(), Instant(0));
    const timespec limit{static_cast<time_t>(wait.count() / 1000000000), static_cast<long>(wait.count() % 1000000000)};
    pollfd readable{fd.get(), POLLIN, 0};
    (void)::ppoll(&readable, 1, &limit, nullptr);
  }

  if (counting) {
    report.seconds = std::chrono::duration<double>(now() - counting_since).count();
    report.tool_cpu_s = own_cpu_seconds() - tool_cpu_start;
    if (report.handshakes > 0) {
      report.answer_ms = std::chrono::duration<double, std::milli>(answer_time_total).count() / report.handshakes;
    }
    if (daemon_cpu_start) report.daemon_cpu_s = process_cpu_seconds(options.daemon_pid) - *daemon_cpu_start;
  }
  return report;
}

std::string format_report(const RunReport& r) {
  const double seconds = r.seconds > 0 ? r.seconds : 1;
  std::array<char, 512> line{};
  int n = std::snprintf(
      line.data(), line.size(),
      "peers=%zu handshakes=%llu seconds=%.3f rate=%.0f answer_ms=%.2f tool_cpu_s=%.3f tool_cpu_share=%.2f", r.peers,
      static_cast<unsigned long long>(r.handshakes), r.seconds, r.handshakes / seconds, r.answer_ms, r.tool_cpu_s,
      r.tool_cpu_s / seconds);
  std::string out(line.data(), static_cast<std::size_t>(n));
  if (r.daemon_cpu_s) {
    const double per_cpu = *r.daemon_cpu_s > 0 ? r.handshakes / *r.daemon_cpu_s : 0;
    n = std::snprintf(line.data(), line.size(), " daemon_cpu_s=%.3f daemon_cpu_share=%.2f per_daemon_cpu_s=%.0f",
                      *r.daemon_cpu_s, *r.daemon_cpu_s / seconds, per_cpu);
    out.append(line.data(), static_cast<std::size_t>(n));
  }
  n = std::snprintf(line.data(), line.size(),
                    " initiations=%llu cookie_replies=%llu timeouts=%llu ignored=%llu send_errors=%llu",
                    static_cast<unsigned long long>(r.initiations), static_cast<unsigned long long>(r.cookie_replies),
                    static_cast<unsigned long long>(r.timeouts), static_cast<unsigned long long>(r.ignored),
                    static_cast<unsigned long long>(r.send_errors));
  out.append(line.data(), static_cast<std::size_t>(n));
  return out;
}

}  // namespace sluice::tools
