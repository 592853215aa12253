#include <boost/test/unit_test.hpp>

#include "tools/fault_plan.hpp"

using namespace sluice::tools;
using namespace std::chrono_literals;

namespace {

struct Tally {
  int dropped = 0, duplicated = 0, reordered = 0, corrupted = 0;
};

Tally run(FaultPlan& plan, int n) {
  Tally t;
  for (int i = 0; i < n; ++i) {
    const auto d = plan.decide(100);
    t.dropped += d.drop;
    t.duplicated += d.copies == 2;
    t.reordered += d.reordered;
    t.corrupted += d.corrupt_offset.has_value();
  }
  return t;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tools_fault_plan)

BOOST_AUTO_TEST_CASE(rates_are_met_within_a_few_percent) {
  FaultPlan plan(FaultRates{.drop = 0.1, .duplicate = 0.05, .reorder = 0.1, .corrupt = 0.01}, 7);
  constexpr int n = 100000;
  const Tally t = run(plan, n);
  // Binomial standard deviations are below 100 for these; allow about 4 of them.
  BOOST_TEST(std::abs(t.dropped - n / 10) < 400);
  BOOST_TEST(std::abs(t.duplicated - n / 20) < 300);
  BOOST_TEST(std::abs(t.reordered - n / 10) < 400);
  BOOST_TEST(std::abs(t.corrupted - n / 100) < 150);
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_faults) {
  const FaultRates rates{.drop = 0.3, .duplicate = 0.3, .reorder = 0.3, .corrupt = 0.3, .jitter = 5000us};
  FaultPlan a(rates, 42), b(rates, 42), c(rates, 43);
  bool differs_from_other_seed = false;
  for (int i = 0; i < 1000; ++i) {
    const auto da = a.decide(64), db = b.decide(64), dc = c.decide(64);
    BOOST_TEST(da.drop == db.drop);
    BOOST_TEST(da.copies == db.copies);
    BOOST_TEST(da.reordered == db.reordered);
    BOOST_TEST((da.corrupt_offset == db.corrupt_offset));
    BOOST_TEST(da.corrupt_mask == db.corrupt_mask);
    BOOST_TEST(da.delay.count() == db.delay.count());
    differs_from_other_seed |= da.drop != dc.drop || da.delay != dc.delay;
  }
  BOOST_TEST(differs_from_other_seed);
}

BOOST_AUTO_TEST_CASE(corruption_changes_a_byte_inside_the_datagram) {
  FaultPlan plan(FaultRates{.corrupt = 1.0}, 1);
  for (int i = 0; i < 1000; ++i) {
    const auto d = plan.decide(33);
    BOOST_REQUIRE(d.corrupt_offset.has_value());
    BOOST_TEST(*d.corrupt_offset < 33u);
    BOOST_TEST(d.corrupt_mask != 0);
  }
  BOOST_TEST(!plan.decide(0).corrupt_offset.has_value());
}

BOOST_AUTO_TEST_CASE(delays_stay_within_delay_jitter_and_hold) {
  FaultPlan plan(FaultRates{.reorder = 0.5, .delay = 1000us, .jitter = 2000us, .reorder_hold = 10000us}, 3);
  for (int i = 0; i < 1000; ++i) {
    const auto d = plan.decide(10);
    const auto base = d.reordered ? 11000us : 1000us;
    BOOST_TEST(d.delay.count() >= base.count());
    BOOST_TEST(d.delay.count() <= (base + 2000us).count());
  }
}

BOOST_AUTO_TEST_CASE(inactive_plan_passes_everything_unchanged) {
  FaultPlan plan(FaultRates{.drop = 1.0, .duplicate = 1.0, .reorder = 1.0, .corrupt = 1.0, .delay = 5000us}, 9);
  plan.set_active(false);
  const Tally t = run(plan, 100);
  BOOST_TEST(t.dropped + t.duplicated + t.reordered + t.corrupted == 0);
  BOOST_TEST(plan.decide(10).delay.count() == 0);
  plan.set_active(true);
  BOOST_TEST(plan.decide(10).drop);
}

BOOST_AUTO_TEST_SUITE_END()
