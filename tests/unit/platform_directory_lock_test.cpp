// The one-writer lock on a directory: a second taker waits a bounded time and then fails naming the
// directory, succeeds once the first lets go; a missing directory is named with its errno, and one
// removed while a taker waits is missing; one removed and made anew meanwhile is locked anew.
#include <fmt/format.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

#include "platform/directory_lock.hpp"
#include "test_temp_dir.hpp"

using sluice::platform::DirectoryLock;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

// Milliseconds since `start`, printable in a failed check.
long long ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
}

// What a failed lock threw; none when it was taken.
std::optional<std::system_error> lock_error(const std::filesystem::path& dir, milliseconds wait) {
  try {
    const DirectoryLock lock(dir, wait);
  } catch (const std::system_error& error) {
    return error;
  }
  return std::nullopt;
}

// A directory locked by a first writer that, after 100 ms, removes it (and makes it anew if asked)
// before it lets go, as a CNI DEL (and an ADD of the same name) does.
struct HeldThenReplaced {
  sluice::test::TempDir dir;
  std::filesystem::path pins = dir.path() / "pins";
  std::optional<DirectoryLock> first;
  std::thread replacer;

  explicit HeldThenReplaced(bool make_anew) {
    std::filesystem::create_directory(pins);
    first.emplace(pins);
    replacer = std::thread([this, make_anew] {
      std::this_thread::sleep_for(milliseconds(100));
      std::filesystem::remove(pins);
      if (make_anew) std::filesystem::create_directory(pins);
      first.reset();
    });
  }
  HeldThenReplaced(const HeldThenReplaced&) = delete;
  HeldThenReplaced& operator=(const HeldThenReplaced&) = delete;
  ~HeldThenReplaced() {
    if (replacer.joinable()) replacer.join();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(platform_directory_lock)

BOOST_AUTO_TEST_CASE(a_second_writer_waits_then_fails_naming_the_directory) {
  const sluice::test::TempDir dir;
  std::optional<DirectoryLock> first(std::in_place, dir.path());
  const auto start = Clock::now();
  const auto error = lock_error(dir.path(), milliseconds(60));
  BOOST_TEST_REQUIRE(error.has_value());
  BOOST_TEST(ms_since(start) >= 60);
  BOOST_TEST(error->code().value() == EWOULDBLOCK);
  const std::string what = error->what();
  const std::string said = fmt::format("another writer still holds the lock on {} after 0.06 s", dir.path().string());
  BOOST_TEST(what.find(said) != std::string::npos, what);
  first.reset();
  BOOST_TEST(!lock_error(dir.path(), milliseconds(0)).has_value());
}

BOOST_AUTO_TEST_CASE(a_second_writer_gets_the_lock_when_the_first_lets_go_in_time) {
  const sluice::test::TempDir dir;
  std::optional<DirectoryLock> first(std::in_place, dir.path());
  std::thread release([&] {
    std::this_thread::sleep_for(milliseconds(100));
    first.reset();
  });
  const auto start = Clock::now();
  const auto error = lock_error(dir.path(), milliseconds(5000));
  const long long waited = ms_since(start);
  release.join();
  BOOST_TEST(!error.has_value(), (error ? error->what() : ""));
  BOOST_TEST(waited >= 100);
  BOOST_TEST(waited < 5000);
}

BOOST_AUTO_TEST_CASE(a_missing_directory_is_named) {
  const sluice::test::TempDir dir;
  const std::filesystem::path missing = dir.path() / "gone";
  const auto error = lock_error(missing, milliseconds(0));
  BOOST_TEST_REQUIRE(error.has_value());
  BOOST_TEST(error->code().value() == ENOENT);
  const std::string what = error->what();
  BOOST_TEST(what.find(fmt::format("cannot open {} to lock it: ", missing.string())) == 0, what);
}

BOOST_AUTO_TEST_CASE(a_directory_removed_while_waiting_is_missing) {
  HeldThenReplaced held(false);
  const auto error = lock_error(held.pins, milliseconds(5000));
  held.replacer.join();
  BOOST_TEST_REQUIRE(error.has_value());
  // ENOENT either way: "removed while waiting", or (on a machine slow to start the taker) "cannot
  // open" after the removal.
  BOOST_TEST(error->code().value() == ENOENT, error->what());
}

BOOST_AUTO_TEST_CASE(a_directory_made_anew_while_waiting_is_the_one_locked) {
  HeldThenReplaced held(true);
  std::optional<DirectoryLock> second(std::in_place, held.pins, milliseconds(5000));
  held.replacer.join();
  // Held on the directory there now, not on the removed one: a third taker must wait.
  const auto error = lock_error(held.pins, milliseconds(0));
  BOOST_TEST_REQUIRE(error.has_value());
  BOOST_TEST(error->code().value() == EWOULDBLOCK);
}

BOOST_AUTO_TEST_SUITE_END()
