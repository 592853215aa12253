// The CNI invocation as a runtime makes it: the environment per verb and the config on standard
// input, valid and invalid, with the spec's error codes.
#include <boost/test/unit_test.hpp>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cni/cni_error.hpp"
#include "cni/invocation.hpp"
#include "cni/node_subnet.hpp"
#include "cni/plugin_config.hpp"
#include "cni/version.hpp"
#include "test_temp_dir.hpp"

namespace {

using sluice::cni::CniError;
using sluice::cni::Command;
using sluice::cni::ErrorCode;
using sluice::cni::Invocation;
using Variables = std::map<std::string, std::string>;

Invocation invoke(const Variables& variables) {
  return sluice::cni::read_invocation([&](const char* name) -> const char* {
    const auto it = variables.find(name);
    return it == variables.end() ? nullptr : it->second.c_str();
  });
}

// The error's code and whether its message holds `fragment`.
bool fails_with(ErrorCode code, const std::string& fragment, const CniError& error) {
  BOOST_TEST_INFO("message: " << error.what());
  return error.code() == code && std::string(error.what()).find(fragment) != std::string::npos;
}

Variables full(const std::string& command) {
  return {{"CNI_COMMAND", command},
          {"CNI_CONTAINERID", "c0ffee-1.a_b"},
          {"CNI_NETNS", "/var/run/netns/c1"},
          {"CNI_IFNAME", "eth0"},
          {"CNI_ARGS", "K8S_POD_NAME=web;IgnoreUnknown=1"},
          {"CNI_PATH", "/usr/lib/cni"}};
}

const std::string kConfig = R"({"cniVersion": "1.1.0", "name": "sluice-net", "type": "sluice"})";

std::string with(const std::string& fields, const std::string& version = "1.1.0") {
  return R"({"cniVersion": ")" + version + R"(", "name": "sluice-net", "type": "sluice", )" + fields + "}";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cni_config)

BOOST_AUTO_TEST_CASE(every_verb_with_its_variables) {
  for (const std::string command : {"ADD", "CHECK", "DEL"}) {
    const Invocation invocation = invoke(full(command));
    BOOST_TEST(sluice::cni::command_name(invocation.command) == command);
    BOOST_TEST(invocation.container_id == "c0ffee-1.a_b");
    BOOST_TEST(invocation.netns == "/var/run/netns/c1");
    BOOST_TEST(invocation.ifname == "eth0");
    BOOST_TEST(invocation.args == "K8S_POD_NAME=web;IgnoreUnknown=1");
  }
  // DEL may come without the namespace: it is gone.
  Variables del = full("DEL");
  del.erase("CNI_NETNS");
  BOOST_TEST(invoke(del).netns.empty());
  // VERSION, STATUS and GC need nothing but CNI_COMMAND.
  BOOST_TEST((invoke({{"CNI_COMMAND", "VERSION"}}).command == Command::version));
  BOOST_TEST((invoke({{"CNI_COMMAND", "STATUS"}}).command == Command::status));
  BOOST_TEST((invoke({{"CNI_COMMAND", "GC"}, {"CNI_PATH", "/usr/lib/cni"}}).command == Command::gc));
}

BOOST_AUTO_TEST_CASE(bad_variables_are_code_4_and_named) {
  const auto without = [](const std::string& command, const std::string& name) {
    Variables variables = full(command);
    variables.erase(name);
    return variables;
  };
  const auto changed = [](const std::string& command, const std::string& name, const std::string& value) {
    Variables variables = full(command);
    variables[name] = value;
    return variables;
  };
  const std::vector<std::pair<Variables, std::string>> cases = {
      {{}, "CNI_COMMAND is not set"},
      {{{"CNI_COMMAND", "add"}}, "CNI_COMMAND=add is not one of ADD, DEL, CHECK, VERSION, STATUS, GC"},
      {{{"CNI_COMMAND", "INIT"}}, "CNI_COMMAND=INIT"},
      {without("ADD", "CNI_CONTAINERID"), "CNI_CONTAINERID is not set"},
      {without("CHECK", "CNI_CONTAINERID"), "CNI_CONTAINERID is not set"},
      {without("DEL", "CNI_CONTAINERID"), "CNI_CONTAINERID is not set"},
      {without("ADD", "CNI_NETNS"), "CNI_NETNS is not set"},
      {without("CHECK", "CNI_NETNS"), "CNI_NETNS is not set"},
      {without("ADD", "CNI_IFNAME"), "CNI_IFNAME is not set"},
      {without("DEL", "CNI_IFNAME"), "CNI_IFNAME is not set"},
      {changed("ADD", "CNI_CONTAINERID", "-starts-badly"), "CNI_CONTAINERID=-starts-badly must start"},
      {changed("ADD", "CNI_CONTAINERID", "has space"), "CNI_CONTAINERID=has space"},
      {changed("ADD", "CNI_CONTAINERID", "a/b"), "CNI_CONTAINERID=a/b"},
      {changed("ADD", "CNI_IFNAME", "this-name-is-too-long"), "CNI_IFNAME=this-name-is-too-long"},
      {changed("ADD", "CNI_IFNAME", "eth/0"), "CNI_IFNAME=eth/0"},
      {changed("ADD", "CNI_IFNAME", ".."), "CNI_IFNAME=.."},
      {changed("ADD", "CNI_NETNS", "netns/c1"), "CNI_NETNS=netns/c1 is not an absolute path"},
  };
  for (const auto& [variables, message] : cases) {
    BOOST_TEST_CONTEXT(message) {
      // Init-captures: clang 14 cannot capture structured bindings (C++20's P1091).
      BOOST_CHECK_EXCEPTION((void)invoke(variables), CniError, [&message = message](const CniError& e) {
        return fails_with(ErrorCode::invalid_environment, message, e);
      });
    }
  }
  // Every wrong variable is named at once.
  Variables two = without("ADD", "CNI_NETNS");
  two["CNI_IFNAME"] = "";
  BOOST_CHECK_EXCEPTION((void)invoke(two), CniError, [](const CniError& e) {
    return fails_with(ErrorCode::invalid_environment, "CNI_IFNAME is not set; CNI_NETNS is not set", e);
  });
}

BOOST_AUTO_TEST_CASE(config_defaults_and_keys) {
  const auto config = sluice::cni::parse_plugin_config(kConfig);
  BOOST_TEST(config.cni_version == "1.1.0");
  BOOST_TEST(config.name == "sluice-net");
  BOOST_TEST(config.type == "sluice");
  BOOST_TEST(config.subnet_file == "/run/flannel/subnet.env");
  BOOST_TEST(config.data_dir == "/var/lib/cni/sluice");
  BOOST_TEST(!config.mtu.has_value());
  BOOST_TEST(!config.prev_result.has_value());
  BOOST_TEST(!config.valid_attachments.has_value());
  BOOST_TEST(!config.policy.has_value());

  const auto full_config = sluice::cni::parse_plugin_config(with(
      R"("subnetFile": "/tmp/s.env", "dataDir": "/tmp/d", "mtu": 1400, "dns": {"nameservers": ["10.96.0.10"]},
         "args": {"cni": {"x": 1}}, "runtimeConfig": {"portMappings": []}, "capabilities": {"portMappings": true},
         "prevResult": {"cniVersion": "1.1.0", "interfaces": []},
         "cni.dev/valid-attachments": [{"containerID": "c1", "ifname": "eth0"}])"));
  BOOST_TEST(full_config.subnet_file == "/tmp/s.env");
  BOOST_TEST(full_config.data_dir == "/tmp/d");
  BOOST_TEST(*full_config.mtu == 1400u);
  BOOST_TEST(full_config.dns["nameservers"][0] == "10.96.0.10");
  BOOST_TEST(full_config.prev_result.has_value());
  BOOST_TEST_REQUIRE(full_config.valid_attachments.has_value());
  BOOST_TEST((full_config.valid_attachments->at(0) == sluice::cni::Attachment{"c1", "eth0"}));

  for (const std::string version : {"0.4.0", "1.0.0", "1.1.0"}) {
    BOOST_TEST(sluice::cni::parse_plugin_config(with(R"("mtu": 1420)", version)).cni_version == version);
  }
  // The draft's key is read when the spec's is absent.
  const auto draft = sluice::cni::parse_plugin_config(with(R"("cni.dev/attachments": [])"));
  BOOST_TEST_REQUIRE(draft.valid_attachments.has_value());
  BOOST_TEST(draft.valid_attachments->empty());

  const auto policy = sluice::cni::parse_plugin_config(with(R"("policy": {"interface": "mesh0"})"));
  BOOST_TEST_REQUIRE(policy.policy.has_value());
  BOOST_TEST(policy.policy->interface == "mesh0");
  BOOST_TEST(policy.policy->control_dir == "/run/wireguard");
  BOOST_TEST(policy.policy->bpffs == "/sys/fs/bpf");
  const auto placed = sluice::cni::parse_plugin_config(
      with(R"("policy": {"interface": "wg1", "controlDir": "/tmp/ctl", "bpffs": "/tmp/bpf"})"));
  BOOST_TEST(placed.policy->control_dir == "/tmp/ctl");
  BOOST_TEST(placed.policy->bpffs == "/tmp/bpf");
}

BOOST_AUTO_TEST_CASE(config_errors_have_the_spec_codes) {
  const std::vector<std::tuple<std::string, ErrorCode, std::string>> cases = {
      {"", ErrorCode::decode_failure, "not JSON"},
      {"{\"cniVersion\": ", ErrorCode::decode_failure, "not JSON"},
      {"[1, 2]", ErrorCode::decode_failure, "not a JSON object"},
      {R"({"name": "n", "type": "sluice"})", ErrorCode::incompatible_version, "has no cniVersion"},
      {with("\"mtu\": 1420", "0.3.1"), ErrorCode::incompatible_version, "cniVersion 0.3.1 is not supported"},
      {with("\"mtu\": 1420", "1.2.0"), ErrorCode::incompatible_version, "cniVersion 1.2.0 is not supported"},
      {R"({"cniVersion": 1, "name": "n", "type": "sluice"})", ErrorCode::invalid_config,
       "\"cniVersion\" must be a string"},
      {R"({"cniVersion": "1.0.0", "type": "sluice"})", ErrorCode::invalid_config, "\"name\" is missing"},
      {R"({"cniVersion": "1.0.0", "name": "-x", "type": "sluice"})", ErrorCode::invalid_config, "\"name\" \"-x\""},
      {R"({"cniVersion": "1.0.0", "name": "n"})", ErrorCode::invalid_config, "\"type\" is missing"},
      {with(R"("ipam": {"type": "host-local"})"), ErrorCode::unsupported_field,
       R"(unsupported field "ipam": {"type":"host-local"})"},
      {with(R"("bridge": "cni0")"), ErrorCode::unsupported_field, R"(unsupported field "bridge": "cni0")"},
      {with(R"("mtu": 100)"), ErrorCode::invalid_config, "\"mtu\" must be a whole number from 576 to 65535, not 100"},
      {with(R"("mtu": "1420")"), ErrorCode::invalid_config, "\"mtu\" must be a whole number"},
      {with(R"("mtu": -1)"), ErrorCode::invalid_config, "\"mtu\" must be a whole number"},
      {with(R"("subnetFile": "relative.env")"), ErrorCode::invalid_config, "\"subnetFile\" must be an absolute path"},
      {with(R"("dataDir": 7)"), ErrorCode::invalid_config, "\"dataDir\" must be an absolute path"},
      {with(R"("dns": [])"), ErrorCode::invalid_config, "\"dns\" must be an object"},
      {with(R"("prevResult": "x")"), ErrorCode::invalid_config, "\"prevResult\" must be an object"},
      {with(R"("cni.dev/valid-attachments": {})"), ErrorCode::invalid_config,
       "\"cni.dev/valid-attachments\" must be an array"},
      {with(R"("cni.dev/valid-attachments": [{"containerID": "c1"}])"), ErrorCode::invalid_config,
       "needs string fields \"containerID\" and \"ifname\""},
      {with(R"("policy": "mesh0")"), ErrorCode::invalid_config, "\"policy\" must be an object"},
      {with(R"("policy": {})"), ErrorCode::invalid_config, "\"policy.interface\" is missing"},
      {with(R"("policy": {"interface": "a/b"})"), ErrorCode::invalid_config,
       "\"policy.interface\" must be an interface name"},
      {with(R"("policy": {"interface": "interface-too-long"})"), ErrorCode::invalid_config,
       "\"policy.interface\" must be an interface name"},
      {with(R"("policy": {"interface": "mesh0", "bpffs": "bpf"})"), ErrorCode::invalid_config,
       "\"policy.bpffs\" must be an absolute path"},
      {with(R"("policy": {"interface": "mesh0", "controlDir": 1})"), ErrorCode::invalid_config,
       "\"policy.controlDir\" must be an absolute path"},
      {with(R"("policy": {"interface": "mesh0", "pins": "/x"})"), ErrorCode::unsupported_field,
       R"(unsupported field "policy.pins": "/x")"},
  };
  for (const auto& [text, code, message] : cases) {
    BOOST_TEST_CONTEXT(text) {
      const auto expected = [code = code, &message = message](const CniError& e) {
        return fails_with(code, message, e);
      };
      BOOST_CHECK_EXCEPTION((void)sluice::cni::parse_plugin_config(text), CniError, expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(versions_and_error_object) {
  const auto version = sluice::cni::version_json();
  BOOST_TEST(version.dump() == R"({"cniVersion":"1.1.0","supportedVersions":["0.4.0","1.0.0","1.1.0"]})");
  BOOST_TEST(sluice::cni::has_status_and_gc("1.1.0"));
  BOOST_TEST(!sluice::cni::has_status_and_gc("1.0.0"));
  BOOST_TEST(!sluice::cni::peek_cni_version(R"({"cniVersion": "0.4.0", "x": )").has_value());
  BOOST_TEST(*sluice::cni::peek_cni_version(R"({"cniVersion": "0.4.0"})") == "0.4.0");
  BOOST_TEST(!sluice::cni::peek_cni_version("nonsense").has_value());

  const CniError error(ErrorCode::try_again_later, "the node has no subnet yet", "details here");
  BOOST_TEST(sluice::cni::error_json("1.0.0", error).dump() ==
             R"({"cniVersion":"1.0.0","code":11,"details":"details here","msg":"the node has no subnet yet"})");
  const CniError plain(ErrorCode::unsupported_field, "unsupported field");
  BOOST_TEST(!sluice::cni::error_json("1.1.0", plain).contains("details"));
}

BOOST_AUTO_TEST_CASE(node_subnet_errors_per_verb) {
  const sluice::test::TempDir dir;
  sluice::cni::PluginConfig config = sluice::cni::parse_plugin_config(
      with(R"("subnetFile": ")" + (dir.path() / "subnet.env").string() + R"(", "mtu": 1300)"));
  // Missing: ADD tries again later, STATUS is not available; both point at sluice-mesh.
  for (const ErrorCode code : {ErrorCode::try_again_later, ErrorCode::not_available}) {
    BOOST_CHECK_EXCEPTION((void)sluice::cni::read_node_subnet(config, code, ErrorCode::io_failure), CniError,
                          [&](const CniError& e) {
                            return fails_with(code,
                                              "the node has no subnet yet (" + config.subnet_file.string() +
                                                  " does not exist): is sluice-mesh running?",
                                              e);
                          });
  }
  dir.write("subnet.env", "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\nFLANNEL_MTU=x\n");
  BOOST_CHECK_EXCEPTION(
      (void)sluice::cni::read_node_subnet(config, ErrorCode::try_again_later, ErrorCode::io_failure), CniError,
      [&](const CniError& e) { return fails_with(ErrorCode::io_failure, "subnet.env:3: FLANNEL_MTU: \"x\"", e); });

  dir.write("subnet.env",
            "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\nFLANNEL_IPV6_NETWORK=fd00:244::/56\n"
            "FLANNEL_IPV6_SUBNET=fd00:244:0:3::1/64\nFLANNEL_MTU=1420\n");
  const auto subnet = sluice::cni::read_node_subnet(config, ErrorCode::try_again_later, ErrorCode::io_failure);
  BOOST_TEST(sluice::cni::attachment_mtu(config, subnet) == 1300u);  // the config's wins
  config.mtu.reset();
  BOOST_TEST(sluice::cni::attachment_mtu(config, subnet) == 1420u);
  config.mtu = 1000;  // too small for the node's IPv6
  BOOST_CHECK_EXCEPTION((void)sluice::cni::attachment_mtu(config, subnet), CniError, [](const CniError& e) {
    return fails_with(ErrorCode::invalid_config, "\"mtu\" 1000 is below IPv6's minimum of 1280", e);
  });
}

BOOST_AUTO_TEST_SUITE_END()
