// The subcommands of sluicectl, each a function from its parsed arguments to output on stdout;
// failures are thrown as uapi::ControlError (or the loader's ConfigError) and printed by main.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sluice::ctl {

struct Globals {
  std::filesystem::path control_dir;
  std::filesystem::path config_dir;  // where `up IFNAME` and `reload IFNAME` look for IFNAME.toml
};

int run_genkey();
int run_genpsk();
int run_pubkey();
// Without an interface (or with "all", as wg has it): every interface with a socket; a failing
// one is reported and the others still shown, with a non-zero exit. `field` "dump" prints the
// lines of `wg show IFNAME dump`; no other field is known.
int run_show(const Globals& globals, const std::optional<std::string>& ifname, const std::optional<std::string>& field,
             bool json);
int run_status(const Globals& globals);
// Counters of one interface, or of every interface with a socket; failures as in run_show.
int run_stats(const Globals& globals, const std::optional<std::string>& ifname, bool json);
int run_fdb(const Globals& globals, const std::optional<std::string>& ifname, bool json);
// Flows and rule counters; `peer` (a name or base64 key) keeps that peer's flows only. `follow`:
// one interface, a line whenever a flow sees traffic, until interrupted. Then the flows and
// counters of every container policy pinned under BPFFS/sluice/cni/ (none: nothing more), their
// remote ends named by the interfaces' peers; with no interface running, the containers alone.
int run_flows(const Globals& globals, const std::optional<std::string>& ifname, const std::optional<std::string>& peer,
              bool json, bool follow, const std::filesystem::path& bpffs);
int run_set(const Globals& globals, const std::string& ifname, const std::vector<std::string>& words);
// `verbose`: sluiced -v, and every line it prints while starting is shown (else its warnings).
int run_up(const Globals& globals, const std::string& target, bool verbose);
int run_down(const Globals& globals, const std::string& ifname);
int run_reload(const Globals& globals, const std::string& ifname, const std::optional<std::string>& config);
int run_import(const std::string& file);
int run_export(const Globals& globals, const std::string& ifname, bool show_keys);

}  // namespace sluice::ctl
