#include "mesh/subnet_key.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace sluice::mesh {
namespace {

using tunnel::IpAddress;
using tunnel::IpFamily;
using tunnel::IpPrefix;

std::string part(const IpPrefix& prefix) { return prefix.address().to_string() + "-" + std::to_string(prefix.cidr()); }

// "ADDRESS-LENGTH" of `family` with no host bits, or nullopt.
std::optional<IpPrefix> parse_part(std::string_view text, IpFamily family) {
  const auto dash = text.rfind('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const std::string_view length = text.substr(dash + 1);
  unsigned cidr = 0;
  // Digits only, as in Flannel's pattern (from_chars alone would accept "24x").
  if (length.empty() || length.size() > 3 ||
      !std::all_of(length.begin(), length.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::from_chars(length.data(), length.data() + length.size(), cidr);
  try {
    const IpPrefix prefix(IpAddress::parse(text.substr(0, dash)), cidr);
    if (prefix.family() != family || prefix.masked() != prefix) return std::nullopt;
    return prefix;
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

}  // namespace

std::string subnet_key_name(const SubnetKey& key) {
  return key.subnet6 ? part(key.subnet) + "&" + part(*key.subnet6) : part(key.subnet);
}

std::optional<SubnetKey> parse_subnet_key_name(std::string_view name) {
  const auto ampersand = name.find('&');
  const auto subnet = parse_part(name.substr(0, ampersand), IpFamily::v4);
  if (!subnet) return std::nullopt;
  if (ampersand == std::string_view::npos) return SubnetKey{*subnet, std::nullopt};
  const auto subnet6 = parse_part(name.substr(ampersand + 1), IpFamily::v6);
  if (!subnet6) return std::nullopt;
  return SubnetKey{*subnet, subnet6};
}

}  // namespace sluice::mesh
