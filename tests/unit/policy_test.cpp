#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "policy/flow_table.hpp"
#include "policy/flow_tuple.hpp"
#include "policy/policy.hpp"
#include "tests/common/policy_identities.hpp"

using namespace std::chrono_literals;
using sluice::crypto::PublicKey;
using sluice::policy::Action;
using sluice::policy::Direction;
using sluice::policy::IdleTimeouts;
using sluice::policy::kDefaultRule;
using sluice::policy::PeerIdentity;
using sluice::policy::Policy;
using sluice::policy::PolicySettings;
using sluice::policy::PortRange;
using sluice::policy::Protocol;
using sluice::policy::Rule;
using sluice::tunnel::Instant;
using sluice::tunnel::IpPrefix;

using sluice::test::filled_key;
using sluice::test::kLaptop;
using sluice::test::kServer;
using sluice::test::policy_identities;

namespace {

constexpr Direction kIn = Direction::inbound;
constexpr Direction kOut = Direction::outbound;

const PublicKey kStranger = filled_key(3);

std::array<std::uint8_t, 4> v4(const std::string& text) {
  std::array<std::uint8_t, 4> out{};
  const auto address = sluice::tunnel::IpAddress::parse(text);
  std::copy_n(address.bytes().begin(), 4, out.begin());
  return out;
}

// An IPv4 packet with a transport header: TCP/UDP ports, or ICMP type and echo id.
std::vector<std::uint8_t> packet(std::uint8_t protocol, const std::string& source, const std::string& destination,
                                 std::uint16_t source_port, std::uint16_t destination_port,
                                 std::uint8_t tcp_flags = 0x10) {
  std::vector<std::uint8_t> out(20 + 20);
  out[0] = 0x45;
  out[3] = static_cast<std::uint8_t>(out.size());
  out[8] = 64;
  out[9] = protocol;
  const auto s = v4(source);
  const auto d = v4(destination);
  std::copy(s.begin(), s.end(), out.begin() + 12);
  std::copy(d.begin(), d.end(), out.begin() + 16);
  auto* l4 = out.data() + 20;
  if (protocol == 1) {
    l4[0] = static_cast<std::uint8_t>(source_port);  // type
    l4[4] = static_cast<std::uint8_t>(destination_port >> 8);
    l4[5] = static_cast<std::uint8_t>(destination_port);
  } else {
    l4[0] = static_cast<std::uint8_t>(source_port >> 8);
    l4[1] = static_cast<std::uint8_t>(source_port);
    l4[2] = static_cast<std::uint8_t>(destination_port >> 8);
    l4[3] = static_cast<std::uint8_t>(destination_port);
    l4[13] = tcp_flags;
  }
  return out;
}

std::vector<std::uint8_t> tcp(const std::string& s, const std::string& d, std::uint16_t sp, std::uint16_t dp) {
  return packet(6, s, d, sp, dp);
}

std::vector<std::uint8_t> udp(const std::string& s, const std::string& d, std::uint16_t sp, std::uint16_t dp) {
  return packet(17, s, d, sp, dp);
}

std::vector<std::uint8_t> echo(bool request, const std::string& s, const std::string& d, std::uint16_t id) {
  return packet(1, s, d, request ? 8 : 0, id);
}

struct Fixture {
  Policy policy;
  Instant now{1000s};

  void use(PolicySettings settings) { policy.configure(settings, policy_identities()); }
  bool admit(Direction direction, const PublicKey& peer, const std::vector<std::uint8_t>& bytes) {
    return policy.admit(direction, peer, bytes, 1, bytes.size(), now);
  }
};

Rule allow_in(std::vector<std::string> groups) {
  Rule rule;
  rule.groups = std::move(groups);
  return rule;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(policy_rules, Fixture)

BOOST_AUTO_TEST_CASE(without_rules_everything_passes_and_is_tracked) {
  use({});
  BOOST_TEST(admit(kIn, kLaptop, tcp("10.0.0.2", "10.0.0.1", 40000, 22)));
  BOOST_TEST(admit(kOut, kLaptop, tcp("10.0.0.1", "10.0.0.2", 22, 40000)));
  BOOST_TEST(policy.flows().size() == 1U);
  policy.flows().for_each([&](const sluice::policy::Flow& flow) {
    BOOST_TEST(flow.packets[0] == 1U);
    BOOST_TEST(flow.packets[1] == 1U);
    BOOST_TEST((flow.origin == kIn));
    BOOST_TEST(flow.origin_tuple().destination_port == 22);
  });
}

BOOST_AUTO_TEST_CASE(groups_and_peers_select_the_sender) {
  PolicySettings settings;
  settings.inbound_default = Action::deny;
  settings.rules.push_back(allow_in({"servers"}));
  Rule by_key;
  by_key.peers = {kStranger};
  settings.rules.push_back(by_key);
  use(settings);
  BOOST_TEST(admit(kIn, kServer, udp("10.0.0.3", "10.0.0.1", 5000, 53)));
  BOOST_TEST(!admit(kIn, kLaptop, udp("10.0.0.2", "10.0.0.1", 5000, 53)));
  BOOST_TEST(admit(kIn, kStranger, udp("10.0.0.4", "10.0.0.1", 5000, 53)));
  BOOST_TEST(policy.rule_counters()[0].packets == 1U);
  BOOST_TEST(policy.rule_counters()[1].packets == 1U);
  BOOST_TEST(policy.default_counters(kIn).packets == 1U);
  BOOST_TEST(policy.peer_name(kLaptop) == "laptop-17");
  BOOST_TEST(policy.rule_name(1, kIn) == "rule 2");
  BOOST_TEST(policy.rule_name(kDefaultRule, kIn) == "default inbound");
}

BOOST_AUTO_TEST_CASE(first_match_wins_in_rule_order) {
  PolicySettings settings;
  Rule deny_laptops = allow_in({"laptops"});
  deny_laptops.action = Action::deny;
  deny_laptops.name = "no laptops";
  settings.rules = {deny_laptops, Rule{}};
  use(settings);
  BOOST_TEST(!admit(kIn, kLaptop, udp("10.0.0.2", "10.0.0.1", 1, 2)));
  BOOST_TEST(admit(kIn, kServer, udp("10.0.0.3", "10.0.0.1", 1, 2)));
  BOOST_TEST(policy.rule_name(0, kIn) == "no laptops");
}

BOOST_AUTO_TEST_CASE(prefixes_ports_and_protocols) {
  PolicySettings settings;
  settings.inbound_default = Action::deny;
  Rule ssh;
  ssh.from = {IpPrefix::parse("10.0.0.0/24")};
  ssh.to = {IpPrefix::parse("10.1.0.0/16")};
  ssh.protocol = Protocol::tcp;
  ssh.ports = {PortRange{22, 22}, PortRange{8000, 8100}};
  Rule ping;
  ping.protocol = Protocol::icmp;
  settings.rules = {ssh, ping};
  use(settings);
  BOOST_TEST(admit(kIn, kLaptop, tcp("10.0.0.2", "10.1.2.3", 40000, 22)));
  BOOST_TEST(admit(kIn, kLaptop, tcp("10.0.0.2", "10.1.2.3", 40000, 8100)));
  BOOST_TEST(!admit(kIn, kLaptop, tcp("10.0.0.2", "10.1.2.3", 40000, 8101)));
  BOOST_TEST(!admit(kIn, kLaptop, udp("10.0.0.2", "10.1.2.3", 40000, 22)));
  BOOST_TEST(!admit(kIn, kLaptop, tcp("10.0.1.2", "10.1.2.3", 40000, 22)));
  BOOST_TEST(!admit(kIn, kLaptop, tcp("10.0.0.2", "10.2.2.3", 40000, 22)));
  BOOST_TEST(admit(kIn, kLaptop, echo(true, "10.0.0.2", "10.2.2.3", 7)));
}

BOOST_AUTO_TEST_CASE(defaults_are_per_direction) {
  PolicySettings settings;
  settings.inbound_default = Action::deny;
  settings.outbound_default = Action::allow;
  use(settings);
  BOOST_TEST(!admit(kIn, kLaptop, udp("10.0.0.2", "10.0.0.1", 1000, 2000)));
  BOOST_TEST(admit(kOut, kLaptop, udp("10.0.0.1", "10.0.0.2", 3000, 4000)));
  Rule outbound_only;
  outbound_only.direction = kOut;
  outbound_only.action = Action::deny;
  settings.inbound_default = Action::allow;
  settings.rules = {outbound_only};
  use(settings);
  BOOST_TEST(admit(kIn, kLaptop, udp("10.0.0.2", "10.0.0.1", 1001, 2000)));
  BOOST_TEST(!admit(kOut, kLaptop, udp("10.0.0.1", "10.0.0.2", 3001, 4000)));
}

BOOST_AUTO_TEST_CASE(replies_to_an_allowed_flow_pass_the_other_way) {
  PolicySettings settings;
  settings.inbound_default = Action::deny;
  use(settings);
  BOOST_TEST(admit(kOut, kServer, tcp("10.0.0.1", "10.0.0.3", 40000, 80)));
  BOOST_TEST(admit(kIn, kServer, tcp("10.0.0.3", "10.0.0.1", 80, 40000)));
  BOOST_TEST(admit(kOut, kServer, echo(true, "10.0.0.1", "10.0.0.3", 9)));
  BOOST_TEST(admit(kIn, kServer, echo(false, "10.0.0.3", "10.0.0.1", 9)));
  // New connections inbound are not replies.
  BOOST_TEST(!admit(kIn, kServer, tcp("10.0.0.3", "10.0.0.1", 40001, 22)));
  BOOST_TEST(!admit(kIn, kServer, echo(true, "10.0.0.3", "10.0.0.1", 10)));
  BOOST_TEST(policy.default_counters(kOut).packets == 4U);
}

BOOST_AUTO_TEST_CASE(a_denied_flow_has_no_replies_but_may_start_the_other_way) {
  PolicySettings settings;
  settings.inbound_default = Action::deny;
  use(settings);
  BOOST_TEST(!admit(kIn, kLaptop, udp("10.0.0.2", "10.0.0.1", 5000, 6000)));
  BOOST_TEST(admit(kOut, kLaptop, udp("10.0.0.1", "10.0.0.2", 6000, 5000)));
  BOOST_TEST(admit(kIn, kLaptop, udp("10.0.0.2", "10.0.0.1", 5000, 6000)));
}

BOOST_AUTO_TEST_CASE(the_identity_is_the_peer_not_the_address) {
  PolicySettings settings;
  settings.inbound_default = Action::deny;
  settings.rules = {allow_in({"laptops"})};
  use(settings);
  BOOST_TEST(admit(kIn, kLaptop, udp("10.0.0.2", "10.0.0.1", 5000, 6000)));
  // The same tuple from another peer (its allowed IPs moved) is judged for that peer.
  BOOST_TEST(!admit(kIn, kStranger, udp("10.0.0.2", "10.0.0.1", 5000, 6000)));
}

BOOST_AUTO_TEST_CASE(a_reconfiguration_judges_live_flows_again) {
  PolicySettings settings;
  Rule keep;
  keep.protocol = Protocol::icmp;
  settings.rules = {keep, allow_in({"laptops"})};
  use(settings);
  BOOST_TEST(admit(kIn, kLaptop, udp("10.0.0.2", "10.0.0.1", 5000, 6000)));
  BOOST_TEST(admit(kIn, kLaptop, echo(true, "10.0.0.2", "10.0.0.1", 1)));
  settings.rules[1].action = Action::deny;
  use(settings);
  BOOST_TEST(!admit(kIn, kLaptop, udp("10.0.0.2", "10.0.0.1", 5000, 6000)));
  // A packet the other way starts a flow of its own, allowed outbound.
  BOOST_TEST(admit(kOut, kLaptop, udp("10.0.0.1", "10.0.0.2", 6000, 5000)));
  // The unchanged rule kept its counters; the changed one started again.
  BOOST_TEST(policy.rule_counters()[0].packets == 1U);
  BOOST_TEST(policy.rule_counters()[1].packets == 1U);
}

BOOST_AUTO_TEST_CASE(super_packets_count_their_segments) {
  use({});
  const auto bytes = tcp("10.0.0.1", "10.0.0.2", 40000, 443);
  BOOST_TEST(policy.admit(kOut, kServer, bytes, 44, 64000, now));
  BOOST_TEST(policy.default_counters(kOut).packets == 44U);
  BOOST_TEST(policy.default_counters(kOut).bytes == 64000U);
}

BOOST_AUTO_TEST_CASE(idle_flows_expire_by_protocol) {
  PolicySettings settings;
  settings.inbound_default = Action::deny;
  use(settings);
  BOOST_TEST(admit(kOut, kServer, udp("10.0.0.1", "10.0.0.3", 4000, 53)));
  BOOST_TEST(admit(kOut, kServer, tcp("10.0.0.1", "10.0.0.3", 4000, 22)));
  now += 61s;
  // UDP's reply comes too late; TCP's is in time.
  BOOST_TEST(!admit(kIn, kServer, udp("10.0.0.3", "10.0.0.1", 53, 4000)));
  BOOST_TEST(admit(kIn, kServer, tcp("10.0.0.3", "10.0.0.1", 22, 4000)));
  BOOST_TEST(policy.expire(now + 2h) == 2U);
  BOOST_TEST(policy.flows().size() == 0U);
}

BOOST_AUTO_TEST_CASE(tcp_fin_shortens_the_timeout) {
  use({});
  BOOST_TEST(admit(kOut, kServer, tcp("10.0.0.1", "10.0.0.3", 4000, 22)));
  BOOST_TEST(admit(kOut, kServer, packet(6, "10.0.0.1", "10.0.0.3", 4000, 22, 0x11)));
  BOOST_TEST(policy.expire(now + 11s) == 1U);
}

BOOST_AUTO_TEST_CASE(a_full_table_evicts_the_least_recently_seen) {
  PolicySettings settings;
  settings.inbound_default = Action::deny;
  settings.max_flows = 2;
  use(settings);
  BOOST_TEST(admit(kOut, kServer, udp("10.0.0.1", "10.0.0.3", 1, 53)));
  BOOST_TEST(admit(kOut, kServer, udp("10.0.0.1", "10.0.0.3", 2, 53)));
  BOOST_TEST(admit(kOut, kServer, udp("10.0.0.1", "10.0.0.3", 1, 53)));  // 1 is now the most recent
  BOOST_TEST(admit(kOut, kServer, udp("10.0.0.1", "10.0.0.3", 3, 53)));
  BOOST_TEST(policy.flows().size() == 2U);
  BOOST_TEST(policy.flows().evictions() == 1U);
  // Flow 2 went: its reply is a new inbound flow now.
  BOOST_TEST(!admit(kIn, kServer, udp("10.0.0.3", "10.0.0.1", 53, 2)));
  BOOST_TEST(admit(kIn, kServer, udp("10.0.0.3", "10.0.0.1", 53, 3)));
}

BOOST_AUTO_TEST_CASE(many_flows_come_and_go) {
  PolicySettings settings;
  settings.max_flows = 100;
  use(settings);
  for (std::uint16_t port = 1; port <= 1000; ++port) {
    BOOST_TEST_REQUIRE(admit(kOut, kServer, udp("10.0.0.1", "10.0.0.3", port, 53)));
  }
  BOOST_TEST(policy.flows().size() == 100U);
  BOOST_TEST(policy.flows().evictions() == 900U);
  std::size_t seen = 0;
  policy.flows().for_each([&](const sluice::policy::Flow&) { ++seen; });
  BOOST_TEST(seen == 100U);
}

BOOST_AUTO_TEST_CASE(non_ip_bytes_take_the_default) {
  PolicySettings settings;
  settings.inbound_default = Action::deny;
  use(settings);
  const std::vector<std::uint8_t> junk = {0x10, 0x20};
  BOOST_TEST(!policy.admit(kIn, kServer, junk, 1, 2, now));
  BOOST_TEST(policy.unparsed() == 1U);
}

BOOST_AUTO_TEST_SUITE_END()
