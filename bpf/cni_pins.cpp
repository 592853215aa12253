#include "bpf/cni_pins.hpp"

#include <algorithm>
#include <system_error>

namespace sluice::bpf {
namespace {

namespace fs = std::filesystem;

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

fs::path cni_network_pins(const fs::path& bpffs, const std::string& network) {
  return bpffs / "sluice" / "cni" / network;
}

fs::path cni_pin_dir(const fs::path& bpffs, const std::string& network, const std::string& host_veth) {
  return cni_network_pins(bpffs, network) / host_veth;
}

std::vector<fs::path> cni_pin_dirs(const fs::path& bpffs) {
  std::vector<fs::path> out;
  for (const fs::path& network : subdirectories(bpffs / "sluice" / "cni")) {
    for (fs::path& attachment : subdirectories(network)) out.push_back(std::move(attachment));
  }
  return out;
}

}  // namespace sluice::bpf
