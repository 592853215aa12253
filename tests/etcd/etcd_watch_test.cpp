#include <boost/test/unit_test.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

#include "etcd/client.hpp"
#include "etcd/watch.hpp"
#include "etcd_test_env.hpp"

namespace sluice::etcd::test {
namespace {

using namespace std::chrono_literals;

// A Watch run on a thread of its own, its events and how it ended.
class WatchThread {
 public:
  WatchThread(ClientOptions options, const std::string& prefix, std::int64_t start)
      : watch_(std::move(options), prefix), thread_([this, start] {
          try {
            watch_.run(start, [this](const WatchBatch& batch) {
              const std::lock_guard lock(mutex_);
              for (const WatchEvent& event : batch.events) events_.push_back(event);
              changed_.notify_all();
            });
          } catch (const Error& error) {
            const std::lock_guard lock(mutex_);
            error_ = error;
          }
          const std::lock_guard lock(mutex_);
          ended_ = true;
          changed_.notify_all();
        }) {}
  ~WatchThread() {
    watch_.stop();
    thread_.join();
  }

  // The events once there are `count` of them (or all there are after 5 s).
  std::vector<WatchEvent> wait_events(std::size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, 5s, [&] { return events_.size() >= count || ended_; });
    return events_;
  }
  // How run() ended, after at most `timeout`; nullopt if it is still running.
  std::optional<std::optional<Error>> wait_end(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [&] { return ended_; })) return std::nullopt;
    return error_;
  }
  void stop() { watch_.stop(); }

 private:
  Watch watch_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<WatchEvent> events_;
  std::optional<Error> error_;
  bool ended_ = false;
  std::thread thread_;  // last: started once everything it uses exists
};

BOOST_AUTO_TEST_SUITE(etcd_watch)

BOOST_AUTO_TEST_CASE(sees_puts_and_deletes_in_order_and_resumes) {
  Client client(plain_options());
  const std::string p = prefix_for("watch");
  const std::int64_t start = client.get_prefix(p).revision + 1;
  std::int64_t second_revision = 0;
  {
    WatchThread watch(plain_options(), p, start);
    client.put(p + "a", "1");
    second_revision = client.put(p + "b", "2");
    client.put(prefix_for("elsewhere") + "x", "not seen");
    client.remove(p + "a");
    const std::vector<WatchEvent> events = watch.wait_events(3);
    BOOST_TEST_REQUIRE(events.size() == 3U);
    BOOST_TEST(!events[0].deleted);
    BOOST_TEST(events[0].kv.key == p + "a");
    BOOST_TEST(events[0].kv.value == "1");
    BOOST_TEST(events[1].kv.key == p + "b");
    BOOST_TEST(events[1].kv.mod_revision == second_revision);
    BOOST_TEST(events[2].deleted);
    BOOST_TEST(events[2].kv.key == p + "a");
    BOOST_TEST(!watch.wait_end(0ms).has_value());
  }
  // From the revision of the second put: that put and the delete, nothing before.
  WatchThread resumed(plain_options(), p, second_revision);
  const std::vector<WatchEvent> events = resumed.wait_events(2);
  BOOST_TEST_REQUIRE(events.size() == 2U);
  BOOST_TEST(events[0].kv.key == p + "b");
  BOOST_TEST(events[1].deleted);
}

BOOST_AUTO_TEST_CASE(compacted_start_revision) {
  Client client(plain_options());
  const std::string p = prefix_for("compacted");
  const std::int64_t old_revision = client.put(p + "a", "1");
  const std::int64_t kept = client.put(p + "a", "2");
  client.compact(kept);
  client.compact(kept);  // again: no error
  Watch watch(plain_options(), p);
  try {
    watch.run(old_revision, [](const WatchBatch&) {});
    BOOST_FAIL("the watch ran from a compacted revision");
  } catch (const Error& error) {
    BOOST_TEST(error.kind() == Error::Kind::compacted, error.what());
    BOOST_TEST(error.compact_revision() == kept);
    BOOST_TEST_MESSAGE("compacted: " << error.what());
  }
}

BOOST_AUTO_TEST_CASE(stop_returns_promptly) {
  const std::string p = prefix_for("stop");
  Client client(plain_options());
  WatchThread watch(plain_options(), p, client.get(p).revision + 1);
  std::this_thread::sleep_for(300ms);  // idle, waiting inside curl
  const auto before = std::chrono::steady_clock::now();
  watch.stop();
  const auto end = watch.wait_end(1000ms);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - before);
  BOOST_TEST_REQUIRE(end.has_value(), "run() still running 1 s after stop()");
  BOOST_TEST(!end->has_value(), "run() threw after stop()");
  BOOST_TEST(took.count() < 200, "stop took " << took.count() << " ms");
  // stop() before run(): run() returns at once.
  Watch stopped(plain_options(), p);
  stopped.stop();
  stopped.run(1, [](const WatchBatch&) {});
}

// Asks the script for `request` (a file in SLUICE_ETCD_CONTROL) and waits until it says `done`.
void ask_script(const char* request, const char* done) {
  const std::filesystem::path control = env("SLUICE_ETCD_CONTROL");
  std::ofstream(control / request).put('\n');
  for (int i = 0; i < 150 && !std::filesystem::exists(control / done); ++i) std::this_thread::sleep_for(100ms);
  BOOST_TEST_REQUIRE(std::filesystem::exists(control / done), "the script did not answer " << request);
}

// The cases below need the script's help: skipped unless it gives SLUICE_ETCD_CONTROL (it runs
// each one on its own).
boost::test_tools::assertion_result script_helps(boost::unit_test::test_unit_id) {
  return std::getenv("SLUICE_ETCD_CONTROL") != nullptr;
}

// etcd is stopped while a watch runs and started again: unavailable while it is down, then the
// same Client and a new Watch work again.
BOOST_AUTO_TEST_CASE(unavailable_while_etcd_is_down, *boost::unit_test::precondition(script_helps)) {
  const std::string p = prefix_for("outage");
  Client client(plain_options());
  client.put(p + "a", "1");
  std::optional<std::optional<Error>> watch_end;
  {
    WatchThread watch(plain_options(), p, client.get(p).revision + 1);
    std::this_thread::sleep_for(300ms);
    ask_script("stop", "stopped");
    watch_end = watch.wait_end(3000ms);
  }
  BOOST_TEST_REQUIRE(watch_end.has_value(), "the watch did not end when etcd stopped");
  BOOST_TEST_REQUIRE(watch_end->has_value());
  BOOST_TEST((*watch_end)->kind() == Error::Kind::unavailable, (*watch_end)->what());
  try {
    client.get(p + "a");
    BOOST_FAIL("a get worked with etcd stopped");
  } catch (const Error& error) {
    BOOST_TEST(error.kind() == Error::Kind::unavailable, error.what());
    BOOST_TEST(std::string(error.what()).find(env("SLUICE_ETCD_ENDPOINT")) != std::string::npos, error.what());
    BOOST_TEST_MESSAGE("unavailable: " << error.what());
  }
  try {
    Watch watch(plain_options(), p);
    watch.run(1, [](const WatchBatch&) {});
    BOOST_FAIL("a watch opened with etcd stopped");
  } catch (const Error& error) {
    BOOST_TEST(error.kind() == Error::Kind::unavailable, error.what());
  }
  ask_script("start", "started");
  const RangeResult after = client.get(p + "a");
  BOOST_TEST_REQUIRE(after.kvs.size() == 1U);
  WatchThread watch(plain_options(), p, after.kvs[0].mod_revision);
  BOOST_TEST(watch.wait_events(1).size() == 1U);
}

// The link to etcd goes silent (cut, no reset): TCP keepalive ends the watch in about 11 s.
BOOST_AUTO_TEST_CASE(silent_link_ends_the_watch, *boost::unit_test::precondition(script_helps)) {
  const std::string p = prefix_for("silent");
  Client client(plain_options());
  WatchThread watch(plain_options(), p, client.get(p).revision + 1);
  std::this_thread::sleep_for(300ms);
  const auto before = std::chrono::steady_clock::now();
  ask_script("cut", "cut_done");
  const auto end = watch.wait_end(20s);
  const auto took = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - before);
  BOOST_TEST_REQUIRE(end.has_value(), "the watch still runs 20 s after the link was cut");
  BOOST_TEST_REQUIRE(end->has_value());
  BOOST_TEST((*end)->kind() == Error::Kind::unavailable, (*end)->what());
  BOOST_TEST_MESSAGE("silent link: after " << took.count() << " s: " << (*end)->what());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace sluice::etcd::test
