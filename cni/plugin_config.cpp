#include "cni/plugin_config.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "cni/cni_error.hpp"
#include "cni/invocation.hpp"
#include "cni/version.hpp"
#include "platform/interface_name.hpp"
#include "platform/link_mtu.hpp"

namespace sluice::cni {
namespace {

using nlohmann::json;

// Keys the spec defines (or runtimes add) that sluice accepts without using them.
constexpr std::array<std::string_view, 3> kPassedKeys = {"args", "runtimeConfig", "capabilities"};

[[noreturn]] void invalid(const std::string& key, const std::string& why) {
  throw CniError(ErrorCode::invalid_config, "network config: \"" + key + "\" " + why);
}

std::string string_field(const json& config, const std::string& key) {
  const auto it = config.find(key);
  if (it == config.end()) invalid(key, "is missing");
  if (!it->is_string()) invalid(key, "must be a string, not " + it->dump());
  return it->get<std::string>();
}

std::filesystem::path path_field(const json& value, const std::string& key) {
  if (!value.is_string() || value.get<std::string>().empty() || value.get<std::string>().front() != '/') {
    invalid(key, "must be an absolute path, not " + value.dump());
  }
  return value.get<std::string>();
}

unsigned mtu_field(const json& value) {
  if (!value.is_number_unsigned() || value.get<unsigned long>() < platform::kMinLinkMtu ||
      value.get<unsigned long>() > platform::kMaxLinkMtu) {
    invalid("mtu", "must be a whole number from " + std::to_string(platform::kMinLinkMtu) + " to " +
                       std::to_string(platform::kMaxLinkMtu) + ", not " + value.dump());
  }
  return value.get<unsigned>();
}

std::vector<Attachment> attachments_field(const json& value, const std::string& key) {
  if (!value.is_array()) invalid(key, "must be an array of {\"containerID\", \"ifname\"}, not " + value.dump());
  std::vector<Attachment> attachments;
  for (const json& entry : value) {
    const auto id = entry.is_object() ? entry.find("containerID") : entry.end();
    const auto ifname = entry.is_object() ? entry.find("ifname") : entry.end();
    if (!entry.is_object() || id == entry.end() || !id->is_string() || ifname == entry.end() || !ifname->is_string()) {
      invalid(key, "entry " + entry.dump() + " needs string fields \"containerID\" and \"ifname\"");
    }
    attachments.push_back({id->get<std::string>(), ifname->get<std::string>()});
  }
  return attachments;
}

PolicyConfig policy_field(const json& value) {
  if (!value.is_object()) invalid("policy", "must be an object with \"interface\", not " + value.dump());
  PolicyConfig policy;
  bool has_interface = false;
  for (const auto& [key, entry] : value.items()) {
    const std::string name = "policy." + key;
    if (key == "interface") {
      try {
        // No path is ever built from anything else: the control socket is CONTROLDIR/NAME.sock.
        if (!entry.is_string()) throw std::invalid_argument("not a string");
        platform::validate_interface_name(entry.get<std::string>());
      } catch (const std::invalid_argument&) {
        invalid(name, "must be an interface name (1 to 15 characters, no '/', ':' or space), not " + entry.dump());
      }
      policy.interface = entry.get<std::string>();
      has_interface = true;
    } else if (key == "controlDir") {
      policy.control_dir = path_field(entry, name);
    } else if (key == "bpffs") {
      policy.bpffs = path_field(entry, name);
    } else {
      throw CniError(ErrorCode::unsupported_field, "unsupported field \"" + name + "\": " + entry.dump());
    }
  }
  if (!has_interface) invalid("policy.interface", "is missing (sluiced's interface, e.g. \"mesh0\")");
  return policy;
}

std::string check_version(const json& config) {
  const auto it = config.find("cniVersion");
  if (it == config.end()) {
    throw CniError(ErrorCode::incompatible_version,
                   "network config has no cniVersion; sluice supports 0.4.0, 1.0.0 and 1.1.0");
  }
  if (!it->is_string()) invalid("cniVersion", "must be a string, not " + it->dump());
  std::string version = it->get<std::string>();
  if (!is_supported_version(version)) {
    throw CniError(ErrorCode::incompatible_version,
                   "cniVersion " + version + " is not supported; sluice supports 0.4.0, 1.0.0 and 1.1.0");
  }
  return version;
}

}  // namespace

bool is_valid_network_name(std::string_view name) noexcept { return is_valid_container_id(name); }

std::optional<std::string> peek_cni_version(std::string_view text) noexcept {
  const json config = json::parse(text, nullptr, false);
  if (!config.is_object()) return std::nullopt;
  const auto it = config.find("cniVersion");
  if (it == config.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

PluginConfig parse_plugin_config(std::string_view text) {
  json config;
  try {
    config = json::parse(text);
  } catch (const json::parse_error& e) {
    throw CniError(ErrorCode::decode_failure, "network config on standard input is not JSON", e.what());
  }
  if (!config.is_object()) {
    throw CniError(ErrorCode::decode_failure, "network config on standard input is not a JSON object");
  }
  PluginConfig parsed;
  parsed.cni_version = check_version(config);
  parsed.name = string_field(config, "name");
  if (!is_valid_network_name(parsed.name)) {
    invalid("name", "\"" + parsed.name +
                        "\" must start with a letter or digit, followed by letters, digits, '_', "
                        "'.' or '-'");
  }
  parsed.type = string_field(config, "type");
  for (const auto& [key, value] : config.items()) {
    if (key == "cniVersion" || key == "name" || key == "type") continue;
    if (key == "subnetFile") {
      parsed.subnet_file = path_field(value, key);
    } else if (key == "dataDir") {
      parsed.data_dir = path_field(value, key);
    } else if (key == "mtu") {
      parsed.mtu = mtu_field(value);
    } else if (key == "policy") {
      parsed.policy = policy_field(value);
    } else if (key == "dns") {
      if (!value.is_object()) invalid(key, "must be an object, not " + value.dump());
      parsed.dns = value;
    } else if (key == "prevResult") {
      if (!value.is_object()) invalid(key, "must be an object, not " + value.dump());
      parsed.prev_result = value;
    } else if (key == "cni.dev/valid-attachments") {
      parsed.valid_attachments = attachments_field(value, key);
    } else if (key == "cni.dev/attachments") {
      // The draft's name; the spec's wins when a runtime sends both.
      if (!config.contains("cni.dev/valid-attachments")) parsed.valid_attachments = attachments_field(value, key);
    } else if (key == "ipam") {
      throw CniError(ErrorCode::unsupported_field,
                     "unsupported field \"ipam\": " + value.dump() +
                         ": sluice allocates addresses from the node's subnet itself; remove \"ipam\"");
    } else if (std::find(kPassedKeys.begin(), kPassedKeys.end(), key) == kPassedKeys.end()) {
      throw CniError(ErrorCode::unsupported_field, "unsupported field \"" + key + "\": " + value.dump());
    }
  }
  return parsed;
}

}  // namespace sluice::cni
