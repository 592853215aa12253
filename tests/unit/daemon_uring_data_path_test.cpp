// UringDataPath's further devices (the TAPs of L2 segments), played by the ends of socket pairs:
// a SOCK_SEQPACKET pair keeps message boundaries as a TAP keeps frames, a pipe takes writes.
// Reads land behind the headroom and in order, with multishot reads and with plain ones, many per
// turn, also after the device was idle and while another thread fills it; writes small (packed into one
// buffer) and large (sent from the buffer they are in) leave in the order they were made; a device
// that cannot be read is reported once and read no more.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "daemon/event_loop.hpp"
#include "daemon/udp_sockets.hpp"
#include "daemon/uring_data_path.hpp"
#include "platform/unique_fd.hpp"

using sluice::daemon::DataPath;
using sluice::daemon::EventLoop;
using sluice::daemon::UdpSockets;
using sluice::daemon::UringDataPath;
using sluice::platform::UniqueFd;

namespace {

constexpr std::size_t kHeadroom = 64;

struct SocketPair {
  UniqueFd ours;    // the device's end, read and written by the data path
  UniqueFd theirs;  // the kernel's side of the device, played by the test
  SocketPair() {
    int fds[2];
    BOOST_TEST_REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
    ours.reset(fds[0]);
    theirs.reset(fds[1]);
  }
};

// A data path over a stand-in TUN device, with what it read from the further device recorded.
struct Fixture {
  SocketPair tun;
  SocketPair tap;
  UdpSockets sockets{"unit", 0, 0};
  EventLoop loop;
  std::unique_ptr<UringDataPath> path;
  DataPath::DeviceId device = 0;
  std::vector<std::uint32_t> reads;  // the number each message carried
  bool headroom_kept = true;
  unsigned write_failures = 0;
  unsigned read_failures = 0;
  bool as_asked = true;

  explicit Fixture(bool multishot_reads = true) {
    DataPath::Handlers handlers;
    handlers.tun_read = [](std::span<std::uint8_t>) {};
    handlers.tun_read_failed = [](int) {};
    handlers.udp_received = [](std::span<std::uint8_t>, const sluice::tunnel::Endpoint&, std::uint16_t) {};
    handlers.send_failed = [](const sluice::tunnel::Endpoint&, std::span<const std::uint8_t>, std::uint16_t, int) {};
    handlers.tun_write_failed = [] {};
    std::string missing;
    path = UringDataPath::create(tun.ours.get(), sockets, loop, handlers, 1, multishot_reads, missing);
    BOOST_TEST_REQUIRE(path != nullptr, "no io_uring data path: " << missing);
    // Before Linux 6.8 the data path reads by plain reads whatever was asked.
    as_asked = path->multishot_reads() == multishot_reads;
  }

  void watch(int fd) {
    DataPath::DeviceHandlers handlers;
    handlers.read = [this](std::span<std::uint8_t> area, std::span<std::uint8_t> bytes) {
      headroom_kept = headroom_kept && bytes.data() == area.data() + kHeadroom;
      std::uint32_t number = 0;
      if (bytes.size() == sizeof number) std::memcpy(&number, bytes.data(), sizeof number);
      reads.push_back(number);
    };
    handlers.read_failed = [this](int) { ++read_failures; };
    handlers.write_failed = [this] { ++write_failures; };
    device = path->add_device(fd, kHeadroom, std::move(handlers));
  }

  // Loop turns until `count` messages were read, at most 200 turns of up to 10 ms.
  void read_until(std::size_t count) {
    for (int turn = 0; turn < 200 && reads.size() < count; ++turn) path->run_once(10);
  }
};

// `test` with a fixture of each read mode: multishot reads (left out before Linux 6.8), then plain.
void in_each_read_mode(const std::function<void(Fixture&)>& test) {
  for (const bool multishot : {true, false}) {
    BOOST_TEST_CONTEXT("multishot reads " << multishot) {
      Fixture f(multishot);
      if (f.as_asked) {
        test(f);
      } else {
        BOOST_TEST_MESSAGE("no multishot reads in this kernel (Linux 6.8): left out");
      }
    }
  }
}

void send_numbers(int fd, std::uint32_t first, std::uint32_t count) {
  for (std::uint32_t n = first; n < first + count; ++n) {
    BOOST_TEST_REQUIRE(::send(fd, &n, sizeof n, 0) == static_cast<ssize_t>(sizeof n));
  }
}

std::vector<std::uint32_t> numbers(std::uint32_t first, std::uint32_t count) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t n = first; n < first + count; ++n) out.push_back(n);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_uring_data_path)

BOOST_AUTO_TEST_CASE(reads_arrive_in_order_behind_the_headroom) {
  in_each_read_mode([](Fixture& f) {
    f.watch(f.tap.ours.get());
    send_numbers(f.tap.theirs.get(), 0, 100);
    f.read_until(100);
    BOOST_TEST(f.reads == numbers(0, 100), boost::test_tools::per_element());
    BOOST_TEST(f.headroom_kept);
  });
}

BOOST_AUTO_TEST_CASE(an_idle_device_wakes_for_each_message_and_for_a_burst) {
  in_each_read_mode([](Fixture& f) {
    f.watch(f.tap.ours.get());
    // Idle: the read waits for the device.
    for (int turn = 0; turn < 3; ++turn) f.path->run_once(0);
    for (std::uint32_t n = 0; n < 20; ++n) {
      send_numbers(f.tap.theirs.get(), n, 1);
      f.read_until(n + 1);
      BOOST_TEST_REQUIRE(f.reads.size() == n + 1);
    }
    // More than the buffers a device's reads have, after the device was idle again.
    send_numbers(f.tap.theirs.get(), 20, 100);
    f.read_until(120);
    BOOST_TEST(f.reads == numbers(0, 120), boost::test_tools::per_element());
  });
}

// A device that holds many messages gives up to 16 per turn in either mode; with plain reads one
// per turn (Debian 12's kernel, 6.1, before read(2) took the rest) halved the packets per second.
BOOST_AUTO_TEST_CASE(a_turn_reads_many_messages) {
  in_each_read_mode([](Fixture& f) {
    f.watch(f.tap.ours.get());
    send_numbers(f.tap.theirs.get(), 0, 48);
    for (int turn = 0; turn < 6 && f.reads.size() < 48; ++turn) f.path->run_once(10);
    BOOST_TEST(f.reads == numbers(0, 48), boost::test_tools::per_element());
  });
}

// Messages sent by another thread while the loop reads, three at a time with short pauses, so
// that the device is found empty and filled again thousands of times. Several plain reads in
// flight at once (before multishot reads) took 4 to 16 of them out of order here, and one UDP
// datagram in about ten bursts of net.l2_segments with a crypto thread.
BOOST_AUTO_TEST_CASE(reads_keep_order_while_another_thread_fills_the_device) {
  in_each_read_mode([](Fixture& f) {
    f.watch(f.tap.ours.get());
    constexpr std::uint32_t kMessages = 20000;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::thread sender([&] {
      for (std::uint32_t n = 0; n < kMessages && std::chrono::steady_clock::now() < deadline;) {
        // The socket's buffer may be full: wait for the loop to read.
        if (::send(f.tap.theirs.get(), &n, sizeof n, 0) != static_cast<ssize_t>(sizeof n)) {
          std::this_thread::yield();
          continue;
        }
        if (n++ % 3 == 2) std::this_thread::sleep_for(std::chrono::microseconds(30));
      }
    });
    while (f.reads.size() < kMessages && std::chrono::steady_clock::now() < deadline) f.path->run_once(10);
    sender.join();
    BOOST_TEST_REQUIRE(f.reads.size() == kMessages);
    std::size_t disorder = 0;
    for (std::size_t i = 1; i < f.reads.size(); ++i) disorder += f.reads[i] <= f.reads[i - 1] ? 1 : 0;
    BOOST_TEST(disorder == 0u);
  });
}

BOOST_AUTO_TEST_CASE(small_and_large_writes_leave_in_order) {
  in_each_read_mode([](Fixture& f) {
    int pipe_fds[2];
    BOOST_TEST_REQUIRE(::pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) == 0);
    const UniqueFd reader(pipe_fds[0]);
    const UniqueFd writer(pipe_fds[1]);
    // Room for everything written below, so that no write waits for the reader.
    BOOST_TEST_REQUIRE(::fcntl(writer.get(), F_SETPIPE_SZ, 1 << 18) >= (1 << 18));
    f.watch(writer.get());
    // More small writes than the pool has buffers, with a large one every 100.
    std::vector<std::uint8_t> expected;
    for (std::uint32_t n = 0; n < 1000; ++n) {
      std::vector<std::uint8_t> bytes(n % 100 == 99 ? 5000 : 64, static_cast<std::uint8_t>(n));
      std::memcpy(bytes.data(), &n, sizeof n);
      f.path->write_device(f.device, bytes);
      expected.insert(expected.end(), bytes.begin(), bytes.end());
    }
    for (int turn = 0; turn < 3; ++turn) f.path->run_once(0);
    std::vector<std::uint8_t> written(expected.size() + 1);
    std::size_t got = 0;
    while (got < written.size()) {
      const ssize_t n = ::read(reader.get(), written.data() + got, written.size() - got);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    BOOST_TEST(got == expected.size());
    written.resize(got);
    BOOST_TEST(written == expected);
    BOOST_TEST(f.write_failures == 0u);
    // Reading the pipe's write end fails: that ends the reads, said once.
    BOOST_TEST(f.read_failures == 1u);
  });
}

BOOST_AUTO_TEST_SUITE_END()
