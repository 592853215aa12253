// Transport data into a responder with an established session: a sequence of raw datagrams,
// correctly encrypted datagrams carrying the fuzzer's plaintext at chosen counters (so the bytes
// reach the replay window, the inner IP parser and cryptokey routing), mutated real datagrams,
// and time steps that age, rekey and expire the sessions.
#include <fuzzer/FuzzedDataProvider.h>

#include "crypto/aead.hpp"
#include "fuzz_pair.hpp"

using namespace sluice;
using namespace sluice::fuzz;

namespace {

constexpr int kMaxSteps = 16;
constexpr std::size_t kMaxPayload = 1500;

// A transport message from a to b under a's current session, as a's core would build it but
// without its checks on the plaintext.
std::vector<std::uint8_t> encrypt_as_a(Pair& pair, std::uint64_t counter, std::span<const std::uint8_t> plaintext) {
  const tunnel::Keypair* keypair = pair.a_to_b->keypairs().current();
  if (keypair == nullptr) return {};
  std::vector<std::uint8_t> datagram(tunnel::kTransportHeaderSize + plaintext.size() + crypto::kAeadTagSize);
  tunnel::TransportHeader{keypair->remote_index, counter}.write(
      std::span(datagram).first<tunnel::kTransportHeaderSize>());
  crypto::wg_aead_encrypt(std::span(datagram).subspan(tunnel::kTransportHeaderSize), plaintext, counter,
                          keypair->send_key, {});
  return datagram;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  Pair pair(in.ConsumeBool());
  pair.establish();
  std::uint64_t next_counter = 1;
  for (int step = 0; step < kMaxSteps && in.remaining_bytes() > 0; ++step) {
    const bool under_load = in.ConsumeBool();
    std::vector<std::uint8_t> datagram;
    switch (in.ConsumeIntegralInRange<int>(0, 4)) {
      case 0:
        datagram = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, kMaxPayload));
        break;
      case 1: {
        const std::uint64_t counter =
            in.ConsumeBool() ? in.ConsumeIntegral<std::uint64_t>() : next_counter + in.ConsumeIntegral<std::uint8_t>();
        next_counter = counter + 1;
        const auto plaintext = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, kMaxPayload));
        datagram = encrypt_as_a(pair, counter, plaintext);
        break;
      }
      case 2: {
        const auto packet = pair.packet_a_to_b(in.ConsumeIntegralInRange<std::size_t>(20, kMaxPayload));
        pair.a.send_packet(packet, pair.now, pair.sa);
        datagram = pair.sa.take();
        mutate(datagram, in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, 64)));
        break;
      }
      case 3: {
        const auto step_time = std::chrono::seconds(in.ConsumeIntegralInRange<int>(0, 200));
        pair.now += step_time;
        pair.wall += step_time;
        pair.a.tick(pair.now, pair.sa);
        pair.b.tick(pair.now, pair.sb);
        pair.pump(under_load);
        continue;
      }
      default:
        pair.b.send_keepalive(*pair.b_to_a, pair.now, pair.sb);
        pair.pump(under_load);
        continue;
    }
    pair.b.receive(datagram, pair.a_endpoint, pair.now, under_load, pair.sb);
    pair.pump(under_load);
  }
  return 0;
}
