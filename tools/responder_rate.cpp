#include "tools/responder_rate.hpp"

#include <ctime>
#include <memory>
#include <stdexcept>
#include <vector>

#include "crypto/x25519.hpp"
#include "tools/load_peer.hpp"
#include "tunnel/device.hpp"

namespace sluice::tools {
namespace {

using namespace std::chrono_literals;

std::chrono::nanoseconds thread_cpu() noexcept {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
}

// Keeps the one answer each initiation gets.
class LastDatagram : public tunnel::Sink {
 public:
  void send(const tunnel::Endpoint&, std::span<const std::uint8_t> datagram, tunnel::Peer*) override {
    last.assign(datagram.begin(), datagram.end());
  }
  void deliver(tunnel::Peer&, std::span<const std::uint8_t>, tunnel::Instant) override {}
  std::vector<std::uint8_t> last;
};

// Enough peers that each initiates only every kPeers steps of the synthetic clock, well apart
// from its last one (the responder takes one per 20 ms per peer).
constexpr std::uint32_t kPeers = 64;
constexpr auto kStep = 1ms;

}  // namespace

ResponderRate measure_responder(std::chrono::duration<double> cpu_time) {
  const auto wall = std::chrono::system_clock::now().time_since_epoch();
  tunnel::Device device([wall] { return wall; });
  device.set_private_key(crypto::generate_private_key());
  std::vector<std::unique_ptr<LoadPeer>> peers;
  for (std::uint32_t i = 0; i < kPeers; ++i) {
    peers.push_back(std::make_unique<LoadPeer>(i, load_peer_key(0, i), device.identity().public_key));
    if (device.add_peer(peers.back()->public_key()) == nullptr) throw std::logic_error("cannot add a load peer");
  }
  const tunnel::Endpoint from(tunnel::IpAddress::v4(std::array<std::uint8_t, 4>{10, 202, 0, 1}), 40000);
  LastDatagram sink;
  ResponderRate rate;
  std::chrono::nanoseconds spent{0};
  tunnel::Instant now{1s};
  while (spent < cpu_time) {
    for (const auto& peer : peers) {
      auto initiation = peer->initiate(now, wall + now);
      sink.last.clear();
      const auto start = thread_cpu();
      device.receive(initiation, from, now, false, sink);
      spent += thread_cpu() - start;
      if (peer->receive(sink.last, now) != LoadPeer::Outcome::completed) {
        throw std::runtime_error("the responder's answer did not verify");
      }
      ++rate.handshakes;
      now += kStep;
    }
  }
  rate.per_cpu_s = static_cast<double>(rate.handshakes) / std::chrono::duration<double>(spent).count();
  return rate;
}

}  // namespace sluice::tools
