// The event stream: the text and JSON lines, the bounded queue with its loss report, an
// EventStream on a socket pair (a stalled reader loses events, is told how many, and the count
// adds up), the events set requests publish, and how sluicectl events picks its interface.
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/key_encoding.hpp"
#include "crypto/x25519.hpp"
#include "ctl/events.hpp"
#include "daemon/event.hpp"
#include "daemon/event_format.hpp"
#include "daemon/event_queue.hpp"
#include "daemon/event_request.hpp"
#include "daemon/event_stream.hpp"
#include "daemon/uapi.hpp"
#include "mesh/stream_event.hpp"
#include "tests/common/fake_uapi_target.hpp"
#include "tests/common/tunnel_test_support.hpp"
#include "uapi/error.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

// 2026-12-06T19:30:01.123Z
const std::chrono::system_clock::time_point kTime{std::chrono::seconds(1796585401) + 123ms};

crypto::PublicKey some_key() { return crypto::public_from_private(crypto::generate_private_key()); }
std::string text(const crypto::PublicKey& key) { return crypto::encode_base64_key(key.span()); }

std::vector<std::string> lines_of(const std::string& data) {
  std::vector<std::string> lines;
  std::istringstream in(data);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string read_available(int fd) {
  std::string out;
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n <= 0) return out;
    out.append(chunk, static_cast<std::size_t>(n));
  }
}

struct Pair {
  Pair() {
    int fds[2];
    BOOST_REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
    daemon_end = platform::UniqueFd(fds[0]);
    client_end = platform::UniqueFd(fds[1]);
  }
  platform::UniqueFd daemon_end;
  platform::UniqueFd client_end;
};

std::string hex(const crypto::PublicKey& key) { return crypto::encode_hex_key(key.span()); }

// Turns the core's events into stream events as Interface::event() does: during the call, while
// the peer is as the core reports it.
class StreamSink : public test::RecordingSink {
 public:
  void event(const tunnel::PeerEvent& e) override {
    if (auto event = daemon::core_event(e)) stream.push_back(daemon::event_json_line(*event, "wg0"));
  }
  std::vector<std::string> stream;
};

// Moves datagrams between two cores until both are quiet; A's arrive at B from `a_from`.
void exchange(test::TunnelPair& pair, StreamSink& sa, StreamSink& sb, const tunnel::Endpoint& a_from) {
  for (int round = 0; round < 10 && (!sa.sent.empty() || !sb.sent.empty()); ++round) {
    while (!sa.sent.empty()) {
      std::vector<std::uint8_t> bytes = sa.take();
      pair.b.receive(bytes, a_from, pair.now, false, sb);
    }
    while (!sb.sent.empty()) {
      std::vector<std::uint8_t> bytes = sb.take();
      pair.a.receive(bytes, pair.b_endpoint, pair.now, false, sa);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_events)

BOOST_AUTO_TEST_CASE(time_is_rfc3339_utc_with_milliseconds) {
  BOOST_CHECK_EQUAL(daemon::rfc3339_ms(kTime), "2026-12-06T19:30:01.123Z");
  BOOST_CHECK_EQUAL(daemon::rfc3339_ms(std::chrono::system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
}

BOOST_AUTO_TEST_CASE(text_line_has_time_interface_kind_and_fields) {
  const crypto::PublicKey key = some_key();
  const std::vector<tunnel::IpPrefix> allowed{tunnel::IpPrefix::parse("10.0.0.2/32"),
                                              tunnel::IpPrefix::parse("fd00::/64")};
  daemon::Event added = daemon::peer_added_event(key, std::nullopt, allowed);
  added.time = kTime;
  BOOST_CHECK_EQUAL(daemon::event_text_line(added, "wg0"), "2026-12-06T19:30:01.123Z wg0 peer_added peer=" + text(key) +
                                                               " endpoint=none allowed_ips=10.0.0.2/32,fd00::/64\n");

  daemon::Event roamed =
      daemon::endpoint_changed_event(key, tunnel::Endpoint{tunnel::IpAddress::parse("10.0.0.2"), 51820},
                                     tunnel::Endpoint{tunnel::IpAddress::parse("fd00::2"), 51821}, "roaming");
  roamed.time = kTime;
  BOOST_CHECK_EQUAL(daemon::event_text_line(roamed, "wg0"),
                    "2026-12-06T19:30:01.123Z wg0 endpoint_changed peer=" + text(key) +
                        " old=10.0.0.2:51820 new=[fd00::2]:51821 reason=roaming\n");
}

BOOST_AUTO_TEST_CASE(text_values_are_quoted_when_they_would_break_the_line) {
  daemon::Event event;
  event.time = kTime;
  event.kind = "name_resolved";
  event.fields = {{"name", std::string("a b\"c\n")}, {"empty", std::vector<std::string>{}}, {"ttl", std::uint64_t{30}}};
  BOOST_CHECK_EQUAL(daemon::event_text_line(event, "wg0"),
                    "2026-12-06T19:30:01.123Z wg0 name_resolved name=\"a b\\\"c\\x0a\" empty=\"\" ttl=30\n");
}

BOOST_AUTO_TEST_CASE(json_line_is_one_object_with_typed_fields) {
  const crypto::PublicKey key = some_key();
  const std::vector<tunnel::IpAddress> old{tunnel::IpAddress::parse("192.0.2.1")};
  const std::vector<tunnel::IpAddress> now{tunnel::IpAddress::parse("192.0.2.7"),
                                           tunnel::IpAddress::parse("2001:db8::7")};
  daemon::Event event = daemon::name_resolved_event(key, "site-b.example", old, now, 300);
  event.time = kTime;
  const std::string line = daemon::event_json_line(event, "wg0");
  BOOST_REQUIRE(line.ends_with("}\n"));
  BOOST_CHECK_EQUAL(line.find('\n'), line.size() - 1);
  const auto json = nlohmann::json::parse(line);
  BOOST_CHECK_EQUAL(json["time"], "2026-12-06T19:30:01.123Z");
  BOOST_CHECK_EQUAL(json["interface"], "wg0");
  BOOST_CHECK_EQUAL(json["event"], "name_resolved");
  BOOST_CHECK_EQUAL(json["peer"], text(key));
  BOOST_CHECK_EQUAL(json["name"], "site-b.example");
  BOOST_CHECK(json["old"] == nlohmann::json::array({"192.0.2.1"}));
  BOOST_CHECK(json["new"] == nlohmann::json::array({"192.0.2.7", "2001:db8::7"}));
  BOOST_CHECK_EQUAL(json["ttl"].get<int>(), 300);
  // The first four keys come first, in this order.
  BOOST_CHECK(
      line.starts_with("{\"time\":\"2026-12-06T19:30:01.123Z\",\"interface\":\"wg0\",\"event\":\"name_resolved\","));

  const auto removed_key =
      nlohmann::json::parse(daemon::event_json_line(daemon::private_key_changed_event(std::nullopt), "wg0"));
  BOOST_CHECK(removed_key["public_key"].is_null());
}

BOOST_AUTO_TEST_CASE(core_events_say_first_or_rotated_and_old_and_new_endpoint) {
  test::TunnelPair pair;
  pair.a.set_reporting_events(true);
  pair.b.set_reporting_events(true);
  StreamSink sa;
  StreamSink sb;
  pair.a.send_packet(pair.packet_a_to_b(), pair.now, sa);
  exchange(pair, sa, sb, pair.a_endpoint);
  BOOST_REQUIRE_EQUAL(sa.stream.size(), 1U);
  auto json = nlohmann::json::parse(sa.stream[0]);
  BOOST_CHECK_EQUAL(json["event"], "handshake_completed");
  BOOST_CHECK_EQUAL(json["session"], "first");
  BOOST_CHECK_EQUAL(json["endpoint"], pair.b_endpoint.to_string());
  BOOST_CHECK_EQUAL(json["peer"], text(pair.b.identity().public_key));
  // B, the responder, has its session once A's first data arrives.
  BOOST_REQUIRE_EQUAL(sb.stream.size(), 1U);
  BOOST_CHECK_EQUAL(nlohmann::json::parse(sb.stream[0])["session"], "first");

  // A roams: B's event names the old and the new endpoint.
  const tunnel::Endpoint moved = test::endpoint(9, 40000);
  pair.a.send_packet(pair.packet_a_to_b(), pair.now, sa);
  exchange(pair, sa, sb, moved);
  BOOST_REQUIRE_EQUAL(sb.stream.size(), 2U);
  json = nlohmann::json::parse(sb.stream[1]);
  BOOST_CHECK_EQUAL(json["event"], "endpoint_changed");
  BOOST_CHECK_EQUAL(json["old"], pair.a_endpoint.to_string());
  BOOST_CHECK_EQUAL(json["new"], moved.to_string());
  BOOST_CHECK_EQUAL(json["reason"], "roaming");

  // After REKEY_AFTER_TIME the next packet starts a new handshake: a rotation.
  pair.advance(121s);
  pair.a.send_packet(pair.packet_a_to_b(), pair.now, sa);
  exchange(pair, sa, sb, moved);
  BOOST_REQUIRE_EQUAL(sa.stream.size(), 2U);
  BOOST_CHECK_EQUAL(nlohmann::json::parse(sa.stream[1])["session"], "rotated");
}

BOOST_AUTO_TEST_CASE(queue_drops_when_full_and_reports_the_loss_in_order) {
  daemon::EventQueue queue(4, [](std::uint64_t count) { return "lost " + std::to_string(count); });
  for (const char* line : {"e1", "e2", "e3", "e4", "e5", "e6", "e7"}) queue.push(line);
  BOOST_CHECK_EQUAL(queue.size(), 4U);
  BOOST_CHECK_EQUAL(queue.lost(), 3U);
  // One slot free: the report goes in at once, behind what was kept.
  BOOST_CHECK_EQUAL(queue.pop(), "e1");
  BOOST_CHECK_EQUAL(queue.lost(), 0U);
  queue.push("e8");  // full again (e2 e3 e4 lost-3): lost
  BOOST_CHECK_EQUAL(queue.lost(), 1U);
  std::vector<std::string> out;
  while (!queue.empty()) out.push_back(queue.pop());
  const std::vector<std::string> expected{"e2", "e3", "e4", "lost 3", "lost 1"};
  BOOST_CHECK_EQUAL_COLLECTIONS(out.begin(), out.end(), expected.begin(), expected.end());
  queue.push("e9");
  BOOST_CHECK_EQUAL(queue.pop(), "e9");
  BOOST_CHECK_EQUAL(queue.lost_total(), 4U);
}

BOOST_AUTO_TEST_CASE(queue_needs_room_for_report_and_event_together) {
  daemon::EventQueue queue(2, [](std::uint64_t count) { return "lost " + std::to_string(count); });
  queue.push("a");
  queue.push("b");
  queue.push("c");                      // lost
  BOOST_CHECK_EQUAL(queue.pop(), "a");  // the report takes the free slot
  queue.push("d");                      // no room: lost too
  BOOST_CHECK_EQUAL(queue.pop(), "b");
  BOOST_CHECK_EQUAL(queue.pop(), "lost 1");
  BOOST_CHECK_EQUAL(queue.pop(), "lost 1");
  BOOST_CHECK(queue.empty());
}

BOOST_AUTO_TEST_CASE(stream_refuses_a_malformed_request) {
  daemon::EventLoop loop;
  daemon::EventStream stream(loop, "wg0");
  Pair pair;
  stream.subscribe(std::move(pair.daemon_end), "events=1\nformat=xml\n\n");
  BOOST_CHECK(!stream.active());
  BOOST_CHECK_EQUAL(read_available(pair.client_end.get()), "errno=22\n\n");
}

BOOST_AUTO_TEST_CASE(stalled_reader_loses_events_and_is_told_how_many) {
  daemon::EventLoop loop;
  daemon::EventStream stream(loop, "wg0");
  Pair pair;
  // A small receive buffer, so the socket fills quickly.
  const int size = 4096;
  ::setsockopt(pair.client_end.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  ::setsockopt(pair.daemon_end.get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  stream.subscribe(std::move(pair.daemon_end), "events=1\nformat=json\n\n");
  BOOST_REQUIRE(stream.active());
  const crypto::PublicKey key = some_key();
  constexpr std::size_t kPublished = daemon::kEventQueueLines * 3;
  for (std::size_t i = 0; i < kPublished; ++i) {
    stream.publish(daemon::peer_removed_event(key));
    if (i % 64 == 0) stream.flush();
  }
  stream.flush();

  // The reader catches up.
  std::string received;
  for (int round = 0; round < 200; ++round) {
    received += read_available(pair.client_end.get());
    loop.run_once(5);
    stream.flush();
  }
  const std::vector<std::string> lines = lines_of(received);
  BOOST_REQUIRE(!lines.empty());
  BOOST_CHECK_EQUAL(nlohmann::json::parse(lines.front())["event"], "subscribed");
  std::uint64_t delivered = 0;
  std::uint64_t lost = 0;
  std::size_t lost_lines = 0;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto json = nlohmann::json::parse(lines[i]);
    if (json["event"] == "lost") {
      lost += json["count"].get<std::uint64_t>();
      ++lost_lines;
    } else {
      BOOST_CHECK_EQUAL(json["event"], "peer_removed");
      ++delivered;
    }
  }
  BOOST_CHECK_GE(lost_lines, 1U);
  BOOST_CHECK_GT(delivered, 0U);
  BOOST_CHECK_EQUAL(delivered + lost, kPublished);
  // The report comes last here: nothing was published after the loss.
  BOOST_CHECK_EQUAL(nlohmann::json::parse(lines.back())["event"], "lost");
}

BOOST_AUTO_TEST_CASE(subscriber_that_closes_is_removed) {
  daemon::EventLoop loop;
  daemon::EventStream stream(loop, "wg0");
  Pair pair;
  stream.subscribe(std::move(pair.daemon_end), "events=1\n\n");
  stream.flush();
  BOOST_CHECK(read_available(pair.client_end.get()).find(" wg0 subscribed\n") != std::string::npos);
  pair.client_end.reset();
  for (int round = 0; round < 20 && stream.active(); ++round) loop.run_once(5);
  BOOST_CHECK(!stream.active());
}

BOOST_AUTO_TEST_CASE(set_requests_publish_peer_and_key_changes) {
  tunnel::Device device{[] { return std::chrono::nanoseconds(1'700'000'000s); }};
  test::FakeUapiTarget target(device);
  target.publishes = true;
  const crypto::PrivateKey own = crypto::generate_private_key();
  const crypto::PublicKey peer = some_key();
  const auto set = [&](const std::string& lines) {
    BOOST_REQUIRE_EQUAL(daemon::handle_request("set=1\n" + lines + "\n", target), "errno=0\n\n");
  };
  set("private_key=" + crypto::encode_hex_key(own.span()) + "\n");
  set("public_key=" + hex(peer) + "\nendpoint=10.0.0.2:51820\nallowed_ip=10.1.0.0/24\n");
  // Restated as `wg syncconf` does: nothing changes, nothing is published.
  set("public_key=" + hex(peer) + "\nendpoint=10.0.0.2:51820\nreplace_allowed_ips=true\nallowed_ip=10.1.0.0/24\n");
  set("public_key=" + hex(peer) + "\nendpoint=10.0.0.3:51820\npersistent_keepalive_interval=25\n");
  set("public_key=" + hex(peer) + "\nremove=true\n");
  set("private_key=" + crypto::encode_hex_key(own.span()) + "\n");  // the same key: no event

  std::vector<std::string> kinds;
  for (const daemon::Event& event : target.events) kinds.push_back(event.kind);
  const std::vector<std::string> expected{"private_key_changed", "peer_added", "peer_changed", "peer_removed"};
  BOOST_CHECK_EQUAL_COLLECTIONS(kinds.begin(), kinds.end(), expected.begin(), expected.end());
  const auto json = nlohmann::json::parse(daemon::event_json_line(target.events.at(2), "wg0"));
  BOOST_CHECK(json["changed"] == nlohmann::json::array({"endpoint", "persistent_keepalive"}));
  BOOST_CHECK_EQUAL(json["endpoint"], "10.0.0.3:51820");
  BOOST_CHECK_EQUAL(json["peer"], text(peer));
  const auto key_json = nlohmann::json::parse(daemon::event_json_line(target.events.at(0), "wg0"));
  BOOST_CHECK_EQUAL(key_json["public_key"], text(crypto::public_from_private(own)));
}

BOOST_AUTO_TEST_CASE(publish_requests_become_events_of_their_source) {
  const auto event =
      daemon::parse_publish_request("publish=1\nsource=mesh\nevent=node_joined\nsubnet=10.5.1.0/24\nnode=b c\n\n");
  BOOST_REQUIRE(event.has_value());
  daemon::Event stamped = *event;
  stamped.time = kTime;
  BOOST_CHECK_EQUAL(daemon::event_text_line(stamped, "wg0"),
                    "2026-12-06T19:30:01.123Z wg0 node_joined source=mesh subnet=10.5.1.0/24 node=\"b c\"\n");
  for (const char* bad :
       {"publish=1\nevent=x\n\n", "publish=1\nsource=mesh\n\n", "publish=1\nsource=Mesh\nevent=x\n\n",
        "publish=1\nsource=mesh\nevent=x\ntime=1\n\n", "publish=1\nsource=mesh\nevent=x\nnoequals\n\n",
        "publish=1\nsource=mesh\nevent=x\nk=a\tb\n\n"}) {
    BOOST_CHECK_MESSAGE(!daemon::parse_publish_request(bad), bad);
  }
  tunnel::Device device{[] { return std::chrono::nanoseconds(1'700'000'000s); }};
  test::FakeUapiTarget target(device);
  target.publishes = true;
  BOOST_CHECK_EQUAL(daemon::handle_request("publish=1\nsource=mesh\nevent=etcd_lost\n\n", target), "errno=0\n\n");
  BOOST_CHECK_EQUAL(daemon::handle_request("publish=1\nsource=mesh\n\n", target), "errno=22\n\n");
  BOOST_REQUIRE_EQUAL(target.events.size(), 1U);
  BOOST_CHECK_EQUAL(target.events[0].kind, "etcd_lost");
}

BOOST_AUTO_TEST_CASE(mesh_events_are_publish_requests_the_daemon_takes) {
  const std::string request = mesh::stream_event_request(
      "etcd_lost", {{"reason", "connect: refused\nretrying"}, {"long", std::string(300, 'x')}});
  const auto event = daemon::parse_publish_request(request);
  BOOST_REQUIRE(event.has_value());
  BOOST_CHECK_EQUAL(event->kind, "etcd_lost");
  BOOST_REQUIRE_EQUAL(event->fields.size(), 3U);
  BOOST_CHECK(event->fields[0].value == daemon::EventValue(std::string("mesh")));
  BOOST_CHECK(event->fields[1].value == daemon::EventValue(std::string("connect: refused retrying")));
  BOOST_CHECK_EQUAL(std::get<std::string>(event->fields[2].value).size(), 256U);
}

BOOST_AUTO_TEST_CASE(sluicectl_events_picks_the_only_interface) {
  BOOST_CHECK_EQUAL(ctl::events_interface(std::string("wg1"), {"wg0", "wg2"}), "wg1");
  BOOST_CHECK_EQUAL(ctl::events_interface(std::nullopt, {"wg0"}), "wg0");
  BOOST_CHECK_THROW(static_cast<void>(ctl::events_interface(std::nullopt, {})), uapi::ControlError);
  BOOST_CHECK_THROW(static_cast<void>(ctl::events_interface(std::nullopt, {"wg0", "wg1"})), uapi::ControlError);
  BOOST_CHECK_EQUAL(ctl::events_request(true), "events=1\nformat=json\n\n");
}

BOOST_AUTO_TEST_SUITE_END()
