// The load tool's I/O: one UDP socket, a schedule of which peer initiates when, and the counts
// and CPU times of one run. The peers' protocol work is LoadPeer's.
#pragma once

#include <netinet/in.h>
#include <sys/types.h>

#include <csignal>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tools/load_peer.hpp"

namespace sluice::tools {

struct RunOptions {
  sockaddr_in target{};
  std::optional<in_addr> source_first;  // peer i sends from this address + i
  pid_t daemon_pid = 0;                 // 0: the responder's CPU time is not read
  double warmup = 1;                    // seconds before counting starts
  double duration = 5;                  // seconds counted
  std::uint64_t count = 10000000;       // counted handshakes at most
  double gap_ms = 50;                   // a peer's pause between an answer and its next initiation
  double timeout_ms = 1000;             // after this an unanswered initiation is replaced
};

struct RunReport {
  std::size_t peers = 0;
  // In the counted window:
  std::uint64_t handshakes = 0;
  double seconds = 0;
  double answer_ms = 0;  // mean time from an initiation to its verified response
  double tool_cpu_s = 0;
  std::optional<double> daemon_cpu_s;
  // Over the whole run, warm-up included:
  std::uint64_t initiations = 0;
  std::uint64_t cookie_replies = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t ignored = 0;  // replies that were stale or did not verify
  std::uint64_t send_errors = 0;
};

[[nodiscard]] sockaddr_in parse_ipv4_endpoint(const std::string& text);
[[nodiscard]] in_addr parse_ipv4_address(const std::string& text);

// Runs until the window ends, `count` handshakes were counted, or `stop` is set.
[[nodiscard]] RunReport run_handshakes(std::vector<std::unique_ptr<LoadPeer>>& peers, const RunOptions& options,
                                       const volatile std::sig_atomic_t& stop);

// One line of key=value figures: handshakes, seconds, rate, mean answer time, tool and daemon CPU seconds and
// shares of one core, handshakes per daemon CPU second, then the whole run's counts.
[[nodiscard]] std::string format_report(const RunReport& report);

}  // namespace sluice::tools
