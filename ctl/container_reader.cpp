#include "ctl/container_reader.hpp"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

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

std::vector<fs::path> subdirectories(const fs::path& folder) {
  std::vector<fs::path> out;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    if (it->is_directory(error)) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<fs::path> pinned_containers(const fs::path& bpffs) {
  std::vector<fs::path> out;
  for (const fs::path& network : subdirectories(bpffs / "sluice" / "cni")) {
    for (fs::path& attachment : subdirectories(network)) out.push_back(std::move(attachment));
  }
  return out;
}

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
