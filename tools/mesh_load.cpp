// Load for the mesh agent against a real etcd (tests/net/mesh_claim_race.sh, scripts/bench_mesh.sh):
//   claim-race  N allocators claim subnets at once with the agent's own code; no two may share one;
//   fill        N simulated node leases written under one etcd lease;
//   converge    starts the agent command after `--`, times until sluiced holds every lease as a peer,
//               then times one changed lease reaching it.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crypto/random.hpp"
#include "etcd/client.hpp"
#include "etcd/error.hpp"
#include "mesh/network_config.hpp"
#include "mesh/subnet_claim.hpp"
#include "mesh/subnet_pool.hpp"
#include "tunnel/endpoint.hpp"
#include "uapi/client.hpp"
#include "uapi/error.hpp"
#include "uapi/interface_state.hpp"

namespace {

using namespace sluice;
using Clock = std::chrono::steady_clock;

etcd::ClientOptions options_for(const std::string& endpoint) {
  etcd::ClientOptions options;
  options.endpoints = {endpoint};
  options.request_timeout = std::chrono::milliseconds{10000};
  return options;
}

mesh::NetworkConfig network_of(etcd::Client& etcd, const std::string& prefix) {
  const etcd::RangeResult range = etcd.get(mesh::config_key(prefix));
  if (range.kvs.empty()) throw std::runtime_error(mesh::config_key(prefix) + ": missing");
  return mesh::parse_network_config(range.kvs.front().value);
}

// A node that exists only in etcd: a random key and an address in 10.201.0.0/16 by its index.
mesh::NodeIdentity simulated_node(std::size_t index) {
  mesh::NodeIdentity node;
  crypto::random_bytes(node.public_key.bytes);
  node.public_ip = tunnel::IpAddress::v4(std::array<std::uint8_t, 4>{
      10, 201, static_cast<std::uint8_t>(index >> 8 & 0xff), static_cast<std::uint8_t>(index & 0xff)});
  node.listen_port = 51820;
  return node;
}

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

int claim_race(const std::string& endpoint, const std::string& prefix, std::size_t agents) {
  etcd::Client setup(options_for(endpoint));
  const mesh::NetworkConfig network = network_of(setup, prefix);
  std::mutex mutex;
  std::vector<std::string> keys;
  std::vector<std::string> failures;
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < agents; ++i) {
    threads.emplace_back([&, i] {
      try {
        etcd::Client etcd(options_for(endpoint));
        const std::int64_t lease = etcd.grant_lease(std::chrono::seconds{120});
        while (!go.load()) std::this_thread::yield();
        const mesh::ClaimedSubnets claimed =
            mesh::claim_subnets(etcd, prefix, network, simulated_node(i), std::nullopt, lease);
        const std::lock_guard lock(mutex);
        keys.push_back(claimed.key);
      } catch (const std::exception& e) {
        const std::lock_guard lock(mutex);
        failures.emplace_back(e.what());
      }
    });
  }
  const Clock::time_point start = Clock::now();
  go.store(true);
  for (std::thread& thread : threads) thread.join();
  const double elapsed = milliseconds_since(start);
  for (const std::string& failure : failures) std::cerr << "claim failed: " << failure << "\n";
  const std::set<std::string> distinct(keys.begin(), keys.end());
  const std::size_t stored = setup.get_prefix(mesh::subnets_prefix(prefix)).kvs.size();
  std::printf("claim-race: %zu allocators, %zu claimed, %zu distinct, %zu leases stored, %.0f ms\n", agents,
              keys.size(), distinct.size(), stored, elapsed);
  return failures.empty() && distinct.size() == agents && stored == agents ? 0 : 1;
}

int fill(const std::string& endpoint, const std::string& prefix, std::size_t count) {
  etcd::Client etcd(options_for(endpoint));
  const mesh::NetworkConfig network = network_of(etcd, prefix);
  const std::int64_t lease = etcd.grant_lease(std::chrono::seconds{3600});
  const std::vector<tunnel::IpPrefix> subnets = mesh::free_subnets(network.ipv4, {}, count);
  if (subnets.size() < count) throw std::runtime_error("the network holds only " + std::to_string(subnets.size()));
  const Clock::time_point start = Clock::now();
  for (std::size_t i = 0; i < count; ++i) {
    const mesh::SubnetKey key{subnets[i], std::nullopt};
    etcd.put(mesh::subnets_prefix(prefix) + mesh::subnet_key_name(key), mesh::node_lease_json(simulated_node(i), key),
             lease);
  }
  std::printf("fill: %zu leases written in %.0f ms\n", count, milliseconds_since(start));
  return 0;
}

std::size_t peer_count(const std::string& control_dir, const std::string& ifname) {
  try {
    return uapi::parse_get_answer(uapi::Client(control_dir, ifname).get().str()).peers.size();
  } catch (const uapi::ControlError&) {
    return 0;
  }
}

int converge(const std::string& endpoint, const std::string& prefix, const std::string& control_dir,
             const std::string& ifname, std::size_t count, double timeout_s, std::vector<std::string> command) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  const Clock::time_point start = Clock::now();
  const pid_t agent = fork();
  if (agent < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (agent == 0) {
    std::vector<char*> argv;
    for (std::string& word : command) argv.push_back(word.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    std::perror(argv[0]);
    _exit(127);
  }
  int status = 1;
  while (Clock::now() < deadline && peer_count(control_dir, ifname) < count) {
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  const double converged = milliseconds_since(start);
  if (peer_count(control_dir, ifname) >= count) {
    std::printf("converge: %zu peers in %.0f ms (agent started to last peer applied)\n", count, converged);
    // One lease changes its port: time until the running agent has given the peer the new endpoint.
    etcd::Client etcd(options_for(endpoint));
    const etcd::RangeResult range = etcd.get_prefix(mesh::subnets_prefix(prefix));
    const etcd::KeyValue& victim = range.kvs.at(range.kvs.size() / 2);
    const mesh::SubnetLease lease =
        mesh::parse_lease(victim.key.substr(mesh::subnets_prefix(prefix).size()), victim.value);
    mesh::NodeIdentity moved;
    moved.public_key = lease.public_key;
    moved.public_ip = lease.public_ip;
    moved.listen_port = 40000;
    const Clock::time_point change = Clock::now();
    etcd.put(victim.key, mesh::node_lease_json(moved, lease.subnets), victim.lease);
    const std::string wanted = tunnel::Endpoint(*lease.public_ip, 40000).to_string();
    bool seen = false;
    while (!seen && Clock::now() < deadline) {
      for (const uapi::PeerState& peer : uapi::parse_get_answer(uapi::Client(control_dir, ifname).get().str()).peers) {
        if (peer.public_key == lease.public_key && peer.endpoint == wanted) seen = true;
      }
      if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds{1});
    }
    if (seen) {
      std::printf("change: one lease reached sluiced in %.1f ms\n", milliseconds_since(change));
      status = 0;
    } else {
      std::fprintf(stderr, "change: not applied within the timeout\n");
    }
  } else {
    std::fprintf(stderr, "converge: %zu of %zu peers after %.0f s\n", peer_count(control_dir, ifname), count,
                 timeout_s);
  }
  kill(agent, SIGTERM);
  waitpid(agent, nullptr, 0);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mesh_load: claim races, simulated leases and convergence times for sluice-mesh"};
  app.require_subcommand(1);
  std::string endpoint = "http://127.0.0.1:2379";
  std::string prefix = "/coreos.com/network";
  std::size_t count = 100;
  std::string control_dir = "/run/wireguard";
  std::string ifname = "mesh0";
  double timeout_s = 60;
  std::vector<std::string> command;
  CLI::App* race = app.add_subcommand("claim-race", "N allocators claim subnets at once");
  CLI::App* fill_command = app.add_subcommand("fill", "write N simulated node leases");
  CLI::App* converge_command = app.add_subcommand("converge", "time the agent after `--` to N peers");
  for (CLI::App* command_app : {race, fill_command, converge_command}) {
    command_app->add_option("--etcd", endpoint, "etcd client URL")->capture_default_str();
    command_app->add_option("--prefix", prefix, "the mesh's etcd prefix")->capture_default_str();
    command_app->add_option("-n,--count", count, "allocators, leases or expected peers")->capture_default_str();
  }
  converge_command->add_option("--control-dir", control_dir)->capture_default_str();
  converge_command->add_option("--interface", ifname)->capture_default_str();
  converge_command->add_option("--timeout", timeout_s, "seconds")->capture_default_str();
  converge_command->add_option("command", command, "the agent command")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    if (race->parsed()) return claim_race(endpoint, prefix, count);
    if (fill_command->parsed()) return fill(endpoint, prefix, count);
    return converge(endpoint, prefix, control_dir, ifname, count, timeout_s, command);
  } catch (const std::exception& e) {
    std::cerr << "mesh_load: " << e.what() << "\n";
    return 1;
  }
}
