#include "ctl/commands.hpp"

#include <net/if.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <system_error>
#include <thread>

#include "bpf/cni_pins.hpp"
#include "config/config_file.hpp"
#include "config/policy_reader.hpp"
#include "config/sync_request.hpp"
#include "ctl/container_reader.hpp"
#include "ctl/daemon_info.hpp"
#include "ctl/daemon_namespace.hpp"
#include "ctl/daemon_process.hpp"
#include "ctl/export.hpp"
#include "ctl/fdb.hpp"
#include "ctl/flows.hpp"
#include "ctl/import.hpp"
#include "ctl/keys.hpp"
#include "ctl/reload_changes.hpp"
#include "ctl/set_arguments.hpp"
#include "ctl/show.hpp"
#include "ctl/show_dump.hpp"
#include "ctl/stats.hpp"
#include "platform/interface_name.hpp"
#include "platform/small_file.hpp"
#include "uapi/client.hpp"
#include "uapi/error.hpp"
#include "uapi/policy_text.hpp"
#include "uapi/set_request.hpp"

namespace sluice::ctl {
namespace {

// Larger than any real wg-quick file or private key on stdin.
constexpr std::size_t kInputLimit = 1 << 20;

void print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void warn(std::string_view message) {
  std::string line("sluicectl: warning: ");
  line.append(message).push_back('\n');
  std::fputs(line.c_str(), stderr);
}

void report(std::string_view message) {
  std::string line("sluicectl: ");
  line.append(message).push_back('\n');
  std::fputs(line.c_str(), stderr);
}

// Before writing a secret key to stdout: the two lines of `wg genkey` when stdout is a file that
// others may read (wg checks the same bits), so habits and scripts carry over.
void warn_if_world_accessible_output() {
  struct stat status {};
  if (::fstat(STDOUT_FILENO, &status) == 0 && S_ISREG(status.st_mode) && (status.st_mode & S_IRWXO) != 0) {
    std::fputs("Warning: writing to world accessible file.\nConsider setting the umask to 077 and trying again.\n",
               stderr);
  }
}

bool color_wanted() {
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr &&
         !(term != nullptr && std::string_view(term) == "dumb");
}

uapi::InterfaceState query(const Globals& globals, const std::string& ifname) {
  uapi::Client client(globals.control_dir, ifname);
  return uapi::parse_get_answer(client.get().str());
}

std::optional<DaemonInfo> daemon_info(const Globals& globals, const std::string& ifname);

// The get answer with the endpoints sluiced follows (names, lists), for show and export.
uapi::InterfaceState query_with_names(const Globals& globals, const std::string& ifname) {
  uapi::InterfaceState state = query(globals, ifname);
  if (const auto info = daemon_info(globals, ifname)) add_followed_endpoints(state, *info);
  return state;
}

std::string peer_count(std::size_t count) { return std::to_string(count).append(count == 1 ? " peer" : " peers"); }

// The running L2 segments; none from a daemon that does not know fdb=1 (wireguard-go hangs up on
// it). Ask last on a connection, since such a daemon closes it.
std::vector<SegmentTable> running_segments(uapi::Client& client) {
  try {
    return parse_fdb_answer(client.fdb());
  } catch (const uapi::ControlError&) {
    return {};
  }
}

std::filesystem::path config_of(const Globals& globals, const std::string& ifname) {
  std::filesystem::path file = globals.config_dir / ifname;
  return file.concat(".toml");
}

config::InterfaceSettings load_config(const std::filesystem::path& file) {
  try {
    return config::load_config_file(file);
  } catch (const config::ConfigError& e) {
    throw uapi::ControlError(e.what());
  }
}

// Prints the report of IFNAME, or of every interface with a socket, as one JSON document or as
// text blocks. With one interface named its error is the answer; with several, a failing one is
// reported and the others still show (exit status 1), and one of another daemon (wireguard-go)
// is noted and skipped without failing: it shares the directory but is not ours to report.
// `append` adds to the document or the text after the interfaces.
int report_interfaces(const Globals& globals, const std::optional<std::string>& ifname, bool json,
                      const std::function<nlohmann::ordered_json(const std::string&)>& as_json,
                      const std::function<std::string(const std::string&)>& as_text,
                      const std::function<void(nlohmann::ordered_json&, std::string&)>& append = nullptr) {
  const std::vector<std::string> names =
      ifname ? std::vector<std::string>{*ifname} : uapi::socket_interfaces(globals.control_dir);
  nlohmann::ordered_json interfaces = nlohmann::ordered_json::array();
  std::string text;
  int status = 0;
  for (const std::string& name : names) {
    try {
      if (json) {
        interfaces.push_back(as_json(name));
      } else {
        if (!text.empty()) text.push_back('\n');
        text.append(as_text(name));
      }
    } catch (const uapi::NotSluicedError& e) {
      if (ifname) throw;
      report(std::string(e.what()).append("; skipped"));
    } catch (const uapi::ControlError& e) {
      if (ifname) throw;
      report(e.what());
      status = 1;
    }
  }
  nlohmann::ordered_json document = json ? show_document(std::move(interfaces)) : nlohmann::ordered_json();
  if (append) append(document, text);
  print(json ? document.dump(2).append("\n") : text);
  return status;
}

// The interfaces' peers, which name the remote ends of container flows: allowed IPs from get=1,
// names from policy=1 (a daemon without it names none). An interface that does not answer gives
// none; its own report says why.
std::vector<PeerRoutes> peer_routes(const Globals& globals, const std::vector<std::string>& names) {
  std::vector<PeerRoutes> out;
  for (const std::string& name : names) {
    try {
      const uapi::InterfaceState state = query(globals, name);
      std::vector<policy::PeerIdentity> identities;
      try {
        identities = uapi::parse_policy_lines(uapi::Client(globals.control_dir, name).policy()).identities;
      } catch (const uapi::ControlError&) {
      } catch (const std::invalid_argument&) {}
      for (const uapi::PeerState& peer : state.peers) {
        PeerRoutes& routes = out.emplace_back(PeerRoutes{peer.public_key, {}, peer.allowed_ips});
        for (const policy::PeerIdentity& identity : identities) {
          if (identity.key == peer.public_key) routes.name = identity.name;
        }
      }
    } catch (const uapi::ControlError&) {}
  }
  return out;
}

// What sluiced says of itself; nothing from a daemon without info=1 (wireguard-go hangs up on it,
// an older sluiced refuses it) or from none at all (the caller's own connection then says so).
std::optional<DaemonInfo> daemon_info(const Globals& globals, const std::string& ifname) {
  try {
    return parse_info_answer(uapi::Client(globals.control_dir, ifname).info());
  } catch (const uapi::ControlError&) {
    return std::nullopt;
  }
}

// The file to reload: the one given, else the one the daemon started from, else IFNAME.toml in
// the config directory. Throws uapi::ControlError saying which file is missing.
std::filesystem::path reload_file(const Globals& globals, const std::string& ifname,
                                  const std::optional<std::string>& config, const std::optional<DaemonInfo>& info) {
  if (config) return *config;
  std::error_code error;
  if (info && info->config_file) {
    if (!std::filesystem::exists(*info->config_file, error)) {
      throw uapi::ControlError(std::string(ifname)
                                   .append(": sluiced started from ")
                                   .append(info->config_file->string())
                                   .append(", which is gone (give the file to reload with --config FILE)"));
    }
    return *info->config_file;
  }
  const std::filesystem::path file = config_of(globals, ifname);
  if (std::filesystem::exists(file, error)) return file;
  if (info) {
    throw uapi::ControlError(std::string(ifname)
                                 .append(": sluiced was started without a config file and there is no ")
                                 .append(file.string())
                                 .append(" (give the file to reload with --config FILE)"));
  }
  throw uapi::ControlError(std::string(ifname).append(": no such interface (no ").append(file.string()).append(")"));
}

// `wg show IFNAME dump`, or `wg show all dump` (every line begins with the interface's name),
// printed one interface at a time so that no more key text than one interface's is held; failures
// as in report_interfaces.
int print_dumps(const Globals& globals, const std::optional<std::string>& ifname) {
  const std::vector<std::string> names =
      ifname ? std::vector<std::string>{*ifname} : uapi::socket_interfaces(globals.control_dir);
  int status = 0;
  for (const std::string& name : names) {
    try {
      print(dump_text(name, query(globals, name), !ifname).str());
    } catch (const uapi::ControlError& e) {
      if (ifname) throw;
      report(e.what());
      status = 1;
    }
  }
  return status;
}

}  // namespace

int run_genkey() {
  warn_if_world_accessible_output();
  print(generate_private_key_text().str());
  return 0;
}

int run_genpsk() {
  warn_if_world_accessible_output();
  print(generate_preshared_key_text().str());
  return 0;
}

int run_pubkey() {
  crypto::SecretText input;
  try {
    input.str() = platform::read_small_file("/dev/stdin", kInputLimit);
  } catch (const std::system_error& e) {
    throw uapi::ControlError(std::string("pubkey: cannot read standard input: ").append(e.code().message()));
  }
  print(public_key_text(input.str()));
  return 0;
}

int run_show(const Globals& globals, const std::optional<std::string>& named, const std::optional<std::string>& field,
             bool json) {
  const std::optional<std::string> ifname = named == "all" ? std::nullopt : named;
  if (field) {
    if (*field != "dump") {
      throw uapi::ControlError(std::string("show: unknown field '")
                                   .append(*field)
                                   .append("' (sluicectl knows `show IFNAME dump`; `wg show IFNAME ")
                                   .append(*field)
                                   .append("` prints the others)"));
    }
    if (json) throw uapi::ControlError("show: dump and --json exclude each other");
    return print_dumps(globals, ifname);
  }
  const bool color = !json && color_wanted();
  return report_interfaces(
      globals, ifname, json,
      [&](const std::string& name) { return interface_json(name, query_with_names(globals, name), WallClock::now()); },
      [&](const std::string& name) {
        return show_text(name, query_with_names(globals, name), color, WallClock::now());
      });
}

int run_stats(const Globals& globals, const std::optional<std::string>& ifname, bool json) {
  const auto stats_of = [&](const std::string& name) {
    return parse_stats_answer(uapi::Client(globals.control_dir, name).stats());
  };
  return report_interfaces(
      globals, ifname, json, [&](const std::string& name) { return stats_json(name, stats_of(name)); },
      [&](const std::string& name) { return stats_text(name, stats_of(name), WallClock::now()); });
}

int run_fdb(const Globals& globals, const std::optional<std::string>& ifname, bool json) {
  const auto fdb_of = [&](const std::string& name) {
    return parse_fdb_answer(uapi::Client(globals.control_dir, name).fdb());
  };
  return report_interfaces(
      globals, ifname, json, [&](const std::string& name) { return fdb_json(name, fdb_of(name)); },
      [&](const std::string& name) { return fdb_text(name, fdb_of(name)); });
}

int run_flows(const Globals& globals, const std::optional<std::string>& ifname, const std::optional<std::string>& peer,
              bool json, bool follow, const std::filesystem::path& bpffs) {
  const auto flows_of = [&](const std::string& name) {
    FlowsAnswer answer = parse_flows_answer(uapi::Client(globals.control_dir, name).flows());
    if (peer) keep_peer(answer, *peer);
    return answer;
  };
  const std::vector<std::string> names =
      ifname ? std::vector<std::string>{*ifname} : uapi::socket_interfaces(globals.control_dir);
  // Peers are asked for only when a container is pinned: without one, flows is what it was.
  std::optional<std::vector<PeerRoutes>> peers;
  std::set<std::string> warned;
  const auto containers_now = [&] {
    const auto directories = bpf::cni_pin_dirs(bpffs);
    if (directories.empty()) return std::vector<ContainerFlows>{};
    if (!peers) peers = peer_routes(globals, names);
    auto containers = read_containers(directories, *peers, [&](const std::string& message) {
      if (warned.insert(message).second) warn(message);
    });
    if (peer) keep_container_peer(containers, *peer);
    return containers;
  };
  if (!follow) {
    const auto containers = containers_now();
    return report_interfaces(
        globals, ifname, json, [&](const std::string& name) { return flows_json(name, flows_of(name)); },
        [&](const std::string& name) { return flows_text(name, flows_of(name)); },
        [&](nlohmann::ordered_json& document, std::string& text) {
          if (json) {
            document["containers"] = nlohmann::ordered_json::array();
            for (const ContainerFlows& container : containers)
              document["containers"].push_back(container_json(container));
            return;
          }
          for (const ContainerFlows& container : containers) {
            if (!text.empty()) text.push_back('\n');
            text.append(container_text(container));
          }
        });
  }
  if (!ifname) throw uapi::ControlError("flows --follow needs an interface");
  // A line for each flow that saw traffic since the last look, once a second: the interface's,
  // then the containers' (their times are the kernel's monotonic clock, kept per pin directory).
  std::uint64_t seen_until = 0;
  std::map<std::string, std::uint64_t> container_seen_until;
  for (;;) {
    const FlowsAnswer answer = flows_of(*ifname);
    std::uint64_t newest = seen_until;
    std::string text;
    for (auto it = answer.records.rbegin(); it != answer.records.rend(); ++it) {
      if (it->last_seen <= seen_until) continue;
      newest = std::max(newest, it->last_seen);
      text.append(json ? flows_json(*ifname, FlowsAnswer{0, 0, 0, {*it}, {}})["flows"][0].dump() : flow_line(*it));
      text.push_back('\n');
    }
    seen_until = newest;
    for (const ContainerFlows& container : containers_now()) {
      std::uint64_t& container_seen = container_seen_until[container.pin_dir];
      std::uint64_t container_newest = container_seen;
      for (auto it = container.flows.rbegin(); it != container.flows.rend(); ++it) {
        if (it->last_seen_ns <= container_seen) continue;
        container_newest = std::max(container_newest, it->last_seen_ns);
        text.append(json ? container_follow_json(container, *it).dump() : container_follow_line(container, *it));
        text.push_back('\n');
      }
      container_seen = container_newest;
    }
    print(text);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

int run_status(const Globals& globals) {
  const std::vector<std::string> names = uapi::socket_interfaces(globals.control_dir);
  if (names.empty()) {
    print(std::string("no sluice interface is running (no socket in ")
              .append(globals.control_dir.string())
              .append(")\n"));
    return 0;
  }
  std::string text;
  for (const std::string& name : names) {
    try {
      text.append(status_line(name, query(globals, name), WallClock::now()));
    } catch (const uapi::ControlError& e) {
      text.append(e.what());
    }
    text.push_back('\n');
  }
  print(text);
  return 0;
}

int run_set(const Globals& globals, const std::string& ifname, const std::vector<std::string>& words) {
  uapi::check_interface_name(ifname);
  const uapi::SetRequest request = parse_set_arguments(words, read_key_file);
  uapi::Client client(globals.control_dir, ifname);
  client.set(uapi::set_request_text(request).str());
  return 0;
}

int run_up(const Globals& globals, const std::string& target, bool verbose) {
  // A path (with a '/' or ending in .toml or wg-quick's .conf) names the file and the interface is
  // its stem; a bare name is an interface whose file lives in the config directory.
  const bool is_file = target.find('/') != std::string::npos || target.ends_with(".toml") || target.ends_with(".conf");
  const std::filesystem::path config = is_file ? std::filesystem::path(target) : config_of(globals, target);
  const std::string ifname = is_file ? config.stem().string() : target;
  if (is_file && ifname.size() > platform::kMaxInterfaceName) {
    throw uapi::ControlError(config.string() + ": the file name gives the interface its name, and '" + ifname +
                             "' has " + std::to_string(ifname.size()) + " characters, more than the " +
                             std::to_string(platform::kMaxInterfaceName) +
                             " an interface name may have: rename the file");
  }
  uapi::check_interface_name(ifname);
  std::error_code error;
  if (!std::filesystem::exists(config, error)) {
    if (is_file) throw uapi::ControlError(config.string().append(": no such file"));
    throw uapi::ControlError(
        std::string(ifname).append(": no such interface (no ").append(config.string()).append(")"));
  }
  if (is_file && config.extension() == ".conf") {
    throw uapi::ControlError(config.string()
                                 .append(": sluicectl up takes sluice's TOML, not a wg-quick file; convert it "
                                         "with `sluicectl import ")
                                 .append(config.string())
                                 .append(" > ")
                                 .append(std::filesystem::path(config).replace_extension(".toml").string())
                                 .append("` and bring that up"));
  }
  if (is_file && config.extension() != ".toml") {
    throw uapi::ControlError(config.string().append(": the file name must be the interface name followed by .toml"));
  }
  const StartedDaemon started =
      start_daemon(find_sluiced(), std::filesystem::absolute(config), ifname, globals.control_dir, verbose);
  // The daemon logs to syslog once detached: what it said while starting is shown here.
  for (const std::string& line : started.messages) std::fprintf(stderr, "%s\n", line.c_str());
  const uapi::InterfaceState& state = started.state;
  print(std::string(ifname)
            .append(": up, UDP port ")
            .append(std::to_string(state.listen_port))
            .append(", ")
            .append(peer_count(state.peers.size()))
            .append("\n"));
  return 0;
}

int run_down(const Globals& globals, const std::string& ifname) {
  uapi::check_interface_name(ifname);
  const pid_t pid = stop_daemon(ifname, globals.control_dir);
  print(std::string(ifname).append(": stopped (sluiced pid ").append(std::to_string(pid)).append(")\n"));
  return 0;
}

int run_reload(const Globals& globals, const std::string& ifname, const std::optional<std::string>& config) {
  uapi::check_interface_name(ifname);
  const std::optional<DaemonInfo> info = daemon_info(globals, ifname);
  const std::filesystem::path file = reload_file(globals, ifname, config, info);
  const config::InterfaceSettings wanted = load_config(file);

  uapi::Client client(globals.control_dir, ifname);
  uapi::InterfaceState running = uapi::parse_get_answer(client.get().str());
  // For the count of changed peers: names the daemon follows are compared as written.
  if (info) add_followed_endpoints(running, *info);
  const uapi::SetRequest request = config::sync_request(wanted, running, info ? info->own_fwmark : 0);
  client.set(uapi::set_request_text(request).str());
  // The rules after the peers they name; on a connection of its own, since a daemon other than
  // sluiced hangs up on the request.
  if (info) {
    std::string policy_lines;
    uapi::append_policy_lines(policy_lines, wanted.policy, config::peer_identities(wanted.peers));
    uapi::Client(globals.control_dir, ifname).set_policy(policy_lines);
  } else if (!(wanted.policy == policy::PolicySettings{})) {
    warn(std::string(ifname).append(": the daemon is not sluiced (or an older one): [[policy]] not applied"));
  }

  // sluiced keeps the routes (in its own network namespace); another daemon keeps none.
  std::optional<RouteSync> routes;
  if (info) {
    routes = parse_route_answer(client.sync_routes());
    if (wanted.routes != info->routes) {
      warn(std::string(ifname)
               .append(": routes: the file has ")
               .append(wanted.routes ? "true" : "false")
               .append(", the interface ")
               .append(info->routes ? "true" : "false")
               .append("; reload does not change this (sluicectl down ")
               .append(ifname)
               .append(" then up applies it)"));
    }
  } else if (wanted.routes) {
    warn(std::string(ifname).append(": the daemon is not sluiced (or an older one): routes not changed"));
  }
  // Addresses and MTU belong to the kernel's interface, which is visible only from the daemon's
  // network namespace.
  if (::if_nametoindex(ifname.c_str()) == 0) {
    warn(std::string(ifname).append(": not in this network namespace: addresses and MTU not checked"));
  } else {
    for (const std::string& note : unapplied_changes(wanted, read_link_info(ifname))) {
      warn(std::string(ifname)
               .append(": ")
               .append(note)
               .append("; reload does not change this (sluicectl down ")
               .append(ifname)
               .append(" then up applies it)"));
    }
  }
  for (const std::string& note : segment_changes(wanted, running_segments(client))) {
    warn(std::string(ifname).append(": ").append(note).append(
        "; reload does not change L2 segments (sluicectl down then up applies them)"));
  }

  const auto removed = std::count_if(request.peers.begin(), request.peers.end(),
                                     [](const uapi::PeerChange& change) { return change.remove; });
  const auto added = std::count_if(wanted.peers.begin(), wanted.peers.end(), [&](const config::PeerSettings& peer) {
    return std::none_of(running.peers.begin(), running.peers.end(),
                        [&](const uapi::PeerState& state) { return state.public_key == peer.public_key; });
  });
  std::string summary(ifname);
  summary.append(": reloaded ").append(file.string()).append(": ").append(peer_count(wanted.peers.size()));
  summary.append(" (").append(std::to_string(added)).append(" added, ").append(std::to_string(removed));
  summary.append(" removed, ").append(std::to_string(changed_peers(wanted, running))).append(" changed)");
  if (routes) {
    summary.append(", routes ").append(std::to_string(routes->added.size())).append(" added, ");
    summary.append(std::to_string(routes->removed.size())).append(" removed");
  }
  print(summary.append("\n"));
  if (routes && !routes->failed.empty()) {
    std::string message("peers reloaded, but ");
    for (const std::string& failure : routes->failed) {
      if (&failure != &routes->failed.front()) message.append("; ");
      message.append(failure);
    }
    throw uapi::ControlError(message);
  }
  return 0;
}

int run_import(const std::string& file) {
  std::string text;
  try {
    text = platform::read_small_file(file, kInputLimit);
  } catch (const std::system_error& e) {
    throw uapi::ControlError(std::string(file).append(": cannot read: ").append(e.code().message()));
  }
  const ImportResult result = import_wg_quick(text, file);
  crypto::wipe(text.data(), text.size());
  for (const std::string& warning : result.warnings) warn(warning);
  const config::InterfaceSettings& settings = result.config.settings;
  const bool has_secret = settings.private_key.has_value() ||
                          std::any_of(settings.peers.begin(), settings.peers.end(),
                                      [](const config::PeerSettings& peer) { return peer.preshared_key.has_value(); });
  if (has_secret) warn_if_world_accessible_output();
  print(config::write_toml(result.config).str());
  return 0;
}

int run_export(const Globals& globals, const std::string& ifname, bool show_keys) {
  uapi::Client client(globals.control_dir, ifname);
  uapi::InterfaceState state = uapi::parse_get_answer(client.get().str());
  if (const auto info = daemon_info(globals, ifname)) add_followed_endpoints(state, *info);
  // Addresses and MTU are the kernel's, seen only from the daemon's namespace; like `down`, export
  // works from any namespace.
  if (::if_nametoindex(ifname.c_str()) == 0) enter_daemon_network_namespace(client.fd());
  const LinkInfo link = read_link_info(ifname);
  const auto segments = running_segments(client);
  std::optional<uapi::PolicyText> policy;
  try {
    policy = uapi::parse_policy_lines(uapi::Client(globals.control_dir, ifname).policy());
  } catch (const uapi::ControlError&) {
    // Not sluiced, or an older one: no rules to write.
  } catch (const std::invalid_argument& e) {
    throw uapi::ControlError(std::string(ifname).append(": the daemon's policy answer: ").append(e.what()));
  }
  if (show_keys) warn_if_world_accessible_output();
  config::TomlFile file = export_config(ifname, state, link, segments, show_keys);
  if (policy) add_policy(file.settings, *policy);
  print(config::write_toml(file).str());
  return 0;
}

}  // namespace sluice::ctl
