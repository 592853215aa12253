// sluice-mesh: the node agent of a sluice mesh (see agent.hpp), and its one-shot commands.
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <optional>
#include <string>

#include "etcd/error.hpp"
#include "mesh/agent.hpp"
#include "mesh/agent_config.hpp"
#include "mesh/agent_log.hpp"
#include "mesh/node_commands.hpp"

namespace {

std::atomic<bool> g_stop{false};

void request_stop(int) { g_stop.store(true); }

void stop_on_signals() {
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  for (const int signal : {SIGTERM, SIGINT}) sigaction(signal, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sluice-mesh: joins this host's sluiced to a mesh whose members live in etcd (Flannel's layout)"};
  app.set_version_flag("--version", "sluice-mesh " SLUICE_VERSION);
  app.require_subcommand(1);
  std::string config_path = "/etc/sluice/mesh.toml";
  bool json = false;
  CLI::App* run = app.add_subcommand("run", "join the mesh and keep sluiced's peers equal to the other nodes");
  CLI::App* status = app.add_subcommand("status", "show every node's lease and this node's handshakes");
  CLI::App* leave = app.add_subcommand("leave", "revoke this node's lease and remove the mesh's peers");
  CLI::App* sync_policy = app.add_subcommand(
      "sync-policy", "write sluiced's policy into the containers' eBPF programs now (what run does every 2 s)");
  for (CLI::App* command : {run, status, leave, sync_policy}) {
    command->add_option("-c,--config", config_path, "the agent's TOML file")->capture_default_str();
  }
  status->add_flag("--json", json, "one JSON document");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  std::optional<sluice::mesh::AgentConfig> loaded;
  try {
    loaded = sluice::mesh::load_agent_config(config_path);
  } catch (const std::exception& e) {
    std::cerr << "sluice-mesh: " << e.what() << "\n";
    return 2;
  }
  const sluice::mesh::AgentConfig& config = *loaded;
  try {
    if (run->parsed()) {
      stop_on_signals();
      sluice::mesh::log_line(sluice::mesh::LogLevel::info,
                             "joining the mesh at " + config.etcd.prefix + " for " + config.interface);
      sluice::mesh::run_agent(config, g_stop);
      sluice::mesh::log_line(sluice::mesh::LogLevel::info, "stopped; the lease stays until its TTL runs out");
    } else if (status->parsed()) {
      sluice::mesh::print_status(config, json, std::cout);
    } else if (sync_policy->parsed()) {
      return sluice::mesh::sync_container_policies(config, std::cout, std::cerr);
    } else {
      sluice::mesh::leave_mesh(config, std::cout);
    }
  } catch (const std::exception& e) {
    std::cerr << "sluice-mesh: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
