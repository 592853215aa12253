#include "mesh/subnet_lease.hpp"

#include "crypto/key_encoding.hpp"
#include "mesh/address_math.hpp"
#include "mesh/json_fields.hpp"

namespace sluice::mesh {
namespace {

using Reader = FieldReader<LeaseError>;
using tunnel::IpAddress;
using tunnel::IpFamily;

// An absent, null or all-zero address (Go's zero value) is none.
std::optional<IpAddress> read_address(const Reader& reader, const Json& root, std::string_view field, IpFamily family) {
  const Json* node = find_field(root, field);
  if (node == nullptr) return std::nullopt;
  std::optional<IpAddress> address;
  try {
    address = IpAddress::parse(reader.string(*node, field));
  } catch (const std::invalid_argument& e) {
    reader.fail(field, e.what());
  }
  if (address->family() != family) {
    reader.fail(field, address->to_string() + " is not an " + (family == IpFamily::v4 ? "IPv4" : "IPv6") + " address");
  }
  if (to_integer(*address) == 0) return std::nullopt;
  return address;
}

void read_backend_data(const Reader& reader, const Json& data, const std::string& field, SubnetLease& lease) {
  reader.object(data, field);
  const Json* key = find_field(data, "PublicKey");
  if (key == nullptr) reader.fail(field + ".PublicKey", "missing");
  try {
    crypto::decode_base64_key(reader.string(*key, field + ".PublicKey"), lease.public_key.bytes);
  } catch (const crypto::KeyFormatError& e) {
    reader.fail(field + ".PublicKey", e.what());
  }
  if (const Json* port = find_field(data, "ListenPort")) {
    lease.listen_port = static_cast<std::uint16_t>(reader.integer(*port, field + ".ListenPort", 1, 65535));
  }
}

}  // namespace

std::string lease_json(const SubnetLease& lease) {
  nlohmann::ordered_json data;
  data["PublicKey"] = crypto::encode_base64_key(lease.public_key.span());
  if (lease.listen_port) data["ListenPort"] = *lease.listen_port;
  nlohmann::ordered_json root;
  if (lease.public_ip) root["PublicIP"] = lease.public_ip->to_string();
  if (lease.public_ipv6) root["PublicIPv6"] = lease.public_ipv6->to_string();
  root["BackendType"] = "wireguard";
  root["BackendData"] = data;
  // Flannel's nodes read the IPv6 peers' keys from here.
  if (lease.subnets.subnet6) root["BackendV6Data"] = data;
  return root.dump();
}

SubnetLease parse_lease(std::string_view key_name, std::string_view json) {
  const auto key = parse_subnet_key_name(key_name);
  if (!key) {
    throw LeaseError(crypto::quote_unless_key(key_name) +
                     ": not a subnet lease name such as 10.244.3.0-24 or 10.244.3.0-24&fd00:244::-64");
  }
  const std::string context = std::string(key_name) + ": ";
  const Json root = parse_json<LeaseError>(json, context);
  if (!root.is_object()) throw LeaseError(context + "expected a JSON object, got " + std::string(json_type_name(root)));
  const Reader reader(context);

  const Json* type = find_field(root, "BackendType");
  if (type == nullptr) reader.fail("BackendType", "missing (expected \"wireguard\")");
  const std::string& type_text = reader.string(*type, "BackendType");
  if (type_text != "wireguard")
    reader.fail("BackendType", crypto::quote_unless_key(type_text) + " is not \"wireguard\"");

  SubnetLease lease{*key,
                    read_address(reader, root, "PublicIP", IpFamily::v4),
                    read_address(reader, root, "PublicIPv6", IpFamily::v6),
                    {},
                    std::nullopt};
  // Both carry the same key; an IPv6-only writer would fill only the second.
  if (const Json* data = find_field(root, "BackendData")) {
    read_backend_data(reader, *data, "BackendData", lease);
  } else if (const Json* data6 = find_field(root, "BackendV6Data")) {
    read_backend_data(reader, *data6, "BackendV6Data", lease);
  } else {
    reader.fail("BackendData", "missing (it holds the node's PublicKey)");
  }
  return lease;
}

}  // namespace sluice::mesh
