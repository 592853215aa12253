// sluicectl: the control tool of sluiced. Subcommands follow wg(8) and wg-quick(8) where those
// have one (show, set, genkey, pubkey, genpsk, up, down), plus status, reload, import, export.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "ctl/capture.hpp"
#include "ctl/commands.hpp"
#include "ctl/events.hpp"
#include "uapi/client.hpp"
#include "uapi/error.hpp"

int main(int argc, char** argv) {
  using namespace sluice::ctl;
  CLI::App app{"sluicectl: control tool for sluiced, the WireGuard-compatible VPN daemon"};
  app.set_version_flag("--version", SLUICE_VERSION);
  // None is `show`, as a bare `wg` is `wg show`.
  app.require_subcommand(0, 1);
  // One line, like every other error of this tool.
  app.failure_message([](const CLI::App* failed, const CLI::Error& e) {
    std::string message("sluicectl: ");
    // CLI11 reports an unknown subcommand as "a subcommand is required": name the word instead.
    const std::vector<std::string> extra = failed->remaining();
    if (failed->get_parent() == nullptr && !extra.empty() && failed->get_subcommands().empty()) {
      message.append("unknown command '").append(extra.front()).append("'");
    } else {
      message.append(e.what());
    }
    return message.append(" (see sluicectl --help)\n");
  });

  Globals globals;
  app.add_option("--control-dir", globals.control_dir, "Directory of the control sockets")
      ->default_val(std::string(sluice::uapi::kDefaultControlDir));
  app.add_option("--config-dir", globals.config_dir, "Where `up IFNAME` and `reload IFNAME` find IFNAME.toml")
      ->default_val("/etc/sluice");

  std::optional<std::string> ifname_option;
  std::string ifname;
  std::string target;
  std::vector<std::string> words;
  std::optional<std::string> config;
  bool json = false;
  bool show_keys = false;

  std::optional<std::string> show_field;
  auto* show = app.add_subcommand("show", "Show interfaces and peers (all running ones without IFNAME or with all)");
  show->add_option("IFNAME", ifname_option, "Interface, or all");
  show->add_option("FIELD", show_field, "dump: the tab-separated lines of `wg show IFNAME dump`, keys included");
  show->add_flag("--json", json, "Print JSON (schema in sluicectl(8), JSON OUTPUT)");
  auto* stats =
      app.add_subcommand("stats", "Counters of the interface and of each peer (all running ones without IFNAME)");
  stats->add_option("IFNAME", ifname_option, "Interface");
  stats->add_flag("--json", json, "Print JSON (schema in sluicectl(8), JSON OUTPUT)");
  auto* fdb = app.add_subcommand("fdb", "L2 segments and their forwarding tables (all running ones without IFNAME)");
  fdb->add_option("IFNAME", ifname_option, "Interface");
  fdb->add_flag("--json", json, "Print JSON (schema in sluicectl(8), JSON OUTPUT)");
  std::optional<std::string> flows_peer;
  bool follow = false;
  auto* flows = app.add_subcommand("flows", "Flows through the interface with their verdicts, and the rules' counters");
  flows->add_option("IFNAME", ifname_option, "Interface (all running ones without it)");
  flows->add_option("--peer", flows_peer, "Only this peer's flows (its name or base64 public key)");
  flows->add_flag("--json", json, "Print JSON (schema in sluicectl(8), JSON OUTPUT)");
  flows->add_flag("--follow", follow, "Print a line whenever a flow sees traffic, until interrupted");
  std::string bpffs = "/sys/fs/bpf";
  flows->add_option("--bpffs", bpffs, "Where the containers' policy maps are pinned (under sluice/cni/)")
      ->capture_default_str();
  CaptureOptions capture_options;
  auto* capture =
      app.add_subcommand("capture", "Copy the interface's cleartext packets (or a segment's frames) into a pcap file");
  capture->add_option("IFNAME", capture_options.ifname, "Interface")->required();
  capture->add_option("-w", capture_options.output, "pcap file, or - for stdout")->required();
  capture->add_option("--peer", capture_options.peer, "Only this peer's packets (base64 public key)");
  capture->add_option("--segment", capture_options.segment,
                      "The Ethernet frames of this L2 segment (TAP name or VNI) instead of the inner packets");
  capture->add_option("--direction", capture_options.direction, "in (from peers), out (to peers) or both")
      ->check(CLI::IsMember({"in", "out", "both"}));
  capture->add_option("--count", capture_options.count, "Stop after N packets")->check(CLI::PositiveNumber);
  capture->add_option("--duration", capture_options.duration, "Stop after S seconds")->check(CLI::PositiveNumber);
  capture->add_option("--snaplen", capture_options.snaplen, "Bytes kept of each packet (1-65535)")
      ->check(CLI::Range(1, 65535));
  auto* events =
      app.add_subcommand("events", "Follow the interface's events (handshakes, endpoints, peers) as they come");
  events->add_option("IFNAME", ifname_option, "Interface (default: the only one running)");
  events->add_flag("--json", json, "One JSON object per line (fields in sluicectl(8), EVENTS)");
  auto* status = app.add_subcommand("status", "One line for every interface with a control socket");
  auto* set = app.add_subcommand("set", "Change settings, with the words of `wg set`");
  set->add_option("IFNAME", ifname, "Interface")->required();
  set->add_option("ARGS", words,
                  "[listen-port PORT] [fwmark MARK] [private-key FILE] [peer PUBKEY [remove] [preshared-key FILE] "
                  "[endpoint HOST:PORT] [persistent-keepalive SECONDS|off] [allowed-ips PREFIX,...]]...")
      ->required();
  auto* genkey = app.add_subcommand("genkey", "Print a new private key");
  auto* pubkey = app.add_subcommand("pubkey", "Print the public key of the private key on stdin");
  auto* genpsk = app.add_subcommand("genpsk", "Print a new preshared key");
  auto* up = app.add_subcommand("up", "Start sluiced for CONFIG.toml, or for IFNAME with CONFIG_DIR/IFNAME.toml");
  up->add_option("CONFIG_OR_IFNAME", target, "A .toml file (the interface is its name) or an interface")->required();
  bool verbose = false;
  up->add_flag("-v,--verbose", verbose, "Run sluiced -v and show all it says while starting (else its warnings)");
  auto* down = app.add_subcommand("down", "Stop the sluiced of an interface");
  down->add_option("IFNAME", ifname, "Interface")->required();
  auto* reload = app.add_subcommand("reload", "Apply the config file's changes, keeping unchanged peers' sessions");
  reload->add_option("IFNAME", ifname, "Interface")->required();
  reload->add_option("--config", config, "Config file (default CONFIG_DIR/IFNAME.toml)");
  auto* import = app.add_subcommand("import", "Print the sluice TOML equivalent of a wg-quick .conf file");
  import->add_option("FILE", target, "wg-quick configuration")->required();
  auto* export_ = app.add_subcommand("export", "Print the running configuration as TOML");
  export_->add_option("IFNAME", ifname, "Interface")->required();
  export_->add_flag("--show-keys", show_keys, "Include the private and preshared keys");

  CLI11_PARSE(app, argc, argv);

  try {
    if (*show || app.get_subcommands().empty()) return run_show(globals, ifname_option, show_field, json);
    if (*status) return run_status(globals);
    if (*capture) return run_capture(globals, capture_options);
    if (*events) return run_events(globals, ifname_option, json);
    if (*stats) return run_stats(globals, ifname_option, json);
    if (*fdb) return run_fdb(globals, ifname_option, json);
    if (*flows) return run_flows(globals, ifname_option, flows_peer, json, follow, bpffs);
    if (*set) return run_set(globals, ifname, words);
    if (*genkey) return run_genkey();
    if (*pubkey) return run_pubkey();
    if (*genpsk) return run_genpsk();
    if (*up) return run_up(globals, target, verbose);
    if (*down) return run_down(globals, ifname);
    if (*reload) return run_reload(globals, ifname, config);
    if (*import) return run_import(target);
    if (*export_) return run_export(globals, ifname, show_keys);
  } catch (const sluice::uapi::ControlError& e) {
    std::fprintf(stderr, "sluicectl: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    // Not expected (uapi::ControlError covers what users meet), but still one line and no stack trace.
    std::fprintf(stderr, "sluicectl: %s\n", e.what());
    return 1;
  }
  return 1;
}
