// `sluicectl export IFNAME`: the running configuration as a TOML file sluiced can start from.
#pragma once

#include <string_view>
#include <vector>

#include "config/toml_writer.hpp"
#include "ctl/fdb.hpp"
#include "ctl/link_info.hpp"
#include "uapi/interface_state.hpp"
#include "uapi/policy_text.hpp"

namespace sluice::ctl {

// Keys are printed only with `show_keys`; otherwise a comment says how to get them, and the file
// will not load until a key is put back (the loader names the missing key).
// `segments` (from fdb=1) become [[segment]] tables; the local address is always written.
[[nodiscard]] config::TomlFile export_config(std::string_view ifname, const uapi::InterfaceState& state,
                                             const LinkInfo& link, const std::vector<SegmentTable>& segments,
                                             bool show_keys);

// The daemon's rules (policy=1) into `settings`, and its peers' names and groups onto its peers.
void add_policy(config::InterfaceSettings& settings, const uapi::PolicyText& policy);

}  // namespace sluice::ctl
