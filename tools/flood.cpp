// flood: handshake initiations and garbage at a WireGuard listening port, as fast as one socket
// can send them, for the flood test. The initiations are well formed, with a valid mac1, as an
// attacker who knows the responder's public key would make them (from its own key, not one the
// responder knows), so without cookie mode each costs the responder its Diffie-Hellman work.
// Bounded by --count and --duration; SIGTERM or SIGINT end it early. Prints what it sent and how
// many cookie replies came back.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "crypto/key_encoding.hpp"
#include "crypto/x25519.hpp"
#include "tools/stop_signal.hpp"
#include "tunnel/cookie.hpp"
#include "tunnel/handshake.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace sluice;

constexpr std::size_t kBatch = 64;
constexpr std::size_t kPoolSize = 16;
constexpr std::size_t kMaxGarbage = 200;

sockaddr_in parse_ipv4(const std::string& text) {
  const auto colon = text.rfind(':');
  sockaddr_in a{};
  a.sin_family = AF_INET;
  if (colon == std::string::npos || inet_pton(AF_INET, text.substr(0, colon).c_str(), &a.sin_addr) != 1) {
    throw std::invalid_argument("--target wants IPv4:PORT, got " + text);
  }
  a.sin_port = htons(static_cast<std::uint16_t>(std::stoi(text.substr(colon + 1))));
  return a;
}

// A few genuine initiations from an attacker's own key; each send gets a fresh sender index and
// mac1, so every datagram is distinct and passes the mac1 check.
std::vector<std::array<std::uint8_t, tunnel::kInitiationSize>> make_pool(const crypto::PublicKey& responder,
                                                                         tunnel::RemoteIdentity& remote) {
  const auto local = tunnel::LocalIdentity::from_private(crypto::generate_private_key());
  remote = tunnel::RemoteIdentity(responder, local);
  std::vector<std::array<std::uint8_t, tunnel::kInitiationSize>> pool(kPoolSize);
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  for (std::size_t i = 0; i < pool.size(); ++i) {
    tunnel::Handshake handshake;
    const auto message =
        handshake.create_initiation(local, remote, tunnel::whitened_tai64n(now), static_cast<std::uint32_t>(i));
    if (!message) throw std::runtime_error("cannot build an initiation to that public key");
    message->write(pool[i]);
  }
  return pool;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"flood: handshake initiations with a valid mac1, and garbage, at a WireGuard port"};
  std::string target, public_key;
  std::uint64_t count = 1000000;
  double duration = 10, garbage = 0.25;
  std::uint64_t seed = 1;
  app.add_option("--target", target, "IPv4:PORT of the responder")->required();
  app.add_option("--public-key", public_key, "the responder's public key (base64)")->required();
  app.add_option("--count", count, "datagrams to send at most")->check(CLI::Range(1ULL, 1000000000ULL));
  app.add_option("--duration", duration, "seconds to send at most")->check(CLI::Range(0.1, 3600.0));
  app.add_option("--garbage", garbage, "fraction of random garbage among the datagrams")->check(CLI::Range(0.0, 1.0));
  app.add_option("--seed", seed, "seed of the garbage");
  CLI11_PARSE(app, argc, argv);

  tools::stop_on_term_and_int();

  try {
    const sockaddr_in to = parse_ipv4(target);
    crypto::PublicKey responder;
    crypto::decode_base64_key(public_key, responder.bytes);
    tunnel::RemoteIdentity remote;
    auto pool = make_pool(responder, remote);
    tunnel::CookieState macs;

    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
      throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    }

    std::mt19937_64 random(seed);
    std::bernoulli_distribution is_garbage(garbage);
    std::vector<std::array<std::uint8_t, kMaxGarbage>> buffers(kBatch);
    std::array<iovec, kBatch> iov{};
    std::array<mmsghdr, kBatch> headers{};
    std::uint64_t sent = 0, initiations = 0, garbage_sent = 0, cookie_replies = 0, errors = 0;
    std::uint32_t index = 0;
    const auto start = Clock::now();
    const auto limit = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration));
    while (!tools::g_stop && sent < count && Clock::now() - start < limit) {
      const std::size_t n = std::min<std::uint64_t>(kBatch, count - sent);
      std::size_t batch_initiations = 0;
      for (std::size_t i = 0; i < n; ++i) {
        auto& buffer = buffers[i];
        std::size_t length = 0;
        if (is_garbage(random)) {
          length = 1 + random() % kMaxGarbage;
          for (auto& byte : std::span(buffer).first(length)) byte = static_cast<std::uint8_t>(random());
        } else {
          auto& message = pool[index % pool.size()];
          const std::uint32_t sender = ++index;
          std::memcpy(message.data() + 4, &sender, sizeof sender);
          macs.add_macs(message, tunnel::Initiation::kMac1Offset, remote, tunnel::Instant{});
          std::copy(message.begin(), message.end(), buffer.begin());
          length = message.size();
          ++batch_initiations;
        }
        iov[i] = {buffer.data(), length};
        headers[i] = {};
        headers[i].msg_hdr.msg_iov = &iov[i];
        headers[i].msg_hdr.msg_iovlen = 1;
      }
      const int done = ::sendmmsg(fd, headers.data(), static_cast<unsigned>(n), 0);
      if (done < 0) {
        // ECONNREFUSED from an earlier ICMP error, or a full buffer: count it and go on.
        ++errors;
        continue;
      }
      sent += static_cast<std::uint64_t>(done);
      // Attribute partial batches proportionally; exact when the whole batch went out.
      const std::uint64_t went = static_cast<std::size_t>(done) == n
                                     ? batch_initiations
                                     : batch_initiations * static_cast<std::uint64_t>(done) / n;
      initiations += went;
      garbage_sent += static_cast<std::uint64_t>(done) - went;
      std::array<std::uint8_t, 128> reply{};
      ssize_t got;
      while ((got = ::recv(fd, reply.data(), reply.size(), MSG_DONTWAIT)) >= 0) {
        if (got == static_cast<ssize_t>(tunnel::kCookieReplySize) && reply[0] == 3) ++cookie_replies;
      }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    ::close(fd);
    std::printf(
        "sent %llu datagrams in %.2f s: %llu initiations (%.0f/s), %llu garbage; %llu cookie replies "
        "received; %llu send errors\n",
        static_cast<unsigned long long>(sent), seconds, static_cast<unsigned long long>(initiations),
        initiations / seconds, static_cast<unsigned long long>(garbage_sent),
        static_cast<unsigned long long>(cookie_replies), static_cast<unsigned long long>(errors));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flood: %s\n", e.what());
    return 1;
  }
  return 0;
}
