// What the project's responder core (tunnel::Device) costs per handshake on its own: initiations
// from load peers handed to Device::receive in process, with no sockets and no event loop, timed
// in the thread's CPU time. Set against the daemon's handshakes per CPU second, the difference is
// what the daemon's I/O and loop add; set against the X25519 bound, what the core adds.
#pragma once

#include <chrono>
#include <cstdint>

namespace sluice::tools {

struct ResponderRate {
  double per_cpu_s = 0;          // handshakes the core answers per CPU second
  std::uint64_t handshakes = 0;  // answered, and verified by the initiating peer
};

// Runs until `cpu_time` of the core's own work has been spent; throws if an answer fails to verify.
[[nodiscard]] ResponderRate measure_responder(std::chrono::duration<double> cpu_time);

}  // namespace sluice::tools
