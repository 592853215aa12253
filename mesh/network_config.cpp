#include "mesh/network_config.hpp"

#include "crypto/key_encoding.hpp"
#include "crypto/wipe_on_free.hpp"
#include "mesh/address_math.hpp"
#include "mesh/json_fields.hpp"

namespace sluice::mesh {
namespace {

using Reader = FieldReader<NetworkConfigError>;
using tunnel::IpAddress;
using tunnel::IpFamily;
using tunnel::IpPrefix;

// One family's fields and Flannel's numbers for it.
struct Family {
  IpFamily family;
  std::string_view name;  // "IPv4"
  std::string_view network, subnet_len, subnet_min, subnet_max;
  std::string_view example;  // a network, for messages
  unsigned default_len;      // when the network holds four of them
  unsigned max_len;          // a subnet holds four addresses at least
};

constexpr Family kIpv4{IpFamily::v4, "IPv4", "Network", "SubnetLen", "SubnetMin", "SubnetMax", "10.244.0.0/16", 24, 30};
constexpr Family kIpv6{
    IpFamily::v6, "IPv6", "IPv6Network", "IPv6SubnetLen", "IPv6SubnetMin", "IPv6SubnetMax", "fd00:244::/56", 64, 126};

IpPrefix read_network(const Reader& reader, const Json& root, const Family& f, std::string_view why_required) {
  const Json* node = find_field(root, f.network);
  if (node == nullptr) {
    reader.fail(f.network, "missing (" + std::string(why_required) + ", such as \"" + std::string(f.example) + "\")");
  }
  const std::string& text = reader.string(*node, f.network);
  if (text.find('/') == std::string::npos) {
    reader.fail(f.network,
                crypto::quote_unless_key(text) + " has no prefix length (such as \"" + std::string(f.example) + "\")");
  }
  std::optional<IpPrefix> network;
  try {
    network = IpPrefix::parse(text);
  } catch (const std::invalid_argument& e) {
    reader.fail(f.network, e.what());
  }
  if (network->family() != f.family) {
    reader.fail(f.network, network->to_string() + " is not an " + std::string(f.name) + " network");
  }
  if (network->masked() != *network) {
    reader.fail(f.network,
                network->to_string() + " has host bits set (the network is " + network->masked().to_string() + ")");
  }
  return *network;
}

unsigned read_subnet_len(const Reader& reader, const Json& root, const Family& f, const IpPrefix& network) {
  const unsigned bits = network.address().bit_length();
  const Json* node = find_field(root, f.subnet_len);
  // 0 is Go's zero value: Flannel takes it as unset.
  const auto len = node == nullptr ? 0 : static_cast<unsigned>(reader.integer(*node, f.subnet_len, 0, bits));
  const std::string network_text = std::string(f.network) + " " + network.to_string();
  if (len == 0) {
    if (network.cidr() + 2 > f.max_len) {
      reader.fail(f.network, network.to_string() + " is too small: it must hold four subnets of four addresses (a /" +
                                 std::to_string(f.max_len - 2) + " or larger)");
    }
    return network.cidr() + 2 <= f.default_len ? f.default_len : network.cidr() + 2;
  }
  if (len > f.max_len) {
    reader.fail(f.subnet_len, std::to_string(len) + " is too long: a subnet must hold four addresses at least (" +
                                  std::string(f.subnet_len) + " " + std::to_string(f.max_len) + " or less)");
  }
  if (len < network.cidr() + 2) {
    reader.fail(f.subnet_len, network_text + " is too small for " + std::string(f.subnet_len) + " " +
                                  std::to_string(len) + ": it must hold four subnets at least (" +
                                  std::string(f.subnet_len) + " " + std::to_string(network.cidr() + 2) + " or more)");
  }
  return len;
}

IpAddress read_bound(const Reader& reader, const Json& root, const Family& f, std::string_view field,
                     const IpPrefix& network, unsigned len, const IpAddress& fallback) {
  const Json* node = find_field(root, field);
  if (node == nullptr) return fallback;
  std::optional<IpAddress> address;
  try {
    address = IpAddress::parse(reader.string(*node, field));
  } catch (const std::invalid_argument& e) {
    reader.fail(field, e.what());
  }
  if (address->family() != f.family) {
    reader.fail(field, address->to_string() + " is not an " + std::string(f.name) + " address");
  }
  if (to_integer(*address) == 0) return fallback;  // Go's zero value, unset to Flannel
  if (!network.contains(*address)) {
    reader.fail(field, address->to_string() + " is outside " + std::string(f.network) + " " + network.to_string());
  }
  if (!is_aligned(*address, len)) {
    reader.fail(field, address->to_string() + " is not the first address of a /" + std::to_string(len) + " subnet (" +
                           IpPrefix(*address, len).masked().to_string() + " is)");
  }
  return *address;
}

SubnetRange read_range(const Reader& reader, const Json& root, const Family& f, std::string_view why_required) {
  const IpPrefix network = read_network(reader, root, f, why_required);
  const unsigned len = read_subnet_len(reader, root, f, network);
  const unsigned bits = network.address().bit_length();
  const Uint128 start = to_integer(network.address());
  const Uint128 subnet_size = host_mask(bits, len) + 1;
  // The first subnet is skipped: a node would put the network address on its interface.
  const IpAddress first = from_integer(start + subnet_size, f.family);
  const IpAddress last = from_integer((start | host_mask(bits, network.cidr())) - (subnet_size - 1), f.family);
  SubnetRange range{network, len, read_bound(reader, root, f, f.subnet_min, network, len, first),
                    read_bound(reader, root, f, f.subnet_max, network, len, last)};
  if (to_integer(range.subnet_min) > to_integer(range.subnet_max)) {
    reader.fail(f.subnet_min, range.subnet_min.to_string() + " is above " + std::string(f.subnet_max) + " " +
                                  range.subnet_max.to_string());
  }
  return range;
}

bool read_flag(const Reader& reader, const Json& root, std::string_view field, bool fallback) {
  const Json* node = find_field(root, field);
  return node == nullptr ? fallback : reader.boolean(*node, field);
}

BackendConfig read_backend(const Reader& reader, const Json& root) {
  const Json* backend = find_field(root, "Backend");
  if (backend == nullptr) {
    reader.fail("Backend", "missing (sluice-mesh needs {\"Type\": \"wireguard\"}; without it Flannel uses udp)");
  }
  reader.object(*backend, "Backend");
  const Json* type = find_field(*backend, "Type");
  if (type == nullptr) reader.fail("Backend.Type", "missing (sluice-mesh needs \"wireguard\")");
  const std::string& type_text = reader.string(*type, "Backend.Type");
  if (type_text != "wireguard") {
    reader.fail("Backend.Type",
                crypto::quote_unless_key(type_text) + " is not supported (sluice-mesh speaks only \"wireguard\")");
  }
  BackendConfig config;
  if (const Json* node = find_field(*backend, "ListenPort")) {
    config.listen_port = static_cast<std::uint16_t>(reader.integer(*node, "Backend.ListenPort", 1, 65535));
  }
  if (const Json* node = find_field(*backend, "PersistentKeepaliveInterval")) {
    config.persistent_keepalive =
        static_cast<std::uint16_t>(reader.integer(*node, "Backend.PersistentKeepaliveInterval", 0, 65535));
  }
  if (const Json* node = find_field(*backend, "PSK")) {
    try {
      crypto::decode_base64_key(reader.string(*node, "Backend.PSK"), config.preshared_key.emplace().span());
    } catch (const crypto::KeyFormatError& e) {
      reader.fail("Backend.PSK", e.what());
    }
  }
  return config;
}

}  // namespace

NetworkConfig parse_network_config(std::string_view json) {
  // The tree holds the PSK's text when there is one; its blocks are wiped as they go.
  const crypto::WipeOnFree wipe_freed;
  const Json root = parse_json<NetworkConfigError>(json, "");
  if (!root.is_object()) throw NetworkConfigError("expected a JSON object, got " + std::string(json_type_name(root)));
  const Reader reader("");
  const bool ipv4 = read_flag(reader, root, "EnableIPv4", true);
  const bool ipv6 = read_flag(reader, root, "EnableIPv6", false);
  if (!ipv4 && !ipv6) reader.fail("EnableIPv4", "false while EnableIPv6 is false too: no address family is left");
  if (!ipv4) {
    reader.fail("EnableIPv4",
                "false is not supported: every node leases an IPv4 subnet (as with Flannel's etcd "
                "subnet manager), IPv6 comes beside it");
  }
  NetworkConfig config{read_range(reader, root, kIpv4, "the IPv4 network the nodes' subnets come from"), std::nullopt,
                       read_backend(reader, root)};
  if (ipv6) config.ipv6 = read_range(reader, root, kIpv6, "EnableIPv6 is true");
  return config;
}

std::string network_config_json(const NetworkConfig& config) {
  const crypto::WipeOnFree wipe_freed;
  nlohmann::ordered_json root;
  const auto write_range = [&root](const SubnetRange& range, const Family& f) {
    root[std::string(f.network)] = range.network.to_string();
    root[std::string(f.subnet_len)] = range.subnet_len;
    root[std::string(f.subnet_min)] = range.subnet_min.to_string();
    root[std::string(f.subnet_max)] = range.subnet_max.to_string();
  };
  write_range(config.ipv4, kIpv4);
  root["EnableIPv4"] = true;
  root["EnableIPv6"] = config.ipv6.has_value();
  if (config.ipv6) write_range(*config.ipv6, kIpv6);
  auto& backend = root["Backend"];
  backend["Type"] = "wireguard";
  backend["ListenPort"] = config.backend.listen_port;
  backend["PersistentKeepaliveInterval"] = config.backend.persistent_keepalive;
  if (config.backend.preshared_key) backend["PSK"] = crypto::encode_base64_key(config.backend.preshared_key->span());
  return root.dump();
}

}  // namespace sluice::mesh
