// What `sluicectl flows` prints: the flows of a `flows=1` answer (daemon/flows_answer.hpp), one
// Hubble-like line each, then the counters of every rule; or the same as JSON.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/memory.hpp"

namespace sluice::ctl {

struct FlowRecord {
  std::string origin;  // "inbound" or "outbound"
  crypto::PublicKey peer;
  std::string peer_name;
  unsigned protocol = 0;
  std::string source;
  unsigned source_port = 0;
  std::string destination;
  unsigned destination_port = 0;
  std::string verdict;
  std::string rule;
  std::uint64_t packets_in = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t packets_out = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t first_seen = 0;  // Unix ms
  std::uint64_t last_seen = 0;
};

struct RuleRecord {
  std::string name;
  std::string action;
  std::uint64_t flows = 0;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
};

struct FlowsAnswer {
  std::uint64_t flows = 0;
  std::uint64_t max_flows = 0;
  std::uint64_t evictions = 0;
  std::vector<FlowRecord> records;  // most recently seen first
  std::vector<RuleRecord> rules;
};

// `lines` is the answer without its errno line; a malformed one throws uapi::ControlError.
[[nodiscard]] FlowsAnswer parse_flows_answer(std::string_view lines);

// Keeps the flows of the peer named by `peer` (a base64 key or a peer's name).
void keep_peer(FlowsAnswer& answer, std::string_view peer);

// One line per flow: "TIME PEER SRC -> DST PROTO DIRECTION VERDICT (RULE) in P/B out P/B".
[[nodiscard]] std::string flow_line(const FlowRecord& flow);
// The interface's flows (oldest activity last), then its rules' counters.
[[nodiscard]] std::string flows_text(std::string_view ifname, const FlowsAnswer& answer);
[[nodiscard]] nlohmann::ordered_json flows_json(std::string_view ifname, const FlowsAnswer& answer);

}  // namespace sluice::ctl
