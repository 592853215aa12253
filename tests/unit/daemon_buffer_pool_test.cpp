// The io_uring data path's buffer pool: indices, exhaustion, holds, reuse order, memory layout.
#include <boost/test/unit_test.hpp>

#include <set>

#include "daemon/buffer_pool.hpp"

using sluice::daemon::BufferPool;

BOOST_AUTO_TEST_SUITE(daemon_buffer_pool)

BOOST_AUTO_TEST_CASE(hands_out_every_buffer_once_then_nothing) {
  BufferPool pool(4, 1000);
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 4; ++i) {
    const auto index = pool.acquire();
    BOOST_REQUIRE(index);
    BOOST_TEST(*index < 4u);
    BOOST_TEST(seen.insert(*index).second);
    BOOST_TEST(pool.holds(*index) == 1u);
  }
  BOOST_TEST(pool.available() == 0u);
  BOOST_TEST(!pool.acquire());
}

BOOST_AUTO_TEST_CASE(buffers_are_page_sized_disjoint_and_writable) {
  BufferPool pool(3, 5000);
  BOOST_TEST(pool.buffer_size() >= 5000u);
  BOOST_TEST(pool.buffer_size() % 4096 == 0u);
  for (std::uint32_t i = 0; i < 3; ++i) {
    const auto data = pool.data(i);
    BOOST_TEST(data.size() == pool.buffer_size());
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(data.data()) % 4096 == 0u);
    data.front() = static_cast<std::uint8_t>(i + 1);
    data.back() = static_cast<std::uint8_t>(i + 1);
  }
  for (std::uint32_t i = 0; i < 3; ++i) {
    BOOST_TEST(pool.data(i).front() == i + 1);
    BOOST_TEST(pool.data(i).back() == i + 1);
  }
  BOOST_TEST(pool.data(1).data() == pool.data(0).data() + pool.buffer_size());
}

BOOST_AUTO_TEST_CASE(finds_the_buffer_an_address_lies_in) {
  BufferPool pool(3, 4096);
  BOOST_TEST(*pool.index_of(pool.data(0).data()) == 0u);
  BOOST_TEST(*pool.index_of(pool.data(1).data() + 100) == 1u);
  BOOST_TEST(*pool.index_of(&pool.data(2).back()) == 2u);
  BOOST_TEST(!pool.index_of(pool.data(2).data() + pool.buffer_size()));
  BOOST_TEST(!pool.index_of(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(pool.data(0).data()) - 1)));
  const int elsewhere = 0;
  BOOST_TEST(!pool.index_of(&elsewhere));
}

BOOST_AUTO_TEST_CASE(a_buffer_is_free_only_after_its_last_hold) {
  BufferPool pool(2, 64);
  const auto a = pool.acquire();
  BOOST_REQUIRE(a);
  pool.retain(*a);
  pool.retain(*a);
  BOOST_TEST(pool.holds(*a) == 3u);
  BOOST_TEST(!pool.release(*a));
  BOOST_TEST(!pool.release(*a));
  BOOST_TEST(pool.available() == 1u);
  BOOST_TEST(pool.release(*a));
  BOOST_TEST(pool.holds(*a) == 0u);
  BOOST_TEST(pool.available() == 2u);
}

BOOST_AUTO_TEST_CASE(the_buffer_released_last_is_reused_first) {
  BufferPool pool(8, 64);
  const auto a = pool.acquire();
  const auto b = pool.acquire();
  BOOST_REQUIRE(a && b);
  pool.release(*a);
  pool.release(*b);
  BOOST_TEST(*pool.acquire() == *b);
  BOOST_TEST(*pool.acquire() == *a);
}

BOOST_AUTO_TEST_CASE(survives_many_cycles_without_losing_buffers) {
  BufferPool pool(16, 64);
  std::vector<std::uint32_t> held;
  for (int round = 0; round < 1000; ++round) {
    while (held.size() < static_cast<std::size_t>(round % 17)) {
      const auto index = pool.acquire();
      BOOST_REQUIRE(index);
      held.push_back(*index);
    }
    while (held.size() > static_cast<std::size_t>(round % 5)) {
      pool.release(held.back());
      held.pop_back();
    }
    BOOST_TEST(pool.available() + held.size() == 16u);
  }
}

BOOST_AUTO_TEST_SUITE_END()
