#include <boost/test/unit_test.hpp>
#include <string>

#include "mesh/agent_config.hpp"
#include "mesh_test_print.hpp"
#include "test_temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using sluice::mesh::AgentConfig;
using sluice::mesh::AgentConfigError;
using sluice::mesh::parse_agent_config;
using sluice::tunnel::IpAddress;

const fs::path kOrigin = "/etc/sluice/mesh.toml";

std::string error_of(const std::string& toml) {
  try {
    (void)parse_agent_config(toml, kOrigin);
  } catch (const AgentConfigError& e) {
    return e.what();
  }
  return "(accepted)";
}

// The two required top-level keys, then `rest`, then an [etcd] table with `etcd` in it.
std::string config_with(const std::string& rest, const std::string& etcd = "") {
  return "interface = \"mesh0\"\npublic_ip = \"10.200.0.1\"\n" + rest +
         "[etcd]\nendpoints = [\"http://10.200.0.100:2379\"]\n" + etcd;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mesh_agent_config)

BOOST_AUTO_TEST_CASE(minimal_config_has_the_defaults) {
  const AgentConfig config = parse_agent_config(config_with(""), kOrigin);
  BOOST_TEST(config.interface == "mesh0");
  BOOST_TEST(config.control_dir == "/run/wireguard");
  BOOST_TEST(config.public_ip == IpAddress::parse("10.200.0.1"));
  BOOST_TEST(!config.public_ipv6.has_value());
  BOOST_TEST(!config.listen_port.has_value());
  BOOST_TEST(!config.persistent_keepalive.has_value());
  BOOST_TEST(config.lease_ttl.count() == 60);
  BOOST_TEST(config.state_dir == "/var/lib/sluice-mesh");
  BOOST_TEST(config.subnet_env == "/run/flannel/subnet.env");
  BOOST_TEST(!config.ip_masq);
  BOOST_TEST(!config.container_policy);
  BOOST_TEST(config.bpffs == "/sys/fs/bpf");
  BOOST_TEST(config.etcd.endpoints == std::vector<std::string>{"http://10.200.0.100:2379"});
  BOOST_TEST(config.etcd.prefix == "/coreos.com/network");
  BOOST_TEST(!config.etcd.ca_file.has_value());
  BOOST_TEST(!config.etcd.username.has_value());
}

BOOST_AUTO_TEST_CASE(full_config) {
  const AgentConfig config = parse_agent_config(R"(
interface = "mesh0"
control_dir = "/run/sluice"
public_ip = "10.200.0.1"
public_ipv6 = "fd00:200::1"
listen_port = 51821
persistent_keepalive = 25
lease_ttl = 30
state_dir = "state"
subnet_env = "/run/flannel/subnet.env"
ip_masq = true
container_policy = true
bpffs = "bpf"
[etcd]
endpoints = ["https://10.200.0.100:2379/", "https://etcd.example:2379"]
prefix = "/sluice/network//"
ca_file = "ca.pem"
cert_file = "/etc/ssl/client.pem"
key_file = "client-key.pem"
username = "mesh"
password_file = "etcd.password"
)",
                                                kOrigin);
  BOOST_TEST(config.control_dir == "/run/sluice");
  BOOST_TEST(*config.public_ipv6 == IpAddress::parse("fd00:200::1"));
  BOOST_TEST(*config.listen_port == 51821);
  BOOST_TEST(*config.persistent_keepalive == 25);
  BOOST_TEST(config.lease_ttl.count() == 30);
  BOOST_TEST(config.state_dir == "/etc/sluice/state");  // relative to the config file
  BOOST_TEST(config.ip_masq);
  BOOST_TEST(config.container_policy);
  BOOST_TEST(config.bpffs == "/etc/sluice/bpf");
  BOOST_TEST(config.etcd.endpoints ==
             (std::vector<std::string>{"https://10.200.0.100:2379", "https://etcd.example:2379"}));
  BOOST_TEST(config.etcd.prefix == "/sluice/network");
  BOOST_TEST(*config.etcd.ca_file == "/etc/sluice/ca.pem");
  BOOST_TEST(*config.etcd.cert_file == "/etc/ssl/client.pem");
  BOOST_TEST(*config.etcd.key_file == "/etc/sluice/client-key.pem");
  BOOST_TEST(*config.etcd.username == "mesh");
  BOOST_TEST(*config.etcd.password_file == "/etc/sluice/etcd.password");
}

struct BrokenCase {
  std::string toml;
  std::string message;  // after "/etc/sluice/mesh.toml:"
};

BOOST_AUTO_TEST_CASE(broken_configs_name_file_line_and_key) {
  const BrokenCase cases[] = {
      {"interface = \n", "1:13: invalid TOML: Error while parsing key-value pair: expected value, saw '\\n'"},
      {config_with("colour = 1\n"),
       "3:1: colour: unknown key (allowed here: interface, control_dir, public_ip, public_ipv6, listen_port, "
       "persistent_keepalive, lease_ttl, state_dir, subnet_env, ip_masq, container_policy, bpffs, etcd)"},
      {config_with("", "endpoint = \"x\"\n"),
       "5:1: etcd.endpoint: unknown key (allowed here: endpoints, prefix, ca_file, cert_file, key_file, username, "
       "password_file)"},
      {"public_ip = \"10.200.0.1\"\n[etcd]\nendpoints = [\"http://e:2379\"]\n",
       "1:1: interface: missing (the sluiced interface to manage)"},
      {"interface = \"mesh0\"\n[etcd]\nendpoints = [\"http://e:2379\"]\n",
       "1:1: public_ip: missing (the IPv4 address other nodes send to)"},
      {"interface = \"mesh0\"\npublic_ip = \"10.200.0.1\"\n", "1:1: etcd: missing [etcd] table (with endpoints)"},
      {"interface = \"mesh0\"\npublic_ip = \"10.200.0.1\"\netcd = 1\n", "3:8: etcd: expected a table, got an integer"},
      {"interface = \"mesh0\"\npublic_ip = \"10.200.0.1\"\n[etcd]\nprefix = \"/x\"\n",
       "3:1: etcd: missing endpoints (such as [\"http://10.200.0.100:2379\"])"},
      {"interface = \"a/b\"\npublic_ip = \"10.200.0.1\"\n[etcd]\nendpoints = [\"http://e:2379\"]\n",
       "1:13: interface: 'a/b' is not a valid interface name (1 to 15 characters, no '/', ':' or white space)"},
      {"interface = 7\npublic_ip = \"10.200.0.1\"\n[etcd]\nendpoints = [\"http://e:2379\"]\n",
       "1:13: interface: expected a string, got an integer"},
      {"interface = \"mesh0\"\npublic_ip = \"fd00::1\"\n[etcd]\nendpoints = [\"http://e:2379\"]\n",
       "2:13: public_ip: fd00::1 is not an IPv4 address (use public_ipv6)"},
      {"interface = \"mesh0\"\npublic_ip = \"10.200.0.1/24\"\n[etcd]\nendpoints = [\"http://e:2379\"]\n",
       "2:13: public_ip: '10.200.0.1/24' is not an IPv4 or IPv6 address"},
      {"interface = \"mesh0\"\npublic_ip = \"0.0.0.0\"\n[etcd]\nendpoints = [\"http://e:2379\"]\n",
       "2:13: public_ip: 0.0.0.0 names no host"},
      {config_with("public_ipv6 = \"10.0.0.1\"\n"),
       "3:15: public_ipv6: 10.0.0.1 is not an IPv6 address (use public_ip)"},
      {config_with("listen_port = 0\n"), "3:15: listen_port: 0 is out of range (1-65535)"},
      {config_with("persistent_keepalive = \"25\"\n"), "3:24: persistent_keepalive: expected an integer, got a string"},
      {config_with("lease_ttl = 9\n"), "3:13: lease_ttl: 9 is out of range (10-86400)"},
      {config_with("lease_ttl = 86401\n"), "3:13: lease_ttl: 86401 is out of range (10-86400)"},
      {config_with("ip_masq = \"no\"\n"), "3:11: ip_masq: expected true or false, got a string"},
      {config_with("container_policy = 1\n"), "3:20: container_policy: expected true or false, got an integer"},
      {config_with("state_dir = \"\"\n"), "3:13: state_dir: the path is empty"},
      {"interface = \"mesh0\"\npublic_ip = \"10.200.0.1\"\n[etcd]\nendpoints = []\n",
       "4:13: etcd.endpoints: is empty: name one etcd server at least"},
      {"interface = \"mesh0\"\npublic_ip = \"10.200.0.1\"\n[etcd]\nendpoints = \"http://e:2379\"\n",
       "4:13: etcd.endpoints: expected an array, got a string"},
      {"interface = \"mesh0\"\npublic_ip = \"10.200.0.1\"\n[etcd]\nendpoints = [\"10.200.0.100:2379\"]\n",
       "4:14: etcd.endpoints[0]: '10.200.0.100:2379' must start with http:// or https://"},
      {"interface = \"mesh0\"\npublic_ip = \"10.200.0.1\"\n[etcd]\nendpoints = [\"http://e:2379\", \"unix:///x\"]\n",
       "4:31: etcd.endpoints[1]: 'unix:///x' must start with http:// or https://"},
      {"interface = \"mesh0\"\npublic_ip = \"10.200.0.1\"\n[etcd]\nendpoints = [\"http://\"]\n",
       "4:14: etcd.endpoints[0]: 'http://' has no host"},
      {"interface = \"mesh0\"\npublic_ip = \"10.200.0.1\"\n[etcd]\nendpoints = [\"http://e:2379/v3\"]\n",
       "4:14: etcd.endpoints[0]: 'http://e:2379/v3' must be SCHEME://HOST:PORT, with no path"},
      {"interface = \"mesh0\"\npublic_ip = \"10.200.0.1\"\n[etcd]\nendpoints = [\"https://a:2379\", "
       "\"http://b:2379\"]\n",
       "4:32: etcd.endpoints[1]: mixes http:// and https:// endpoints (use one scheme for all)"},
      {config_with("", "prefix = \"coreos.com/network\"\n"),
       "5:10: etcd.prefix: 'coreos.com/network' must start with '/'"},
      {config_with("", "prefix = \"//\"\n"), "5:10: etcd.prefix: must name a folder, such as \"/coreos.com/network\""},
      {config_with("", "ca_file = \"ca.pem\"\n"),
       "5:11: etcd.ca_file: is set, but the endpoints are http://, not https://"},
      {"interface = \"mesh0\"\npublic_ip = \"10.200.0.1\"\n[etcd]\nendpoints = [\"https://e:2379\"]\n"
       "cert_file = \"c.pem\"\n",
       "5:13: etcd.cert_file: needs etcd.key_file too (a client certificate and its key)"},
      {"interface = \"mesh0\"\npublic_ip = \"10.200.0.1\"\n[etcd]\nendpoints = [\"https://e:2379\"]\n"
       "key_file = \"k.pem\"\n",
       "5:12: etcd.key_file: needs etcd.cert_file too (a client certificate and its key)"},
      {config_with("", "username = \"mesh\"\n"),
       "5:12: etcd.username: needs etcd.password_file too (a user and the file with its password)"},
      {config_with("", "password_file = \"p\"\n"),
       "5:17: etcd.password_file: needs etcd.username too (a user and the file with its password)"},
      {config_with("", "username = \"\"\npassword_file = \"p\"\n"), "5:12: etcd.username: is empty"},
  };
  for (const auto& broken : cases) {
    BOOST_TEST_INFO(broken.toml);
    BOOST_TEST(error_of(broken.toml) == "/etc/sluice/mesh.toml:" + broken.message);
  }
}

BOOST_AUTO_TEST_CASE(load_from_file) {
  const sluice::test::TempDir dir;
  const fs::path file = dir.write("mesh.toml", config_with("", "password_file = \"pw\"\nusername = \"u\"\n"));
  const AgentConfig config = sluice::mesh::load_agent_config(file);
  BOOST_TEST(*config.etcd.password_file == dir.path() / "pw");
  const fs::path missing = dir.path() / "missing.toml";
  BOOST_CHECK_EXCEPTION(
      (void)sluice::mesh::load_agent_config(missing), AgentConfigError, [&](const AgentConfigError& e) {
        return std::string(e.what()) == missing.string() + ": cannot read config file: No such file or directory";
      });
  const fs::path broken = dir.write("broken.toml", "interface = 1\npublic_ip = \"10.200.0.1\"\n[etcd]\n");
  BOOST_CHECK_EXCEPTION(
      (void)sluice::mesh::load_agent_config(broken), AgentConfigError, [&](const AgentConfigError& e) {
        return std::string(e.what()) == broken.string() + ":1:13: interface: expected a string, got an integer";
      });
}

BOOST_AUTO_TEST_SUITE_END()
