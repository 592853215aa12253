#include "ctl/container_reader.hpp"

#include <fstream>
#include <optional>
#include <sstream>

#include "bpf/pinned_policy.hpp"

namespace sluice::ctl {
namespace {

namespace fs = std::filesystem;

// The interface's ifalias; none when there is no such interface.
std::optional<std::string> interface_alias(const std::string& ifname) {
  std::ifstream file(fs::path("/sys/class/net") / ifname / "ifalias");
  if (!file) return std::nullopt;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

std::vector<ContainerFlows> read_containers(std::span<const fs::path> directories, std::span<const PeerRoutes> peers,
                                            const std::function<void(const std::string&)>& warn) {
  std::vector<ContainerFlows> out;
  for (const fs::path& directory : directories) {
    const std::string veth = directory.filename().string();
    try {
      const auto maps = bpf::PinnedPolicy::open(directory.string());
      const auto flows = maps.flows();
      auto counters = maps.counters();
      out.push_back(container_flows(directory.parent_path().filename().string(), veth, directory.string(),
                                    interface_alias(veth), flows, std::move(counters), peers, read_clocks()));
    } catch (const bpf::BpfError& e) {
      warn(std::string("container policy at ") + directory.string() + " skipped: " + e.what());
    }
  }
  return out;
}

}  // namespace sluice::ctl
