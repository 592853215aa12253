// The agent's set request: only what differs between the leases and the running peers.
#include <boost/test/unit_test.hpp>

#include "crypto/key_encoding.hpp"
#include "ctl_test_keys.hpp"
#include "mesh/peer_plan.hpp"

namespace {

using namespace sluice;

crypto::PublicKey key(const std::string& base64) {
  crypto::PublicKey out;
  crypto::decode_base64_key(base64, out.bytes);
  return out;
}

tunnel::IpPrefix prefix(const char* text) { return tunnel::IpPrefix::parse(text); }

tunnel::Endpoint endpoint(const char* address, std::uint16_t port) {
  return tunnel::Endpoint(tunnel::IpAddress::parse(address), port);
}

mesh::DesiredPeer desired(const std::string& base64, const char* subnet, const char* address) {
  mesh::DesiredPeer peer;
  peer.public_key = key(base64);
  peer.endpoint = endpoint(address, 51820);
  peer.allowed_ips = {prefix(subnet)};
  return peer;
}

uapi::PeerState running(const std::string& base64, const char* subnet, const char* endpoint_text) {
  uapi::PeerState peer;
  peer.public_key = key(base64);
  peer.endpoint = endpoint_text;
  peer.allowed_ips = {prefix(subnet)};
  return peer;
}

const std::vector<tunnel::IpPrefix> kNetworks{prefix("10.244.0.0/16")};

}  // namespace

BOOST_AUTO_TEST_SUITE(mesh_peer_plan)

BOOST_AUTO_TEST_CASE(missing_peers_are_added_whole) {
  const uapi::SetRequest request =
      mesh::plan_peer_changes({}, {desired(test::kPeer1, "10.244.3.0/24", "10.200.0.3")}, kNetworks, {});
  BOOST_REQUIRE_EQUAL(request.peers.size(), 1u);
  const uapi::PeerChange& change = request.peers[0];
  BOOST_TEST(!change.update_only);
  BOOST_TEST(change.replace_allowed_ips);
  BOOST_TEST(change.endpoint->to_string() == "10.200.0.3:51820");
  BOOST_TEST(change.allowed_ips.at(0).to_string() == "10.244.3.0/24");
  BOOST_TEST(!request.replace_peers);
}

BOOST_AUTO_TEST_CASE(unchanged_peers_are_left_alone) {
  uapi::InterfaceState state;
  state.peers = {running(test::kPeer1, "10.244.3.0/24", "10.200.0.3:51820")};
  const mesh::AppliedEndpoints applied{{key(test::kPeer1), endpoint("10.200.0.3", 51820)}};
  BOOST_TEST(mesh::plan_peer_changes(state, {desired(test::kPeer1, "10.244.3.0/24", "10.200.0.3")}, kNetworks, applied)
                 .peers.empty());
}

BOOST_AUTO_TEST_CASE(gone_mesh_peers_are_removed_and_hand_made_ones_kept) {
  uapi::InterfaceState state;
  state.peers = {running(test::kPeer1, "10.244.3.0/24", "10.200.0.3:51820"),
                 running(test::kPeer2, "192.168.7.0/24", "10.200.0.9:51820")};
  const uapi::SetRequest request = mesh::plan_peer_changes(state, {}, kNetworks, {});
  BOOST_REQUIRE_EQUAL(request.peers.size(), 1u);
  BOOST_TEST(request.peers[0].remove);
  BOOST_TEST((request.peers[0].public_key == key(test::kPeer1)));
}

BOOST_AUTO_TEST_CASE(a_changed_lease_changes_only_what_differs) {
  uapi::InterfaceState state;
  state.peers = {running(test::kPeer1, "10.244.3.0/24", "10.200.0.3:51820")};
  const mesh::AppliedEndpoints applied{{key(test::kPeer1), endpoint("10.200.0.3", 51820)}};
  const uapi::SetRequest request =
      mesh::plan_peer_changes(state, {desired(test::kPeer1, "10.244.3.0/24", "10.200.0.33")}, kNetworks, applied);
  BOOST_REQUIRE_EQUAL(request.peers.size(), 1u);
  BOOST_TEST(request.peers[0].update_only);
  BOOST_TEST(request.peers[0].endpoint->to_string() == "10.200.0.33:51820");
  BOOST_TEST(!request.peers[0].replace_allowed_ips);
  BOOST_TEST(!request.peers[0].persistent_keepalive.has_value());
}

BOOST_AUTO_TEST_CASE(a_roamed_peer_keeps_its_address_while_its_lease_stays) {
  uapi::InterfaceState state;
  state.peers = {running(test::kPeer1, "10.244.3.0/24", "198.51.100.7:40000")};
  const mesh::AppliedEndpoints applied{{key(test::kPeer1), endpoint("10.200.0.3", 51820)}};
  BOOST_TEST(mesh::plan_peer_changes(state, {desired(test::kPeer1, "10.244.3.0/24", "10.200.0.3")}, kNetworks, applied)
                 .peers.empty());
}

BOOST_AUTO_TEST_CASE(a_rotated_key_removes_the_old_peer_before_adding_the_new) {
  uapi::InterfaceState state;
  state.peers = {running(test::kPeer1, "10.244.3.0/24", "10.200.0.3:51820")};
  const uapi::SetRequest request =
      mesh::plan_peer_changes(state, {desired(test::kPeer2, "10.244.3.0/24", "10.200.0.3")}, kNetworks, {});
  BOOST_REQUIRE_EQUAL(request.peers.size(), 2u);
  BOOST_TEST(request.peers[0].remove);
  BOOST_TEST((request.peers[0].public_key == key(test::kPeer1)));
  BOOST_TEST(!request.peers[1].remove);
  BOOST_TEST((request.peers[1].public_key == key(test::kPeer2)));
}

BOOST_AUTO_TEST_CASE(a_network_psk_reaches_running_peers_and_its_removal_too) {
  uapi::InterfaceState state;
  state.peers = {running(test::kPeer1, "10.244.3.0/24", "10.200.0.3:51820")};
  const mesh::AppliedEndpoints applied{{key(test::kPeer1), endpoint("10.200.0.3", 51820)}};
  mesh::DesiredPeer peer = desired(test::kPeer1, "10.244.3.0/24", "10.200.0.3");
  crypto::PresharedKey psk;
  crypto::decode_base64_key(test::kPreshared, psk.span());
  peer.preshared_key = psk;
  const uapi::SetRequest set = mesh::plan_peer_changes(state, {peer}, kNetworks, applied);
  BOOST_REQUIRE_EQUAL(set.peers.size(), 1u);
  BOOST_TEST((set.peers[0].preshared_key == psk));

  state.peers[0].preshared_key = psk;
  peer.preshared_key.reset();
  const uapi::SetRequest cleared = mesh::plan_peer_changes(state, {peer}, kNetworks, applied);
  BOOST_REQUIRE_EQUAL(cleared.peers.size(), 1u);
  BOOST_TEST(cleared.peers[0].preshared_key->is_zero());
}

BOOST_AUTO_TEST_CASE(membership_needs_every_prefix_inside_a_network) {
  BOOST_TEST(mesh::inside_networks({prefix("10.244.3.0/24")}, kNetworks));
  BOOST_TEST(!mesh::inside_networks({prefix("10.244.3.0/24"), prefix("0.0.0.0/0")}, kNetworks));
  BOOST_TEST(!mesh::inside_networks({prefix("10.0.0.0/8")}, kNetworks));
  BOOST_TEST(!mesh::inside_networks({}, kNetworks));
  BOOST_TEST(!mesh::inside_networks({prefix("fd00::/64")}, kNetworks));
}

BOOST_AUTO_TEST_SUITE_END()
