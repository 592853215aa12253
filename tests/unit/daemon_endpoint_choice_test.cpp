// The endpoint policy of daemon/endpoint_choice.hpp, with time given as input (no DNS, no
// clock), and the set request's endpoint-name extension.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "ctl/daemon_info.hpp"
#include "ctl/show.hpp"
#include "daemon/endpoint_choice.hpp"
#include "uapi/set_request.hpp"

using sluice::daemon::EndpointChoice;
using sluice::tunnel::Endpoint;
using sluice::tunnel::Instant;
using sluice::tunnel::IpAddress;
using namespace std::chrono_literals;

namespace {

IpAddress ip(const char* text) { return IpAddress::parse(text); }
std::string text(const std::optional<Endpoint>& endpoint) { return endpoint ? endpoint->to_string() : "none"; }
std::vector<std::size_t> due(EndpointChoice& choice, Instant now) { return choice.lookups_due(now); }

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_endpoint_choice)

BOOST_AUTO_TEST_CASE(a_name_is_looked_up_at_once_and_again_when_its_ttl_runs_out) {
  EndpointChoice choice({"b.example:51820"}, 0s);
  BOOST_TEST(text(choice.initial()) == "none");
  BOOST_TEST((due(choice, 0s) == std::vector<std::size_t>{0}));
  BOOST_TEST(due(choice, 0s).empty(), "in flight: not asked twice");
  BOOST_TEST(text(choice.answered(0, {ip("192.0.2.1")}, 30s, 1s)) == "192.0.2.1:51820");
  BOOST_TEST(due(choice, 30s).empty());
  BOOST_TEST(due(choice, 31s).size() == 1u);
  // The same address again: nothing to change.
  BOOST_TEST(text(choice.answered(0, {ip("192.0.2.1")}, 30s, 31s)) == "none");
  BOOST_TEST(due(choice, 61s).size() == 1u);
  BOOST_TEST(text(choice.answered(0, {ip("192.0.2.2")}, 30s, 61s)) == "192.0.2.2:51820");
}

BOOST_AUTO_TEST_CASE(ttls_are_kept_between_the_floor_and_the_ceiling) {
  EndpointChoice choice({"b.example:1"}, 0s);
  static_cast<void>(due(choice, 0s));
  static_cast<void>(choice.answered(0, {ip("192.0.2.1")}, 0s, 0s));
  BOOST_TEST(due(choice, 4s).empty());
  BOOST_TEST(due(choice, 5s).size() == 1u);
  static_cast<void>(choice.answered(0, {ip("192.0.2.1")}, 24h, 5s));
  BOOST_TEST(due(choice, 5s + 1h - 1s).empty());
  BOOST_TEST(due(choice, 5s + 1h).size() == 1u);
}

BOOST_AUTO_TEST_CASE(failing_lookups_keep_the_address_and_back_off) {
  EndpointChoice choice({"b.example:1"}, 0s);
  static_cast<void>(due(choice, 0s));
  static_cast<void>(choice.answered(0, {ip("192.0.2.1")}, 10s, 0s));
  static_cast<void>(due(choice, 10s));
  BOOST_TEST(text(choice.lookup_failed(0, 10s)) == "none");
  BOOST_TEST(choice.entries()[0].failing);
  BOOST_TEST(text(choice.entries()[0].address) == "192.0.2.1:1");
  BOOST_TEST(due(choice, 11s).empty());
  BOOST_TEST(due(choice, 12s).size() == 1u);  // 2 s
  static_cast<void>(choice.lookup_failed(0, 12s));
  BOOST_TEST(due(choice, 15s).empty());
  BOOST_TEST(due(choice, 16s).size() == 1u);  // 4 s
  // Handshakes failing meanwhile do not hurry a failing name.
  static_cast<void>(choice.lookup_failed(0, 16s));
  static_cast<void>(choice.handshake_failing());
  BOOST_TEST(due(choice, 17s).empty());
  BOOST_TEST(due(choice, 24s).size() == 1u);  // 8 s
  static_cast<void>(choice.answered(0, {ip("192.0.2.1")}, 10s, 24s));
  BOOST_TEST(!choice.entries()[0].failing);
}

BOOST_AUTO_TEST_CASE(failing_handshakes_look_the_name_up_again_before_its_ttl) {
  EndpointChoice choice({"b.example:1"}, 0s);
  static_cast<void>(due(choice, 0s));
  static_cast<void>(choice.answered(0, {ip("192.0.2.1")}, 600s, 0s));
  BOOST_TEST(due(choice, 3s).empty());
  BOOST_TEST(text(choice.handshake_failing()) == "none", "one entry: nowhere else to go");
  BOOST_TEST(due(choice, 4s).empty(), "not sooner than the floor after the last lookup");
  BOOST_TEST(due(choice, 5s).size() == 1u);
  BOOST_TEST(text(choice.answered(0, {ip("192.0.2.9")}, 600s, 5s)) == "192.0.2.9:1");
}

BOOST_AUTO_TEST_CASE(an_initiation_while_one_is_unanswered_is_a_failure) {
  EndpointChoice choice({"192.0.2.1:1", "192.0.2.2:2"}, 0s);
  BOOST_TEST(text(choice.initiation_sent(1)) == "none");
  // New data started attempt 1 again (the core resets its count), the first still unanswered.
  BOOST_TEST(text(choice.initiation_sent(1)) == "192.0.2.2:2");
  BOOST_TEST(text(choice.initiation_sent(2)) == "none", "that one went to the second");
  choice.handshake_completed();
  BOOST_TEST(text(choice.initiation_sent(1)) == "none", "a rekey after a completed handshake");
}

BOOST_AUTO_TEST_CASE(a_roamed_address_stays_until_the_name_changes) {
  EndpointChoice choice({"b.example:1"}, 0s);
  static_cast<void>(due(choice, 0s));
  static_cast<void>(choice.answered(0, {ip("192.0.2.1")}, 5s, 0s));
  choice.roamed(Endpoint(ip("198.51.100.7"), 4000));
  static_cast<void>(due(choice, 5s));
  BOOST_TEST(text(choice.answered(0, {ip("192.0.2.1")}, 5s, 5s)) == "none");
  static_cast<void>(due(choice, 10s));
  BOOST_TEST(text(choice.answered(0, {ip("192.0.2.2")}, 5s, 10s)) == "192.0.2.2:1");
}

BOOST_AUTO_TEST_CASE(an_address_still_in_the_answer_is_kept) {
  EndpointChoice choice({"b.example:1"}, 0s);
  static_cast<void>(due(choice, 0s));
  static_cast<void>(choice.answered(0, {ip("192.0.2.1"), ip("192.0.2.2")}, 5s, 0s));
  static_cast<void>(due(choice, 5s));
  BOOST_TEST(text(choice.answered(0, {ip("192.0.2.2"), ip("192.0.2.1")}, 5s, 5s)) == "none", "round robin");
}

BOOST_AUTO_TEST_CASE(failing_handshakes_move_to_the_next_endpoint_and_it_stays) {
  EndpointChoice choice({"192.0.2.1:1", "b.example:2"}, 0s);
  BOOST_TEST(text(choice.initial()) == "192.0.2.1:1");
  static_cast<void>(due(choice, 0s));
  BOOST_TEST(text(choice.answered(1, {ip("192.0.2.2")}, 5s, 0s)) == "none", "not the one in use");
  BOOST_TEST(text(choice.handshake_failing()) == "192.0.2.2:2");
  BOOST_TEST(choice.current() == 1u);
  BOOST_TEST(text(choice.handshake_failing()) == "none", "that retry went to the second: its turn");
  choice.handshake_completed();
  // The first comes back, the second's TTL runs out with the same address: nothing moves.
  static_cast<void>(due(choice, 5s));
  BOOST_TEST(text(choice.answered(1, {ip("192.0.2.2")}, 5s, 5s)) == "none");
  BOOST_TEST(choice.current() == 1u);
  // Failing again: round to the first.
  BOOST_TEST(text(choice.handshake_failing()) == "192.0.2.1:1");
}

BOOST_AUTO_TEST_CASE(an_answer_from_an_earlier_endpoint_makes_it_the_one_in_use) {
  EndpointChoice choice({"192.0.2.1:1", "192.0.2.2:2"}, 0s);
  BOOST_TEST(text(choice.handshake_failing()) == "192.0.2.2:2");
  // The answer to the retry sent to the first came late, from there (roaming).
  choice.roamed(Endpoint(ip("192.0.2.1"), 1));
  choice.handshake_completed();
  BOOST_TEST(choice.current() == 0u);
}

BOOST_AUTO_TEST_CASE(the_family_that_worked_is_tried_first) {
  EndpointChoice choice({"[2001:db8::1]:1", "192.0.2.1:1", "[2001:db8::3]:1", "192.0.2.3:1"}, 0s);
  BOOST_TEST(text(choice.handshake_failing()) == "192.0.2.1:1");
  choice.handshake_completed();
  BOOST_TEST(text(choice.handshake_failing()) == "192.0.2.3:1", "IPv4 worked: skip the IPv6 one");
  BOOST_TEST(text(choice.handshake_failing()) == "none");
  BOOST_TEST(text(choice.handshake_failing()) == "192.0.2.1:1");
}

BOOST_AUTO_TEST_CASE(a_name_that_does_not_resolve_gives_way_to_the_next) {
  EndpointChoice choice({"a.example:1", "192.0.2.2:2"}, 0s);
  BOOST_TEST(text(choice.initial()) == "none", "the first entry is waited for");
  static_cast<void>(due(choice, 0s));
  BOOST_TEST(text(choice.lookup_failed(0, 1s)) == "192.0.2.2:2");
}

BOOST_AUTO_TEST_CASE(names_go_over_the_control_socket_as_written) {
  sluice::uapi::SetRequest request;
  auto& peer = request.peers.emplace_back();
  peer.endpoint_names = std::vector<std::string>{"b.example:51820", "[2001:db8::2]:51820"};
  const std::string written = sluice::uapi::set_request_text(request).str();
  BOOST_TEST(written.find("\nendpoints=b.example:51820,[2001:db8::2]:51820\n") != std::string::npos);
  const auto parsed = sluice::uapi::parse_set_request(written.substr(written.find('\n') + 1));
  BOOST_TEST_REQUIRE(parsed.request.has_value(), parsed.problem);
  BOOST_TEST((parsed.request->peers.at(0).endpoint_names == peer.endpoint_names));

  const auto one = sluice::uapi::parse_set_request(
      written.substr(written.find('\n') + 1, written.find("\nendpoints=") - written.find('\n')) +
      "endpoint=b.example:1\n\n");
  BOOST_TEST_REQUIRE(one.request.has_value(), one.problem);
  BOOST_TEST(!one.request->peers.at(0).endpoint.has_value());
  BOOST_TEST((one.request->peers[0].endpoint_names == std::vector<std::string>{"b.example:1"}));
}

BOOST_AUTO_TEST_CASE(show_names_the_endpoints_and_the_one_in_use) {
  const std::string key(64, 'a');
  sluice::uapi::InterfaceState state = sluice::uapi::parse_get_answer(
      "listen_port=1\npublic_key=" + key + "\nendpoint=192.0.2.2:2\nallowed_ip=10.0.0.2/32\n");
  const auto info = sluice::ctl::parse_info_answer("routes=false\nendpoint_peer=" + key +
                                                   "\nendpoint_name=b.example:1\nendpoint_name=192.0.2.2:2\n"
                                                   "endpoint_in_use=1\n");
  sluice::ctl::add_followed_endpoints(state, info);
  const std::string text = sluice::ctl::show_text("wg0", state, false, sluice::ctl::WallClock::time_point{});
  BOOST_TEST(text.find("endpoint: 192.0.2.2:2") != std::string::npos, text);
  BOOST_TEST(text.find("endpoint names: b.example:1, 192.0.2.2:2 (in use)") != std::string::npos, text);
}

BOOST_AUTO_TEST_SUITE_END()
