#include "tools/x25519_rate.hpp"

#include <ctime>

#include "crypto/x25519.hpp"

namespace sluice::tools {
namespace {

// CPU time of the calling thread: on a busy machine the wall clock would count the time other
// processes had the core, and the bound is compared with the daemon's CPU time.
struct ThreadClock {
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<ThreadClock>;
  static time_point now() noexcept {
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return time_point(std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec));
  }
};

// Calls `operation` in rounds of 64 until `each` of CPU time has passed; returns calls per
// CPU second.
template <typename Operation>
double rate_of(std::chrono::duration<double> each, Operation operation) {
  const auto start = ThreadClock::now();
  long calls = 0;
  std::chrono::duration<double> elapsed{0};
  do {
    for (int i = 0; i < 64; ++i) operation();
    calls += 64;
    elapsed = ThreadClock::now() - start;
  } while (elapsed < each);
  return static_cast<double>(calls) / elapsed.count();
}

}  // namespace

X25519Rates measure_x25519(std::chrono::duration<double> each) {
  crypto::PrivateKey scalar = crypto::generate_private_key();
  crypto::PublicKey point = crypto::public_from_private(crypto::generate_private_key());
  crypto::SecretBytes<32> shared;
  X25519Rates rates;
  // Each result feeds the next input, so the compiler cannot drop or hoist the work.
  rates.variable_base_per_s = rate_of(each, [&] {
    if (crypto::x25519(shared, scalar, point)) point.bytes[0] ^= shared.data()[0] & 1;
  });
  rates.fixed_base_per_s = rate_of(each, [&] {
    const crypto::PublicKey pub = crypto::public_from_private(scalar);
    scalar.data()[1] ^= pub.bytes[1];
  });
  return rates;
}

double handshake_bound(const X25519Rates& rates, int variable, int fixed) noexcept {
  if (rates.variable_base_per_s <= 0 || rates.fixed_base_per_s <= 0) return 0;
  return 1.0 / (variable / rates.variable_base_per_s + fixed / rates.fixed_base_per_s);
}

}  // namespace sluice::tools
