// The WireGuard userspace control protocol against a real protocol core: what `wg` sends, what it
// reads back, and that refused requests change nothing.
#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include "config/sync_request.hpp"
#include "crypto/key_encoding.hpp"
#include "crypto/random.hpp"
#include "crypto/x25519.hpp"
#include "daemon/uapi.hpp"
#include "daemon/uapi_info.hpp"
#include "tests/common/fake_uapi_target.hpp"
#include "tests/common/tunnel_test_support.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

const std::string kZeroKey(64, '0');

struct KeyPair {
  crypto::PrivateKey private_key = crypto::generate_private_key();
  crypto::PublicKey public_key = crypto::public_from_private(private_key);
  [[nodiscard]] std::string private_hex() const { return crypto::encode_hex_key(private_key.span()); }
  [[nodiscard]] std::string public_hex() const { return crypto::encode_hex_key(public_key.span()); }
};

struct TestInterface {
  tunnel::Device device{[] { return std::chrono::nanoseconds(1'700'000'000s); }};
  test::FakeUapiTarget target{device};

  std::string get() { return daemon::handle_request("get=1\n\n", target); }
  // `lines` are key=value lines, each ending in '\n'; the terminating empty line is added.
  std::string set(const std::string& lines) { return daemon::handle_request("set=1\n" + lines + "\n", target); }

  tunnel::Peer& peer(const KeyPair& keys) {
    tunnel::Peer* found = device.find_peer(keys.public_key);
    BOOST_REQUIRE(found != nullptr);
    return *found;
  }
  std::optional<tunnel::Peer*> route(std::string_view address) {
    return device.allowed_ips().lookup(tunnel::IpAddress::parse(address));
  }
};

const std::string kOk = "errno=0\n\n";

std::string prefixes(const tunnel::Device& device, tunnel::Peer& peer) {
  std::string out;
  for (const auto& prefix : device.allowed_ips().prefixes_of(&peer)) {
    out += prefix.to_string() + " ";
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_uapi)

BOOST_AUTO_TEST_CASE(setconf_then_get_round_trips_field_by_field) {
  TestInterface i;
  const KeyPair own;
  const KeyPair a;
  const KeyPair b;
  crypto::PresharedKey psk;
  crypto::random_bytes(psk.span());
  const std::string psk_hex = crypto::encode_hex_key(psk.span());

  // The shape `wg setconf` sends (captured from wireguard-tools 1.0.20210914), with host bits set
  // in one prefix as `wg set` passes them through.
  BOOST_CHECK_EQUAL(i.set("private_key=" + own.private_hex() +
                          "\nlisten_port=51820\nfwmark=7\nreplace_peers=true\n"
                          "public_key=" +
                          a.public_hex() +
                          "\nendpoint=[fd00::1]:51821\npersistent_keepalive_interval=25\nreplace_allowed_ips=true\n"
                          "allowed_ip=10.0.0.77/24\nallowed_ip=fd00::1/64\n"
                          "public_key=" +
                          b.public_hex() + "\npreshared_key=" + psk_hex +
                          "\nendpoint=192.0.2.1:1234\nreplace_allowed_ips=true\nallowed_ip=10.0.1.1/32\n"),
                    kOk);

  const std::string expected = "private_key=" + own.private_hex() +
                               "\n"
                               "listen_port=51820\n"
                               "fwmark=7\n"
                               "public_key=" +
                               a.public_hex() + "\n" + "preshared_key=" + kZeroKey + "\n" +
                               "protocol_version=1\n"
                               "endpoint=[fd00::1]:51821\n"
                               "last_handshake_time_sec=0\n"
                               "last_handshake_time_nsec=0\n"
                               "tx_bytes=0\n"
                               "rx_bytes=0\n"
                               "persistent_keepalive_interval=25\n"
                               "allowed_ip=10.0.0.0/24\n"
                               "allowed_ip=fd00::/64\n"
                               "public_key=" +
                               b.public_hex() + "\n" + "preshared_key=" + psk_hex + "\n" +
                               "protocol_version=1\n"
                               "endpoint=192.0.2.1:1234\n"
                               "last_handshake_time_sec=0\n"
                               "last_handshake_time_nsec=0\n"
                               "tx_bytes=0\n"
                               "rx_bytes=0\n"
                               "persistent_keepalive_interval=0\n"
                               "allowed_ip=10.0.1.1/32\n"
                               "errno=0\n\n";
  BOOST_CHECK_EQUAL(i.get(), expected);

  // What the dump says is what the core holds.
  BOOST_CHECK(i.device.identity().public_key == own.public_key);
  BOOST_CHECK_EQUAL(i.target.port, 51820);  // already bound there: no rebind
  BOOST_CHECK(i.target.port_requests.empty());
  BOOST_CHECK_EQUAL(i.target.mark, 7U);
  BOOST_CHECK(i.peer(b).preshared_key() == psk);
  BOOST_CHECK(i.route("10.0.0.200") == &i.peer(a));
  BOOST_CHECK(i.route("fd00::42") == &i.peer(a));
  BOOST_CHECK(i.route("10.0.1.1") == &i.peer(b));
  BOOST_CHECK(!i.route("10.0.1.2"));
  // Switching a keepalive on asks the daemon to send one now; only `a` has one.
  BOOST_REQUIRE_EQUAL(i.target.keepalives.size(), 1U);
  BOOST_CHECK(i.target.keepalives.front() == a.public_key);

  // The same configuration again gives the same dump.
  BOOST_CHECK_EQUAL(
      i.set("replace_peers=true\npublic_key=" + a.public_hex() +
            "\nendpoint=[fd00::1]:51821\npersistent_keepalive_interval=25\n"
            "allowed_ip=10.0.0.0/24\nallowed_ip=fd00::/64\npublic_key=" +
            b.public_hex() + "\npreshared_key=" + psk_hex + "\nendpoint=192.0.2.1:1234\nallowed_ip=10.0.1.1/32\n"),
      kOk);
  BOOST_CHECK_EQUAL(i.get(), expected);
}

BOOST_AUTO_TEST_CASE(get_reports_handshake_time_and_transfer) {
  test::TunnelPair t;
  t.wall = std::chrono::seconds(1'800'000'000) + 250ms;
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.pump();
  BOOST_REQUIRE_EQUAL(t.sb.delivered.size(), 1U);
  const auto& counters = t.a_to_b->counters();
  BOOST_REQUIRE(counters.tx_bytes > 0 && counters.rx_bytes > 0);

  test::FakeUapiTarget target(t.a);
  const std::string dump = daemon::handle_request("get=1\n\n", target);
  const std::string expected_peer =
      "protocol_version=1\n"
      "endpoint=10.200.0.2:51821\n"
      "last_handshake_time_sec=1800000000\n"
      "last_handshake_time_nsec=250000000\n"
      "tx_bytes=" +
      std::to_string(counters.tx_bytes) + "\n" + "rx_bytes=" + std::to_string(counters.rx_bytes) + "\n" +
      "persistent_keepalive_interval=0\n"
      "allowed_ip=10.2.0.0/24\n"
      "errno=0\n\n";
  BOOST_CHECK(dump.ends_with(expected_peer));
}

BOOST_AUTO_TEST_CASE(replace_peers_removes_every_other_peer) {
  TestInterface i;
  const KeyPair a;
  const KeyPair b;
  const KeyPair c;
  BOOST_REQUIRE_EQUAL(i.set("public_key=" + a.public_hex() + "\nallowed_ip=10.0.0.1/32\npublic_key=" + b.public_hex() +
                            "\nallowed_ip=10.0.0.2/32\n"),
                      kOk);
  BOOST_REQUIRE_EQUAL(i.device.peers().size(), 2U);

  BOOST_CHECK_EQUAL(i.set("replace_peers=true\npublic_key=" + c.public_hex() + "\nallowed_ip=10.0.0.3/32\n"), kOk);
  BOOST_REQUIRE_EQUAL(i.device.peers().size(), 1U);
  BOOST_CHECK(i.device.peers().front()->public_key() == c.public_key);
  BOOST_CHECK(!i.route("10.0.0.1"));
  BOOST_CHECK(!i.route("10.0.0.2"));
  BOOST_CHECK(i.route("10.0.0.3") == &i.peer(c));

  // Alone it empties the interface.
  BOOST_CHECK_EQUAL(i.set("replace_peers=true\n"), kOk);
  BOOST_CHECK(i.device.peers().empty());
  BOOST_CHECK_EQUAL(i.device.allowed_ips().size(), 0U);
}

BOOST_AUTO_TEST_CASE(remove_drops_the_peer_and_its_prefixes) {
  TestInterface i;
  const KeyPair a;
  const KeyPair b;
  BOOST_REQUIRE_EQUAL(i.set("public_key=" + a.public_hex() + "\nallowed_ip=10.0.0.0/24\npublic_key=" + b.public_hex() +
                            "\nallowed_ip=10.0.1.0/24\n"),
                      kOk);
  // What `wg set IF peer KEY remove` sends.
  BOOST_CHECK_EQUAL(i.set("public_key=" + a.public_hex() + "\nremove=true\n"), kOk);
  BOOST_REQUIRE_EQUAL(i.device.peers().size(), 1U);
  BOOST_CHECK(i.device.find_peer(a.public_key) == nullptr);
  BOOST_CHECK(!i.route("10.0.0.1"));
  BOOST_CHECK(i.route("10.0.1.1") == &i.peer(b));
  // Removing a peer that does not exist is not an error.
  BOOST_CHECK_EQUAL(i.set("public_key=" + a.public_hex() + "\nremove=true\n"), kOk);
  // Whatever else the section says, the peer goes and nothing of it stays.
  BOOST_CHECK_EQUAL(i.set("public_key=" + b.public_hex() + "\nallowed_ip=10.9.0.0/16\nremove=true\n"), kOk);
  BOOST_CHECK(i.device.peers().empty());
  BOOST_CHECK_EQUAL(i.device.allowed_ips().size(), 0U);
}

BOOST_AUTO_TEST_CASE(update_only_never_creates_a_peer) {
  TestInterface i;
  const KeyPair a;
  const KeyPair absent;
  BOOST_REQUIRE_EQUAL(i.set("public_key=" + a.public_hex() + "\nendpoint=192.0.2.1:1\n"), kOk);

  BOOST_CHECK_EQUAL(i.set("public_key=" + absent.public_hex() +
                          "\nupdate_only=true\nendpoint=192.0.2.9:9\n"
                          "allowed_ip=10.0.0.0/8\n"),
                    kOk);
  BOOST_CHECK(i.device.find_peer(absent.public_key) == nullptr);
  BOOST_CHECK_EQUAL(i.device.allowed_ips().size(), 0U);

  BOOST_CHECK_EQUAL(i.set("public_key=" + a.public_hex() + "\nupdate_only=true\nendpoint=192.0.2.2:2\n"), kOk);
  BOOST_REQUIRE(i.peer(a).endpoint().has_value());
  BOOST_CHECK_EQUAL(i.peer(a).endpoint()->to_string(), "192.0.2.2:2");
}

BOOST_AUTO_TEST_CASE(allowed_ips_add_and_replace) {
  TestInterface i;
  const KeyPair a;
  BOOST_REQUIRE_EQUAL(i.set("public_key=" + a.public_hex() + "\nallowed_ip=10.0.0.0/24\nallowed_ip=10.0.1.0/24\n"),
                      kOk);
  // Without replace_allowed_ips the list grows.
  BOOST_CHECK_EQUAL(i.set("public_key=" + a.public_hex() + "\nallowed_ip=fd00::/64\n"), kOk);
  BOOST_CHECK_EQUAL(prefixes(i.device, i.peer(a)), "10.0.0.0/24 10.0.1.0/24 fd00::/64 ");

  // With it the list is exactly what follows (`wg set IF peer KEY allowed-ips ...`).
  BOOST_CHECK_EQUAL(i.set("public_key=" + a.public_hex() + "\nreplace_allowed_ips=true\nallowed_ip=10.0.2.0/24\n"),
                    kOk);
  BOOST_CHECK_EQUAL(prefixes(i.device, i.peer(a)), "10.0.2.0/24 ");

  // Lines apply in order: a prefix listed before replace_allowed_ips in the same section is dropped.
  BOOST_CHECK_EQUAL(i.set("public_key=" + a.public_hex() +
                          "\nallowed_ip=10.0.3.0/24\nreplace_allowed_ips=true\nallowed_ip=10.0.4.0/24\n"),
                    kOk);
  BOOST_CHECK_EQUAL(prefixes(i.device, i.peer(a)), "10.0.4.0/24 ");

  // `wg set IF peer KEY allowed-ips ""` empties it.
  BOOST_CHECK_EQUAL(i.set("public_key=" + a.public_hex() + "\nreplace_allowed_ips=true\n"), kOk);
  BOOST_CHECK_EQUAL(prefixes(i.device, i.peer(a)), "");
}

BOOST_AUTO_TEST_CASE(allowed_ip_moves_from_one_peer_to_another) {
  TestInterface i;
  const KeyPair a;
  const KeyPair b;
  BOOST_REQUIRE_EQUAL(i.set("public_key=" + a.public_hex() +
                            "\nallowed_ip=10.0.0.0/24\nallowed_ip=10.0.1.0/24\n"
                            "public_key=" +
                            b.public_hex() + "\n"),
                      kOk);
  BOOST_CHECK_EQUAL(i.set("public_key=" + b.public_hex() + "\nallowed_ip=10.0.0.0/24\n"), kOk);
  BOOST_CHECK_EQUAL(prefixes(i.device, i.peer(a)), "10.0.1.0/24 ");
  BOOST_CHECK_EQUAL(prefixes(i.device, i.peer(b)), "10.0.0.0/24 ");
  BOOST_CHECK(i.route("10.0.0.9") == &i.peer(b));
}

BOOST_AUTO_TEST_CASE(a_peer_with_our_own_key_is_ignored) {
  TestInterface i;
  const KeyPair own;
  BOOST_CHECK_EQUAL(i.set("private_key=" + own.private_hex() + "\npublic_key=" + own.public_hex() +
                          "\nallowed_ip=10.0.0.0/8\npersistent_keepalive_interval=5\n"),
                    kOk);
  BOOST_CHECK(i.device.peers().empty());
  BOOST_CHECK_EQUAL(i.device.allowed_ips().size(), 0U);
  BOOST_CHECK(i.target.keepalives.empty());
}

BOOST_AUTO_TEST_CASE(zero_keys_mean_none) {
  TestInterface i;
  const KeyPair own;
  const KeyPair a;
  BOOST_REQUIRE_EQUAL(i.set("private_key=" + own.private_hex() + "\npublic_key=" + a.public_hex() +
                            "\npreshared_key=" + std::string(64, 'a') + "\n"),
                      kOk);
  BOOST_REQUIRE(i.get().starts_with("private_key="));
  BOOST_REQUIRE(!i.peer(a).preshared_key().is_zero());

  // `wg setconf` without PrivateKey sends 64 zeros; `wg set ... preshared-key /dev/null` too.
  BOOST_CHECK_EQUAL(
      i.set("private_key=" + kZeroKey + "\npublic_key=" + a.public_hex() + "\npreshared_key=" + kZeroKey + "\n"), kOk);
  BOOST_CHECK(!i.device.identity().has_key);
  BOOST_CHECK(i.peer(a).preshared_key().is_zero());
  BOOST_CHECK(i.get().starts_with("listen_port=51820\npublic_key="));

  // An empty private_key removes it as well.
  BOOST_REQUIRE_EQUAL(i.set("private_key=" + own.private_hex() + "\n"), kOk);
  BOOST_REQUIRE(i.device.identity().has_key);
  BOOST_CHECK_EQUAL(i.set("private_key=\n"), kOk);
  BOOST_CHECK(!i.device.identity().has_key);
}

BOOST_AUTO_TEST_CASE(keepalive_is_requested_only_when_switched_on) {
  TestInterface i;
  const KeyPair a;
  const KeyPair b;
  BOOST_REQUIRE_EQUAL(
      i.set("public_key=" + a.public_hex() + "\nendpoint=192.0.2.1:1\npersistent_keepalive_interval=0\n"), kOk);
  BOOST_CHECK(i.target.keepalives.empty());

  BOOST_CHECK_EQUAL(i.set("public_key=" + a.public_hex() + "\npersistent_keepalive_interval=25\n"), kOk);
  BOOST_CHECK_EQUAL(i.target.keepalives.size(), 1U);
  BOOST_CHECK_EQUAL(i.peer(a).persistent_keepalive(), 25);

  // Already on: a new interval sends nothing now.
  BOOST_CHECK_EQUAL(i.set("public_key=" + a.public_hex() + "\npersistent_keepalive_interval=10\n"), kOk);
  BOOST_CHECK_EQUAL(i.target.keepalives.size(), 1U);

  // Switched on and off again within one request, or on for a peer removed later in it: nothing.
  BOOST_CHECK_EQUAL(i.set("public_key=" + b.public_hex() + "\npersistent_keepalive_interval=5\npublic_key=" +
                          b.public_hex() + "\npersistent_keepalive_interval=0\n"),
                    kOk);
  BOOST_CHECK_EQUAL(i.set("public_key=" + a.public_hex() + "\nremove=true\npublic_key=" + a.public_hex() +
                          "\npersistent_keepalive_interval=5\npublic_key=" + a.public_hex() + "\nremove=true\n"),
                    kOk);
  BOOST_CHECK_EQUAL(i.target.keepalives.size(), 1U);
}

BOOST_AUTO_TEST_CASE(socket_settings_change_only_when_they_differ) {
  TestInterface i;
  BOOST_CHECK_EQUAL(i.set("listen_port=51820\nfwmark=0\n"), kOk);
  BOOST_CHECK(i.target.port_requests.empty());
  BOOST_CHECK(i.target.fwmark_requests.empty());

  BOOST_CHECK_EQUAL(i.set("listen_port=51999\nfwmark=4294967295\n"), kOk);
  BOOST_CHECK_EQUAL(i.target.port, 51999);
  BOOST_CHECK_EQUAL(i.target.mark, 4294967295U);
  BOOST_CHECK(i.get().starts_with("listen_port=51999\nfwmark=4294967295\n"));

  // Port 0 asks for any free port, as `wg setconf` without ListenPort does.
  BOOST_CHECK_EQUAL(i.set("listen_port=0\nfwmark=0\n"), kOk);
  BOOST_CHECK_EQUAL(i.target.port, 43210);
  BOOST_CHECK_EQUAL(i.target.mark, 0U);
  BOOST_CHECK_EQUAL(i.get(), "listen_port=43210\nerrno=0\n\n");
}

// An interface with a key, a port, one peer and prefixes, on which refused requests are tried.
struct Configured : TestInterface {
  Configured() {
    BOOST_REQUIRE_EQUAL(set("private_key=" + own.private_hex() + "\npublic_key=" + a.public_hex() +
                            "\nendpoint=192.0.2.1:51820\npersistent_keepalive_interval=25\n"
                            "allowed_ip=10.0.0.0/24\nallowed_ip=fd00::/64\n"),
                        kOk);
    target.keepalives.clear();
    before = get();
  }

  // Refused, and nothing at all changed: core, sockets, hooks.
  void check_refused(const std::string& request, const std::string& answer) {
    BOOST_TEST_CONTEXT("request " << request) {
      BOOST_CHECK_EQUAL(daemon::handle_request(request, target), answer);
      BOOST_CHECK_EQUAL(get(), before);
      BOOST_CHECK(target.port_requests.empty());
      BOOST_CHECK(target.fwmark_requests.empty());
      BOOST_CHECK(target.keepalives.empty());
    }
  }

  KeyPair own;
  KeyPair a;
  KeyPair b;
  std::string before;
};

BOOST_AUTO_TEST_CASE(malformed_requests_change_nothing) {
  Configured i;
  const std::string einval = "errno=-" + std::to_string(EINVAL) + "\n\n";
  const std::string eproto = "errno=-" + std::to_string(EPROTO) + "\n\n";
  // Valid lines that would change everything, ahead of the bad one, so that a request applied
  // line by line would show.
  const KeyPair other;
  const std::string interface_lines =
      "set=1\nprivate_key=" + other.private_hex() + "\nreplace_peers=true\nfwmark=5\nlisten_port=999\n";
  const std::string peer_lines = interface_lines + "public_key=" + i.b.public_hex() +
                                 "\nendpoint=192.0.2.7:7\npersistent_keepalive_interval=9\nallowed_ip=10.0.0.0/24\n";

  const std::vector<std::pair<std::string, std::string>> cases = {
      // Keys.
      {interface_lines + "private_key=" + std::string(63, 'a') + "g\n\n", einval},
      {interface_lines + "private_key=" + std::string(62, 'a') + "\n\n", einval},
      {interface_lines + "public_key=" + std::string(65, 'a') + "\n\n", einval},
      {peer_lines + "preshared_key=xyz\n\n", einval},
      // Keys that do not exist, or not there.
      {interface_lines + "foo=1\n\n", einval},
      {interface_lines + "=1\n\n", einval},
      {interface_lines + "Listen_Port=1\n\n", einval},
      {interface_lines + "allowed_ip=10.0.0.0/8\n\n", einval},
      {interface_lines + "protocol_version=1\n\n", einval},
      {peer_lines + "listen_port=1\n\n", einval},
      {peer_lines + "private_key=" + other.private_hex() + "\n\n", einval},
      {peer_lines + "tx_bytes=0\n\n", einval},
      // Numbers.
      {interface_lines + "listen_port=70000\n\n", einval},
      {interface_lines + "listen_port=-1\n\n", einval},
      {interface_lines + "listen_port=+1\n\n", einval},
      {interface_lines + "listen_port=\n\n", einval},
      {interface_lines + "listen_port=0x10\n\n", einval},
      {interface_lines + "listen_port= 1\n\n", einval},
      {interface_lines + "fwmark=4294967296\n\n", einval},
      {interface_lines + "fwmark=99999999999999999999999\n\n", einval},
      {peer_lines + "persistent_keepalive_interval=65536\n\n", einval},
      {peer_lines + "protocol_version=2\n\n", einval},
      {peer_lines + "protocol_version=\n\n", einval},
      // Flags take only "true".
      {interface_lines + "replace_peers=false\n\n", einval},
      {peer_lines + "remove=yes\n\n", einval},
      {peer_lines + "update_only=1\n\n", einval},
      {peer_lines + "replace_allowed_ips=True\n\n", einval},
      // Prefixes.
      {peer_lines + "allowed_ip=10.0.0.0/33\n\n", einval},
      {peer_lines + "allowed_ip=fd00::/129\n\n", einval},
      {peer_lines + "allowed_ip=10.0.0.0/\n\n", einval},
      {peer_lines + "allowed_ip=10.0.0.0\n\n", einval},
      {peer_lines + "allowed_ip=10.0.0.0/8x\n\n", einval},
      {peer_lines + "allowed_ip=300.0.0.0/8\n\n", einval},
      {peer_lines + "allowed_ip=\n\n", einval},
      // Endpoints: numeric, IPv6 in brackets, a port that can be sent to.
      {peer_lines + "endpoint=192.0.2.1\n\n", einval},
      {peer_lines + "endpoint=192.0.2.1:0\n\n", einval},
      {peer_lines + "endpoint=192.0.2.1:65536\n\n", einval},
      {peer_lines + "endpoint=192.0.2.1:\n\n", einval},
      {peer_lines + "endpoint=[192.0.2.1]:5\n\n", einval},
      {peer_lines + "endpoint=fd00::1:5\n\n", einval},
      {peer_lines + "endpoint=[fd00::1]5\n\n", einval},
      {peer_lines + "endpoint=[fd00::1:5\n\n", einval},
      {peer_lines + "endpoint=[fe80::1%eth0]:5\n\n", einval},
      // A name is a sluice extension (daemon_endpoint_choice_test), but it must be one.
      {peer_lines + "endpoint=vpn.exa$mple.com:51820\n\n", einval},
      {peer_lines + "endpoint=vpn.example.com\n\n", einval},
      {peer_lines + "endpoints=\n\n", einval},
      {peer_lines + "endpoints=vpn.example.com:1,\n\n", einval},
      {peer_lines + "endpoint=\n\n", einval},
      // Framing.
      {peer_lines + "allowed_ip=10.0.9.0/24\n", eproto},
      {peer_lines, eproto},
      {peer_lines + "allowed_ip\n\n", eproto},
      {peer_lines + "\n\nlisten_port=1\n\n", eproto},
      {peer_lines + "allowed_ip=10.0.9.0/24\r\n\n", einval},
      {"private_key=" + other.private_hex() + "\nset=1\n\n", einval},
      {"set=2\nlisten_port=1\n\n", einval},
      {"", einval},
      // A get with more lines is answered in the form wg reads after a get: a positive errno.
      {"get=1\nlisten_port=1\n\n", "errno=" + std::to_string(EINVAL) + "\n\n"},
  };
  for (const auto& [request, answer] : cases) i.check_refused(request, answer);
}

BOOST_AUTO_TEST_CASE(problem_text_never_shows_a_key) {
  const KeyPair other;
  const std::string almost = other.private_hex().substr(0, 63);
  const auto parsed = uapi::parse_set_request("listen_port=1\nprivate_key=" + almost + "z\n\n");
  BOOST_REQUIRE(!parsed.request);
  BOOST_CHECK_EQUAL(parsed.error, EINVAL);
  BOOST_CHECK(parsed.problem.starts_with("line 3: private_key: "));
  BOOST_CHECK(parsed.problem.find(almost.substr(0, 8)) == std::string::npos);

  // A secret sent as if it were a key name stays out of the log too.
  const auto misplaced = uapi::parse_set_request(other.private_hex() + "=1\n\n");
  BOOST_REQUIRE(!misplaced.request);
  BOOST_CHECK(misplaced.problem.find(other.private_hex().substr(0, 8)) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(port_failure_leaves_everything_unchanged) {
  Configured i;
  const KeyPair other;
  i.target.port_error = EADDRINUSE;
  const std::string request = "set=1\nprivate_key=" + other.private_hex() +
                              "\nfwmark=5\nlisten_port=999\nreplace_peers=true\npublic_key=" + i.b.public_hex() +
                              "\nallowed_ip=10.0.0.0/24\npersistent_keepalive_interval=5\n\n";
  // `wg` prints "Unable to modify interface: Address already in use".
  BOOST_CHECK_EQUAL(daemon::handle_request(request, i.target), "errno=-" + std::to_string(EADDRINUSE) + "\n\n");
  BOOST_CHECK_EQUAL(i.get(), i.before);
  BOOST_CHECK(i.target.keepalives.empty());
  // The mark was set before the rebind was tried, then put back.
  BOOST_CHECK(i.target.fwmark_requests == (std::vector<std::uint32_t>{5, 0}));
  BOOST_CHECK_EQUAL(i.target.mark, 0U);
}

BOOST_AUTO_TEST_CASE(fwmark_failure_leaves_everything_unchanged) {
  Configured i;
  const KeyPair other;
  i.target.fwmark_error = EPERM;
  const std::string request =
      "set=1\nprivate_key=" + other.private_hex() + "\nlisten_port=999\nfwmark=5\nreplace_peers=true\n\n";
  BOOST_CHECK_EQUAL(daemon::handle_request(request, i.target), "errno=-" + std::to_string(EPERM) + "\n\n");
  BOOST_CHECK_EQUAL(i.get(), i.before);
  BOOST_CHECK(i.target.port_requests.empty());
}

BOOST_AUTO_TEST_CASE(empty_set_changes_nothing) {
  Configured i;
  BOOST_CHECK_EQUAL(daemon::handle_request("set=1\n\n", i.target), kOk);
  BOOST_CHECK_EQUAL(i.get(), i.before);
}

// A configuration goes to the interface through config::sync_request, as on SIGHUP and at start.
BOOST_AUTO_TEST_CASE(settings_apply_like_syncconf) {
  Configured i;
  const KeyPair own;
  const KeyPair c;
  const KeyPair d;
  config::InterfaceSettings settings;
  settings.private_key = own.private_key;
  settings.listen_port = 51000;
  settings.fwmark = 0x10;
  settings.addresses.push_back(tunnel::IpPrefix::parse("10.0.0.1/24"));  // not the protocol's business
  config::PeerSettings first;
  first.public_key = c.public_key;
  first.endpoint = tunnel::Endpoint{tunnel::IpAddress::parse("2001:db8::1"), 51820};
  first.allowed_ips = {tunnel::IpPrefix::parse("10.1.0.0/16"), tunnel::IpPrefix::parse("fd01::/48")};
  first.persistent_keepalive = 15;
  config::PeerSettings second;
  second.public_key = d.public_key;
  second.preshared_key = crypto::PresharedKey{};
  crypto::random_bytes(second.preshared_key->span());
  second.allowed_ips = {tunnel::IpPrefix::parse("10.2.3.4/16")};
  settings.peers = {first, second};

  const uapi::SetRequest request = config::sync_request(settings, daemon::running_state(i.target));
  // Peers the settings lack are removed one by one: replace_peers would end every session.
  BOOST_CHECK(!request.replace_peers);
  BOOST_CHECK_EQUAL(daemon::apply_set_request(request, i.target), 0);

  const std::string expected = "private_key=" + own.private_hex() +
                               "\nlisten_port=51000\nfwmark=16\n"
                               "public_key=" +
                               c.public_hex() + "\npreshared_key=" + kZeroKey +
                               "\nprotocol_version=1\nendpoint=[2001:db8::1]:51820\n"
                               "last_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\n"
                               "persistent_keepalive_interval=15\nallowed_ip=10.1.0.0/16\nallowed_ip=fd01::/48\n"
                               "public_key=" +
                               d.public_hex() +
                               "\npreshared_key=" + crypto::encode_hex_key(second.preshared_key->span()) +
                               "\nprotocol_version=1\n"
                               "last_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\n"
                               "persistent_keepalive_interval=0\nallowed_ip=10.2.0.0/16\nerrno=0\n\n";
  BOOST_CHECK_EQUAL(i.get(), expected);
  // The peer configured before is gone, as with `wg syncconf`.
  BOOST_CHECK(i.device.find_peer(i.a.public_key) == nullptr);
  BOOST_REQUIRE_EQUAL(i.target.keepalives.size(), 1U);
  BOOST_CHECK(i.target.keepalives.front() == c.public_key);

  // Without a private key the interface ends up without one.
  settings.private_key.reset();
  BOOST_CHECK_EQUAL(
      daemon::apply_set_request(config::sync_request(settings, daemon::running_state(i.target)), i.target), 0);
  BOOST_CHECK(!i.device.identity().has_key);
}

// info=1 and routes=1 are ours: answered from the target, never part of what get=1 tells wg.
BOOST_AUTO_TEST_CASE(info_and_routes_requests_are_our_own) {
  TestInterface i;
  BOOST_CHECK_EQUAL(daemon::handle_request("info=1\n\n", i.target), kOk);
  BOOST_CHECK_EQUAL(daemon::handle_request("routes=1\n\n", i.target), kOk);
  BOOST_CHECK(i.get().find("config_file") == std::string::npos);
  BOOST_CHECK_EQUAL(daemon::serialize_interface_info("/etc/sluice/wg0.toml", true, 51820, 51820),
                    "config_file=/etc/sluice/wg0.toml\nroutes=true\nroute_table=51820\nown_fwmark=51820\n");
  BOOST_CHECK_EQUAL(daemon::serialize_interface_info("", false, 0, 0), "routes=false\n");
  daemon::RouteChanges changes;
  changes.added.push_back(tunnel::IpPrefix::parse("0.0.0.0/0"));
  changes.removed.push_back(tunnel::IpPrefix::parse("10.0.2.0/24"));
  changes.failures.emplace_back("wg0: cannot add route 10.0.3.0/24:\nFile exists");
  BOOST_CHECK_EQUAL(daemon::serialize_route_changes(changes),
                    "route_added=0.0.0.0/0\nroute_removed=10.0.2.0/24\n"
                    "route_failed=wg0: cannot add route 10.0.3.0/24: File exists\n");
}

BOOST_AUTO_TEST_SUITE_END()
