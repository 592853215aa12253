// Capture machinery: the request, pcap encoding, the all-or-nothing ring, and a CaptureSet on a
// socket pair: filters, drops when the reader stalls, the trailer after the client's half-close,
// segment captures (Ethernet frames of one VNI) and their refusal.
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "crypto/key_encoding.hpp"
#include "crypto/x25519.hpp"
#include "ctl/capture.hpp"
#include "daemon/capture.hpp"
#include "tests/common/tunnel_test_support.hpp"
#include "uapi/error.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

std::uint32_t load32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  std::memcpy(&v, p, 4);
  return v;
}

// Everything the client end has, read without blocking.
std::vector<std::uint8_t> read_available(int fd) {
  std::vector<std::uint8_t> out;
  std::uint8_t chunk[65536];
  for (;;) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n <= 0) return out;
    out.insert(out.end(), chunk, chunk + n);
  }
}

struct Pair {
  Pair() {
    int fds[2];
    BOOST_REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
    daemon_end = platform::UniqueFd(fds[0]);
    client = platform::UniqueFd(fds[1]);
  }
  platform::UniqueFd daemon_end;
  platform::UniqueFd client;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_capture)

BOOST_AUTO_TEST_CASE(parses_requests) {
  const auto plain = uapi::parse_capture_request("capture=1\n\n");
  BOOST_REQUIRE(plain);
  BOOST_TEST(!plain->peer);
  BOOST_TEST((plain->direction == uapi::CaptureDirection::both));
  BOOST_TEST(plain->snaplen == uapi::kDefaultSnaplen);
  const std::string hex(64, 'b');
  const auto full = uapi::parse_capture_request("capture=1\npeer=" + hex + "\ndirection=in\nsnaplen=96\n\n");
  BOOST_REQUIRE(full);
  BOOST_TEST(crypto::encode_hex_key(full->peer->span()) == hex);
  BOOST_TEST((full->direction == uapi::CaptureDirection::in));
  BOOST_TEST(full->snaplen == 96U);
  for (const char* bad :
       {"capture=1\ndirection=sideways\n\n", "capture=1\nsnaplen=0\n\n", "capture=1\nsnaplen=70000\n\n",
        "capture=1\npeer=xyz\n\n", "capture=1\nfoo=1\n\n", "capture=1\nnoequals\n\n", "capture=1\nsegment=\n\n",
        "capture=1\nsegment=a/b\n\n", "capture=1\nsegment=a b\n\n", "capture=1\nsegment=sixteen-chars-xx\n\n"}) {
    BOOST_TEST(!uapi::parse_capture_request(bad), bad);
  }
  BOOST_TEST(!plain->segment);
  const auto segment = uapi::parse_capture_request("capture=1\nsegment=sl100\n\n");
  BOOST_REQUIRE(segment);
  BOOST_TEST(*segment->segment == "sl100");
  BOOST_TEST(uapi::capture_linktype(*segment) == uapi::kLinktypeEthernet);
  BOOST_TEST(uapi::capture_linktype(*plain) == uapi::kLinktypeRaw);
}

BOOST_AUTO_TEST_CASE(segment_names_are_taps_first_then_vnis) {
  const uapi::SegmentName segments[] = {{"sl100", 100}, {"200", 300}, {"sl200", 200}};
  BOOST_TEST(uapi::find_segment("sl100", segments).value_or(9) == 0U);
  BOOST_TEST(uapi::find_segment("100", segments).value_or(9) == 0U);
  BOOST_TEST(uapi::find_segment("200", segments).value_or(9) == 1U);  // the TAP, not VNI 200
  BOOST_TEST(uapi::find_segment("300", segments).value_or(9) == 1U);
  BOOST_TEST(!uapi::find_segment("400", segments));
  BOOST_TEST(!uapi::find_segment("sl300", segments));
  BOOST_TEST(!uapi::find_segment("0x64", segments));
  BOOST_TEST(!uapi::find_segment("sl100", {}));
}

BOOST_AUTO_TEST_CASE(client_request_round_trips) {
  ctl::CaptureOptions options;
  const crypto::PublicKey key = crypto::public_from_private(crypto::generate_private_key());
  options.peer = crypto::encode_base64_key(key.span());
  options.direction = "out";
  options.snaplen = 128;
  const auto filter = uapi::parse_capture_request(ctl::capture_request(options));
  BOOST_REQUIRE(filter);
  BOOST_TEST((*filter->peer == key));
  BOOST_TEST((filter->direction == uapi::CaptureDirection::out));
  BOOST_TEST(filter->snaplen == 128U);
  BOOST_TEST(!filter->segment);
  options.segment = "sl100";
  BOOST_TEST(*uapi::parse_capture_request(ctl::capture_request(options))->segment == "sl100");
  options.segment = "no/such";
  BOOST_CHECK_THROW(static_cast<void>(ctl::capture_request(options)), uapi::ControlError);
}

BOOST_AUTO_TEST_CASE(pcap_headers) {
  const auto header = uapi::pcap_header(1500, uapi::kLinktypeRaw);
  BOOST_TEST(load32(header.data()) == 0xa1b2c3d4U);
  BOOST_TEST(header[4] == 2);
  BOOST_TEST(header[6] == 4);
  BOOST_TEST(load32(header.data() + 16) == 1500U);
  BOOST_TEST(load32(header.data() + 20) == 101U);
  BOOST_TEST(load32(uapi::pcap_header(65535, uapi::kLinktypeEthernet).data() + 20) == 1U);
  const auto record = uapi::pcap_record_header(7, 8, 9, 10);
  BOOST_TEST(load32(record.data()) == 7U);
  BOOST_TEST(load32(record.data() + 12) == 10U);
}

BOOST_AUTO_TEST_CASE(ring_takes_whole_pieces_and_wraps) {
  Pair pair;
  daemon::ByteRing ring(10);
  const std::uint8_t a[6] = {1, 2, 3, 4, 5, 6};
  BOOST_TEST(ring.push(a));
  BOOST_TEST(!ring.push(a));  // 12 > 10: nothing taken
  BOOST_TEST(ring.size() == 6U);
  BOOST_TEST((ring.drain_to(pair.daemon_end.get()) == daemon::ByteRing::Drain::empty));
  BOOST_TEST(ring.push(std::span(a).first(4), std::span(a).last(4)));
  BOOST_TEST((ring.drain_to(pair.daemon_end.get()) == daemon::ByteRing::Drain::empty));
  const std::vector<std::uint8_t> expected = {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 3, 4, 5, 6};
  BOOST_TEST(read_available(pair.client.get()) == expected, boost::test_tools::per_element());
  pair.client.reset();
  BOOST_TEST(ring.push(a));
  BOOST_TEST((ring.drain_to(pair.daemon_end.get()) == daemon::ByteRing::Drain::failed));
}

BOOST_AUTO_TEST_CASE(capture_set_filters_drops_and_ends_with_trailer) {
  test::TunnelPair tunnel;  // two real peers to filter on
  daemon::EventLoop loop;
  daemon::CaptureSet captures(loop);
  Pair pair;
  const int client = pair.client.get();
  captures.start(
      std::move(pair.daemon_end),
      "capture=1\npeer=" + crypto::encode_hex_key(tunnel.a_to_b->public_key().span()) + "\ndirection=in\n\n");
  BOOST_TEST(captures.active());
  loop.run_once(0);  // first writable edge: the pcap header goes out

  const auto packet = test::ipv4_packet({10, 1, 0, 1}, {10, 2, 0, 1}, 100);
  captures.record(uapi::CaptureDirection::in, tunnel.a_to_b, packet);
  captures.record(uapi::CaptureDirection::out, tunnel.a_to_b, packet);  // wrong direction
  captures.record(uapi::CaptureDirection::in, tunnel.b_to_a, packet);   // another peer
  captures.record(uapi::CaptureDirection::in, nullptr, packet);         // no peer
  captures.flush();
  ctl::PcapStream stream;
  stream.feed(read_available(client));
  BOOST_TEST((stream.next()->kind == ctl::PcapStream::Kind::header));
  const auto record = stream.next();
  BOOST_REQUIRE(record);
  BOOST_TEST((record->kind == ctl::PcapStream::Kind::record));
  BOOST_TEST(record->bytes.size() == 16U + 100U);
  BOOST_TEST(!stream.next());

  // The client stops reading: the socket buffer, then the 4 MiB ring fill; the rest is counted.
  const auto big = test::ipv4_packet({10, 1, 0, 1}, {10, 2, 0, 1}, 60000);
  for (int i = 0; i < 400; ++i) {
    captures.record(uapi::CaptureDirection::in, tunnel.a_to_b, big);
    captures.flush();
  }
  BOOST_TEST(captures.count() == 1U);
  ::shutdown(client, SHUT_WR);
  std::uint64_t records = 0;
  std::optional<std::uint64_t> dropped;
  for (int round = 0; round < 2000 && !dropped; ++round) {
    loop.run_once(10);
    stream.feed(read_available(client));
    while (const auto item = stream.next()) {
      if (item->kind == ctl::PcapStream::Kind::trailer) dropped = item->dropped;
      if (item->kind == ctl::PcapStream::Kind::record) ++records;
    }
  }
  BOOST_REQUIRE(dropped);
  BOOST_TEST(*dropped > 0U);
  BOOST_TEST(records + *dropped == 400U);
  BOOST_TEST(!captures.active());  // closed after the trailer
}

// A client that keeps writing after its request used to hold the loop for as long as it wrote.
BOOST_AUTO_TEST_CASE(a_client_that_keeps_writing_is_closed_at_once) {
  daemon::EventLoop loop;
  daemon::CaptureSet captures(loop);
  Pair pair;
  const int client = pair.client.get();
  captures.start(std::move(pair.daemon_end), "capture=1\n\n");
  BOOST_REQUIRE(captures.active());
  constexpr auto kWriting = 2000ms;
  std::thread writer([client, kWriting] {
    const std::array<char, 4096> junk{};
    const auto end = std::chrono::steady_clock::now() + kWriting;
    while (std::chrono::steady_clock::now() < end) {
      const ssize_t n = ::send(client, junk.data(), junk.size(), MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN) return;  // the daemon's end is closed
      if (n < 0) std::this_thread::sleep_for(100us);
    }
  });
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < 50 && captures.active(); ++round) loop.run_once(10);
  const auto took = std::chrono::steady_clock::now() - start;
  writer.join();
  BOOST_TEST(!captures.active());
  BOOST_TEST(took < kWriting / 4);
}

// A segment capture: Ethernet pcap, only its VNI's frames, flooded frames for every peer filter,
// and nothing of the inner packets; the data path's checks tell the two kinds apart.
BOOST_AUTO_TEST_CASE(segment_capture_takes_its_frames_only) {
  test::TunnelPair tunnel;
  daemon::EventLoop loop;
  daemon::CaptureSet captures(loop);
  Pair pair;
  const int client = pair.client.get();
  const crypto::PublicKey& a = tunnel.a_to_b->public_key();
  const crypto::PublicKey& b = tunnel.b_to_a->public_key();
  captures.start(
      std::move(pair.daemon_end), "capture=1\npeer=" + crypto::encode_hex_key(a.span()) + "\nsegment=sl100\n\n",
      [](std::string_view name) { return name == "sl100" ? std::optional<std::uint32_t>(100) : std::nullopt; });
  BOOST_TEST(captures.frames_active());
  BOOST_TEST(!captures.packets_active());
  loop.run_once(0);

  const std::vector<std::uint8_t> frame(60, 0xab);
  const auto packet = test::ipv4_packet({10, 1, 0, 1}, {10, 2, 0, 1}, 100);
  captures.record_frame(100, uapi::CaptureDirection::in, &a, frame);        // taken
  captures.record_frame(100, uapi::CaptureDirection::in, &b, frame);        // another peer
  captures.record_frame(200, uapi::CaptureDirection::in, &a, frame);        // another segment
  captures.record_frame(100, uapi::CaptureDirection::out, nullptr, frame);  // flooded: taken
  captures.record_frame(100, uapi::CaptureDirection::out, &b, frame);       // to another peer
  captures.record(uapi::CaptureDirection::in, tunnel.a_to_b, packet);       // an inner packet
  captures.flush();
  ctl::PcapStream stream;
  stream.feed(read_available(client));
  const auto header = stream.next();
  BOOST_REQUIRE(header);
  BOOST_TEST(load32(header->bytes.data() + 20) == uapi::kLinktypeEthernet);
  for (int i = 0; i < 2; ++i) {
    const auto record = stream.next();
    BOOST_REQUIRE(record);
    BOOST_TEST(record->bytes.size() == 16U + frame.size());
  }
  BOOST_TEST(!stream.next());
  ::shutdown(client, SHUT_WR);
  for (int round = 0; round < 100 && captures.active(); ++round) loop.run_once(10);
  BOOST_TEST(!captures.frames_active());
}

BOOST_AUTO_TEST_CASE(unknown_segment_is_refused_with_enoent) {
  daemon::EventLoop loop;
  daemon::CaptureSet captures(loop);
  Pair pair;
  const int client = pair.client.get();
  captures.start(std::move(pair.daemon_end), "capture=1\nsegment=nosuch\n\n",
                 [](std::string_view) { return std::optional<std::uint32_t>(); });
  BOOST_TEST(!captures.active());
  const auto answer = read_available(client);
  BOOST_TEST(std::string(answer.begin(), answer.end()) == "errno=2\n\n");
  ctl::PcapStream stream;
  stream.feed(answer);
  BOOST_CHECK_EXCEPTION(static_cast<void>(stream.next()), uapi::ControlError, [](const uapi::ControlError& e) {
    return std::string_view(e.what()).find("no such segment") != std::string_view::npos;
  });
}

BOOST_AUTO_TEST_CASE(refused_request_gets_an_errno_line) {
  daemon::EventLoop loop;
  daemon::CaptureSet captures(loop);
  Pair pair;
  const int client = pair.client.get();
  captures.start(std::move(pair.daemon_end), "capture=1\ndirection=up\n\n");
  BOOST_TEST(!captures.active());
  const auto answer = read_available(client);
  BOOST_TEST(std::string(answer.begin(), answer.end()) == "errno=22\n\n");
  ctl::PcapStream stream;
  stream.feed(answer);
  BOOST_CHECK_THROW(static_cast<void>(stream.next()), uapi::ControlError);
}

BOOST_AUTO_TEST_SUITE_END()
