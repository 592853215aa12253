#include <boost/test/unit_test.hpp>
#include <string>

#include "bpf/policy_compile.hpp"
#include "tests/common/policy_identities.hpp"

using namespace sluice::bpf;
using sluice::crypto::PublicKey;
using sluice::policy::PeerIdentity;
using sluice::policy::PolicySettings;
using sluice::policy::PortRange;
using sluice::tunnel::IpAddress;
using sluice::tunnel::IpPrefix;
namespace policy = sluice::policy;

using sluice::test::filled_key;
using sluice::test::kLaptop;
using sluice::test::kServer;
using sluice::test::policy_identities;

namespace {

// The laptop's remote pods are dual stack; the server has an IPv4 /24 and its node's /32.
std::vector<PeerPrefixes> peers() {
  return {{kLaptop, {IpPrefix::parse("10.244.1.0/24"), IpPrefix::parse("fd00:244:0:1::/64")}},
          {kServer, {IpPrefix::parse("10.244.2.0/24"), IpPrefix::parse("10.98.0.2/32")}}};
}

const ContainerAddresses kContainer{IpAddress::parse("10.244.3.5"), IpAddress::parse("fd00:244:0:3::5")};

policy::Rule inbound(policy::Action action) {
  policy::Rule rule;
  rule.direction = policy::Direction::inbound;
  rule.action = action;
  return rule;
}

CompiledPolicy compile(const std::vector<policy::Rule>& rules, policy::Action inbound_default = policy::Action::allow,
                       policy::Action outbound_default = policy::Action::allow) {
  PolicySettings settings;
  settings.rules = rules;
  settings.inbound_default = inbound_default;
  settings.outbound_default = outbound_default;
  return compile_policy(settings, policy_identities(), peers(), kContainer);
}

std::string text(const Rule& rule) {
  return std::string(direction_name(rule.direction)) + " " + rule.remote.to_string() + " " +
         std::to_string(rule.protocol) + " " + std::to_string(rule.port_min) + "-" + std::to_string(rule.port_max) +
         " " + action_name(rule.action) + (rule.remote_peer ? " peer" : "");
}

std::vector<std::string> prefix_texts(const std::vector<IpPrefix>& prefixes) {
  std::vector<std::string> out;
  for (const IpPrefix& prefix : prefixes) out.push_back(prefix.to_string());
  return out;
}

std::vector<std::string> texts(const CompiledPolicy& compiled) {
  std::vector<std::string> out;
  for (const Rule& rule : compiled.rules) out.push_back(text(rule));
  return out;
}

using Texts = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(bpf_policy_compile)

BOOST_AUTO_TEST_CASE(a_peer_becomes_its_allowed_ips_per_port_range) {
  auto rule = inbound(policy::Action::deny);
  rule.peers = {kLaptop};
  rule.protocol = policy::Protocol::tcp;
  rule.ports = {PortRange{8080, 8080}, PortRange{9000, 9099}};
  const auto compiled = compile({rule});
  BOOST_TEST(
      texts(compiled) ==
          (Texts{"to_container 10.244.1.0/24 6 8080-8080 deny", "to_container 10.244.1.0/24 6 9000-9099 deny",
                 "to_container fd00:244:0:1::/64 6 8080-8080 deny", "to_container fd00:244:0:1::/64 6 9000-9099 deny"}),
      boost::test_tools::per_element());
  // Traffic not of a peer is not sluiced's: the program passes it. Peers' gets sluiced's defaults.
  BOOST_TEST((compiled.defaults.to_container == Action::allow));
  BOOST_TEST((compiled.defaults.from_container == Action::allow));
  BOOST_TEST_REQUIRE(compiled.defaults.peers.has_value());
  BOOST_TEST((compiled.defaults.peers->to_container == Action::allow));
  // The peers set: every peer's allowed IPs, whatever the rules name.
  BOOST_TEST(
      prefix_texts(compiled.peers) == (Texts{"10.244.1.0/24", "fd00:244:0:1::/64", "10.244.2.0/24", "10.98.0.2/32"}),
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_group_names_its_members_and_icmp_is_per_family) {
  auto rule = inbound(policy::Action::allow);
  rule.groups = {"laptops", "db"};
  rule.protocol = policy::Protocol::icmp;
  BOOST_TEST(texts(compile({rule})) ==
                 (Texts{"to_container 10.244.1.0/24 1 0-65535 allow", "to_container fd00:244:0:1::/64 58 0-65535 allow",
                        "to_container 10.244.2.0/24 1 0-65535 allow", "to_container 10.98.0.2/32 1 0-65535 allow"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(any_peer_is_the_peers_set_not_everything) {
  auto rule = inbound(policy::Action::deny);
  rule.protocol = policy::Protocol::udp;
  // One rule per family, on the peers set, however many peers there are.
  BOOST_TEST(texts(compile({rule})) ==
                 (Texts{"to_container 0.0.0.0/0 17 0-65535 deny peer", "to_container ::/0 17 0-65535 deny peer"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(from_narrows_the_peers_prefixes) {
  auto rule = inbound(policy::Action::deny);
  rule.peers = {kLaptop, kServer};
  // Inside the laptop's /24, around the server's /24, beside everything (nothing), and a /32 twice.
  rule.from = {IpPrefix::parse("10.244.1.128/25"), IpPrefix::parse("10.244.0.0/23"), IpPrefix::parse("192.0.2.0/24"),
               IpPrefix::parse("10.98.0.2/32"), IpPrefix::parse("10.98.0.0/24")};
  BOOST_TEST(texts(compile({rule})) ==
                 (Texts{"to_container 10.244.1.128/25 0 0-65535 deny", "to_container 10.244.1.0/24 0 0-65535 deny",
                        "to_container 10.98.0.2/32 0 0-65535 deny"}),
             boost::test_tools::per_element());
  // Without peers, `from` is still limited to peers' addresses: by the peers set.
  auto any = inbound(policy::Action::deny);
  any.from = {IpPrefix::parse("10.244.0.0/16"), IpPrefix::parse("10.244.9.9/16")};
  BOOST_TEST(texts(compile({any})) == (Texts{"to_container 10.244.0.0/16 0 0-65535 deny peer"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(outbound_rules_use_to_as_the_remote_and_from_as_the_container) {
  policy::Rule rule;
  rule.direction = policy::Direction::outbound;
  rule.peers = {kServer};
  rule.to = {IpPrefix::parse("10.244.2.7/32")};
  rule.from = {IpPrefix::parse("10.244.3.0/24")};
  rule.protocol = policy::Protocol::tcp;
  rule.ports = {PortRange{5432, 5432}};
  rule.action = policy::Action::deny;
  BOOST_TEST(texts(compile({rule})) == (Texts{"from_container 10.244.2.7/32 6 5432-5432 deny"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rules_for_other_destinations_or_nobody_compile_to_nothing) {
  auto elsewhere = inbound(policy::Action::deny);
  elsewhere.to = {IpPrefix::parse("10.244.4.0/24")};
  auto unknown_peer = inbound(policy::Action::deny);
  unknown_peer.peers = {filled_key(9)};
  auto empty_group = inbound(policy::Action::deny);
  empty_group.groups = {"printers"};
  BOOST_TEST(compile({elsewhere, unknown_peer, empty_group}).rules.empty());
  // `to` holding only the container's IPv4 address leaves its IPv6 side alone.
  auto v4_only = inbound(policy::Action::deny);
  v4_only.peers = {kLaptop};
  v4_only.to = {IpPrefix::parse("10.244.3.0/24")};
  BOOST_TEST(texts(compile({v4_only})) == (Texts{"to_container 10.244.1.0/24 0 0-65535 deny"}),
             boost::test_tools::per_element());
  // An IPv4-only container gets no IPv6 rule.
  auto all = inbound(policy::Action::deny);
  all.peers = {kLaptop};
  const auto compiled = compile_policy(PolicySettings{{all}}, policy_identities(), peers(),
                                       ContainerAddresses{IpAddress::parse("10.244.3.5"), std::nullopt});
  BOOST_TEST(texts(compiled) == (Texts{"to_container 10.244.1.0/24 0 0-65535 deny"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(any_protocol_with_ports_is_tcp_and_udp) {
  auto rule = inbound(policy::Action::deny);
  rule.peers = {kServer};
  rule.from = {IpPrefix::parse("10.98.0.2/32")};
  rule.ports = {PortRange{53, 53}};
  BOOST_TEST(texts(compile({rule})) ==
                 (Texts{"to_container 10.98.0.2/32 6 53-53 deny", "to_container 10.98.0.2/32 17 53-53 deny"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sluiceds_defaults_are_the_peer_defaults_not_rules) {
  auto rule = inbound(policy::Action::allow);
  rule.peers = {kServer};
  rule.protocol = policy::Protocol::icmp;
  const auto compiled = compile({rule}, policy::Action::deny, policy::Action::allow);
  BOOST_TEST(texts(compiled) ==
                 (Texts{"to_container 10.244.2.0/24 1 0-65535 allow", "to_container 10.98.0.2/32 1 0-65535 allow"}),
             boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(compiled.defaults.peers.has_value());
  BOOST_TEST((compiled.defaults.peers->to_container == Action::deny));
  BOOST_TEST((compiled.defaults.peers->from_container == Action::allow));
  // Others' traffic (the node's, other containers') is not sluiced's: the plain defaults allow.
  BOOST_TEST((compiled.defaults.to_container == Action::allow));
  const auto outbound = compile({}, policy::Action::allow, policy::Action::deny);
  BOOST_TEST(outbound.rules.empty());
  BOOST_TEST((outbound.defaults.peers->from_container == Action::deny));
  BOOST_TEST(compile({}).rules.empty());
}

BOOST_AUTO_TEST_CASE(a_mesh_of_500_peers_with_a_deny_default_fits) {
  // Issue 24: a Flannel-style mesh, each node a peer with its own /24 (and a /64), inbound deny.
  std::vector<PeerPrefixes> mesh;
  std::vector<PeerIdentity> names;
  for (unsigned node = 0; node < 500; ++node) {
    PublicKey peer;
    peer.bytes.fill(0);
    peer.bytes[0] = static_cast<std::uint8_t>(node >> 8);
    peer.bytes[1] = static_cast<std::uint8_t>(node);
    const std::string third = std::to_string(node % 250), second = std::to_string(244 + node / 250);
    mesh.push_back({peer,
                    {IpPrefix::parse("10." + second + "." + third + ".0/24"),
                     IpPrefix::parse("fd00:244:" + std::to_string(node) + "::/64")}});
    names.push_back({peer, "node-" + std::to_string(node), {node < 3 ? "monitoring" : "workers"}});
  }
  auto ping = inbound(policy::Action::allow);
  ping.protocol = policy::Protocol::icmp;
  auto web = inbound(policy::Action::allow);
  web.protocol = policy::Protocol::tcp;
  web.ports = {PortRange{80, 80}, PortRange{443, 443}};
  auto metrics = inbound(policy::Action::allow);
  metrics.groups = {"monitoring"};
  metrics.protocol = policy::Protocol::tcp;
  metrics.ports = {PortRange{9100, 9100}};
  PolicySettings settings;
  settings.rules = {ping, web, metrics};
  settings.inbound_default = policy::Action::deny;
  const auto compiled = compile_policy(settings, names, mesh, kContainer);
  BOOST_TEST(
      texts(compiled) ==
          (Texts{"to_container 0.0.0.0/0 1 0-65535 allow peer", "to_container ::/0 58 0-65535 allow peer",
                 "to_container 0.0.0.0/0 6 80-80 allow peer", "to_container 0.0.0.0/0 6 443-443 allow peer",
                 "to_container ::/0 6 80-80 allow peer", "to_container ::/0 6 443-443 allow peer",
                 "to_container 10.244.0.0/24 6 9100-9100 allow", "to_container fd00:244::/64 6 9100-9100 allow",
                 "to_container 10.244.1.0/24 6 9100-9100 allow", "to_container fd00:244:1::/64 6 9100-9100 allow",
                 "to_container 10.244.2.0/24 6 9100-9100 allow", "to_container fd00:244:2::/64 6 9100-9100 allow"}),
      boost::test_tools::per_element());
  BOOST_TEST((compiled.defaults.peers->to_container == Action::deny));
  BOOST_TEST(compiled.peers.size() == 1000u);
}

BOOST_AUTO_TEST_CASE(the_order_of_sluiceds_rules_is_kept) {
  auto first = inbound(policy::Action::allow);
  first.peers = {kServer};
  first.from = {IpPrefix::parse("10.98.0.2/32")};
  auto second = inbound(policy::Action::deny);
  second.peers = {kLaptop};
  second.from = {IpPrefix::parse("10.244.1.0/24")};
  auto third = inbound(policy::Action::deny);
  third.groups = {"servers"};
  third.from = {IpPrefix::parse("10.98.0.0/24")};
  BOOST_TEST(texts(compile({first, second, third})) ==
                 (Texts{"to_container 10.98.0.2/32 0 0-65535 allow", "to_container 10.244.1.0/24 0 0-65535 deny",
                        "to_container 10.98.0.2/32 0 0-65535 deny"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(more_than_the_map_holds_is_refused_with_the_count) {
  auto rule = inbound(policy::Action::deny);
  rule.peers = {kLaptop};
  rule.protocol = policy::Protocol::tcp;
  for (std::uint16_t port = 1; port <= 32; ++port) rule.ports.push_back(PortRange{port, port});
  BOOST_TEST(compile({rule}).rules.size() == 64u);  // two prefixes times 32 ranges: just fits
  rule.ports.push_back(PortRange{100, 200});
  try {
    (void)compile({rule});
    BOOST_FAIL("66 rules compiled");
  } catch (const PolicyTooLarge& e) {
    BOOST_TEST(e.rules() == 66u);
    BOOST_TEST(std::string(e.what()) ==
               "the policy compiles into 66 rules for this container; the eBPF program holds 64");
  }
}

BOOST_AUTO_TEST_SUITE_END()
