// Whether the container policy pinned under a directory is the one on an interface's tc hooks:
// what the CNI plugin's CHECK asks. Reads the kernel only.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace sluice::bpf {

// Empty when both programs are pinned under pin_dir and attached to ifname (the program for
// packets to the container on egress, the other on ingress); else what is missing, one text each.
[[nodiscard]] std::vector<std::string> tc_attachment_problems(const std::filesystem::path& pin_dir,
                                                              const std::string& ifname);

}  // namespace sluice::bpf
