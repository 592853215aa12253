// sluice_handshake_probe: drives one tunnel::Device over a plain UDP socket against a real WireGuard
// peer, to prove byte-level interop of the protocol core on its own, without the daemon's sockets,
// io_uring or offloads. There is no TUN device: the probe builds its own inner ICMP echo packets
// and answers the ones it receives.
//
//   initiate mode: we start the handshake, send --count echo requests to --peer-inner-address and
//                  require every reply back.
//   respond mode:  we never initiate; the peer's `ping` makes it start the handshake, and we answer
//                  --expect-requests echo requests addressed to --inner-address.
//
// Exit status: 0 success, 1 protocol or network failure (with a message), 2 bad usage.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/key_encoding.hpp"
#include "crypto/memory.hpp"
#include "crypto/random.hpp"
#include "crypto/x25519.hpp"
#include "platform/resolve_endpoint.hpp"
#include "tunnel/checksum.hpp"
#include "tunnel/device.hpp"
#include "tunnel/ip_packet.hpp"

namespace {

using namespace std::chrono_literals;
using sluice::tunnel::Endpoint;
using sluice::tunnel::Instant;
using sluice::tunnel::IpAddress;
using Clock = std::chrono::steady_clock;

class UsageError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// --- options -------------------------------------------------------------------------------

constexpr std::string_view kUsage =
    "usage: sluice_handshake_probe --mode initiate|respond --listen ADDR:PORT\n"
    "         --peer-public-key BASE64 [--peer-endpoint ADDR:PORT]\n"
    "         --inner-address IPV4 --peer-inner-address IPV4\n"
    "         [--private-key-file FILE] [--preshared-key-file FILE]\n"
    "         [--count N] [--expect-requests N] [--timeout SECONDS]\n"
    "  The private key comes from --private-key-file or else $SLUICE_PROBE_PRIVATE_KEY (base64).\n"
    "  IPv6 endpoints are written [ADDR]:PORT. --peer-endpoint is required in initiate mode.\n";

struct Options {
  bool initiate = true;
  Endpoint listen;
  std::optional<Endpoint> peer_endpoint;
  std::string peer_public_key;
  std::string private_key_file;
  std::string preshared_key_file;
  IpAddress inner = IpAddress::v4(std::array<std::uint8_t, 4>{});
  IpAddress peer_inner = IpAddress::v4(std::array<std::uint8_t, 4>{});
  int count = 5;
  int expect_requests = 3;
  std::chrono::seconds timeout = 20s;
};

// The daemon's own endpoint syntax, so the probe takes what a config file takes.
Endpoint parse_endpoint(std::string_view text) {
  try {
    return sluice::platform::resolve_endpoint(text);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

IpAddress parse_ipv4(std::string_view text) {
  IpAddress address = IpAddress::v4(std::array<std::uint8_t, 4>{});
  try {
    address = IpAddress::parse(text);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  // The probe only builds IPv4 ICMP; the inner path is not what this test is about.
  if (!address.is_v4()) throw UsageError("inner addresses must be IPv4: " + std::string(text));
  return address;
}

int parse_positive(std::string_view text, std::string_view what) {
  const std::string copy(text);
  char* end = nullptr;
  const long value = std::strtol(copy.c_str(), &end, 10);
  if (*end != '\0' || value <= 0 || value > 1000) throw UsageError(std::string(what) + " must be 1..1000");
  return static_cast<int>(value);
}

Options parse_options(int argc, char** argv) {
  Options o;
  bool have_listen = false, have_inner = false, have_peer_inner = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) throw UsageError("missing value after " + std::string(flag));
    const std::string_view value = argv[++i];
    if (flag == "--mode") {
      if (value != "initiate" && value != "respond") throw UsageError("--mode is initiate or respond");
      o.initiate = value == "initiate";
    } else if (flag == "--listen") {
      o.listen = parse_endpoint(value);
      have_listen = true;
    } else if (flag == "--peer-endpoint") {
      o.peer_endpoint = parse_endpoint(value);
    } else if (flag == "--peer-public-key") {
      o.peer_public_key = value;
    } else if (flag == "--private-key-file") {
      o.private_key_file = value;
    } else if (flag == "--preshared-key-file") {
      o.preshared_key_file = value;
    } else if (flag == "--inner-address") {
      o.inner = parse_ipv4(value);
      have_inner = true;
    } else if (flag == "--peer-inner-address") {
      o.peer_inner = parse_ipv4(value);
      have_peer_inner = true;
    } else if (flag == "--count") {
      o.count = parse_positive(value, "--count");
    } else if (flag == "--expect-requests") {
      o.expect_requests = parse_positive(value, "--expect-requests");
    } else if (flag == "--timeout") {
      o.timeout = std::chrono::seconds(parse_positive(value, "--timeout"));
    } else {
      throw UsageError("unknown option " + std::string(flag));
    }
  }
  if (!have_listen || !have_inner || !have_peer_inner || o.peer_public_key.empty()) {
    throw UsageError("--listen, --peer-public-key, --inner-address and --peer-inner-address are required");
  }
  if (o.initiate && !o.peer_endpoint) throw UsageError("initiate mode needs --peer-endpoint");
  if (o.peer_endpoint && o.peer_endpoint->address.family() != o.listen.address.family()) {
    throw UsageError("--listen and --peer-endpoint must be the same address family");
  }
  return o;
}

// Reads a base64 key from a file (as `wg genkey` writes it) or the environment. The text holds a
// secret, so it is wiped once decoded.
template <typename Key>
Key load_key(const std::string& file, const char* env_name) {
  std::string text;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) throw UsageError("cannot read key file " + file);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else if (const char* env = env_name != nullptr ? std::getenv(env_name) : nullptr) {
    text = env;
  } else {
    throw UsageError("no private key: give --private-key-file or set SLUICE_PROBE_PRIVATE_KEY");
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  Key key;
  try {
    sluice::crypto::decode_base64_key(text, key.span());
  } catch (const sluice::crypto::KeyFormatError& e) {
    sluice::crypto::wipe(text.data(), text.size());
    throw UsageError(std::string("bad key: ") + e.what());
  }
  sluice::crypto::wipe(text.data(), text.size());
  return key;
}

// --- UDP socket ----------------------------------------------------------------------------

class UdpSocket {
 public:
  explicit UdpSocket(const Endpoint& local) : family_(local.address.is_v4() ? AF_INET : AF_INET6) {
    fd_ = ::socket(family_, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    const auto [addr, len] = to_sockaddr(local);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
      const int err = errno;
      ::close(fd_);
      throw std::runtime_error("bind " + local.to_string() + ": " + std::strerror(err));
    }
  }
  ~UdpSocket() { ::close(fd_); }
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  [[nodiscard]] int fd() const noexcept { return fd_; }

  void send_to(const Endpoint& to, std::span<const std::uint8_t> datagram) const {
    if (to.address.is_v4() != (family_ == AF_INET)) {
      std::fprintf(stderr, "probe: dropping datagram to %s: wrong address family\n", to.to_string().c_str());
      return;
    }
    const auto [addr, len] = to_sockaddr(to);
    // A lost datagram is the protocol's problem (it retransmits); just say so.
    if (::sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr*>(&addr), len) < 0) {
      std::fprintf(stderr, "probe: sendto %s: %s\n", to.to_string().c_str(), std::strerror(errno));
    }
  }

  // One datagram, or nullopt when none is waiting.
  std::optional<Endpoint> receive(std::vector<std::uint8_t>& buffer) const {
    sockaddr_storage from{};
    socklen_t from_len = sizeof(from);
    buffer.resize(65536);
    const ssize_t n = ::recvfrom(fd_, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        std::fprintf(stderr, "probe: recvfrom: %s\n", std::strerror(errno));
      }
      return std::nullopt;
    }
    buffer.resize(static_cast<std::size_t>(n));
    return from_sockaddr(from);
  }

 private:
  static std::pair<sockaddr_storage, socklen_t> to_sockaddr(const Endpoint& e) {
    sockaddr_storage s{};
    const auto bytes = e.address.bytes();
    if (e.address.is_v4()) {
      auto& v4 = reinterpret_cast<sockaddr_in&>(s);
      v4.sin_family = AF_INET;
      v4.sin_port = htons(e.port);
      std::memcpy(&v4.sin_addr, bytes.data(), 4);
      return {s, sizeof(sockaddr_in)};
    }
    auto& v6 = reinterpret_cast<sockaddr_in6&>(s);
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(e.port);
    std::memcpy(&v6.sin6_addr, bytes.data(), 16);
    return {s, sizeof(sockaddr_in6)};
  }

  static Endpoint from_sockaddr(const sockaddr_storage& s) {
    if (s.ss_family == AF_INET) {
      const auto& v4 = reinterpret_cast<const sockaddr_in&>(s);
      return {IpAddress::from_bytes(std::span(reinterpret_cast<const std::uint8_t*>(&v4.sin_addr), 4)),
              ntohs(v4.sin_port)};
    }
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(s);
    return {IpAddress::from_bytes(std::span(reinterpret_cast<const std::uint8_t*>(&v6.sin6_addr), 16)),
            ntohs(v6.sin6_port)};
  }

  int family_;
  int fd_ = -1;
};

// --- inner ICMP ----------------------------------------------------------------------------

constexpr std::uint8_t kIcmpEchoReply = 0;
constexpr std::uint8_t kIcmpEchoRequest = 8;
constexpr std::size_t kIpv4HeaderSize = 20;
constexpr std::size_t kIcmpHeaderSize = 8;
constexpr std::size_t kPingPayloadSize = 56;  // what ping(8) sends by default

// RFC 1071 Internet checksum; a correct header sums (with its checksum field) to zero.
std::uint16_t internet_checksum(std::span<const std::uint8_t> bytes) {
  return sluice::tunnel::checksum_finish(sluice::tunnel::checksum_add(bytes));
}

void put16(std::span<std::uint8_t> at, std::uint16_t value) {
  at[0] = static_cast<std::uint8_t>(value >> 8);
  at[1] = static_cast<std::uint8_t>(value);
}
std::uint16_t get16(std::span<const std::uint8_t> at) { return static_cast<std::uint16_t>(at[0] << 8 | at[1]); }

// An IPv4 ICMP echo packet (request or reply) with both checksums filled in.
std::vector<std::uint8_t> icmp_echo(std::uint8_t type, const IpAddress& src, const IpAddress& dst, std::uint16_t id,
                                    std::uint16_t seq, std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> p(kIpv4HeaderSize + kIcmpHeaderSize + payload.size(), 0);
  const std::span<std::uint8_t> ip(p.data(), kIpv4HeaderSize);
  ip[0] = 0x45;  // version 4, 5 words of header
  put16(ip.subspan(2), static_cast<std::uint16_t>(p.size()));
  put16(ip.subspan(4), static_cast<std::uint16_t>(sluice::crypto::random_u32()));
  put16(ip.subspan(6), 0x4000);  // don't fragment
  ip[8] = 64;                    // TTL
  ip[9] = 1;                     // ICMP
  std::copy_n(src.bytes().begin(), 4, ip.begin() + 12);
  std::copy_n(dst.bytes().begin(), 4, ip.begin() + 16);
  put16(ip.subspan(10), internet_checksum(ip));

  const std::span<std::uint8_t> icmp = std::span(p).subspan(kIpv4HeaderSize);
  icmp[0] = type;
  put16(icmp.subspan(4), id);
  put16(icmp.subspan(6), seq);
  std::copy(payload.begin(), payload.end(), icmp.begin() + kIcmpHeaderSize);
  put16(icmp.subspan(2), internet_checksum(icmp));
  return p;
}

struct IcmpEcho {
  std::uint8_t type;
  IpAddress source;
  IpAddress destination;
  std::uint16_t id;
  std::uint16_t seq;
  std::span<const std::uint8_t> payload;
};

// The echo request/reply in an inner packet, if it is one with valid checksums; why not, if not.
std::optional<IcmpEcho> parse_icmp_echo(std::span<const std::uint8_t> packet, std::string& why) {
  const auto parsed = sluice::tunnel::parse_ip_packet(packet);
  if (parsed.status != sluice::tunnel::IpPacketStatus::ok || parsed.packet.version != 4) {
    why = "not IPv4";
    return std::nullopt;
  }
  const std::size_t header = static_cast<std::size_t>(packet[0] & 0x0f) * 4;
  if (packet[9] != 1 || parsed.packet.total_length < header + kIcmpHeaderSize) {
    why = "not ICMP";
    return std::nullopt;
  }
  if (internet_checksum(packet.first(header)) != 0) {
    why = "bad IPv4 header checksum";
    return std::nullopt;
  }
  const auto icmp = packet.subspan(header, parsed.packet.total_length - header);
  if (internet_checksum(icmp) != 0) {
    why = "bad ICMP checksum";
    return std::nullopt;
  }
  if (icmp[0] != kIcmpEchoRequest && icmp[0] != kIcmpEchoReply) {
    why = "ICMP type " + std::to_string(icmp[0]);
    return std::nullopt;
  }
  return IcmpEcho{icmp[0],
                  parsed.packet.source_address(),
                  parsed.packet.destination_address(),
                  get16(icmp.subspan(4)),
                  get16(icmp.subspan(6)),
                  icmp.subspan(kIcmpHeaderSize)};
}

// --- the probe -----------------------------------------------------------------------------

Instant monotonic_now() { return std::chrono::duration_cast<Instant>(Clock::now().time_since_epoch()); }

double ms(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Sends through the socket at once; delivered packets are only queued, because answering them means
// calling back into the Device, which must not be re-entered from inside its own Sink call.
class ProbeSink : public sluice::tunnel::Sink {
 public:
  explicit ProbeSink(const UdpSocket& socket) : socket_(socket) {}
  void send(const Endpoint& to, std::span<const std::uint8_t> datagram, sluice::tunnel::Peer*) override {
    socket_.send_to(to, datagram);
  }
  void deliver(sluice::tunnel::Peer&, std::span<const std::uint8_t> packet, sluice::tunnel::Instant) override {
    delivered.emplace_back(packet.begin(), packet.end());
  }
  std::vector<std::vector<std::uint8_t>> delivered;

 private:
  const UdpSocket& socket_;
};

void print_counters(const sluice::tunnel::Device& device, const sluice::tunnel::Peer& peer) {
  const auto& d = device.counters();
  const auto& p = peer.counters();
  std::fprintf(
      stderr,
      "probe: device counters: invalid_message=%llu bad_mac1=%llu handshake_rejected=%llu "
      "unknown_index=%llu decrypt_failed=%llu replayed=%llu malformed_inner=%llu "
      "allowed_ips_mismatch=%llu no_route=%llu\n"
      "probe: peer counters: initiations_sent=%llu initiations_received=%llu handshakes_completed=%llu "
      "cookie_replies_received=%llu rx_packets=%llu tx_packets=%llu rx_bytes=%llu tx_bytes=%llu\n",
      static_cast<unsigned long long>(d.invalid_message), static_cast<unsigned long long>(d.bad_mac1),
      static_cast<unsigned long long>(d.handshake_rejected), static_cast<unsigned long long>(d.unknown_index),
      static_cast<unsigned long long>(d.decrypt_failed), static_cast<unsigned long long>(d.replayed),
      static_cast<unsigned long long>(d.malformed_inner), static_cast<unsigned long long>(d.allowed_ips_mismatch),
      static_cast<unsigned long long>(d.no_route), static_cast<unsigned long long>(p.initiations_sent),
      static_cast<unsigned long long>(p.initiations_received), static_cast<unsigned long long>(p.handshakes_completed),
      static_cast<unsigned long long>(p.cookie_replies_received), static_cast<unsigned long long>(p.rx_packets),
      static_cast<unsigned long long>(p.tx_packets), static_cast<unsigned long long>(p.rx_bytes),
      static_cast<unsigned long long>(p.tx_bytes));
}

int run(const Options& o) {
  namespace tunnel = sluice::tunnel;
  namespace crypto = sluice::crypto;

  tunnel::Device device([] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
  });
  device.set_private_key(load_key<crypto::PrivateKey>(o.private_key_file, "SLUICE_PROBE_PRIVATE_KEY"));
  device.set_mtu(1420);  // wireguard-go's default, so padding matches what a real interface would do

  crypto::PublicKey peer_key;
  try {
    crypto::decode_base64_key(o.peer_public_key, peer_key.bytes);
  } catch (const crypto::KeyFormatError& e) {
    throw UsageError(std::string("bad --peer-public-key: ") + e.what());
  }
  tunnel::Peer* peer = device.add_peer(peer_key);
  if (peer == nullptr) throw UsageError("the peer's public key is our own");
  if (!o.preshared_key_file.empty()) {
    peer->set_preshared_key(load_key<crypto::PresharedKey>(o.preshared_key_file, nullptr));
  }
  if (o.peer_endpoint) peer->set_endpoint(*o.peer_endpoint);
  device.allowed_ips().insert(tunnel::IpPrefix(o.peer_inner, 32), peer);

  const UdpSocket socket(o.listen);
  ProbeSink sink(socket);
  std::printf("probe: %s mode, listening on %s, our public key %s%s\n", o.initiate ? "initiate" : "respond",
              o.listen.to_string().c_str(), crypto::encode_base64_key(device.identity().public_key.bytes).c_str(),
              o.preshared_key_file.empty() ? "" : ", with preshared key");
  std::fflush(stdout);  // the test script waits for this line before it makes the peer talk to us

  const Instant start = monotonic_now();
  const Instant deadline = start + o.timeout;
  const auto ping_id = static_cast<std::uint16_t>(crypto::random_u32());
  std::array<std::uint8_t, kPingPayloadSize> ping_payload{};
  for (std::size_t i = 0; i < ping_payload.size(); ++i) ping_payload[i] = static_cast<std::uint8_t>(i);

  std::optional<Instant> handshake_started;  // set only in respond mode
  std::optional<Instant> handshake_done;
  // The outstanding echo request. Not an optional<Instant>: GCC 12 then warns maybe-uninitialized.
  bool awaiting_reply = false;
  Instant ping_sent_at{};
  int pings_sent = 0, replies = 0, requests_answered = 0;
  std::vector<double> rtts;
  constexpr sluice::tunnel::Duration kPerPingTimeout = 2s;

  if (o.initiate) device.initiate_handshake(*peer, start, sink);

  std::vector<std::uint8_t> buffer;
  // Bounded by the deadline; each pass blocks at most 50 ms in poll().
  for (Instant now = start; now < deadline; now = monotonic_now()) {
    // Initiate mode: one echo request at a time, each with its own timeout.
    if (o.initiate && handshake_done) {
      if (awaiting_reply && now - ping_sent_at > kPerPingTimeout) {
        std::printf("probe: echo seq=%d: no reply within %.0f ms\n", pings_sent, ms(kPerPingTimeout));
        awaiting_reply = false;
      }
      if (!awaiting_reply && pings_sent < o.count) {
        ++pings_sent;
        const auto request = icmp_echo(kIcmpEchoRequest, o.inner, o.peer_inner, ping_id,
                                       static_cast<std::uint16_t>(pings_sent), ping_payload);
        ping_sent_at = now;
        awaiting_reply = true;
        device.send_packet(request, now, sink);
      }
      if (!awaiting_reply && pings_sent == o.count) break;
    }
    if (!o.initiate && requests_answered >= o.expect_requests) break;

    pollfd pfd{socket.fd(), POLLIN, 0};
    const int ready = ::poll(&pfd, 1, 50);
    if (ready < 0 && errno != EINTR) throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    now = monotonic_now();
    if (ready > 0) {
      // Drain what is queued, but bounded so timers still run under a flood.
      for (int n = 0; n < 64; ++n) {
        const auto from = socket.receive(buffer);
        if (!from) break;
        device.receive(buffer, *from, now, false, sink);
      }
    }
    device.tick(now, sink);

    // As responder the clock starts when the peer's initiation arrives: before that we only wait.
    if (!o.initiate && !handshake_started && peer->counters().initiations_received > 0) handshake_started = now;
    if (!handshake_done && peer->counters().handshakes_completed > 0) {
      handshake_done = now;
      std::printf("probe: handshake completed in %.1f ms (%s; initiations sent %llu, received %llu)\n",
                  ms(now - handshake_started.value_or(start)), o.initiate ? "we initiated" : "peer initiated",
                  static_cast<unsigned long long>(peer->counters().initiations_sent),
                  static_cast<unsigned long long>(peer->counters().initiations_received));
    }

    auto delivered = std::move(sink.delivered);
    sink.delivered.clear();
    for (const auto& packet : delivered) {
      std::string why;
      const auto echo = parse_icmp_echo(packet, why);
      if (!echo) {
        std::printf("probe: ignoring inner packet of %zu bytes: %s\n", packet.size(), why.c_str());
        continue;
      }
      if (echo->type == kIcmpEchoRequest && echo->destination == o.inner) {
        // Answer like a host would: same id, sequence and payload, addresses swapped.
        device.send_packet(icmp_echo(kIcmpEchoReply, o.inner, echo->source, echo->id, echo->seq, echo->payload), now,
                           sink);
        ++requests_answered;
        std::printf("probe: answered echo request from %s id=%u seq=%u\n", echo->source.to_string().c_str(), echo->id,
                    echo->seq);
      } else if (echo->type == kIcmpEchoReply && awaiting_reply && echo->source == o.peer_inner &&
                 echo->destination == o.inner && echo->id == ping_id && echo->seq == pings_sent &&
                 std::equal(echo->payload.begin(), echo->payload.end(), ping_payload.begin(), ping_payload.end())) {
        const double rtt = ms(now - ping_sent_at);
        rtts.push_back(rtt);
        ++replies;
        awaiting_reply = false;
        std::printf("probe: echo reply from %s seq=%d rtt=%.3f ms\n", o.peer_inner.to_string().c_str(), pings_sent,
                    rtt);
      } else {
        std::printf("probe: ignoring unexpected ICMP type %u from %s seq=%u\n", echo->type,
                    echo->source.to_string().c_str(), echo->seq);
      }
    }
    std::fflush(stdout);
  }

  bool ok = handshake_done.has_value();
  if (!handshake_done)
    std::fprintf(stderr, "probe: FAILED: no handshake within %lld s\n", static_cast<long long>(o.timeout.count()));
  if (o.initiate) {
    if (!rtts.empty()) {
      const auto [lo, hi] = std::minmax_element(rtts.begin(), rtts.end());
      double sum = 0;
      for (const double r : rtts) sum += r;
      std::printf("probe: %d/%d echo replies, rtt min/avg/max = %.3f/%.3f/%.3f ms\n", replies, o.count, *lo,
                  sum / static_cast<double>(rtts.size()), *hi);
    }
    if (replies != o.count) {
      std::fprintf(stderr, "probe: FAILED: %d/%d echo replies\n", replies, o.count);
      ok = false;
    }
  } else {
    std::printf("probe: answered %d/%d echo requests\n", requests_answered, o.expect_requests);
    if (requests_answered < o.expect_requests) {
      std::fprintf(stderr, "probe: FAILED: answered %d/%d echo requests within %lld s\n", requests_answered,
                   o.expect_requests, static_cast<long long>(o.timeout.count()));
      ok = false;
    }
  }
  if (!ok) print_counters(device, *peer);
  std::fflush(stdout);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_options(argc, argv));
  } catch (const UsageError& e) {
    std::fprintf(stderr, "probe: %s\n%.*s", e.what(), static_cast<int>(kUsage.size()), kUsage.data());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "probe: FAILED: %s\n", e.what());
    return 1;
  }
}
