// The policy in the control protocol's lines, both ways: sluicectl reload sends the rules and the
// peers' names and groups after its set request (`set_policy=1`), sluicectl export reads them back
// (`policy=1`). Our own requests, which `wg` never sends.
//
//   inbound=deny            the defaults, then max_flows
//   outbound=allow
//   max_flows=16384
//   identity=HEXKEY         a peer's name and groups (each identity= starts one)
//   identity_name=laptop-17
//   identity_group=laptops
//   rule=NAME               each rule= starts a rule (NAME may be empty); then its fields:
//   direction=inbound       peer=HEXKEY, group=, from=PREFIX, to=PREFIX, protocol=, port=FIRST-LAST
//   action=deny
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/rules.hpp"

namespace sluice::uapi {

struct PolicyText {
  policy::PolicySettings settings;
  std::vector<policy::PeerIdentity> identities;
};

// The lines, without the request line or the empty line that ends a request.
void append_policy_lines(std::string& out, const policy::PolicySettings& settings,
                         const std::vector<policy::PeerIdentity>& identities);

// Throws std::invalid_argument naming the line (1 for the first) and what is wrong.
[[nodiscard]] PolicyText parse_policy_lines(std::string_view text);

}  // namespace sluice::uapi
