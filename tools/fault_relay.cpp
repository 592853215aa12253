// fault_relay: a UDP relay that damages traffic on purpose, for the fault tests (the kernel here
// has no netem). It listens on one address, forwards to a target from a second socket, and sends
// the target's answers back to the last address heard on the listening socket. In both directions
// it drops, duplicates, reorders, delays and corrupts datagrams at the given rates, from a fixed
// seed. SIGUSR1 toggles a blackout (everything dropped), SIGUSR2 toggles the faults; SIGTERM,
// SIGINT or --duration end it. Counts per direction go to stderr at the end and on each signal.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "tools/fault_plan.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using sluice::tools::FaultPlan;
using sluice::tools::FaultRates;

volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_toggle_blackout = 0;
volatile std::sig_atomic_t g_toggle_faults = 0;

void on_signal(int signo) {
  if (signo == SIGUSR1) {
    g_toggle_blackout = 1;
  } else if (signo == SIGUSR2) {
    g_toggle_faults = 1;
  } else {
    g_stop = 1;
  }
}

// Bounds the memory held by delayed datagrams; beyond it new ones are dropped.
constexpr std::size_t kMaxQueued = 16384;
constexpr std::size_t kMaxDatagram = 65536;

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  [[nodiscard]] const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  [[nodiscard]] int family() const { return storage.ss_family; }
};

// "192.0.2.1:5000" or "[2001:db8::1]:5000".
Address parse_address(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("address without port: " + text);
  const std::string host = text.substr(0, colon);
  const int port = std::stoi(text.substr(colon + 1));
  if (port <= 0 || port > 65535) throw std::invalid_argument("port out of range: " + text);
  Address a;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &v6->sin6_addr) != 1) {
      throw std::invalid_argument("bad IPv6 address: " + text);
    }
    a.length = sizeof(sockaddr_in6);
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) != 1) throw std::invalid_argument("bad IPv4 address: " + text);
    a.length = sizeof(sockaddr_in);
  }
  return a;
}

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

class Socket {
 public:
  explicit Socket(int family) : fd_(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) fail("socket");
  }
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  [[nodiscard]] int fd() const { return fd_; }

 private:
  int fd_;
};

struct Counts {
  std::uint64_t received = 0, sent = 0, dropped = 0, duplicated = 0, reordered = 0, corrupted = 0, blackout = 0,
                overflow = 0;
};

enum Direction : int { to_target = 0, to_client = 1 };

struct Pending {
  Direction direction;
  std::vector<std::uint8_t> bytes;
};

class Relay {
 public:
  Relay(const Address& listen, const Address& target, const std::optional<Address>& upstream, const FaultRates& rates,
        std::uint64_t seed)
      : listen_socket_(listen.family()),
        upstream_socket_(target.family()),
        plans_{FaultPlan(rates, seed), FaultPlan(rates, seed + 1)} {
    if (::bind(listen_socket_.fd(), listen.get(), listen.length) != 0) fail("bind listening address");
    if (upstream && ::bind(upstream_socket_.fd(), upstream->get(), upstream->length) != 0)
      fail("bind upstream address");
    // Connected: only the target's datagrams come in on this socket.
    if (::connect(upstream_socket_.fd(), target.get(), target.length) != 0) fail("connect to target");
  }

  void run(std::optional<Clock::duration> duration,
           std::optional<std::pair<Clock::duration, Clock::duration>> blackout) {
    const auto start = Clock::now();
    std::vector<std::uint8_t> buffer(kMaxDatagram);
    while (!g_stop) {
      const auto now = Clock::now();
      if (duration && now - start >= *duration) break;
      if (g_toggle_blackout) {
        g_toggle_blackout = 0;
        manual_blackout_ = !manual_blackout_;
        report(manual_blackout_ ? "blackout on" : "blackout off");
      }
      if (g_toggle_faults) {
        g_toggle_faults = 0;
        for (auto& plan : plans_) plan.set_active(!plan.active());
        report(plans_[0].active() ? "faults on" : "faults off");
      }
      blackout_ = manual_blackout_ ||
                  (blackout && now - start >= blackout->first && now - start < blackout->first + blackout->second);
      flush_due(now);

      auto timeout = 50ms;
      if (!queue_.empty()) {
        timeout = std::min(timeout, std::chrono::ceil<std::chrono::milliseconds>(queue_.begin()->first - now));
      }
      std::array<pollfd, 2> fds{{{listen_socket_.fd(), POLLIN, 0}, {upstream_socket_.fd(), POLLIN, 0}}};
      const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(std::max(timeout, 0ms).count()));
      if (ready < 0) {
        if (errno == EINTR) continue;
        fail("poll");
      }
      if (fds[0].revents & POLLIN) drain(to_target, buffer);
      if (fds[1].revents & POLLIN) drain(to_client, buffer);
    }
    report("exiting");
  }

 private:
  void drain(Direction direction, std::vector<std::uint8_t>& buffer) {
    const int fd = direction == to_target ? listen_socket_.fd() : upstream_socket_.fd();
    for (int i = 0; i < 256; ++i) {
      Address from;
      from.length = sizeof from.storage;
      const ssize_t n =
          ::recvfrom(fd, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from.storage), &from.length);
      if (n < 0) return;
      if (direction == to_target) client_ = from;
      handle(direction, std::span(buffer).first(static_cast<std::size_t>(n)));
    }
  }

  void handle(Direction direction, std::span<const std::uint8_t> datagram) {
    Counts& c = counts_[direction];
    ++c.received;
    if (blackout_) {
      ++c.blackout;
      return;
    }
    const auto d = plans_[direction].decide(datagram.size());
    if (d.drop) {
      ++c.dropped;
      return;
    }
    std::vector<std::uint8_t> bytes(datagram.begin(), datagram.end());
    if (d.corrupt_offset) {
      bytes[*d.corrupt_offset] ^= d.corrupt_mask;
      ++c.corrupted;
    }
    if (d.reordered) ++c.reordered;
    if (d.copies > 1) ++c.duplicated;
    for (int copy = 0; copy < d.copies; ++copy) {
      if (d.delay == 0us) {
        send(direction, bytes);
      } else if (queue_.size() >= kMaxQueued) {
        ++c.overflow;
      } else {
        queue_.emplace(Clock::now() + d.delay, Pending{direction, bytes});
      }
    }
  }

  void flush_due(Clock::time_point now) {
    while (!queue_.empty() && queue_.begin()->first <= now) {
      const auto node = queue_.extract(queue_.begin());
      if (!blackout_) send(node.mapped().direction, node.mapped().bytes);
    }
  }

  void send(Direction direction, std::span<const std::uint8_t> bytes) {
    ssize_t n = -1;
    if (direction == to_target) {
      n = ::send(upstream_socket_.fd(), bytes.data(), bytes.size(), 0);
    } else if (client_) {
      n = ::sendto(listen_socket_.fd(), bytes.data(), bytes.size(), 0, client_->get(), client_->length);
    }
    // A full socket buffer or an unreachable end is just more loss, as on a real path.
    if (n >= 0) ++counts_[direction].sent;
  }

  void report(const char* event) const {
    static constexpr std::array<const char*, 2> kNames{"client->target", "target->client"};
    for (int dir = 0; dir < 2; ++dir) {
      const Counts& c = counts_[dir];
      std::fprintf(stderr,
                   "fault_relay: %s: %s: received %llu sent %llu dropped %llu duplicated %llu reordered %llu "
                   "corrupted %llu blackout %llu overflow %llu\n",
                   event, kNames[dir], static_cast<unsigned long long>(c.received),
                   static_cast<unsigned long long>(c.sent), static_cast<unsigned long long>(c.dropped),
                   static_cast<unsigned long long>(c.duplicated), static_cast<unsigned long long>(c.reordered),
                   static_cast<unsigned long long>(c.corrupted), static_cast<unsigned long long>(c.blackout),
                   static_cast<unsigned long long>(c.overflow));
    }
  }

  Socket listen_socket_;
  Socket upstream_socket_;
  std::array<FaultPlan, 2> plans_;
  std::array<Counts, 2> counts_{};
  std::optional<Address> client_;
  std::multimap<Clock::time_point, Pending> queue_;
  bool manual_blackout_ = false;
  bool blackout_ = false;
};

// "START:LEN" in seconds.
std::pair<Clock::duration, Clock::duration> parse_blackout(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) throw std::invalid_argument("--blackout wants START:LEN in seconds, got " + text);
  const auto seconds = [](const std::string& s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::stod(s)));
  };
  return {seconds(text.substr(0, colon)), seconds(text.substr(colon + 1))};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fault_relay: a UDP relay that drops, duplicates, reorders, delays and corrupts datagrams"};
  std::string listen, target, upstream, blackout;
  FaultRates rates;
  std::uint64_t seed = 1;
  double duration = 0, delay_ms = 0, jitter_ms = 0, reorder_ms = 20;
  app.add_option("--listen", listen, "ADDR:PORT the client sends to")->required();
  app.add_option("--target", target, "ADDR:PORT datagrams are forwarded to")->required();
  app.add_option("--upstream", upstream, "ADDR:PORT to send to the target from (default: any)");
  app.add_option("--seed", seed, "seed of the fault decisions");
  app.add_option("--drop", rates.drop, "probability a datagram is lost")->check(CLI::Range(0.0, 1.0));
  app.add_option("--duplicate", rates.duplicate, "probability it is sent twice")->check(CLI::Range(0.0, 1.0));
  app.add_option("--reorder", rates.reorder, "probability it is held back --reorder-ms")->check(CLI::Range(0.0, 1.0));
  app.add_option("--corrupt", rates.corrupt, "probability one byte is flipped")->check(CLI::Range(0.0, 1.0));
  app.add_option("--delay-ms", delay_ms, "delay added to every datagram")->check(CLI::Range(0.0, 10000.0));
  app.add_option("--jitter-ms", jitter_ms, "uniform extra delay up to this")->check(CLI::Range(0.0, 10000.0));
  app.add_option("--reorder-ms", reorder_ms, "how long a reordered datagram is held")->check(CLI::Range(0.0, 10000.0));
  app.add_option("--duration", duration, "seconds to run (default: until SIGTERM)")->check(CLI::PositiveNumber);
  app.add_option("--blackout", blackout, "START:LEN seconds during which everything is dropped");
  CLI11_PARSE(app, argc, argv);

  const auto us = [](double ms) { return std::chrono::microseconds(static_cast<std::int64_t>(ms * 1000)); };
  rates.delay = us(delay_ms);
  rates.jitter = us(jitter_ms);
  rates.reorder_hold = us(reorder_ms);

  struct sigaction action {};
  action.sa_handler = on_signal;
  for (const int signo : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) ::sigaction(signo, &action, nullptr);

  try {
    const std::optional<Address> upstream_address =
        upstream.empty() ? std::nullopt : std::optional<Address>(parse_address(upstream));
    Relay relay(parse_address(listen), parse_address(target), upstream_address, rates, seed);
    std::optional<Clock::duration> limit;
    if (duration > 0) limit = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration));
    relay.run(limit, blackout.empty() ? std::nullopt : std::optional(parse_blackout(blackout)));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fault_relay: %s\n", e.what());
    return 1;
  }
  return 0;
}
