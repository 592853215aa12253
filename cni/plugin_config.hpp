// The network configuration on standard input: the spec's keys plus sluice's own (subnetFile,
// dataDir, mtu, policy). Decoding failures are error 6, a bad value error 7, an unknown key error 2 naming
// it and its value, an unsupported cniVersion error 1.
#pragma once

#include <compare>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::cni {

// The spec's primary key of an attachment, within one network.
struct Attachment {
  std::string container_id;
  std::string ifname;
  auto operator<=>(const Attachment&) const = default;
};

// "policy": sluiced's rules enforced on each container's host veth by eBPF (issue 24).
struct PolicyConfig {
  std::string interface;  // sluiced's interface, e.g. mesh0
  std::filesystem::path control_dir = "/run/wireguard";
  std::filesystem::path bpffs = "/sys/fs/bpf";  // pins go to BPFFS/sluice/cni/NETWORK/HOSTVETH
};

struct PluginConfig {
  std::string cni_version;
  std::string name;
  std::string type;
  std::filesystem::path subnet_file = "/run/flannel/subnet.env";
  std::filesystem::path data_dir = "/var/lib/cni/sluice";
  std::optional<unsigned> mtu;  // FLANNEL_MTU when absent
  nlohmann::json dns = nlohmann::json::object();
  std::optional<nlohmann::json> prev_result;
  std::optional<std::vector<Attachment>> valid_attachments;  // GC's cni.dev/valid-attachments
  std::optional<PolicyConfig> policy;                        // absent: no eBPF policy
};

// Throws CniError.
[[nodiscard]] PluginConfig parse_plugin_config(std::string_view text);

// The config's cniVersion when the text is a JSON object with one, for the error object of a
// failure that comes before (or instead of) a full parse.
[[nodiscard]] std::optional<std::string> peek_cni_version(std::string_view text) noexcept;

// The spec's network name: an alphanumeric, then alphanumerics, '_', '.' or '-'.
[[nodiscard]] bool is_valid_network_name(std::string_view name) noexcept;

}  // namespace sluice::cni
