// The network configuration on standard input: the spec's keys plus sluice's own (subnetFile,
// dataDir, mtu). Decoding failures are error 6, a bad value error 7, an unknown key error 2 naming
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
};

// Throws CniError.
[[nodiscard]] PluginConfig parse_plugin_config(std::string_view text);

// The config's cniVersion when the text is a JSON object with one, for the error object of a
// failure that comes before (or instead of) a full parse.
[[nodiscard]] std::optional<std::string> peek_cni_version(std::string_view text) noexcept;

// The spec's network name: an alphanumeric, then alphanumerics, '_', '.' or '-'.
[[nodiscard]] bool is_valid_network_name(std::string_view name) noexcept;

}  // namespace sluice::cni
