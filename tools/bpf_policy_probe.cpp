// Drives bpf/container_policy.hpp from the command line for tests/net/bpf_veth_policy.sh. Each
// subcommand prints JSON on stdout; an error prints {"error": TEXT} and exits 1.
//   load --pin DIR                   load and pin, attached nowhere (for bpftool prog run)
//   attach --pin DIR --ifname IF     load and pin (unless pinned already), attach
//   rules --pin DIR --file RULES     set rules, defaults and peers from a JSON file (rules_from_json)
//   flows --pin DIR                  the flow table
//   counters --pin DIR               packets and bytes per rule, per default and per peer default
//   peers --pin DIR                  the peers set
//   detach --ifname IF               {"detached": false} when the interface is gone
//   unpin --pin DIR                  {"removed": false} when nothing was pinned
#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bpf/container_policy.hpp"
#include "tunnel/parse_number.hpp"

namespace {

using sluice::bpf::Action;
using sluice::bpf::ContainerPolicy;
using sluice::bpf::Direction;

Direction direction_from(const std::string& text) {
  if (text == "to_container") return Direction::to_container;
  if (text == "from_container") return Direction::from_container;
  throw std::invalid_argument("direction \"" + text + "\" (to_container or from_container)");
}

Action action_from(const std::string& text) {
  if (text == "allow") return Action::allow;
  if (text == "deny") return Action::deny;
  throw std::invalid_argument("action \"" + text + "\" (allow or deny)");
}

struct RulesFile {
  std::vector<sluice::bpf::Rule> rules;
  sluice::bpf::Defaults defaults;
  std::vector<sluice::tunnel::IpPrefix> peers;
};

// {"defaults": {"to_container": "deny", "from_container": "allow"}, "rules": [{"direction":
// "to_container", "remote": "10.0.0.0/8", "protocol": "tcp", "ports": "8000-8099", "action":
// "allow", "peer": true}], "peer_defaults": {"to_container": "deny", "from_container": "allow"},
// "peers": ["10.1.0.0/16"]}; protocol, ports and peer (false) may be left out, and so may
// peer_defaults (none) and peers (empty).
RulesFile rules_from_json(const nlohmann::json& document) {
  RulesFile out;
  sluice::bpf::Defaults& defaults = out.defaults;
  const auto& given = document.at("defaults");
  defaults.to_container = action_from(given.at("to_container").get<std::string>());
  defaults.from_container = action_from(given.at("from_container").get<std::string>());
  if (document.contains("peer_defaults")) {
    const auto& peer = document.at("peer_defaults");
    defaults.peers =
        sluice::bpf::PeerDefaults{.to_container = action_from(peer.at("to_container").get<std::string>()),
                                  .from_container = action_from(peer.at("from_container").get<std::string>())};
  }
  for (const auto& prefix : document.value("peers", nlohmann::json::array())) {
    out.peers.push_back(sluice::tunnel::IpPrefix::parse(prefix.get<std::string>()));
  }
  std::vector<sluice::bpf::Rule>& rules = out.rules;
  for (const auto& item : document.at("rules")) {
    sluice::bpf::Rule rule{.direction = direction_from(item.at("direction").get<std::string>()),
                           .remote = sluice::tunnel::IpPrefix::parse(item.at("remote").get<std::string>()),
                           .protocol = sluice::bpf::parse_protocol(item.value("protocol", "any")),
                           .port_min = 0,
                           .port_max = 65535,
                           .action = action_from(item.at("action").get<std::string>()),
                           .remote_peer = item.value("peer", false)};
    if (item.contains("ports")) {
      const auto ports = item.at("ports").get<std::string>();
      const auto dash = ports.find('-');
      rule.port_min = sluice::tunnel::parse_unsigned_or_throw<std::uint16_t>(ports.substr(0, dash));
      rule.port_max = dash == std::string::npos
                          ? rule.port_min
                          : sluice::tunnel::parse_unsigned_or_throw<std::uint16_t>(ports.substr(dash + 1));
    }
    rules.push_back(rule);
  }
  return out;
}

nlohmann::json counter_json(const sluice::bpf::Counter& counter) {
  return {{"packets", counter.packets}, {"bytes", counter.bytes}};
}

nlohmann::json flow_json(const sluice::bpf::Flow& flow) {
  nlohmann::json out{{"source", flow.source.to_string()},
                     {"destination", flow.destination.to_string()},
                     {"source_port", flow.source_port},
                     {"destination_port", flow.destination_port},
                     {"protocol", flow.protocol},
                     {"direction", sluice::bpf::direction_name(flow.direction)},
                     {"verdict", sluice::bpf::action_name(flow.verdict)},
                     {"rule", flow.rule ? nlohmann::json(*flow.rule) : nlohmann::json(sluice::bpf::decider_text(flow))},
                     {"to_container", counter_json(flow.by_direction[0])},
                     {"from_container", counter_json(flow.by_direction[1])},
                     {"first_seen_ns", flow.first_seen_ns},
                     {"last_seen_ns", flow.last_seen_ns}};
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Loads, attaches and reads the container policy eBPF program");
  app.require_subcommand(1);
  std::string pin, ifname, file;
  CLI::App* load = app.add_subcommand("load", "load and pin, attached nowhere");
  load->add_option("--pin", pin)->required();
  CLI::App* attach = app.add_subcommand("attach", "load and pin (unless pinned), attach to an interface");
  attach->add_option("--pin", pin)->required();
  attach->add_option("--ifname", ifname)->required();
  CLI::App* rules = app.add_subcommand("rules", "set rules and defaults from a JSON file");
  rules->add_option("--pin", pin)->required();
  rules->add_option("--file", file)->required();
  CLI::App* flows = app.add_subcommand("flows", "print the flow table");
  flows->add_option("--pin", pin)->required();
  CLI::App* counters = app.add_subcommand("counters", "print the rule and default counters");
  counters->add_option("--pin", pin)->required();
  CLI::App* peers = app.add_subcommand("peers", "print the peers set");
  peers->add_option("--pin", pin)->required();
  CLI::App* detach = app.add_subcommand("detach", "detach from an interface");
  detach->add_option("--ifname", ifname)->required();
  CLI::App* unpin = app.add_subcommand("unpin", "remove the pinned maps and programs");
  unpin->add_option("--pin", pin)->required();
  CLI11_PARSE(app, argc, argv);

  try {
    nlohmann::json out;
    if (load->parsed()) {
      ContainerPolicy::load(pin);
      out = {{"loaded", pin}};
    } else if (attach->parsed()) {
      const bool pinned = std::filesystem::exists(std::filesystem::path(pin) / "flows");
      const auto policy = pinned ? ContainerPolicy::open(pin) : ContainerPolicy::load(pin);
      try {
        policy.attach(ifname);
      } catch (...) {
        if (!pinned) ContainerPolicy::unpin(pin);
        throw;
      }
      out = {{"attached", ifname}, {"loaded", !pinned}};
    } else if (rules->parsed()) {
      std::ifstream in(file);
      if (!in) throw std::runtime_error("cannot read " + file);
      const RulesFile given = rules_from_json(nlohmann::json::parse(in));
      ContainerPolicy::open(pin).set_rules(given.rules, given.defaults, given.peers);
      out = {{"rules", given.rules.size()}, {"peers", given.peers.size()}};
    } else if (flows->parsed()) {
      out = nlohmann::json::array();
      for (const auto& flow : ContainerPolicy::open(pin).flows()) out.push_back(flow_json(flow));
    } else if (counters->parsed()) {
      const auto read = ContainerPolicy::open(pin).counters();
      out = {{"rules", nlohmann::json::array()},
             {"default",
              {{"to_container", counter_json(read.default_to_container)},
               {"from_container", counter_json(read.default_from_container)}}},
             {"peer_default",
              {{"to_container", counter_json(read.peer_default_to_container)},
               {"from_container", counter_json(read.peer_default_from_container)}}}};
      for (const auto& counter : read.rules) out["rules"].push_back(counter_json(counter));
    } else if (peers->parsed()) {
      out = nlohmann::json::array();
      for (const auto& prefix : ContainerPolicy::open(pin).peers()) out.push_back(prefix.to_string());
    } else if (detach->parsed()) {
      out = {{"detached", ContainerPolicy::detach(ifname)}};
    } else if (unpin->parsed()) {
      out = {{"removed", ContainerPolicy::unpin(pin)}};
    }
    std::cout << out.dump() << "\n";
    return 0;
  } catch (const std::exception& error) {
    std::cout << nlohmann::json{{"error", error.what()}}.dump() << "\n";
    return 1;
  }
}
