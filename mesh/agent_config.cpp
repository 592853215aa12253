#include "mesh/agent_config.hpp"
#include "crypto/key_encoding.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <span>
#include <system_error>

#include "config/toml_reader.hpp"
#include "mesh/json_fields.hpp"
#include "platform/interface_name.hpp"
#include "platform/small_file.hpp"
#include "uapi/client.hpp"

namespace sluice::mesh {
namespace {

namespace fs = std::filesystem;
using tunnel::IpAddress;

// Far beyond any real file; only stops a mistaken path such as /dev/zero being read forever.
constexpr std::size_t kConfigFileLimit = std::size_t{1} << 20;

// Typed access to the tree; every failure names the file, the position and the key.
class Reader : public config::TomlReader<AgentConfigError> {
 public:
  using TomlReader::TomlReader;

  // An address of `family` that is not all zeros (which names no host).
  IpAddress address(const toml::node& node, std::string_view key, tunnel::IpFamily family,
                    std::string_view other_key) const {
    std::optional<IpAddress> address;
    try {
      address = IpAddress::parse(string(node, key));
    } catch (const std::invalid_argument& e) {
      fail(node, key, e.what());
    }
    const bool v4 = family == tunnel::IpFamily::v4;
    if (address->family() != family) {
      fail(node, key,
           address->to_string() + " is not an " + (v4 ? "IPv4" : "IPv6") + " address (use " + std::string(other_key) +
               ")");
    }
    if (address->bytes().end() ==
        std::find_if(address->bytes().begin(), address->bytes().end(), [](std::uint8_t byte) { return byte != 0; })) {
      fail(node, key, address->to_string() + " names no host");
    }
    return *address;
  }
};

// "http://host:port" or "https://host:port", returned without a trailing '/'.
std::string read_endpoint(const Reader& reader, const toml::node& node, const std::string& key) {
  const std::string& text = reader.string(node, key);
  const auto scheme_end = text.find("://");
  const std::string_view scheme = std::string_view(text).substr(0, scheme_end);
  if (scheme_end == std::string::npos || (scheme != "http" && scheme != "https")) {
    reader.fail(node, key, crypto::quote_unless_key(text) + " must start with http:// or https://");
  }
  std::string_view authority = std::string_view(text).substr(scheme_end + 3);
  while (authority.ends_with('/')) authority.remove_suffix(1);
  if (authority.empty()) reader.fail(node, key, crypto::quote_unless_key(text) + " has no host");
  if (authority.find_first_of("/?# \t") != std::string_view::npos) {
    reader.fail(node, key, crypto::quote_unless_key(text) + " must be SCHEME://HOST:PORT, with no path");
  }
  return std::string(scheme) + "://" + std::string(authority);
}

// `first` and `second` come together or not at all.
void require_pair(const Reader& reader, const toml::table& table, std::string_view first, std::string_view second,
                  std::string_view what) {
  const auto* first_node = table.get(first);
  const auto* second_node = table.get(second);
  if ((first_node == nullptr) == (second_node == nullptr)) return;
  const auto* given = first_node != nullptr ? first_node : second_node;
  const std::string_view given_key = first_node != nullptr ? first : second;
  const std::string_view missing_key = first_node != nullptr ? second : first;
  reader.fail(*given, "etcd." + std::string(given_key),
              "needs etcd." + std::string(missing_key) + " too (" + std::string(what) + ")");
}

EtcdSettings read_etcd(const Reader& reader, const toml::table& table) {
  reader.reject_unknown_keys(table, "etcd.", kEtcdKeys);
  EtcdSettings etcd;
  const auto* endpoints_node = table.get("endpoints");
  if (endpoints_node == nullptr) {
    reader.fail(table.source(), "etcd", "missing endpoints (such as [\"http://10.200.0.100:2379\"])");
  }
  const toml::array& endpoints = reader.array(*endpoints_node, "etcd.endpoints");
  if (endpoints.empty()) reader.fail(*endpoints_node, "etcd.endpoints", "is empty: name one etcd server at least");
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    const std::string key = "etcd.endpoints[" + std::to_string(i) + "]";
    std::string endpoint = read_endpoint(reader, endpoints[i], key);
    // Mixed schemes would send the password and the leases in the clear to some servers.
    if (i > 0 && endpoint.starts_with("https://") != etcd.endpoints.front().starts_with("https://")) {
      reader.fail(endpoints[i], key, "mixes http:// and https:// endpoints (use one scheme for all)");
    }
    etcd.endpoints.push_back(std::move(endpoint));
  }
  if (const auto* node = table.get("prefix")) {
    std::string prefix = reader.string(*node, "etcd.prefix");
    if (!prefix.starts_with('/'))
      reader.fail(*node, "etcd.prefix", crypto::quote_unless_key(prefix) + " must start with '/'");
    while (prefix.ends_with('/')) prefix.pop_back();
    if (prefix.empty()) reader.fail(*node, "etcd.prefix", "must name a folder, such as \"/coreos.com/network\"");
    etcd.prefix = std::move(prefix);
  }
  require_pair(reader, table, "cert_file", "key_file", "a client certificate and its key");
  require_pair(reader, table, "username", "password_file", "a user and the file with its password");
  const bool https = etcd.endpoints.front().starts_with("https://");
  const auto tls_file = [&](std::string_view name) -> std::optional<fs::path> {
    const auto* node = table.get(name);
    if (node == nullptr) return std::nullopt;
    const std::string key = "etcd." + std::string(name);
    // TLS files for plain-HTTP endpoints would be ignored while their presence suggests TLS.
    if (!https) reader.fail(*node, key, "is set, but the endpoints are http://, not https://");
    return reader.path(*node, key);
  };
  etcd.ca_file = tls_file("ca_file");
  etcd.cert_file = tls_file("cert_file");
  etcd.key_file = tls_file("key_file");
  if (const auto* node = table.get("username")) {
    etcd.username = reader.string(*node, "etcd.username");
    if (etcd.username->empty()) reader.fail(*node, "etcd.username", "is empty");
  }
  if (const auto* node = table.get("password_file")) etcd.password_file = reader.path(*node, "etcd.password_file");
  return etcd;
}

AgentConfig read_document(const Reader& reader, const toml::table& root) {
  reader.reject_unknown_keys(root, "", kAgentKeys);
  const auto* interface_node = root.get("interface");
  if (interface_node == nullptr) reader.fail(root.source(), "interface", "missing (the sluiced interface to manage)");
  const auto* public_ip_node = root.get("public_ip");
  if (public_ip_node == nullptr) {
    reader.fail(root.source(), "public_ip", "missing (the IPv4 address other nodes send to)");
  }
  const auto* etcd_node = root.get("etcd");
  if (etcd_node == nullptr) reader.fail(root.source(), "etcd", "missing [etcd] table (with endpoints)");

  std::string interface = reader.string(*interface_node, "interface");
  try {
    platform::validate_interface_name(interface);
  } catch (const std::invalid_argument& e) {
    reader.fail(*interface_node, "interface", e.what());
  }
  AgentConfig config{
      .interface = std::move(interface),
      .control_dir = fs::path(uapi::kDefaultControlDir),
      .public_ip = reader.address(*public_ip_node, "public_ip", tunnel::IpFamily::v4, "public_ipv6"),
  };
  if (const auto* node = root.get("control_dir")) config.control_dir = reader.path(*node, "control_dir");
  if (const auto* node = root.get("public_ipv6")) {
    config.public_ipv6 = reader.address(*node, "public_ipv6", tunnel::IpFamily::v6, "public_ip");
  }
  if (const auto* node = root.get("listen_port")) {
    config.listen_port = static_cast<std::uint16_t>(reader.integer(*node, "listen_port", 1, 65535));
  }
  if (const auto* node = root.get("persistent_keepalive")) {
    config.persistent_keepalive = static_cast<std::uint16_t>(reader.integer(*node, "persistent_keepalive", 0, 65535));
  }
  // Below 10 s a short etcd election would expire every lease; a day is Flannel's own TTL.
  if (const auto* node = root.get("lease_ttl"))
    config.lease_ttl = std::chrono::seconds(reader.integer(*node, "lease_ttl", 10, 86400));
  if (const auto* node = root.get("state_dir")) config.state_dir = reader.path(*node, "state_dir");
  if (const auto* node = root.get("subnet_env")) config.subnet_env = reader.path(*node, "subnet_env");
  if (const auto* node = root.get("ip_masq")) config.ip_masq = reader.boolean(*node, "ip_masq");
  if (const auto* node = root.get("container_policy"))
    config.container_policy = reader.boolean(*node, "container_policy");
  if (const auto* node = root.get("bpffs")) config.bpffs = reader.path(*node, "bpffs");
  config.etcd = read_etcd(reader, reader.table(*etcd_node, "etcd"));
  return config;
}

}  // namespace

AgentConfig parse_agent_config(std::string_view toml_text, const std::filesystem::path& origin) {
  const Reader reader(origin);
  return read_document(reader, reader.parse(toml_text));
}

AgentConfig load_agent_config(const std::filesystem::path& file) {
  std::string text;
  try {
    text = platform::read_small_file(file, kConfigFileLimit);
  } catch (const std::system_error& e) {
    throw AgentConfigError(config::one_line(file.string() + ": cannot read config file: " + e.code().message()));
  }
  return parse_agent_config(text, file);
}

}  // namespace sluice::mesh
