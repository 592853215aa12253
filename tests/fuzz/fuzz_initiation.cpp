// Handshake initiations into a responder that has a key and a peer: raw bytes, or a real
// initiation with the fuzzer's bytes XORed in; mac1 (and mac2) optionally repaired so the bytes
// reach the Noise decryption. Whatever the responder answers is played out to the end.
#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_pair.hpp"

using namespace sluice;
using namespace sluice::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const bool with_psk = in.ConsumeBool();
  const bool under_load = in.ConsumeBool();
  const bool with_cookie = in.ConsumeBool();
  const bool from_real = in.ConsumeBool();
  const bool repair = in.ConsumeBool();
  const bool replay = in.ConsumeBool();
  const std::vector<std::uint8_t> bytes = in.ConsumeRemainingBytes<std::uint8_t>();

  Pair pair(with_psk);
  if (with_cookie) pair.fetch_cookie();
  std::vector<std::uint8_t> message;
  if (from_real) {
    // Past REKEY_TIMEOUT, so the cookie fetch's initiation does not hold this one back.
    pair.now += 6s;
    pair.a.initiate_handshake(*pair.a_to_b, pair.now, pair.sa);
    message = pair.sa.take();
    mutate(message, bytes);
  } else {
    message = bytes;
  }
  if (repair) pair.repair_macs_to_b(message, tunnel::Initiation::kMac1Offset);
  std::vector<std::uint8_t> copy = message;
  pair.b.receive(message, pair.a_endpoint, pair.now, under_load, pair.sb);
  if (replay) pair.b.receive(copy, pair.a_endpoint, pair.now, under_load, pair.sb);
  pair.pump(under_load);
  pair.a.send_packet(pair.packet_a_to_b(), pair.now, pair.sa);
  pair.pump(under_load);
  return 0;
}
