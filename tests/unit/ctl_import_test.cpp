// `sluicectl import`: a realistic wg-quick file with every key it knows, converted to TOML that the
// daemon's own loader accepts with the same meaning, and every dropped key named with its line.
#include <boost/test/unit_test.hpp>
#include <string>

#include "config/config_file.hpp"
#include "crypto/key_encoding.hpp"
#include "ctl/import.hpp"
#include "uapi/error.hpp"

using namespace sluice;

namespace {

const std::string kPrivate = "b1wZnbaNAvsixbGvcxuzbnJs7N3o2Ul/UnPNt2Llc0A=";
const std::string kPeer1 = "6x9Z45ChX02oTwbWEwPJOGX7cE5tF4HD4pJgAjKrrBI=";
const std::string kPeer2 = "pFnToKtrSqECNU+hmdNbvxM/yAsIlBzf/B5vhMtVZRQ=";
const std::string kPeer3 = "PPy6qHchEI6zaLcj44OiKMyJSXp8wQ3x1Od5h08ktXM=";
const std::string kPreshared = "lnxAY9P5fW7UF4CjEhuvZGi5mHygMYIlMzLRsmcZijs=";

// Test texts name keys by placeholder so they stay readable.
std::string expand(std::string text) {
  const std::pair<std::string, std::string> placeholders[] = {
      {"@PRIV@", kPrivate}, {"@PUB1@", kPeer1}, {"@PUB2@", kPeer2}, {"@PUB3@", kPeer3}, {"@PSK@", kPreshared}};
  for (const auto& [name, value] : placeholders) {
    for (auto at = text.find(name); at != std::string::npos; at = text.find(name, at + value.size())) {
      text.replace(at, name.size(), value);
    }
  }
  return text;
}

// A hub as people write them: mixed case, comments, lists over several lines, hooks. The
// expectations below name lines of this text, counting "# office hub" as line 1.
std::string hub_conf() {
  return expand(R"(# office hub
[Interface]
PrivateKey = @PRIV@
ListenPort = 51820
FwMark = 0x1234
Address = 10.10.0.1/24, fd00:10::1/64
address = 10.11.0.1/24
MTU = 1420
DNS = 10.10.0.53, corp.example
Table = auto
PreUp = sysctl -w net.ipv4.ip_forward=1
PostUp = iptables -A FORWARD -i %i -j ACCEPT # forward
PreDown = logger going down
PostDown = iptables -D FORWARD -i %i -j ACCEPT
SaveConfig = true
Colour = blue

[Peer]  # laptop
PublicKey = @PUB1@
PresharedKey = @PSK@
AllowedIPs = 10.10.0.2/32, fd00:10::2/128
AllowedIPs = 192.168.50.7/24
Endpoint = [2001:db8::7]:51821
PersistentKeepalive = 25

[peer]
publickey=@PUB2@
allowedips=10.10.0.3/32
endpoint = vpn.example.com:51820
persistentkeepalive = off
[Peer]
PublicKey = @PUB3@
AllowedIPs =
)");
}

std::string error_of(const std::string& conf) {
  try {
    (void)ctl::import_wg_quick(conf, "wg0.conf");
  } catch (const uapi::ControlError& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_import)

BOOST_AUTO_TEST_CASE(every_key_is_kept_or_reported) {
  const ctl::ImportResult result = ctl::import_wg_quick(hub_conf(), "hub.conf");
  const std::vector<std::string> expected{
      "hub.conf:9: DNS: not supported, dropped (sluice does not change the resolver; configure DNS separately)",
      "hub.conf:11: PreUp: not supported, dropped (sluice runs no hook commands)",
      "hub.conf:12: PostUp: not supported, dropped (sluice runs no hook commands)",
      "hub.conf:13: PreDown: not supported, dropped (sluice runs no hook commands)",
      "hub.conf:14: PostDown: not supported, dropped (sluice runs no hook commands)",
      "hub.conf:15: SaveConfig: not supported, dropped (`sluicectl export` prints the running configuration)",
      "hub.conf:16: Colour: unknown key, dropped",
  };
  BOOST_TEST(result.warnings == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(toml_loads_with_the_same_meaning) {
  const ctl::ImportResult result = ctl::import_wg_quick(hub_conf(), "hub.conf");
  const std::string toml = config::write_toml(result.config).str();
  BOOST_TEST_MESSAGE(toml);
  // The second peer's host name would be resolved by the loader; this test stays off the network.
  std::string offline = toml;
  offline.replace(offline.find("vpn.example.com"), std::string("vpn.example.com").size(), "192.0.2.9");
  const config::InterfaceSettings settings = config::parse_config(offline, "/etc/sluice/hub.toml");

  BOOST_TEST_REQUIRE(settings.private_key.has_value());
  BOOST_TEST(crypto::encode_base64_key(settings.private_key->span()) == kPrivate);
  BOOST_TEST(settings.listen_port == 51820);
  BOOST_TEST(settings.fwmark == 0x1234u);
  BOOST_TEST_REQUIRE(settings.addresses.size() == 3u);
  BOOST_TEST(settings.addresses[0].to_string() == "10.10.0.1/24");
  BOOST_TEST(settings.addresses[1].to_string() == "fd00:10::1/64");
  BOOST_TEST(settings.addresses[2].to_string() == "10.11.0.1/24");
  BOOST_TEST(settings.mtu.value_or(0) == 1420u);
  // wg-quick routes every peer's AllowedIPs unless Table = off.
  BOOST_TEST(settings.routes);

  BOOST_TEST_REQUIRE(settings.peers.size() == 3u);
  const config::PeerSettings& laptop = settings.peers[0];
  BOOST_TEST(crypto::encode_base64_key(laptop.public_key.span()) == kPeer1);
  BOOST_TEST_REQUIRE(laptop.preshared_key.has_value());
  BOOST_TEST(crypto::encode_base64_key(laptop.preshared_key->span()) == kPreshared);
  BOOST_TEST_REQUIRE(laptop.allowed_ips.size() == 3u);
  BOOST_TEST(laptop.allowed_ips[0].to_string() == "10.10.0.2/32");
  BOOST_TEST(laptop.allowed_ips[1].to_string() == "fd00:10::2/128");
  BOOST_TEST(laptop.allowed_ips[2].to_string() == "192.168.50.0/24");
  BOOST_TEST(laptop.endpoint.value().to_string() == "[2001:db8::7]:51821");
  BOOST_TEST(laptop.persistent_keepalive == 25);

  BOOST_TEST(crypto::encode_base64_key(settings.peers[1].public_key.span()) == kPeer2);
  BOOST_TEST(settings.peers[1].persistent_keepalive == 0);
  BOOST_TEST(!settings.peers[1].preshared_key.has_value());
  BOOST_TEST(crypto::encode_base64_key(settings.peers[2].public_key.span()) == kPeer3);
  BOOST_TEST(settings.peers[2].allowed_ips.empty());
  BOOST_TEST(!settings.peers[2].endpoint.has_value());

  // The host name is carried over as written, for the daemon to resolve when it starts.
  BOOST_TEST(toml.find("endpoint = \"vpn.example.com:51820\"") != std::string::npos);
  // Whoever reads the file later sees what was dropped.
  BOOST_TEST(toml.find("# DNS (line 9) not supported, dropped") != std::string::npos, toml);
  BOOST_TEST(toml.starts_with("# Converted from hub.conf by `sluicectl import`.\n"), toml);
}

BOOST_AUTO_TEST_CASE(table_off_and_auto_become_routes) {
  const std::string base = "[Interface]\nPrivateKey = " + kPrivate + "\n";
  // Without Table it would be true (as in full_tunnel_imports_as_it_is): off turns it off.
  BOOST_TEST(!ctl::import_wg_quick(base + "Table = off\n", "a.conf").config.settings.routes);
  const ctl::ImportResult automatic = ctl::import_wg_quick(base + "Table = auto\n", "a.conf");
  BOOST_TEST(automatic.config.settings.routes);
  BOOST_TEST(!automatic.config.routes_note.has_value());
  BOOST_TEST(automatic.warnings.empty());
}

BOOST_AUTO_TEST_CASE(other_tables_are_refused) {
  // Routing in the main table instead would not be what the file says; the key's line is named.
  const std::string base = "[Interface]\nPrivateKey = " + kPrivate + "\n";
  for (const std::string table : {"1234", "main", "vpn", "0"}) {
    BOOST_TEST(error_of(base + "Table = " + table + "\n") ==
                   "wg0.conf:3: Table: " + table +
                       ": a routing table other than auto or off is not supported (sluice routes in the main "
                       "table); write Table = off and route into the table yourself, or Table = auto for the main "
                       "table",
               table);
  }
  BOOST_TEST(!ctl::import_wg_quick(base + "Table = OFF\n", "a.conf").config.settings.routes);
}

// sluiced makes a full tunnel of a /0 with routes as wg-quick does (fwmark, table, rules).
BOOST_AUTO_TEST_CASE(full_tunnel_imports_as_it_is) {
  const ctl::ImportResult result = ctl::import_wg_quick(
      "[Interface]\nPrivateKey = " + kPrivate + "\n[Peer]\nPublicKey = " + kPeer1 + "\nAllowedIPs = 0.0.0.0/0, ::/0\n",
      "laptop.conf");
  BOOST_TEST(result.warnings.empty());
  BOOST_TEST(result.config.settings.routes);
  BOOST_TEST_REQUIRE(result.config.settings.peers.size() == 1u);
  std::vector<std::string> allowed_ips;
  for (const tunnel::IpPrefix& prefix : result.config.settings.peers[0].allowed_ips) {
    allowed_ips.push_back(prefix.to_string());
  }
  BOOST_TEST(allowed_ips == (std::vector<std::string>{"0.0.0.0/0", "::/0"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(structure_warnings) {
  const ctl::ImportResult result = ctl::import_wg_quick(
      "ListenPort = 1\n[Extra]\nFoo = bar\n[Interface]\n[Peer]\nPublicKey = " + kPeer1 + "\n", "x.conf");
  const std::vector<std::string> expected{
      "x.conf:1: ListenPort: outside [Interface] and [Peer], dropped",
      "x.conf:2: [Extra]: unknown section, dropped with its keys",
      "x.conf:4: [Interface]: has no PrivateKey; add private_key or private_key_file to the TOML",
  };
  BOOST_TEST(result.warnings == expected, boost::test_tools::per_element());
  BOOST_TEST(ctl::import_wg_quick("", "empty.conf").warnings.front() ==
             "empty.conf: [Interface]: missing; the TOML needs at least private_key");
}

BOOST_AUTO_TEST_CASE(bad_values_are_errors_with_line_and_key) {
  const std::string interface = "[Interface]\nPrivateKey = " + kPrivate + "\n";
  BOOST_TEST(error_of("[Interface]\nPrivateKey = " + kPrivate.substr(1) + "\n") ==
             "wg0.conf:2: PrivateKey: key must be 44 base64 characters, got 43");
  BOOST_TEST(error_of(interface + "ListenPort = 70000\n") == "wg0.conf:3: ListenPort: not a number from 0 to 65535");
  BOOST_TEST(error_of(interface + "Address = 10.0.0.1/40\n").starts_with("wg0.conf:3: Address: "));
  BOOST_TEST(error_of(interface + "just words\n") == "wg0.conf:3: just words: not a 'Key = value' line");
  BOOST_TEST(error_of(interface + "[Peer]\nAllowedIPs = 10.0.0.0/8\n[Peer]\nPublicKey = " + kPeer1 + "\n") ==
             "wg0.conf:3: [Peer]: has no PublicKey");
  BOOST_TEST(error_of(interface + "[Peer]\nPublicKey = " + kPeer1 + "\nEndpoint = 192.0.2.1\n") ==
             "wg0.conf:5: Endpoint: expected HOST:PORT");
  BOOST_TEST(error_of(interface + "[Peer]\nPublicKey = " + kPeer1 + "\nPersistentKeepalive = often\n") ==
             "wg0.conf:5: PersistentKeepalive: not a number from 0 to 65535");
  // A key never appears in a message, even a broken one.
  const std::string message = error_of("[Interface]\nPrivateKey = " + kPrivate.substr(0, 40) + "!!!=\n");
  BOOST_TEST(message.find(kPrivate.substr(0, 12)) == std::string::npos, message);
}

BOOST_AUTO_TEST_SUITE_END()
