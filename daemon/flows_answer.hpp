// The answer to `flows=1`, a request of our own on the control socket: the flow table (the 10,000
// most recently seen flows, most recent first; flows= counts them all) and the counters of each rule, as key=value
// lines that sluicectl flows reads. Holds no secret.
//
//   flows=2  max_flows=16384  evictions=0     (one line each)
//   flow=inbound               the origin's direction; starts a flow
//   public_key=HEX  peer_name=laptop-17 (if it has one)
//   protocol=6  source=10.0.0.2  source_port=40000  destination=10.0.0.1  destination_port=22
//   verdict=allow  rule=ssh from laptops
//   packets_in= bytes_in= packets_out= bytes_out=  first_seen= last_seen= (Unix ms)
//   rule_counter=ssh from laptops   starts a rule's counters (the defaults last)
//   rule_action=allow  rule_flows=  rule_packets=  rule_bytes=
#pragma once

#include <chrono>
#include <string>

#include "policy/policy.hpp"
#include "tunnel/constants.hpp"

namespace sluice::daemon {

// `now` on the monotonic clock the flows were stamped with, `wall_now` the same moment since the
// Unix epoch.
[[nodiscard]] std::string serialize_flows(const policy::Policy& policy, tunnel::Instant now,
                                          std::chrono::nanoseconds wall_now);

// Prometheus samples (daemon/metrics_server.hpp) of the policy: per-rule counters, flows per peer
// and verdict, the table's size (evictions are an interface counter). `labels` is interface="...".
void append_policy_metrics(std::string& out, const std::string& labels, const policy::Policy& policy);

}  // namespace sluice::daemon
