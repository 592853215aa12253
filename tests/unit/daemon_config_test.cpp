#include <stdlib.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "config/config_file.hpp"
#include "config/toml_writer.hpp"
#include "config/wg_quick_shape.hpp"
#include "crypto/key_encoding.hpp"
#include "crypto/x25519.hpp"
#include "test_temp_dir.hpp"

#include <fmt/format.h>

namespace {

namespace fs = std::filesystem;
using sluice::config::ConfigError;
using sluice::config::InterfaceSettings;
using sluice::config::load_config_file;
using sluice::config::parse_config;

// Test-only keys from `wg genkey`, `wg pubkey` and `wg genpsk`.
const std::string kPrivate = "b1wZnbaNAvsixbGvcxuzbnJs7N3o2Ul/UnPNt2Llc0A=";
const std::string kPeer1 = "6x9Z45ChX02oTwbWEwPJOGX7cE5tF4HD4pJgAjKrrBI=";
const std::string kPeer2 = "pFnToKtrSqECNU+hmdNbvxM/yAsIlBzf/B5vhMtVZRQ=";
const std::string kPeer3 = "PPy6qHchEI6zaLcj44OiKMyJSXp8wQ3x1Od5h08ktXM=";
const std::string kPreshared = "lnxAY9P5fW7UF4CjEhuvZGi5mHygMYIlMzLRsmcZijs=";

std::string own_public_key() {
  sluice::crypto::PrivateKey key;
  sluice::crypto::decode_base64_key(kPrivate, key.span());
  return sluice::crypto::encode_base64_key(sluice::crypto::public_from_private(key).span());
}

// Test texts name keys by placeholder so each case stays short and readable.
std::string expand(std::string text) {
  const std::pair<std::string, std::string> placeholders[] = {
      {"@PRIV@", kPrivate},
      {"@PUB1@", kPeer1},
      {"@PUB2@", kPeer2},
      {"@PUB3@", kPeer3},
      {"@PSK@", kPreshared},
      {"@OWNPUB@", own_public_key()},
      {"@SHORTPUB@", kPeer1.substr(0, 43)},
      {"@BADCHAR@", std::string("!").append(kPrivate, 1)},
      {"@NOPAD@", kPreshared.substr(0, 43) + "A"},
  };
  for (const auto& [name, value] : placeholders) {
    for (auto at = text.find(name); at != std::string::npos; at = text.find(name, at + value.size())) {
      text.replace(at, name.size(), value);
    }
  }
  return text;
}

std::string base64(const sluice::crypto::SecretBytes<32>& key) { return sluice::crypto::encode_base64_key(key.span()); }

using sluice::test::TempDir;

// ---------------------------------------------------------------------------------------------
// Broken configs: each must be refused with FILE:LINE:COLUMN: KEY: message.

struct BrokenCase {
  const char* name;
  const char* toml;
  unsigned line;
  const char* key;
  const char* fragment;  // part of the message after the key
};

const BrokenCase kBroken[] = {
    {"syntax error", R"([interface]
private_key = "@PRIV@"
listen_port =
)",
     3, "invalid TOML", "expected value"},
    {"unknown top-level table", R"([interface]
private_key = "@PRIV@"

[peers]
public_key = "@PUB1@"
)",
     4, "peers", "unknown key (allowed here: interface, peer, segment, policy, policy_defaults)"},
    {"unknown key in [interface]", R"([interface]
private_key = "@PRIV@"
listen_prot = 51820
)",
     3, "interface.listen_prot", "unknown key"},
    {"unknown table under [interface]", R"([interface]
private_key = "@PRIV@"

[interface.extra]
x = 1
)",
     4, "interface.extra", "unknown key"},
    {"unknown key in [[peer]]", R"([interface]
private_key = "@PRIV@"

[[peer]]
public_key = "@PUB1@"
allowed_ip = ["10.0.0.2/32"]
)",
     6, "peer[0].allowed_ip", "unknown key"},
    {"unknown key in the second [[peer]]", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
[[peer]]
public_key = "@PUB2@"
keepalive = 25
)",
     7, "peer[1].keepalive", "unknown key"},
    {"a key pasted into allowed_ips is not echoed", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
allowed_ips = ["@PSK@"]
)",
     5, "peer[0].allowed_ips[0]", "(a value that looks like a key, not shown)"},
    {"a key pasted into endpoint is not echoed", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
endpoint = "@PSK@:51820"
)",
     5, "peer[0].endpoint", "(a value that looks like a key, not shown): "},
    {"unknown user", R"([interface]
private_key = "@PRIV@"
user = "no-such-user-for-sluice"
)",
     3, "interface.user", "no such user 'no-such-user-for-sluice'"},
    {"user not a string", R"([interface]
private_key = "@PRIV@"
user = 0
)",
     3, "interface.user", "expected a string, got an integer"},
    {"no [interface]", R"([[peer]]
public_key = "@PUB1@"
)",
     1, "interface", "missing [interface] table"},
    {"[interface] not a table", R"(interface = 5
)",
     1, "interface", "expected a table, got an integer"},
    {"no private key", R"(# comment
[interface]
listen_port = 51820
)",
     2, "interface", "missing private_key or private_key_file"},
    {"private key not base64", R"([interface]
private_key = "@BADCHAR@"
)",
     2, "interface.private_key", "invalid base64 character '!' at position 1"},
    {"private key not a string", R"([interface]
private_key = 5
)",
     2, "interface.private_key", "expected a string, got an integer"},
    {"both private_key and private_key_file", R"([interface]
private_key = "@PRIV@"
private_key_file = "good.key"
)",
     3, "interface.private_key_file", "give either private_key or private_key_file, not both"},
    {"missing key file", R"([interface]
private_key_file = "missing.key"
)",
     2, "interface.private_key_file", "missing.key': No such file or directory"},
    {"key file is a directory", R"([interface]
private_key_file = "keydir"
)",
     2, "interface.private_key_file", "keydir': Is a directory"},
    {"key file with garbage", R"([interface]
private_key_file = "garbage.key"
)",
     2, "interface.private_key_file", "garbage.key': key must be 44 base64 characters, got 15"},
    {"empty key file path", R"([interface]
private_key_file = ""
)",
     2, "interface.private_key_file", "the path is empty"},
    {"listen_port not an integer", R"([interface]
private_key = "@PRIV@"
listen_port = "x"
)",
     3, "interface.listen_port", "expected an integer, got a string"},
    {"listen_port too big", R"([interface]
private_key = "@PRIV@"
listen_port = 70000
)",
     3, "interface.listen_port", "70000 is out of range (0-65535)"},
    {"listen_port negative", R"([interface]
private_key = "@PRIV@"
listen_port = -1
)",
     3, "interface.listen_port", "-1 is out of range (0-65535)"},
    {"fwmark too big", R"([interface]
private_key = "@PRIV@"
fwmark = 0x100000000
)",
     3, "interface.fwmark", "4294967296 is out of range (0-4294967295)"},
    {"mtu too small", R"([interface]
private_key = "@PRIV@"
mtu = 500
)",
     3, "interface.mtu", "500 is out of range (576-65535)"},
    {"mtu too small for IPv6", R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/24", "fd00::1/64"]
mtu = 1000
)",
     4, "interface.mtu", "1000 is below 1280, the minimum for an interface with an IPv6 address"},
    {"unknown mode", R"([interface]
private_key = "@PRIV@"
mode = "bogus"
)",
     3, "interface.mode", "must be \"tun\""},
    {"tap mode", R"([interface]
private_key = "@PRIV@"
mode = "tap"
)",
     3, "interface.mode", "carry Ethernet with [[segment]] tables"},
    {"segment without vni", R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/24"]
[[segment]]
tap = "sl100"
)",
     4, "segment[0]", "missing vni"},
    {"segment vni too large", R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/24"]
[[segment]]
vni = 16777216
tap = "sl100"
)",
     5, "segment[0].vni", "out of range (0-16777215)"},
    {"segment bad tap name", R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/24"]
[[segment]]
vni = 100
tap = "a/b"
)",
     6, "segment[0].tap", "not a valid interface name"},
    {"segment without an address", R"([interface]
private_key = "@PRIV@"
[[segment]]
vni = 100
tap = "sl100"
)",
     3, "segment[0]", "needs a tunnel address"},
    {"segment same vni twice", R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/24"]
[[segment]]
vni = 100
tap = "sl100"
[[segment]]
vni = 100
tap = "sl101"
)",
     8, "segment[1].vni", "same VNI as segment[0]"},
    {"segment static entry for an unknown peer", R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/24"]
[[segment]]
vni = 100
tap = "sl100"
fdb = [{ mac = "52:54:00:00:00:01", peer = "@PUB1@" }]
)",
     7, "segment[0].fdb[0].peer", "is not the public key of any [[peer]]"},
    {"segment static entry with a bad MAC", R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/24"]
[[segment]]
vni = 100
tap = "sl100"
fdb = [{ mac = "52:54:00:00:01", peer = "@PUB1@" }]
)",
     7, "segment[0].fdb[0].mac", "expected a MAC address"},
    {"segment as a single table", R"([interface]
private_key = "@PRIV@"
[segment]
vni = 100
)",
     3, "segment", "write [[segment]]"},
    {"segment on a Linux bridge and an Open vSwitch bridge", R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/24"]
[[segment]]
vni = 100
tap = "sl100"
bridge = "br100"
ovs_bridge = "br-int"
)",
     8, "segment[0].ovs_bridge", "give either bridge (a Linux bridge) or ovs_bridge"},
    {"segment ovs_bridge bad name", R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/24"]
[[segment]]
vni = 100
tap = "sl100"
ovs_bridge = "a bridge name far too long"
)",
     7, "segment[0].ovs_bridge", "not a valid interface name"},
    {"segment ovs_vlan out of range", R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/24"]
[[segment]]
vni = 100
tap = "sl100"
ovs_bridge = "br-int"
ovs_vlan = 4095
)",
     8, "segment[0].ovs_vlan", "out of range (1-4094)"},
    {"segment ovs_vlan 0", R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/24"]
[[segment]]
vni = 100
tap = "sl100"
ovs_bridge = "br-int"
ovs_vlan = 0
)",
     8, "segment[0].ovs_vlan", "out of range (1-4094)"},
    {"segment ovs_vlan without ovs_bridge", R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/24"]
[[segment]]
vni = 100
tap = "sl100"
bridge = "br100"
ovs_vlan = 10
)",
     8, "segment[0].ovs_vlan", "needs ovs_bridge"},
    {"segment ovs_db without ovs_bridge", R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/24"]
[[segment]]
vni = 100
tap = "sl100"
ovs_db = "unix:/run/openvswitch/db.sock"
)",
     7, "segment[0].ovs_db", "needs ovs_bridge"},
    {"segment ovs_db not an OVSDB address", R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/24"]
[[segment]]
vni = 100
tap = "sl100"
ovs_bridge = "br-int"
ovs_db = "/run/openvswitch/db.sock"
)",
     8, "segment[0].ovs_db", "expected an OVSDB address"},
    {"routes not a boolean", R"([interface]
private_key = "@PRIV@"
routes = "yes"
)",
     3, "interface.routes", "expected true or false, got a string"},
    {"address not an array", R"([interface]
private_key = "@PRIV@"
address = "10.0.0.1/24"
)",
     3, "interface.address", "expected an array, got a string"},
    {"address not a prefix", R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/24",
           "hello"]
)",
     4, "interface.address[1]", "'hello' is not an IPv4 or IPv6 address"},
    {"address prefix out of range", R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/33"]
)",
     3, "interface.address[0]", "prefix length 33 is out of range for IPv4 (0-32)"},
    {"address listed twice", R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/24", "fd00::1/64", "10.0.0.1/24"]
)",
     3, "interface.address[2]", "10.0.0.1/24 is listed twice"},
    {"[peer] instead of [[peer]]", R"([interface]
private_key = "@PRIV@"

[peer]
public_key = "@PUB1@"
)",
     4, "peer", "write [[peer]] (double brackets)"},
    {"peer without public_key", R"([interface]
private_key = "@PRIV@"

[[peer]]
endpoint = "192.0.2.1:51820"
)",
     4, "peer[0]", "missing public_key"},
    {"public key of 43 characters", R"([interface]
private_key = "@PRIV@"

[[peer]]
public_key = "@SHORTPUB@"
)",
     5, "peer[0].public_key", "key must be 44 base64 characters, got 43"},
    {"duplicate peer", R"([interface]
private_key = "@PRIV@"

[[peer]]
public_key = "@PUB1@"

[[peer]]
public_key = "@PUB1@"
)",
     8, "peer[1].public_key", "same public key as peer[0] (line 5)"},
    {"own key as peer", R"([interface]
private_key = "@PRIV@"

[[peer]]
public_key = "@OWNPUB@"
)",
     5, "peer[0].public_key", "is the interface's own public key"},
    {"both preshared_key and preshared_key_file", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
preshared_key = "@PSK@"
preshared_key_file = "psk.key"
)",
     6, "peer[0].preshared_key_file", "not both"},
    {"preshared key without padding", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
preshared_key = "@NOPAD@"
)",
     5, "peer[0].preshared_key", "key must end with one '=' padding character"},
    {"missing preshared key file", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
preshared_key_file = "/nonexistent/psk.key"
)",
     5, "peer[0].preshared_key_file", "cannot read '/nonexistent/psk.key': No such file or directory"},
    {"endpoint without port", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
endpoint = "192.0.2.1"
)",
     5, "peer[0].endpoint", "'192.0.2.1': missing ':port'"},
    {"endpoint with bad port", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
endpoint = "192.0.2.1:70000"
)",
     5, "peer[0].endpoint", "port must be a number from 1 to 65535"},
    {"endpoint with port 0", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
endpoint = "192.0.2.1:0"
)",
     5, "peer[0].endpoint", "port must be a number from 1 to 65535"},
    {"endpoint with unclosed bracket", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
endpoint = "[::1"
)",
     5, "peer[0].endpoint", "'[::1': missing ']'"},
    {"IPv6 endpoint without brackets", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
endpoint = "2001:db8::1:51820"
)",
     5, "peer[0].endpoint", "must be written in brackets"},
    {"IPv4 address in brackets", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
endpoint = "[192.0.2.1]:51820"
)",
     5, "peer[0].endpoint", "expected an IPv6 address between '[' and ']'"},
    {"short-form IPv4 endpoint", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
endpoint = "10.1:51820"
)",
     5, "peer[0].endpoint", "'10.1:51820': not a valid IPv4 address"},
    {"endpoint and endpoints", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
endpoint = "192.0.2.1:51820"
endpoints = ["vpn.example:51820"]
)",
     6, "peer[0].endpoints", "give either endpoint or endpoints, not both"},
    {"bad entry in endpoints", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
endpoints = ["vpn.example:51820", "vpn.example"]
)",
     5, "peer[0].endpoints[1]", "'vpn.example': missing ':port'"},
    {"allowed_ips not an array", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
allowed_ips = "10.0.0.0/24"
)",
     5, "peer[0].allowed_ips", "expected an array, got a string"},
    {"allowed IP not a string", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
allowed_ips = [10]
)",
     5, "peer[0].allowed_ips[0]", "expected a string, got an integer"},
    {"allowed IP with bad prefix length", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
allowed_ips = ["10.0.0.0/8", "10.0.0.0/8x"]
)",
     5, "peer[0].allowed_ips[1]", "'8x' is not a prefix length"},
    {"allowed IP prefix out of range", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
[[peer]]
public_key = "@PUB2@"
allowed_ips = ["fd00::/129"]
)",
     7, "peer[1].allowed_ips[0]", "prefix length 129 is out of range for IPv6 (0-128)"},
    {"same allowed IP on two peers", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
allowed_ips = ["10.0.0.0/24"]
[[peer]]
public_key = "@PUB2@"
allowed_ips = ["10.0.0.77/24"]
)",
     8, "peer[1].allowed_ips[0]", "10.0.0.0/24 is already an allowed IP of peer[0] (line 5)"},
    {"same allowed IP twice on one peer", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
allowed_ips = ["fd00::/64",
               "fd00::/64"]
)",
     6, "peer[0].allowed_ips[1]", "fd00::/64 is already an allowed IP of this peer (line 5)"},
    {"persistent_keepalive too big", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
persistent_keepalive = 65536
)",
     5, "peer[0].persistent_keepalive", "65536 is out of range (0-65535)"},
    {"persistent_keepalive not an integer", R"([interface]
private_key = "@PRIV@"
[[peer]]
public_key = "@PUB1@"
persistent_keepalive = 2.5
)",
     5, "peer[0].persistent_keepalive", "expected an integer, got a floating-point number"},
};

// The files the broken cases refer to by relative path.
void write_key_files(const TempDir& dir) {
  dir.write("good.key", kPrivate + "\n");
  dir.write("psk.key", kPreshared + "\n");
  dir.write("garbage.key", "this is no key!\n");
  fs::create_directory(dir.path() / "keydir");
}

std::string error_of(const std::string& toml, const fs::path& origin) {
  try {
    (void)parse_config(toml, origin);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(accepted)";
}

// Examples point their key files into /etc/sluice; every `*_file = "PATH"` line is redirected to a
// fresh key file of the same name in `dir`, so any example added later is covered as it is.
InterfaceSettings load_example(const fs::path& example, const TempDir& dir) {
  std::ifstream in(example);
  std::string text;
  for (std::string line; std::getline(in, line); text += line + "\n") {
    const auto equals = line.find('=');
    const auto open = line.find('"', equals);
    const auto close = line.find('"', open + 1);
    if (line.starts_with('#') || equals == std::string::npos || open == std::string::npos || close <= open) continue;
    std::string key = line.substr(0, equals);
    key.erase(key.find_last_not_of(' ') + 1);
    if (!key.ends_with("_file")) continue;
    const fs::path name = fs::path(line.substr(open + 1, close - open - 1)).filename();
    const fs::path key_file = dir.write(name, base64(sluice::crypto::generate_private_key()) + "\n");
    line = key + " = \"" + key_file.string() + "\"";
  }
  return parse_config(text, example);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_config)

BOOST_AUTO_TEST_CASE(full_config) {
  const std::string toml = expand(R"(# A hub with three peers.
[interface]
private_key = "@PRIV@"
listen_port = 51820
fwmark = 0xca6c
address = ["10.0.0.1/24", "fd00::1/64", "192.168.7.9"]
mtu = 1420
mode = "tun"
routes = true
user = "nobody"

[[peer]]
public_key = "@PUB1@"
preshared_key = "@PSK@"
endpoint = "192.0.2.1:51820"
allowed_ips = ["10.0.0.2/32", "192.168.1.77/24"]
persistent_keepalive = 25

[[peer]]
public_key = "@PUB2@"
endpoint = "[2001:db8::1]:4500"
allowed_ips = ["fd00::2/128", "2001:db8:1:2::5/48"]

[[peer]]
public_key = "@PUB3@"
allowed_ips = []
)");
  const InterfaceSettings settings = parse_config(toml, "/etc/sluice/wg0.toml");

  BOOST_TEST_REQUIRE(settings.private_key.has_value());
  BOOST_TEST(base64(*settings.private_key) == kPrivate);
  BOOST_TEST(settings.listen_port == 51820);
  BOOST_TEST(settings.fwmark == 0xca6cu);
  BOOST_TEST_REQUIRE(settings.addresses.size() == 3u);
  BOOST_TEST(settings.addresses[0].to_string() == "10.0.0.1/24");  // host bits kept
  BOOST_TEST(settings.addresses[1].to_string() == "fd00::1/64");
  BOOST_TEST(settings.addresses[2].to_string() == "192.168.7.9/32");
  BOOST_TEST((settings.mtu == 1420u));
  BOOST_TEST(settings.routes);
  BOOST_TEST((settings.user == "nobody"));

  BOOST_TEST_REQUIRE(settings.peers.size() == 3u);
  const auto& first = settings.peers[0];
  BOOST_TEST(sluice::crypto::encode_base64_key(first.public_key.span()) == kPeer1);
  BOOST_TEST_REQUIRE(first.preshared_key.has_value());
  BOOST_TEST(base64(*first.preshared_key) == kPreshared);
  BOOST_TEST_REQUIRE(first.endpoint.has_value());
  BOOST_TEST(first.endpoint->to_string() == "192.0.2.1:51820");
  BOOST_TEST_REQUIRE(first.allowed_ips.size() == 2u);
  BOOST_TEST(first.allowed_ips[0].to_string() == "10.0.0.2/32");
  BOOST_TEST(first.allowed_ips[1].to_string() == "192.168.1.0/24");  // masked
  BOOST_TEST(first.persistent_keepalive == 25);

  const auto& second = settings.peers[1];
  BOOST_TEST(sluice::crypto::encode_base64_key(second.public_key.span()) == kPeer2);
  BOOST_TEST(!second.preshared_key.has_value());
  BOOST_TEST_REQUIRE(second.endpoint.has_value());
  BOOST_TEST(second.endpoint->to_string() == "[2001:db8::1]:4500");
  BOOST_TEST_REQUIRE(second.allowed_ips.size() == 2u);
  BOOST_TEST(second.allowed_ips[0].to_string() == "fd00::2/128");
  BOOST_TEST(second.allowed_ips[1].to_string() == "2001:db8:1::/48");
  BOOST_TEST(second.persistent_keepalive == 0);

  const auto& third = settings.peers[2];
  BOOST_TEST(sluice::crypto::encode_base64_key(third.public_key.span()) == kPeer3);
  BOOST_TEST(!third.endpoint.has_value());
  BOOST_TEST(third.allowed_ips.empty());
}

BOOST_AUTO_TEST_CASE(defaults) {
  const InterfaceSettings settings = parse_config(expand("[interface]\nprivate_key = \"@PRIV@\"\n"), "wg0.toml");
  BOOST_TEST(settings.listen_port == 0);
  BOOST_TEST(settings.fwmark == 0u);
  BOOST_TEST(settings.addresses.empty());
  BOOST_TEST(!settings.mtu.has_value());
  BOOST_TEST(!settings.routes);
  BOOST_TEST(settings.peers.empty());
}

BOOST_AUTO_TEST_CASE(small_ipv4_mtu) {
  const InterfaceSettings settings = parse_config(
      expand("[interface]\nprivate_key = \"@PRIV@\"\naddress = [\"10.0.0.1/24\"]\nmtu = 576\n"), "wg0.toml");
  BOOST_TEST((settings.mtu == 576u));
}

BOOST_AUTO_TEST_CASE(segments) {
  const InterfaceSettings settings = parse_config(expand(R"([interface]
private_key = "@PRIV@"
address = ["10.0.0.1/24"]

[[peer]]
public_key = "@PUB1@"
allowed_ips = ["10.0.0.2/32"]

[[segment]]
vni = 100
tap = "sl100"
bridge = "br100"

[[segment]]
vni = 200
tap = "sl200"
mtu = 1300
local = "fd00::1"
aging = 60
[[segment.fdb]]
mac = "52:54:00:AA:00:01"
peer = "@PUB1@"
)"),
                                                  "wg0.toml");
  BOOST_TEST_REQUIRE(settings.segments.size() == 2u);
  const auto& first = settings.segments[0];
  BOOST_TEST(first.vni == 100u);
  BOOST_TEST(first.tap == "sl100");
  BOOST_TEST(first.bridge.value_or("") == "br100");
  BOOST_TEST(!first.mtu.has_value());
  BOOST_TEST(first.local.value().to_string() == "10.0.0.1", "the first interface address");
  BOOST_TEST(first.aging.count() == 300);
  const auto& second = settings.segments[1];
  BOOST_TEST(!second.bridge.has_value());
  BOOST_TEST(second.mtu.value_or(0) == 1300u);
  BOOST_TEST(second.local.value().to_string() == "fd00::1");
  BOOST_TEST(second.aging.count() == 60);
  BOOST_TEST_REQUIRE(second.fdb.size() == 1u);
  BOOST_TEST(second.fdb[0].mac.to_string() == "52:54:00:aa:00:01");
  BOOST_TEST((second.fdb[0].peer == settings.peers[0].public_key));
}

BOOST_AUTO_TEST_CASE(open_vswitch_segments) {
  const InterfaceSettings settings = parse_config(R"([interface]
private_key = "b1wZnbaNAvsixbGvcxuzbnJs7N3o2Ul/UnPNt2Llc0A="
address = ["10.0.0.1/24"]

[[segment]]
vni = 100
tap = "sl100"
ovs_bridge = "br-int"

[[segment]]
vni = 200
tap = "sl200"
ovs_bridge = "br-int"
ovs_vlan = 4094
ovs_db = "unix:/tmp/ovs/db.sock"
)",
                                                  "wg0.toml");
  BOOST_TEST_REQUIRE(settings.segments.size() == 2u);
  const auto& trunk = settings.segments[0];
  BOOST_TEST(trunk.ovs_bridge.value_or("") == "br-int");
  BOOST_TEST(!trunk.bridge.has_value());
  BOOST_TEST(!trunk.ovs_vlan.has_value(), "no ovs_vlan: a trunk port");
  BOOST_TEST(!trunk.ovs_db.has_value(), "ovs-vsctl's default database");
  const auto& access = settings.segments[1];
  BOOST_TEST(access.ovs_vlan.value_or(0) == 4094u);
  BOOST_TEST(access.ovs_db.value_or("") == "unix:/tmp/ovs/db.sock");
}

BOOST_AUTO_TEST_CASE(host_name_endpoint) {
  // Kept as written, never resolved here: sluiced resolves and follows it.
  const InterfaceSettings settings =
      parse_config(expand("[interface]\nprivate_key = \"@PRIV@\"\n[[peer]]\npublic_key = \"@PUB1@\"\nendpoint = "
                          "\"vpn.sluice-test.invalid:51820\"\n[[peer]]\npublic_key = \"@PUB2@\"\nendpoints = "
                          "[\"vpn.sluice-test.invalid:1\", \"[2001:db8::2]:2\"]\n"),
                   "wg0.toml");
  BOOST_TEST(!settings.peers.at(0).endpoint.has_value());
  const std::vector<std::string> one{"vpn.sluice-test.invalid:51820"};
  BOOST_TEST((settings.peers[0].followed_endpoints() == one));
  const std::vector<std::string> two{"vpn.sluice-test.invalid:1", "[2001:db8::2]:2"};
  BOOST_TEST((settings.peers.at(1).followed_endpoints() == two));
  sluice::config::TomlFile file;
  file.settings = settings;
  BOOST_TEST(sluice::config::write_toml(file).str().find(
                 "endpoints = [\"vpn.sluice-test.invalid:1\", \"[2001:db8::2]:2\"]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(key_files) {
  const TempDir dir;
  fs::create_directory(dir.path() / "keys");
  dir.write("keys/wg0.key", "  \n" + kPrivate + "\n\n");  // whitespace around the key is ignored
  const fs::path psk = dir.write("peer.psk", kPreshared);
  const fs::path config = dir.write("wg0.toml", R"([interface]
private_key_file = "keys/wg0.key"
[[peer]]
public_key = ")" + kPeer1 + R"("
preshared_key_file = ")" + psk.string() + "\"\n");

  const InterfaceSettings settings = load_config_file(config);
  BOOST_TEST_REQUIRE(settings.private_key.has_value());
  BOOST_TEST(base64(*settings.private_key) == kPrivate);
  BOOST_TEST_REQUIRE(settings.peers.size() == 1u);
  BOOST_TEST_REQUIRE(settings.peers[0].preshared_key.has_value());
  BOOST_TEST(base64(*settings.peers[0].preshared_key) == kPreshared);
}

BOOST_AUTO_TEST_CASE(secret_files_name_where_keys_came_from) {
  // Key files as the config names them (relative to it), the config itself for an inline key,
  // each once; the peers' public keys are no secret.
  const TempDir dir;
  dir.write("wg0.key", kPrivate);
  const fs::path config = dir.path() / "wg0.toml";
  const std::string peer = "[[peer]]\npublic_key = \"" + kPeer1 + "\"\n";
  const std::string inline_psk = peer + "preshared_key = \"" + kPreshared + "\"\n";
  BOOST_TEST(parse_config("[interface]\nprivate_key_file = \"wg0.key\"\n" + peer, config).secret_files ==
                 std::vector<fs::path>{dir.path() / "wg0.key"},
             boost::test_tools::per_element());
  BOOST_TEST(parse_config("[interface]\nprivate_key_file = \"wg0.key\"\n" + inline_psk, config).secret_files ==
                 (std::vector<fs::path>{dir.path() / "wg0.key", config}),
             boost::test_tools::per_element());
  BOOST_TEST(parse_config("[interface]\nprivate_key = \"" + kPrivate + "\"\n" + inline_psk, config).secret_files ==
                 std::vector<fs::path>{config},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(relative_key_file_follows_the_config_not_the_working_directory) {
  const TempDir dir;
  dir.write("wg0.key", kPrivate);
  const std::string toml = "[interface]\nprivate_key_file = \"wg0.key\"\n";
  BOOST_TEST(base64(*parse_config(toml, dir.path() / "wg0.toml").private_key) == kPrivate);
  BOOST_CHECK_THROW((void)parse_config(toml, dir.path() / "elsewhere" / "wg0.toml"), ConfigError);
}

BOOST_AUTO_TEST_CASE(unreadable_config_file) {
  const TempDir dir;
  const fs::path missing = dir.path() / "missing.toml";
  BOOST_CHECK_EXCEPTION((void)load_config_file(missing), ConfigError, [&](const ConfigError& e) {
    return std::string(e.what()) == missing.string() + ": cannot read config file: No such file or directory";
  });
  BOOST_CHECK_EXCEPTION((void)load_config_file(dir.path()), ConfigError, [&](const ConfigError& e) {
    return std::string(e.what()) == dir.path().string() + ": cannot read config file: Is a directory";
  });
}

BOOST_AUTO_TEST_CASE(message_format_is_exact) {
  const std::string toml = expand(R"([interface]
private_key = "@PRIV@"

[[peer]]
public_key = "@PUB1@"
[[peer]]
public_key = "@PUB2@"
allowed_ips = ["10.0.0.0/33"]
)");
  BOOST_TEST(error_of(toml, "/etc/sluice/wg0.toml") ==
             "/etc/sluice/wg0.toml:8:16: peer[1].allowed_ips[0]: "
             "prefix length 33 is out of range for IPv4 (0-32) in '10.0.0.0/33'");
}

BOOST_AUTO_TEST_CASE(wg_quick_file_points_at_import) {
  // A wg-quick file renamed to .toml: the TOML error stays first, the hint follows on the same line.
  const std::string hint =
      " (this is a wg-quick file, not sluice's TOML: `sluicectl import /etc/sluice/wg0.toml` prints its TOML "
      "equivalent)";
  const std::string wg_quick = expand("[Interface]\nPrivateKey = @PRIV@\nListenPort = 51820\n");
  const std::string message = error_of(wg_quick, "/etc/sluice/wg0.toml");
  BOOST_TEST(message.starts_with("/etc/sluice/wg0.toml:2:14: invalid TOML: "), message);
  BOOST_TEST(message.ends_with(hint), message);
  BOOST_TEST(message.find(kPrivate.substr(1, 12)) == std::string::npos, message);
  // Shapes that are wg-quick's, and sluice's own mistakes that are not.
  const std::pair<std::string, bool> cases[] = {
      {"[Interface]\nListenPort = 51820\n", true}, {"  [Peer]\r\nEndpoint = 192.0.2.1:1\n", true},
      {"[interface]\nprivatekey = \"x\"\n", true}, {"[interface]\nAllowedIPs = [\"10.0.0.0/8\"]\n", true},
      {"[interface]\nprivate_key = 1\n", false},   {"[interface]\nlisten_port = \"Peer\"\n", false},
      {"[[peer]]\npublic_key = 1\n", false},
  };
  for (const auto& [text, is_wg_quick] : cases) {
    BOOST_TEST(error_of(text, "/etc/sluice/wg0.toml").ends_with(hint) == is_wg_quick, text);
    BOOST_TEST(sluice::config::looks_like_wg_quick(text) == is_wg_quick, text);
  }
}

BOOST_AUTO_TEST_CASE(broken_configs) {
  BOOST_TEST(std::size(kBroken) >= 30u);
  const TempDir dir;
  write_key_files(dir);
  const fs::path origin = dir.path() / "wg0.toml";
  for (const BrokenCase& broken : kBroken) {
    BOOST_TEST_CONTEXT(broken.name) {
      const std::string message = error_of(expand(broken.toml), origin);
      BOOST_TEST_MESSAGE(message);
      const std::string position = origin.string() + ":" + std::to_string(broken.line) + ":";
      BOOST_TEST(message.starts_with(position), message);
      // The column sits between the line and the key.
      const auto key_at = message.find_first_not_of("0123456789", position.size());
      const std::string key = std::string(": ") + broken.key + ": ";
      BOOST_TEST((key_at > position.size() && message.compare(key_at, key.size(), key) == 0), message);
      BOOST_TEST(message.find('\n') == std::string::npos);
      BOOST_TEST(message.find(broken.fragment) != std::string::npos, message);
      // Secrets stay out of messages, even in part.
      BOOST_TEST(message.find(kPrivate.substr(1, 12)) == std::string::npos, message);
      BOOST_TEST(message.find(kPreshared.substr(0, 12)) == std::string::npos, message);
    }
  }
}

BOOST_AUTO_TEST_CASE(example_configs_load) {
  std::vector<fs::path> examples;
  for (const auto& entry : fs::directory_iterator(SLUICE_CONFIGS_DIR)) {
    if (entry.path().extension() == ".toml") examples.push_back(entry.path());
  }
  BOOST_TEST(examples.size() >= 2u);
  for (const fs::path& example : examples) {
    BOOST_TEST_CONTEXT(example.filename().string()) {
      const TempDir dir;
      try {
        const InterfaceSettings settings = load_example(example, dir);
        BOOST_TEST(settings.private_key.has_value());
        BOOST_TEST(!settings.peers.empty());
      } catch (const ConfigError& e) {
        BOOST_ERROR(e.what());
      }
    }
  }
}

// site-a.toml and site-b.toml describe the two ends of one tunnel; they must agree.
BOOST_AUTO_TEST_CASE(site_examples_mirror_each_other) {
  const TempDir dir;
  const InterfaceSettings a = load_example(fs::path(SLUICE_CONFIGS_DIR) / "site-a.toml", dir);
  const InterfaceSettings b = load_example(fs::path(SLUICE_CONFIGS_DIR) / "site-b.toml", dir);
  BOOST_TEST_REQUIRE(a.peers.size() == 1u);
  BOOST_TEST_REQUIRE(b.peers.size() == 1u);
  const auto covers = [](const sluice::config::PeerSettings& peer, const sluice::tunnel::IpAddress& address) {
    return std::any_of(peer.allowed_ips.begin(), peer.allowed_ips.end(),
                       [&](const auto& prefix) { return prefix.contains(address); });
  };
  for (const auto& address : b.addresses) BOOST_TEST(covers(a.peers[0], address.address()), address.to_string());
  for (const auto& address : a.addresses) BOOST_TEST(covers(b.peers[0], address.address()), address.to_string());
  BOOST_TEST_REQUIRE(a.peers[0].endpoint.has_value());
  BOOST_TEST_REQUIRE(b.peers[0].endpoint.has_value());
  BOOST_TEST(a.peers[0].endpoint->port == b.listen_port);
  BOOST_TEST(b.peers[0].endpoint->port == a.listen_port);
}

// Every key the loader accepts is documented: a table's keys head an entry (".B key = ..."), the
// keys of a segment's fdb entries stand in the entry of fdb.
BOOST_AUTO_TEST_CASE(every_accepted_key_is_in_the_man_page) {
  std::ifstream in(SLUICE_MAN_DIR "/sluice.toml.5");
  BOOST_TEST_REQUIRE(in.good());
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto entry = [&page](std::string_view key) { return page.find(fmt::format("\n.B {} = ", key)); };
  for (const auto& keys : {std::span<const std::string_view>(sluice::config::kInterfaceKeys),
                           std::span<const std::string_view>(sluice::config::kPeerKeys),
                           std::span<const std::string_view>(sluice::config::kSegmentKeys),
                           std::span<const std::string_view>(sluice::config::kPolicyKeys),
                           std::span<const std::string_view>(sluice::config::kPolicyDefaultsKeys)}) {
    for (const std::string_view key : keys)
      BOOST_TEST(entry(key) != std::string::npos, key << " is not in sluice.toml(5)");
  }
  const std::size_t fdb = entry("fdb");
  BOOST_TEST_REQUIRE(fdb != std::string::npos);
  const std::string fdb_line = page.substr(fdb + 1, page.find('\n', fdb + 1) - fdb - 1);
  for (const std::string_view key : sluice::config::kSegmentFdbKeys) {
    BOOST_TEST(fdb_line.find(fmt::format(" {} = ", key)) != std::string::npos, key << " is not in the fdb entry");
  }
}

// Parsing is pure: key files that do not exist, a user that does not exist and a host name that
// cannot resolve are no error yet, only lookups in file order; resolving them is the next step,
// and its errors name the file, line and key. (So the config fuzz target needs no namespace.)
BOOST_AUTO_TEST_CASE(parsing_reads_no_file_resolves_no_name_looks_up_no_user) {
  const std::string toml = expand(R"([interface]
private_key_file = "missing.key"
metrics_listen = "metrics.invalid:9586"
user = "no-such-user-sluice"
[[peer]]
public_key = "@PUB1@"
preshared_key_file = "/nonexistent/peer.psk"
endpoint = "peer.invalid:51820"
)");
  const sluice::config::ConfigDocument document = sluice::config::parse_config_text(toml, "/etc/sluice/wg0.toml");
  using Kind = sluice::config::ConfigLookup::Kind;
  std::vector<std::pair<Kind, std::string>> lookups;
  for (const auto& lookup : document.lookups) lookups.emplace_back(lookup.kind, lookup.value);
  const std::vector<std::pair<Kind, std::string>> expected{{Kind::private_key_file, "/etc/sluice/missing.key"},
                                                           {Kind::metrics_listen, "metrics.invalid:9586"},
                                                           {Kind::user, "no-such-user-sluice"},
                                                           {Kind::preshared_key_file, "/nonexistent/peer.psk"}};
  BOOST_TEST((lookups == expected));
  BOOST_TEST(document.lookups.front().where == "/etc/sluice/wg0.toml:2:20: interface.private_key_file");
  BOOST_TEST(document.lookups.back().where == "/etc/sluice/wg0.toml:7:22: peer[0].preshared_key_file");
  // A name is kept for the daemon to resolve.
  BOOST_TEST(document.settings.peers.at(0).endpoint_text.value_or("") == "peer.invalid:51820");
  BOOST_TEST(!document.settings.private_key.has_value());
  BOOST_TEST((document.settings.user == std::optional<std::string>("no-such-user-sluice")));
  BOOST_CHECK_EXCEPTION((void)sluice::config::resolve_config(document), ConfigError, [](const ConfigError& e) {
    return std::string(e.what()).starts_with(
        "/etc/sluice/wg0.toml:2:20: interface.private_key_file: cannot read '/etc/sluice/missing.key'");
  });
}

// The own-key check needs the private key, which may come from a file: it is made on resolving.
BOOST_AUTO_TEST_CASE(a_peer_with_the_interfaces_own_key_is_refused_after_the_key_file_is_read) {
  const TempDir dir;
  dir.write("wg0.key", kPrivate);
  const std::string toml =
      "[interface]\nprivate_key_file = \"wg0.key\"\n[[peer]]\npublic_key = \"" + own_public_key() + "\"\n";
  BOOST_CHECK_EXCEPTION((void)parse_config(toml, dir.path() / "wg0.toml"), ConfigError, [&](const ConfigError& e) {
    return std::string(e.what()) ==
           (dir.path() / "wg0.toml").string() + ":4:14: peer[0].public_key: is the interface's own public key";
  });
}

BOOST_AUTO_TEST_SUITE_END()
