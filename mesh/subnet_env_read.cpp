#include <map>
#include <system_error>

#include "mesh/subnet_env.hpp"
#include "platform/link_mtu.hpp"
#include "platform/small_file.hpp"

namespace sluice::mesh {
namespace {

using tunnel::IpFamily;
using tunnel::IpPrefix;

// subnet.env is six short lines; anything larger is not one.
constexpr std::size_t kSubnetEnvLimit = 64 * 1024;

struct Line {
  std::string value;
  unsigned number = 0;
};

class Parser {
 public:
  Parser(std::string_view text, const std::string& origin) : origin_(origin) {
    unsigned number = 0;
    while (!text.empty()) {
      const auto end = text.find('\n');
      std::string_view line = text.substr(0, end);
      text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
      ++number;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty() || line.front() == '#') continue;
      const auto equals = line.find('=');
      if (equals == std::string_view::npos || equals == 0) {
        throw SubnetEnvError(origin_ + ":" + std::to_string(number) + ": expected KEY=VALUE, found \"" +
                             std::string(line) + "\"");
      }
      const std::string key(line.substr(0, equals));
      if (!lines_.emplace(key, Line{std::string(line.substr(equals + 1)), number}).second) {
        fail(number, key, "given twice (first on line " + std::to_string(lines_[key].number) + ")");
      }
    }
  }

  [[noreturn]] void fail(unsigned line, const std::string& key, const std::string& why) const {
    throw SubnetEnvError(origin_ + ":" + std::to_string(line) + ": " + key + ": " + why);
  }

  [[nodiscard]] const Line* find(const std::string& key) const {
    const auto it = lines_.find(key);
    return it == lines_.end() ? nullptr : &it->second;
  }

  [[nodiscard]] const Line& required(const std::string& key) const {
    if (const Line* line = find(key)) return *line;
    throw SubnetEnvError(origin_ + ": " + key + " is missing");
  }

  [[nodiscard]] IpPrefix prefix(const std::string& key, IpFamily family) const {
    const Line& line = required(key);
    try {
      const IpPrefix prefix = IpPrefix::parse(line.value);
      if (prefix.family() != family)
        fail(line.number, key, line.value + " is not an IPv" + (family == IpFamily::v4 ? "4" : "6") + " prefix");
      return prefix;
    } catch (const std::invalid_argument& e) {
      fail(line.number, key, e.what());
    }
  }

  // The subnet must lie inside the network and leave room for a gateway and a container.
  void check_subnet(const std::string& key, const IpPrefix& subnet, const IpPrefix& network) const {
    const Line& line = required(key);
    if (!network.contains(subnet.address()) || subnet.cidr() < network.cidr()) {
      fail(line.number, key, subnet.to_string() + " is not inside the network " + network.to_string());
    }
    if (subnet.cidr() + 2 > subnet.address().bit_length()) {
      fail(line.number, key, subnet.to_string() + " has no room for containers");
    }
    if (subnet.masked().address() == subnet.address()) {
      fail(line.number, key, subnet.to_string() + " names the subnet, not its gateway (expected its first host)");
    }
  }

  [[nodiscard]] unsigned mtu() const {
    const Line& line = required("FLANNEL_MTU");
    unsigned value = 0;
    std::size_t used = 0;
    try {
      const unsigned long parsed = std::stoul(line.value, &used);
      value = parsed > platform::kMaxLinkMtu ? 0 : static_cast<unsigned>(parsed);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != line.value.size() || value < platform::kMinLinkMtu) {
      fail(line.number, "FLANNEL_MTU",
           "\"" + line.value + "\" is not an MTU from " + std::to_string(platform::kMinLinkMtu) + " to " +
               std::to_string(platform::kMaxLinkMtu));
    }
    return value;
  }

  [[nodiscard]] bool ip_masq() const {
    const Line* line = find("FLANNEL_IPMASQ");
    if (line == nullptr || line->value == "false") return false;
    if (line->value == "true") return true;
    fail(line->number, "FLANNEL_IPMASQ", "\"" + line->value + "\" is neither true nor false");
  }

 private:
  std::string origin_;
  std::map<std::string, Line> lines_;
};

}  // namespace

SubnetEnv parse_subnet_env(std::string_view text, const std::string& origin) {
  const Parser parser(text, origin);
  SubnetEnv env{parser.prefix("FLANNEL_NETWORK", IpFamily::v4),
                parser.prefix("FLANNEL_SUBNET", IpFamily::v4),
                std::nullopt,
                std::nullopt,
                0,
                false};
  parser.check_subnet("FLANNEL_SUBNET", env.subnet, env.network);
  const bool has_network6 = parser.find("FLANNEL_IPV6_NETWORK") != nullptr;
  const bool has_subnet6 = parser.find("FLANNEL_IPV6_SUBNET") != nullptr;
  if (has_network6 != has_subnet6) {
    throw SubnetEnvError(origin + ": FLANNEL_IPV6_NETWORK and FLANNEL_IPV6_SUBNET come together, found only " +
                         (has_network6 ? "FLANNEL_IPV6_NETWORK" : "FLANNEL_IPV6_SUBNET"));
  }
  if (has_network6) {
    env.ipv6_network = parser.prefix("FLANNEL_IPV6_NETWORK", IpFamily::v6);
    env.ipv6_subnet = parser.prefix("FLANNEL_IPV6_SUBNET", IpFamily::v6);
    parser.check_subnet("FLANNEL_IPV6_SUBNET", *env.ipv6_subnet, *env.ipv6_network);
  }
  env.mtu = parser.mtu();
  if (env.ipv6_subnet && env.mtu < 1280) {
    throw SubnetEnvError(origin + ":" + std::to_string(parser.required("FLANNEL_MTU").number) +
                         ": FLANNEL_MTU: " + std::to_string(env.mtu) + " is below IPv6's minimum of 1280");
  }
  env.ip_masq = parser.ip_masq();
  return env;
}

SubnetEnv read_subnet_env(const std::filesystem::path& path) {
  std::string text;
  try {
    text = platform::read_small_file(path, kSubnetEnvLimit);
  } catch (const std::system_error& e) {
    throw std::system_error(e.code(), path.string());
  }
  return parse_subnet_env(text, path.string());
}

}  // namespace sluice::mesh
