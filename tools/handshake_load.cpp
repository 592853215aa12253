// handshake_load: complete WireGuard handshakes against one responder from many peers, and say
// how many it answered a second and what CPU that cost it. Three commands:
//   keys   --peers N [--seed S]: the peers' public keys as a wg config fragment ([Peer] sections),
//          for `wg addconf`; the private keys come from the seed, so `run` with the same seed
//          uses exactly these peers.
//   x25519 [--seconds S]: X25519 operations a CPU second on one core, the bound they put on
//          sluiced's responder, and what the responder core (tunnel::Device, in process, no I/O)
//          reaches of it.
//   run    --target IPv4:PORT --public-key KEY [--peers N] [--seed S] [--source-first IPv4]
//          [--daemon-pid PID] [--warmup S] [--duration S] [--count N] [--gap MS] [--timeout MS]
//          Every peer initiates, checks the response (or takes the cookie reply and initiates
//          again with mac2, as the protocol says), waits --gap and initiates again: one
//          initiation in flight per peer. The gap keeps a peer within what a responder accepts:
//          one initiation per 20 ms per peer (whitepaper 5.1) and, under load, 20 a second per
//          source address (the kernel's and wireguard-go's rate limiter). With --source-first,
//          peer i sends from that address + i (the namespace must own them, say with
//          `ip route add local 10.202.0.0/16 dev lo`), so that each has its own source budget.
//          Counts only what completes after --warmup, during --duration (or until --count);
//          prints one line of key=value figures.
// One thread, one socket; every send is bounded by the run's time, SIGINT or SIGTERM end it early.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "crypto/key_encoding.hpp"
#include "crypto/x25519.hpp"
#include "tools/handshake_runner.hpp"
#include "tools/load_peer.hpp"
#include "tools/responder_rate.hpp"
#include "tools/stop_signal.hpp"
#include "tools/x25519_rate.hpp"

namespace {

using namespace sluice;

// A sluiced responder: 3 DH (with the initiator's ephemeral key, then our ephemeral key with
// theirs and with their static key; static-static is kept per peer) and 1 new key pair.
constexpr int kResponderVariable = 3;
constexpr int kResponderFixed = 1;

int keys(std::uint32_t peers, std::uint64_t seed) {
  for (std::uint32_t i = 0; i < peers; ++i) {
    const crypto::PrivateKey key = tools::load_peer_key(seed, i);
    std::printf("[Peer]\nPublicKey = %s\n\n",
                crypto::encode_base64_key(crypto::public_from_private(key).span()).c_str());
  }
  return 0;
}

int x25519(double seconds) {
  // Interleaved in short rounds, so that the operations and the core see the same machine: on a
  // busy one a CPU second buys less when another process shares the core's caches.
  constexpr int kRounds = 10;
  const std::chrono::duration<double> slice(seconds / kRounds);
  tools::X25519Rates rates;
  tools::ResponderRate core;
  for (int round = 0; round < kRounds; ++round) {
    const auto some = tools::measure_x25519(slice);
    rates.variable_base_per_s += some.variable_base_per_s / kRounds;
    rates.fixed_base_per_s += some.fixed_base_per_s / kRounds;
    core.per_cpu_s += tools::measure_responder(slice).per_cpu_s / kRounds;
  }
  const double bound = tools::handshake_bound(rates, kResponderVariable, kResponderFixed);
  std::printf(
      "x25519_variable_per_s=%.0f x25519_fixed_per_s=%.0f responder_bound_per_s=%.0f "
      "core_per_cpu_s=%.0f core_of_bound=%.2f\n",
      rates.variable_base_per_s, rates.fixed_base_per_s, bound, core.per_cpu_s, core.per_cpu_s / bound);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"handshake_load: real WireGuard handshakes from many peers against one responder"};
  app.require_subcommand(1);
  std::uint32_t peers = 1000;
  std::uint64_t seed = 1;
  double seconds = 1;
  tools::RunOptions run_options;
  std::string target, public_key, source_first;

  auto* keys_command = app.add_subcommand("keys", "print the peers' public keys as a wg config fragment");
  auto* x25519_command = app.add_subcommand("x25519", "measure X25519 operations a second on one core");
  auto* run_command = app.add_subcommand("run", "complete handshakes against a responder");
  for (auto* command : {keys_command, run_command}) {
    command->add_option("--peers", peers, "number of peers")
        ->check(CLI::Range(1U, std::uint32_t{tools::kMaxLoadPeers}));
    command->add_option("--seed", seed, "seed of the peers' private keys");
  }
  x25519_command->add_option("--seconds", seconds, "seconds per kind of operation")->check(CLI::Range(0.05, 10.0));
  run_command->add_option("--target", target, "IPv4:PORT of the responder")->required();
  run_command->add_option("--public-key", public_key, "the responder's public key (base64)")->required();
  run_command->add_option("--source-first", source_first, "peer i sends from this IPv4 address + i");
  run_command->add_option("--daemon-pid", run_options.daemon_pid, "the responder's PID, to read its CPU time");
  run_command->add_option("--warmup", run_options.warmup, "seconds before counting starts")
      ->check(CLI::Range(0.0, 60.0));
  run_command->add_option("--duration", run_options.duration, "seconds counted")->check(CLI::Range(0.1, 600.0));
  run_command->add_option("--count", run_options.count, "stop after this many counted handshakes")
      ->check(CLI::Range(1ULL, 1000000000ULL));
  run_command->add_option("--gap", run_options.gap_ms, "milliseconds a peer waits after an answer")
      ->check(CLI::Range(20.0, 10000.0));
  run_command
      ->add_option("--timeout", run_options.timeout_ms, "milliseconds before an unanswered initiation is replaced")
      ->check(CLI::Range(50.0, 10000.0));
  CLI11_PARSE(app, argc, argv);

  tools::stop_on_term_and_int();

  try {
    if (*keys_command) return keys(peers, seed);
    if (*x25519_command) return x25519(seconds);
    run_options.target = tools::parse_ipv4_endpoint(target);
    if (!source_first.empty()) run_options.source_first = tools::parse_ipv4_address(source_first);
    crypto::PublicKey responder;
    crypto::decode_base64_key(public_key, responder.bytes);
    std::vector<std::unique_ptr<tools::LoadPeer>> load_peers;
    load_peers.reserve(peers);
    for (std::uint32_t i = 0; i < peers; ++i) {
      load_peers.push_back(std::make_unique<tools::LoadPeer>(i, tools::load_peer_key(seed, i), responder));
    }
    const tools::RunReport report = tools::run_handshakes(load_peers, run_options, tools::g_stop);
    std::printf("%s\n", tools::format_report(report).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "handshake_load: %s\n", e.what());
    return 1;
  }
  return 0;
}
