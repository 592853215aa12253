// sluicectl's side of the control protocol: reading get=1 answers and writing set=1 requests,
// checked against the daemon's own parser and serializer so the two sides cannot drift apart.
#include <boost/test/unit_test.hpp>
#include <string>

#include "crypto/key_encoding.hpp"
#include "crypto/x25519.hpp"
#include "ctl_test_keys.hpp"
#include "daemon/uapi.hpp"
#include "uapi/error.hpp"
#include "uapi/interface_state.hpp"
#include "uapi/set_request.hpp"

using namespace sluice;
using namespace sluice::test;
using namespace std::chrono_literals;

namespace {

crypto::PublicKey public_key(const std::string& base64) {
  crypto::PublicKey key;
  crypto::decode_base64_key(base64, key.bytes);
  return key;
}

template <class Secret>
Secret secret(const std::string& base64) {
  Secret key;
  crypto::decode_base64_key(base64, key.span());
  return key;
}

std::string b64(const crypto::PublicKey& key) { return crypto::encode_base64_key(key.span()); }

// What a daemon with two peers answers: one after a handshake, one never seen.
std::string sample_answer() {
  return "private_key=" + hex(kPrivate) + "\nlisten_port=51820\nfwmark=4660\n" +  //
         "public_key=" + hex(kPeer1) + "\npreshared_key=" + hex(kPreshared) +
         "\nprotocol_version=1\nendpoint=[2001:db8::7]:51821\nlast_handshake_time_sec=1700000000\n"
         "last_handshake_time_nsec=250000000\ntx_bytes=1234\nrx_bytes=5678\npersistent_keepalive_interval=25\n"
         "allowed_ip=10.10.0.2/32\nallowed_ip=fd00:10::/64\n" +
         "public_key=" + hex(kPeer2) + "\npreshared_key=" + std::string(64, '0') +
         "\nprotocol_version=1\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\n"
         "persistent_keepalive_interval=0\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_uapi_text)

BOOST_AUTO_TEST_CASE(get_answer_is_parsed) {
  const uapi::InterfaceState state = uapi::parse_get_answer(sample_answer());
  BOOST_TEST_REQUIRE(state.private_key.has_value());
  BOOST_TEST((*state.private_key == secret<crypto::PrivateKey>(kPrivate)));
  BOOST_TEST_REQUIRE(state.public_key.has_value());
  BOOST_TEST((*state.public_key == crypto::public_from_private(*state.private_key)));
  BOOST_TEST(state.listen_port == 51820);
  BOOST_TEST(state.fwmark == 0x1234u);
  BOOST_TEST_REQUIRE(state.peers.size() == 2u);

  const uapi::PeerState& first = state.peers[0];
  BOOST_TEST(b64(first.public_key) == kPeer1);
  BOOST_TEST_REQUIRE(first.preshared_key.has_value());
  BOOST_TEST((*first.preshared_key == secret<crypto::PresharedKey>(kPreshared)));
  BOOST_TEST(first.endpoint.value_or("") == "[2001:db8::7]:51821");
  BOOST_TEST_REQUIRE(first.latest_handshake.has_value());
  BOOST_TEST(first.latest_handshake->count() == std::chrono::nanoseconds(1'700'000'000s + 250ms).count());
  BOOST_TEST(first.tx_bytes == 1234u);
  BOOST_TEST(first.rx_bytes == 5678u);
  BOOST_TEST(first.persistent_keepalive == 25);
  BOOST_TEST_REQUIRE(first.allowed_ips.size() == 2u);
  BOOST_TEST(first.allowed_ips[0].to_string() == "10.10.0.2/32");
  BOOST_TEST(first.allowed_ips[1].to_string() == "fd00:10::/64");

  // All-zero keys and times mean "none", as wg shows them.
  const uapi::PeerState& second = state.peers[1];
  BOOST_TEST(b64(second.public_key) == kPeer2);
  BOOST_TEST(!second.preshared_key.has_value());
  BOOST_TEST(!second.endpoint.has_value());
  BOOST_TEST(!second.latest_handshake.has_value());
  BOOST_TEST(second.allowed_ips.empty());
}

BOOST_AUTO_TEST_CASE(empty_interface_and_unknown_keys) {
  const uapi::InterfaceState empty = uapi::parse_get_answer("");
  BOOST_TEST(!empty.private_key.has_value());
  BOOST_TEST(!empty.public_key.has_value());
  BOOST_TEST(empty.listen_port == 0);
  BOOST_TEST(empty.peers.empty());
  // A newer daemon may add keys; they are skipped rather than refused.
  const uapi::InterfaceState future =
      uapi::parse_get_answer("listen_port=1\nsome_new_key=7\npublic_key=" + hex(kPeer1) + "\nnew_peer_key=x\n");
  BOOST_TEST(future.listen_port == 1);
  BOOST_TEST(future.peers.size() == 1u);
}

BOOST_AUTO_TEST_CASE(malformed_answers_name_the_line_not_the_value) {
  const auto message_of = [](const std::string& answer) -> std::string {
    try {
      (void)uapi::parse_get_answer(answer);
    } catch (const uapi::ControlError& e) {
      return e.what();
    }
    return "(accepted)";
  };
  BOOST_TEST(message_of("listen_port=65536\n") ==
             "malformed answer from the daemon, line 1 (listen_port): expected a number from 0 to 65535");
  BOOST_TEST(message_of("listen_port=1\ngarbage\n").find("line 2") != std::string::npos);
  const std::string bad_key = "private_key=" + hex(kPrivate).substr(0, 63) + "\n";
  const std::string message = message_of(bad_key);
  BOOST_TEST(message.find("line 1 (private_key)") != std::string::npos, message);
  BOOST_TEST(message.find(hex(kPrivate).substr(0, 16)) == std::string::npos, message);
  BOOST_TEST(message_of("public_key=" + hex(kPeer1) + "\nallowed_ip=10.0.0.0/33\n").find("line 2 (allowed_ip)") !=
             std::string::npos);
}

// A request written by sluicectl is accepted by the daemon's parser and means the same.
BOOST_AUTO_TEST_CASE(set_request_round_trips_through_the_daemon_parser) {
  uapi::SetRequest request;
  request.private_key = secret<crypto::PrivateKey>(kPrivate);
  request.listen_port = 0;
  request.fwmark = 7;
  request.replace_peers = true;
  request.peers.resize(2);
  uapi::PeerChange& full = request.peers[0];
  full.public_key = public_key(kPeer1);
  full.update_only = true;
  full.preshared_key = secret<crypto::PresharedKey>(kPreshared);
  full.endpoint = tunnel::Endpoint{tunnel::IpAddress::parse("2001:db8::1"), 51820};
  full.persistent_keepalive = 25;
  full.replace_allowed_ips = true;
  full.allowed_ips = {tunnel::IpPrefix::parse("10.0.0.0/8"), tunnel::IpPrefix::parse("fd00::/64")};
  uapi::PeerChange& gone = request.peers[1];
  gone.public_key = public_key(kPeer2);
  gone.remove = true;

  const crypto::SecretText text = uapi::set_request_text(request);
  BOOST_TEST_REQUIRE(text.str().starts_with("set=1\n"));
  BOOST_TEST_REQUIRE(text.str().ends_with("\n\n"));
  const uapi::SetParse parsed = uapi::parse_set_request(std::string_view(text.str()).substr(6));
  BOOST_TEST_REQUIRE(parsed.request.has_value(), parsed.problem);
  const uapi::SetRequest& back = *parsed.request;
  BOOST_TEST((back.private_key && *back.private_key == *request.private_key));
  BOOST_TEST(back.listen_port.value_or(1) == 0);
  BOOST_TEST(back.fwmark.value_or(0) == 7u);
  BOOST_TEST(back.replace_peers);
  BOOST_TEST_REQUIRE(back.peers.size() == 2u);
  BOOST_TEST((back.peers[0].public_key == full.public_key));
  BOOST_TEST(back.peers[0].update_only);
  BOOST_TEST(!back.peers[0].remove);
  BOOST_TEST((back.peers[0].preshared_key && *back.peers[0].preshared_key == *full.preshared_key));
  BOOST_TEST((back.peers[0].endpoint && *back.peers[0].endpoint == *full.endpoint));
  BOOST_TEST(back.peers[0].persistent_keepalive.value_or(0) == 25);
  BOOST_TEST(back.peers[0].replace_allowed_ips);
  BOOST_TEST((back.peers[0].allowed_ips == full.allowed_ips));
  BOOST_TEST((back.peers[1].public_key == gone.public_key));
  BOOST_TEST(back.peers[1].remove);
}

// Only what the request holds is written: an empty request is just the two framing lines.
BOOST_AUTO_TEST_CASE(set_request_leaves_out_what_is_not_set) {
  BOOST_TEST(uapi::set_request_text(uapi::SetRequest{}).str() == "set=1\n\n");
  uapi::SetRequest request;
  request.peers.emplace_back().public_key = public_key(kPeer1);
  BOOST_TEST(uapi::set_request_text(request).str() == "set=1\npublic_key=" + hex(kPeer1) + "\n\n");
}

BOOST_AUTO_TEST_SUITE_END()
