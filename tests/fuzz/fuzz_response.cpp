// Handshake responses into an initiator waiting for one: raw bytes, or b's real response with the
// fuzzer's bytes XORed in, mac1 optionally repaired. Then the session, if any, carries a packet.
#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_pair.hpp"

using namespace sluice;
using namespace sluice::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const bool with_psk = in.ConsumeBool();
  const bool under_load = in.ConsumeBool();
  const bool from_real = in.ConsumeBool();
  const bool repair = in.ConsumeBool();
  const bool replay = in.ConsumeBool();
  const std::vector<std::uint8_t> bytes = in.ConsumeRemainingBytes<std::uint8_t>();

  Pair pair(with_psk);
  pair.a.send_packet(pair.packet_a_to_b(), pair.now, pair.sa);
  const std::vector<std::uint8_t> initiation = pair.sa.take();
  std::vector<std::uint8_t> message;
  if (from_real) {
    std::vector<std::uint8_t> delivered = initiation;
    pair.b.receive(delivered, pair.a_endpoint, pair.now, false, pair.sb);
    message = pair.sb.take();
    mutate(message, bytes);
  } else {
    message = bytes;
  }
  if (repair) pair.repair_macs_to_a(message, tunnel::Response::kMac1Offset);
  std::vector<std::uint8_t> copy = message;
  pair.a.receive(message, pair.b_endpoint, pair.now, under_load, pair.sa);
  if (replay) pair.a.receive(copy, pair.b_endpoint, pair.now, under_load, pair.sa);
  pair.pump(false, under_load);
  return 0;
}
