// Inline keys in a config file leave no copy in memory the loader frees: every block freed while
// load_config_file runs is searched, through an interposed free(), for any 12 characters of the
// base64 keys. (toml++ grows a string while it reads a value; the freed smaller blocks used to
// keep 30 of the 44 characters of private_key.)
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/config_file.hpp"
#include "test_sanitizers.hpp"

// The sanitizers own malloc and free; replacing free beside them is not possible.
#if !defined(SLUICE_TEST_ASAN) && !defined(SLUICE_TEST_TSAN)
#define SLUICE_INTERPOSE_FREE 1
#endif

#ifdef SLUICE_INTERPOSE_FREE
namespace {

// Test-only keys from `wg genkey` and `wg genpsk`.
constexpr std::string_view kPrivate = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
constexpr std::string_view kPreshared = "FpCyhws9cxwWoV6xELtfJvjJ5zfJ8NHX6YwfWyPb8ok=";
constexpr std::string_view kPeer = "6x9Z45ChX02oTwbWEwPJOGX7cE5tF4HD4pJgAjKrrBI=";
constexpr std::size_t kWindow = 12;

std::atomic<bool> watching{false};
std::atomic<unsigned> blocks_seen{0};
std::atomic<unsigned> traces{0};

bool holds_part_of(const void* block, std::size_t size, std::string_view key) {
  for (std::size_t start = 0; start + kWindow <= key.size(); ++start) {
    if (::memmem(block, size, key.data() + start, kWindow) != nullptr) return true;
  }
  return false;
}

// Runs inside free(): no allocation here.
void inspect(const void* block) {
  const std::size_t size = ::malloc_usable_size(const_cast<void*>(block));
  blocks_seen.fetch_add(1, std::memory_order_relaxed);
  if (holds_part_of(block, size, kPrivate) || holds_part_of(block, size, kPreshared)) {
    traces.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace

extern "C" void __libc_free(void* block);
extern "C" void free(void* block) {
  if (block != nullptr && watching.load(std::memory_order_relaxed)) inspect(block);
  __libc_free(block);
}
#endif

BOOST_AUTO_TEST_SUITE(daemon_config_wipe)

BOOST_AUTO_TEST_CASE(inline_keys_leave_nothing_in_freed_memory) {
#ifndef SLUICE_INTERPOSE_FREE
  BOOST_TEST_MESSAGE("skipped under a sanitizer: it replaces free()");
#else
  const auto path =
      std::filesystem::temp_directory_path() / ("sluice-wipe-test-" + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream out(path);
    out << "[interface]\nprivate_key = \"" << kPrivate << "\"\nlisten_port = 51820\n"
        << "[[peer]]\npublic_key = \"" << kPeer << "\"\npreshared_key = \"" << kPreshared
        << "\"\nallowed_ips = [\"10.0.0.2/32\"]\n";
  }
  // The watch works: a block holding a key, freed outside the loader, is found.
  char* planted = static_cast<char*>(::malloc(64));
  ::memcpy(planted, kPrivate.data(), kPrivate.size());
  watching = true;
  ::free(planted);
  watching = false;
  BOOST_TEST_REQUIRE(traces.load() == 1U);

  traces = 0;
  blocks_seen = 0;
  watching = true;
  {
    const auto settings = sluice::config::load_config_file(path);
    watching = false;
    BOOST_TEST(settings.peers.size() == 1U);
  }
  std::filesystem::remove(path);
  BOOST_TEST(blocks_seen.load() > 10U);  // the loader frees blocks, and each was searched
  BOOST_TEST(traces.load() == 0U);
#endif
}

BOOST_AUTO_TEST_SUITE_END()
