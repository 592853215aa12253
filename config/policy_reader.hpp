// The policy part of an interface file: peers' names and groups, [policy_defaults] and the
// [[policy]] rules, read as strictly as the rest (file:line:column: key: message).
#pragma once

#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "config/config_file.hpp"
#include "config/settings.hpp"
#include "config/toml_reader.hpp"
#include "policy/rules.hpp"

namespace sluice::config {

// A peer's `name` and `groups` keys (`prefix` is "peer[N].").
void read_peer_identity(const TomlReader<ConfigError>& reader, const toml::table& table, std::string_view prefix,
                        PeerSettings& peer);

// [policy_defaults] and [[policy]] of `root` (either may be absent), against `peers` (already
// read, for names, keys and groups).
[[nodiscard]] policy::PolicySettings read_policy(const TomlReader<ConfigError>& reader, const toml::table& root,
                                                 const std::vector<PeerSettings>& peers);

// The peers' names and groups, as the policy engine takes them.
[[nodiscard]] std::vector<policy::PeerIdentity> peer_identities(const std::vector<PeerSettings>& peers);

}  // namespace sluice::config
