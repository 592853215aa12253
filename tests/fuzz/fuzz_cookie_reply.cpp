// Cookie replies into an initiator whose initiation was answered with one: raw bytes, or the real
// reply with the fuzzer's bytes XORed in. Then the initiator retries, with mac2 if it took the
// cookie, against the responder still under load.
#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_pair.hpp"

using namespace sluice;
using namespace sluice::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const bool from_real = in.ConsumeBool();
  const bool replay = in.ConsumeBool();
  const std::vector<std::uint8_t> bytes = in.ConsumeRemainingBytes<std::uint8_t>();

  Pair pair(false);
  pair.a.send_packet(pair.packet_a_to_b(), pair.now, pair.sa);
  std::vector<std::uint8_t> initiation = pair.sa.take();
  pair.b.receive(initiation, pair.a_endpoint, pair.now, true, pair.sb);
  std::vector<std::uint8_t> message;
  if (from_real) {
    message = pair.sb.take();
    mutate(message, bytes);
  } else {
    message = bytes;
  }
  std::vector<std::uint8_t> copy = message;
  pair.a.receive(message, pair.b_endpoint, pair.now, false, pair.sa);
  if (replay) pair.a.receive(copy, pair.b_endpoint, pair.now, false, pair.sa);
  pair.now += 6s;
  pair.wall += 6s;
  pair.a.tick(pair.now, pair.sa);
  pair.pump(true);
  return 0;
}
