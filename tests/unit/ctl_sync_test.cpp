// `sluicectl reload` (the `wg syncconf` request) and `sluicectl export` (running state to TOML).
#include <boost/test/unit_test.hpp>
#include <string>

#include "config/config_file.hpp"
#include "config/sync_request.hpp"
#include "crypto/key_encoding.hpp"
#include "ctl/daemon_info.hpp"
#include "ctl/export.hpp"
#include "ctl/reload_changes.hpp"
#include "ctl_test_keys.hpp"
#include "uapi/error.hpp"

using namespace sluice;
using namespace sluice::test;
using namespace std::chrono_literals;

namespace {

std::string b64(const crypto::PublicKey& key) { return crypto::encode_base64_key(key.span()); }

// Running: peers 1 and 2, port 51820, mark 0x10, a session with peer 1.
uapi::InterfaceState running() {
  return uapi::parse_get_answer("private_key=" + hex(kPrivate) + "\nlisten_port=51820\nfwmark=16\n" +  //
                                "public_key=" + hex(kPeer1) + "\npreshared_key=" + hex(kPreshared) +
                                "\nendpoint=192.0.2.1:51820\nlast_handshake_time_sec=1700000000\n"
                                "allowed_ip=10.0.1.0/24\n" +
                                "public_key=" + hex(kPeer2) + "\nallowed_ip=10.0.2.0/24\n");
}

// The file: peer 2 gone, peer 3 new, peer 1 unchanged.
config::InterfaceSettings wanted(const std::string& interface_extra = "") {
  return config::parse_config("[interface]\nprivate_key = \"" + kPrivate + "\"\nroutes = true\n" + interface_extra +
                                  "address = [\"10.0.0.1/16\"]\n"
                                  "[[peer]]\npublic_key = \"" +
                                  kPeer1 + "\"\npreshared_key = \"" + kPreshared +
                                  "\"\nendpoint = \"192.0.2.1:51820\"\nallowed_ips = [\"10.0.1.0/24\"]\n"
                                  "[[peer]]\npublic_key = \"" +
                                  kPeer3 + "\"\nallowed_ips = [\"10.0.3.7/24\"]\n",
                              "/etc/sluice/wg0.toml");
}

// Two running segments, as an fdb=1 answer: VNI 100 with a static entry for peer 1, VNI 200 with
// its own MTU and aging.
std::vector<ctl::SegmentTable> running_segments() {
  return ctl::parse_fdb_answer(
      "vni=100\ntap=sl100\nbridge=br100\nlocal=10.0.0.1\nmtu=1370\naging=300\ntx_frames=3\n"
      "mac=52:54:00:00:00:01\npublic_key=" +
      hex(kPeer1) +
      "\nstatic=1\n"
      "vni=200\ntap=sl200\nlocal=10.0.0.1\nmtu=1300\nconfigured_mtu=1300\naging=60\n"
      "vni=300\ntap=sl300\novs_bridge=br-int\novs_vlan=30\novs_db=unix:/x/db.sock\nlocal=10.0.0.1\nmtu=1370\n"
      "aging=300\n");
}
}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_sync)

BOOST_AUTO_TEST_CASE(request_is_what_wg_syncconf_sends) {
  const uapi::SetRequest request = config::sync_request(wanted(), running());
  // Never replace_peers: that would end the sessions of peers that did not change.
  BOOST_TEST(!request.replace_peers);
  // The key already in use is not sent again; port 0 in the file keeps the bound port.
  BOOST_TEST(!request.private_key.has_value());
  BOOST_TEST(!request.listen_port.has_value());
  BOOST_TEST(request.fwmark.value_or(1) == 0u);

  BOOST_TEST_REQUIRE(request.peers.size() == 3u);
  BOOST_TEST(b64(request.peers[0].public_key) == kPeer2);
  BOOST_TEST(request.peers[0].remove);
  for (std::size_t i = 1; i < 3; ++i) {
    BOOST_TEST(!request.peers[i].remove);
    BOOST_TEST(!request.peers[i].update_only);
    BOOST_TEST(request.peers[i].replace_allowed_ips);
    BOOST_TEST(request.peers[i].preshared_key.has_value());
    BOOST_TEST(request.peers[i].persistent_keepalive.has_value());
  }
  BOOST_TEST(b64(request.peers[1].public_key) == kPeer1);
  BOOST_TEST(b64(request.peers[2].public_key) == kPeer3);
  // A peer without a preshared key in the file gets the all-zero key: "none".
  BOOST_TEST(request.peers[2].preshared_key->is_zero());
  BOOST_TEST_REQUIRE(request.peers[2].allowed_ips.size() == 1u);
  BOOST_TEST(request.peers[2].allowed_ips[0].to_string() == "10.0.3.0/24");
}

BOOST_AUTO_TEST_CASE(changed_interface_settings_are_sent) {
  const std::string other_key = "[interface]\nprivate_key = \"" + kPeer3 + "\"\nlisten_port = 51999\nfwmark = 16\n";
  const uapi::SetRequest request =
      config::sync_request(config::parse_config(other_key, "/etc/sluice/wg0.toml"), running());
  BOOST_TEST(request.private_key.has_value());
  BOOST_TEST(request.listen_port.value_or(0) == 51999);
  BOOST_TEST(!request.fwmark.has_value());
  // An empty file removes every running peer.
  BOOST_TEST(request.peers.size() == 2u);
  BOOST_TEST((request.peers[0].remove && request.peers[1].remove));
}

BOOST_AUTO_TEST_CASE(a_mark_the_daemon_set_for_its_full_tunnel_is_kept) {
  // No mark in the file: the daemon's own mark (0x10 here) stays; any other is reset.
  BOOST_TEST(!config::sync_request(wanted(), running(), 16).fwmark.has_value());
  BOOST_TEST(config::sync_request(wanted(), running(), 51820).fwmark.value_or(1) == 0u);
  BOOST_TEST(config::sync_request(wanted("fwmark = 17\n"), running(), 16).fwmark.value_or(0) == 17u);
}

BOOST_AUTO_TEST_CASE(changed_peers_are_counted) {
  // Peer 1 is as it runs; peer 3 is new, not changed.
  BOOST_TEST(ctl::changed_peers(wanted(), running()) == 0u);
  uapi::InterfaceState moved = running();
  moved.peers[0].allowed_ips.push_back(tunnel::IpPrefix::parse("10.0.9.0/24"));
  BOOST_TEST(ctl::changed_peers(wanted(), moved) == 1u);
  uapi::InterfaceState keepalive = running();
  keepalive.peers[0].persistent_keepalive = 25;
  BOOST_TEST(ctl::changed_peers(wanted(), keepalive) == 1u);
  uapi::InterfaceState roamed = running();
  roamed.peers[0].endpoint = "192.0.2.9:51820";
  BOOST_TEST(ctl::changed_peers(wanted(), roamed) == 1u);
}

BOOST_AUTO_TEST_CASE(daemon_info_and_route_answers_are_read) {
  const ctl::DaemonInfo info =
      ctl::parse_info_answer("config_file=/tmp/x/wg0.toml\nroutes=true\nroute_table=51820\nown_fwmark=51820\nnew=1\n");
  BOOST_TEST(info.config_file.value_or("").string() == "/tmp/x/wg0.toml");
  BOOST_TEST(info.routes);
  BOOST_TEST(info.route_table == 51820u);
  BOOST_TEST(info.own_fwmark == 51820u);
  BOOST_TEST(!ctl::parse_info_answer("routes=false\n").config_file.has_value());
  BOOST_CHECK_THROW((void)ctl::parse_info_answer("route_table=x\n"), uapi::ControlError);

  const ctl::RouteSync sync =
      ctl::parse_route_answer("route_added=0.0.0.0/0\nroute_removed=10.0.2.0/24\nroute_failed=wg0: cannot add route\n");
  BOOST_TEST(sync.added == std::vector<std::string>{"0.0.0.0/0"}, boost::test_tools::per_element());
  BOOST_TEST(sync.removed == std::vector<std::string>{"10.0.2.0/24"}, boost::test_tools::per_element());
  BOOST_TEST(sync.failed == std::vector<std::string>{"wg0: cannot add route"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(link_changes_reload_cannot_make_are_named) {
  ctl::LinkInfo link;
  link.addresses = {tunnel::IpPrefix::parse("10.0.0.1/16")};
  link.mtu = 1420;
  BOOST_TEST(ctl::unapplied_changes(wanted(), link).empty());
  const std::vector<std::string> notes = ctl::unapplied_changes(wanted("mtu = 1400\n"), ctl::LinkInfo{});
  const std::vector<std::string> expected{"address: the file has 10.0.0.1/16, the interface none",
                                          "mtu: the file has 1400, the interface 0"};
  BOOST_TEST(notes == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(export_with_keys_loads_back_the_same) {
  ctl::LinkInfo link;
  link.addresses = {tunnel::IpPrefix::parse("10.0.0.1/16"), tunnel::IpPrefix::parse("fd00::1/64")};
  link.mtu = 1380;
  const crypto::SecretText toml = config::write_toml(ctl::export_config("wg0", running(), link, {}, true));
  const config::InterfaceSettings settings = config::parse_config(toml.str(), "/tmp/wg0.toml");
  BOOST_TEST(crypto::encode_base64_key(settings.private_key.value().span()) == kPrivate);
  BOOST_TEST(settings.listen_port == 51820);
  BOOST_TEST(settings.fwmark == 16u);
  BOOST_TEST((settings.addresses == link.addresses));
  BOOST_TEST(settings.mtu.value_or(0) == 1380u);
  BOOST_TEST_REQUIRE(settings.peers.size() == 2u);
  BOOST_TEST(b64(settings.peers[0].public_key) == kPeer1);
  BOOST_TEST(crypto::encode_base64_key(settings.peers[0].preshared_key.value().span()) == kPreshared);
  BOOST_TEST(settings.peers[0].endpoint.value().to_string() == "192.0.2.1:51820");
  BOOST_TEST(settings.peers[0].allowed_ips.at(0).to_string() == "10.0.1.0/24");
  BOOST_TEST(b64(settings.peers[1].public_key) == kPeer2);
}

BOOST_AUTO_TEST_CASE(export_without_keys_prints_no_secret) {
  ctl::LinkInfo link;
  const std::string toml = config::write_toml(ctl::export_config("wg0", running(), link, {}, false)).str();
  BOOST_TEST(toml.find(kPrivate) == std::string::npos, toml);
  BOOST_TEST(toml.find(kPreshared) == std::string::npos, toml);
  BOOST_TEST(toml.find("\nprivate_key =") == std::string::npos, toml);
  BOOST_TEST(
      toml.find("# private_key is not printed: `sluicectl export --show-keys wg0` prints it") != std::string::npos,
      toml);
}

BOOST_AUTO_TEST_CASE(export_writes_segments_that_load_back) {
  ctl::LinkInfo link;
  link.addresses = {tunnel::IpPrefix::parse("10.0.0.1/16")};
  link.mtu = 1420;
  const crypto::SecretText toml =
      config::write_toml(ctl::export_config("wg0", running(), link, running_segments(), true));
  const config::InterfaceSettings settings = config::parse_config(toml.str(), "/tmp/wg0.toml");
  BOOST_TEST_REQUIRE(settings.segments.size() == 3u);
  BOOST_TEST(settings.segments[0].bridge.value_or("") == "br100");
  BOOST_TEST(!settings.segments[0].mtu.has_value(), "an MTU the daemon chose is not pinned");
  BOOST_TEST_REQUIRE(settings.segments[0].fdb.size() == 1u);
  BOOST_TEST(b64(settings.segments[0].fdb[0].peer) == kPeer1);
  BOOST_TEST(settings.segments[1].mtu.value_or(0) == 1300u);
  BOOST_TEST(settings.segments[1].aging.count() == 60);
  BOOST_TEST(settings.segments[2].ovs_bridge.value_or("") == "br-int");
  BOOST_TEST(settings.segments[2].ovs_vlan.value_or(0) == 30u);
  BOOST_TEST(settings.segments[2].ovs_db.value_or("") == "unix:/x/db.sock");
  BOOST_TEST(ctl::segment_changes(settings, running_segments()).empty(), toml.str());
  // Another VLAN in the file is a difference reload names.
  config::InterfaceSettings other_vlan = settings;
  other_vlan.segments[2].ovs_vlan = 31;
  const std::vector<std::string> notes = ctl::segment_changes(other_vlan, running_segments());
  BOOST_TEST_REQUIRE(notes.size() == 1u);
  BOOST_TEST(
      notes[0].find("VNI 300 (sl300 on Open vSwitch bridge br-int VLAN 31 at unix:/x/db.sock") != std::string::npos,
      notes[0]);
}

BOOST_AUTO_TEST_CASE(segment_changes_are_named) {
  const std::vector<std::string> notes = ctl::segment_changes(wanted(), running_segments());
  BOOST_TEST_REQUIRE(notes.size() == 1u);
  const std::string expected =
      "segments: the file has none, the interface VNI 100 (sl100 on br100, local 10.0.0.1, "
      "aging 300, 52:54:00:00:00:01 static to " +
      kPeer1 + "), VNI 200 (sl200, mtu 1300";
  BOOST_TEST(notes[0].starts_with(expected), notes[0]);
  BOOST_TEST(ctl::segment_changes(wanted(), {}).empty());
}

BOOST_AUTO_TEST_SUITE_END()
