#include <chrono>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "ctl/flows.hpp"
#include "daemon/flows_answer.hpp"
#include "policy/policy.hpp"

using namespace std::chrono_literals;
using sluice::policy::Action;
using sluice::policy::Direction;

namespace {

// 10.0.0.2:40000 -> 10.0.0.1:22, TCP.
std::vector<std::uint8_t> ssh_packet() {
  std::vector<std::uint8_t> out(40);
  out[0] = 0x45;
  out[3] = 40;
  out[9] = 6;
  out[12] = 10;
  out[15] = 2;
  out[16] = 10;
  out[19] = 1;
  out[20] = 0x9c;
  out[21] = 0x40;
  out[23] = 22;
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_flows)

BOOST_AUTO_TEST_CASE(the_answer_reads_back_as_sluicectl_shows_it) {
  sluice::crypto::PublicKey laptop;
  laptop.bytes.fill(1);
  sluice::policy::PolicySettings settings;
  settings.inbound_default = Action::deny;
  sluice::policy::Rule ssh;
  ssh.name = "ssh \"in\"";
  ssh.groups = {"laptops"};
  settings.rules.push_back(ssh);
  sluice::policy::Policy policy;
  const std::vector<sluice::policy::PeerIdentity> identities = {{laptop, "laptop-17", {"laptops"}}};
  policy.configure(settings, identities);
  const auto packet = ssh_packet();
  BOOST_TEST(policy.admit(Direction::inbound, laptop, packet, 1, packet.size(), 10s));
  BOOST_TEST(policy.admit(Direction::inbound, laptop, packet, 3, 120, 12s));

  // Monotonic 12 s is Unix time 1,700,000,000 s.
  const std::string lines = sluice::daemon::serialize_flows(policy, 12s, 1'700'000'000s);
  const auto answer = sluice::ctl::parse_flows_answer(lines);
  BOOST_TEST(answer.flows == 1U);
  BOOST_TEST_REQUIRE(answer.records.size() == 1U);
  const auto& flow = answer.records[0];
  BOOST_TEST(flow.peer_name == "laptop-17");
  BOOST_TEST(flow.origin == "inbound");
  BOOST_TEST(flow.packets_in == 4U);
  BOOST_TEST(flow.bytes_in == 160U);
  BOOST_TEST(flow.first_seen == 1'699'999'998'000U);
  BOOST_TEST(flow.last_seen == 1'700'000'000'000U);
  BOOST_TEST(sluice::ctl::flow_line(flow) ==
             "2023-11-14T22:13:20.000Z laptop-17 10.0.0.2:40000 -> 10.0.0.1:22 tcp inbound FORWARDED (ssh \"in\") in "
             "4/160 out 0/0 packets/bytes");
  BOOST_TEST_REQUIRE(answer.rules.size() == 3U);
  BOOST_TEST(answer.rules[0].packets == 4U);
  BOOST_TEST(answer.rules[1].name == "default inbound");

  // New rules: the flow shows as judged by the old ones until its next packet.
  policy.configure(settings, identities);
  BOOST_TEST(
      sluice::ctl::parse_flows_answer(sluice::daemon::serialize_flows(policy, 12s, 1'700'000'000s)).records[0].rule ==
      "(rules changed since)");
  BOOST_TEST(policy.admit(Direction::inbound, laptop, packet, 1, 40, 13s));
  BOOST_TEST(
      sluice::ctl::parse_flows_answer(sluice::daemon::serialize_flows(policy, 13s, 1'700'000'000s)).records[0].rule ==
      "ssh \"in\"");

  std::string metrics;
  sluice::daemon::append_policy_metrics(metrics, "interface=\"wg0\"", policy);
  BOOST_TEST(metrics.find(
                 "sluice_policy_rule_packets_total{interface=\"wg0\",rule=\"ssh \\\"in\\\"\",action=\"allow\"} 5\n") !=
                 std::string::npos,
             metrics);
  BOOST_TEST(
      metrics.find("sluice_peer_flows{interface=\"wg0\",peer=\"AQEBAQEB\",verdict=\"allow\"} 1\n") != std::string::npos,
      metrics);
}

BOOST_AUTO_TEST_SUITE_END()
