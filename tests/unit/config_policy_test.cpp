#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "config/config_file.hpp"
#include "config/policy_reader.hpp"
#include "config/toml_writer.hpp"
#include "crypto/key_encoding.hpp"
#include "ctl_test_keys.hpp"
#include "uapi/policy_text.hpp"

using sluice::config::ConfigError;
using sluice::config::InterfaceSettings;
using sluice::config::parse_config;
using sluice::policy::Action;
using sluice::policy::Direction;
using sluice::policy::Protocol;

namespace {

const std::string kHead = "[interface]\nprivate_key = \"" + sluice::test::kPrivate + "\"\n";

// Two peers, a named laptop in group laptops and an unnamed server, then `tail` from line 11.
std::string config(const std::string& tail) {
  return kHead +  // lines 1-2
         "[[peer]]\npublic_key = \"" + sluice::test::kPeer1 +
         "\"\nname = \"laptop-17\"\n"                                 // 3-5
         "groups = [\"laptops\"]\nallowed_ips = [\"10.0.0.2/32\"]\n"  // 6-7
         "[[peer]]\npublic_key = \"" +
         sluice::test::kPeer2 + "\"\nallowed_ips = [\"10.0.0.3/32\"]\n"  // 8-10
         + tail;
}

InterfaceSettings parse(const std::string& text) { return parse_config(text, "/etc/sluice/po0.toml"); }

std::string error_of(const std::string& text) {
  try {
    (void)parse(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

sluice::crypto::PublicKey key(const std::string& base64) {
  sluice::crypto::PublicKey out;
  sluice::crypto::decode_base64_key(base64, out.bytes);
  return out;
}

const std::string kRules = R"([policy_defaults]
inbound = "deny"
max_flows = 1000

[[policy]]
name = "ssh from laptops"
groups = ["laptops"]
to = ["10.1.0.0/16"]
protocol = "tcp"
ports = [22, "8000-8100"]
action = "allow"

[[policy]]
direction = "outbound"
peers = ["laptop-17", ")" + sluice::test::kPeer2 +
                           R"("]
from = ["10.1.2.3/24"]
protocol = "icmp"
action = "deny"
)";

}  // namespace

BOOST_AUTO_TEST_SUITE(config_policy)

BOOST_AUTO_TEST_CASE(names_groups_and_rules_are_read) {
  const InterfaceSettings settings = parse(config(kRules));
  BOOST_TEST(settings.peers[0].name == "laptop-17");
  BOOST_TEST(settings.peers[0].groups == std::vector<std::string>{"laptops"});
  BOOST_TEST(settings.peers[1].name.empty());
  const auto& policy = settings.policy;
  BOOST_TEST((policy.inbound_default == Action::deny));
  BOOST_TEST((policy.outbound_default == Action::allow));
  BOOST_TEST(policy.max_flows == 1000U);
  BOOST_TEST_REQUIRE(policy.rules.size() == 2U);
  const auto& ssh = policy.rules[0];
  BOOST_TEST(ssh.name == "ssh from laptops");
  BOOST_TEST((ssh.direction == Direction::inbound));
  BOOST_TEST((ssh.protocol == Protocol::tcp));
  BOOST_TEST(ssh.ports.size() == 2U);
  BOOST_TEST(ssh.ports[1].first == 8000);
  BOOST_TEST(ssh.ports[1].last == 8100);
  const auto& ping = policy.rules[1];
  BOOST_TEST((ping.direction == Direction::outbound));
  BOOST_TEST_REQUIRE(ping.peers.size() == 2U);
  BOOST_TEST((ping.peers[0] == key(sluice::test::kPeer1)));
  BOOST_TEST((ping.peers[1] == key(sluice::test::kPeer2)));
  BOOST_TEST(ping.from[0].to_string() == "10.1.2.0/24");
  BOOST_TEST((ping.action == Action::deny));
  const auto identities = sluice::config::peer_identities(settings.peers);
  BOOST_TEST_REQUIRE(identities.size() == 1U);
  BOOST_TEST(identities[0].name == "laptop-17");
}

BOOST_AUTO_TEST_CASE(the_writer_writes_what_the_reader_reads) {
  sluice::config::TomlFile file;
  file.settings = parse(config(kRules));
  const std::string text = sluice::config::write_toml(file).str();
  BOOST_TEST(text.find("peers = [\"laptop-17\", \"" + sluice::test::kPeer2 + "\"]") != std::string::npos);
  const InterfaceSettings again = parse(text);
  BOOST_TEST((again.policy == file.settings.policy));
  BOOST_TEST(again.peers[0].groups == file.settings.peers[0].groups);
}

BOOST_AUTO_TEST_CASE(the_control_lines_carry_rules_and_identities) {
  const InterfaceSettings settings = parse(config(kRules));
  std::string lines;
  sluice::uapi::append_policy_lines(lines, settings.policy, sluice::config::peer_identities(settings.peers));
  const auto parsed = sluice::uapi::parse_policy_lines(lines);
  BOOST_TEST((parsed.settings == settings.policy));
  BOOST_TEST_REQUIRE(parsed.identities.size() == 1U);
  BOOST_TEST(parsed.identities[0].groups == std::vector<std::string>{"laptops"});
  BOOST_CHECK_THROW((void)sluice::uapi::parse_policy_lines("rule=x\nport=9\n"), std::invalid_argument);
  BOOST_CHECK_THROW((void)sluice::uapi::parse_policy_lines("action=allow\n"), std::invalid_argument);
}

struct Broken {
  const char* tail;
  const char* where;  // "LINE:COLUMN: KEY"
  const char* fragment;
};

BOOST_AUTO_TEST_CASE(mistakes_name_file_line_and_key) {
  const Broken cases[] = {
      {"[[policy]]\ngroups = [\"admins\"]\naction = \"allow\"\n", "12:11: policy[0].groups[0]",
       "no [[peer]] is in group"},
      {"[[policy]]\npeers = [\"laptop-18\"]\naction = \"allow\"\n", "12:10: policy[0].peers[0]",
       "no [[peer]] has this name"},
      {"[[policy]]\npeers = [\""
       "PPy6qHchEI6zaLcj44OiKMyJSXp8wQ3x1Od5h08ktXM="
       "\"]\naction = \"allow\"\n",
       "12:10: policy[0].peers[0]", "is not the public key of any [[peer]]"},
      {"[[policy]]\nto = [\"10.0.0.0/33\"]\naction = \"allow\"\n", "12:7: policy[0].to[0]", "33"},
      {"[[policy]]\nprotocol = \"tcp\"\nports = [\"22-x\"]\naction = \"allow\"\n", "13:10: policy[0].ports[0]",
       "expected a port"},
      {"[[policy]]\nprotocol = \"tcp\"\nports = [70000]\naction = \"allow\"\n", "13:10: policy[0].ports[0]",
       "out of range"},
      {"[[policy]]\nprotocol = \"icmp\"\nports = [1]\naction = \"allow\"\n", "13:9: policy[0].ports", "need protocol"},
      {"[[policy]]\nprotocol = \"sctp\"\naction = \"allow\"\n", "12:12: policy[0].protocol", "expected \"tcp\""},
      {"[[policy]]\naction = \"permit\"\n", "12:10: policy[0].action", "expected \"allow\" or \"deny\""},
      {"[[policy]]\nprotocol = \"tcp\"\n", "11:1: policy[0]", "missing action"},
      {"[[policy]]\naction = \"allow\"\nport = 1\n", "13:1: policy[0].port", "unknown key"},
      {"[policy_defaults]\ninbound = \"drop\"\n", "12:11: policy_defaults.inbound", "expected \"allow\""},
      {"[policy_defaults]\nmax_flows = 1\n", "12:13: policy_defaults.max_flows", "out of range"},
      {"[[peer]]\npublic_key = \""
       "PPy6qHchEI6zaLcj44OiKMyJSXp8wQ3x1Od5h08ktXM="
       "\"\nname = \"laptop-17\"\n",
       "13:8: peer[2].name", "same name as peer[0]"},
      {"[[peer]]\npublic_key = \""
       "PPy6qHchEI6zaLcj44OiKMyJSXp8wQ3x1Od5h08ktXM="
       "\"\nname = \"a b\"\n",
       "13:8: peer[2].name", "expected 1-64 letters"},
  };
  for (const Broken& broken : cases) {
    const std::string message = error_of(config(broken.tail));
    BOOST_TEST_CONTEXT(broken.tail) {
      BOOST_TEST(message.find(std::string("/etc/sluice/po0.toml:") + broken.where + ": ") == 0U, message);
      BOOST_TEST(message.find(broken.fragment) != std::string::npos, message);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
