// Where the CNI plugin pins each container attachment's policy program: one directory per
// attachment, BPFFS/sluice/cni/NETWORK/HOST_VETH. The plugin makes and removes them; sluicectl
// flows and the mesh agent's policy sync find them here.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace sluice::bpf {

// BPFFS/sluice/cni/NETWORK: the attachments of one network.
[[nodiscard]] std::filesystem::path cni_network_pins(const std::filesystem::path& bpffs, const std::string& network);
// BPFFS/sluice/cni/NETWORK/HOST_VETH.
[[nodiscard]] std::filesystem::path cni_pin_dir(const std::filesystem::path& bpffs, const std::string& network,
                                                const std::string& host_veth);
// Every attachment's directory, of every network, sorted; none without the folder (no bpffs, no
// containers).
[[nodiscard]] std::vector<std::filesystem::path> cni_pin_dirs(const std::filesystem::path& bpffs);

}  // namespace sluice::bpf
