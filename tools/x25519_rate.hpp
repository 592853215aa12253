// How many X25519 operations a second this machine does on one core, through the same wrappers
// (and so the same libsodium code) that sluiced's handshakes use: what bounds a responder.
#pragma once

#include <chrono>

namespace sluice::tools {

struct X25519Rates {
  double variable_base_per_s = 0;  // DH with a peer's public key
  double fixed_base_per_s = 0;     // a new key pair's public key
};

// Runs each kind for `each` of the calling thread's CPU time; rates are per CPU second.
[[nodiscard]] X25519Rates measure_x25519(std::chrono::duration<double> each);

// Handshakes a second one core can answer when each costs `variable` DH operations and
// `fixed` public-key computations (and nothing else).
[[nodiscard]] double handshake_bound(const X25519Rates& rates, int variable, int fixed) noexcept;

}  // namespace sluice::tools
