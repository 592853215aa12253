// The worker pool: every job runs exactly once, on the pool or the helping thread, and the core
// still puts the results back in order.
#include <boost/test/unit_test.hpp>

#include <poll.h>

#include "daemon/crypto_workers.hpp"
#include "tests/common/tunnel_test_support.hpp"

using namespace sluice;
using namespace sluice::test;

BOOST_AUTO_TEST_SUITE(daemon_crypto_workers)

BOOST_AUTO_TEST_CASE(pool_runs_every_job_and_core_keeps_order) {
  TunnelPair t;
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.pump();
  t.a.set_hand_out_jobs(true);
  daemon::CryptoWorkers workers(2);
  constexpr std::size_t kPackets = 2000;
  std::vector<tunnel::TransportJob*> jobs;
  for (std::size_t i = 0; i < kPackets; ++i) {
    t.a.send_packet(ipv4_packet({10, 1, 0, 1}, {10, 2, 0, 1}, 60 + i % 1000, static_cast<std::uint8_t>(i)), t.now,
                    t.sa);
    if (i % 64 == 63) {
      jobs.clear();
      t.a.take_jobs(jobs);
      workers.submit(jobs);
    }
  }
  jobs.clear();
  t.a.take_jobs(jobs);
  workers.submit(jobs);
  workers.help();
  // Bounded wait for what the pool's threads still hold.
  for (int i = 0; i < 500 && t.a.finish_jobs(t.now, t.sa) > 0; ++i) {
    pollfd p{workers.finished_fd(), POLLIN, 0};
    ::poll(&p, 1, 10);
    workers.clear_finished();
  }
  BOOST_REQUIRE_EQUAL(t.a.jobs_in_flight(), 0U);
  BOOST_REQUIRE_EQUAL(t.sa.sent.size(), kPackets);
  t.pump();
  BOOST_REQUIRE_EQUAL(t.sb.delivered.size(), kPackets + 1);
  for (std::size_t i = 0; i < kPackets; ++i) {
    BOOST_CHECK(t.sb.delivered[i + 1] ==
                ipv4_packet({10, 1, 0, 1}, {10, 2, 0, 1}, 60 + i % 1000, static_cast<std::uint8_t>(i)));
  }
}

BOOST_AUTO_TEST_CASE(default_worker_count_leaves_a_cpu) {
  BOOST_CHECK_EQUAL(daemon::default_worker_count(-1), 1U);  // sysconf failed
  BOOST_CHECK_EQUAL(daemon::default_worker_count(1), 1U);
  BOOST_CHECK_EQUAL(daemon::default_worker_count(2), 1U);
  BOOST_CHECK_EQUAL(daemon::default_worker_count(3), 2U);
  BOOST_CHECK_EQUAL(daemon::default_worker_count(16), 15U);
  BOOST_CHECK_EQUAL(daemon::default_worker_count(512), 64U);
}

BOOST_AUTO_TEST_CASE(worker_count_setting) {
  BOOST_CHECK_EQUAL(daemon::worker_count("1"), 1U);
  BOOST_CHECK_EQUAL(daemon::worker_count("3"), 3U);
  const unsigned fallback = daemon::worker_count(nullptr);
  BOOST_CHECK_GE(fallback, 1U);
  BOOST_CHECK_EQUAL(daemon::worker_count("0"), fallback);
  BOOST_CHECK_EQUAL(daemon::worker_count("two"), fallback);
  BOOST_CHECK_EQUAL(daemon::worker_count(""), fallback);
}

BOOST_AUTO_TEST_SUITE_END()
