// The counter tables (tunnel/counter_field.hpp) are the one list that stats=1, sluicectl's JSON,
// the metrics page and the drop log read: every device and segment counter appears exactly once in
// each, and the drop log's parts add up to its total.
#include <boost/test/unit_test.hpp>

#include <charconv>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "ctl/stats.hpp"
#include "daemon/drop_report.hpp"
#include "daemon/l2_segments.hpp"
#include "daemon/metrics_server.hpp"
#include "daemon/stats.hpp"
#include "tests/common/tunnel_test_support.hpp"

using namespace sluice;

namespace {

// Every device counter, then every segment counter as stats=1 names them; each with value 1.
std::vector<daemon::NamedCounter> all_counters_at_one() {
  tunnel::DeviceCounters device;
  for (const auto& field : tunnel::kDeviceCounterFields) device.*field.member = 1;
  daemon::SegmentCounters segment;
  for (const auto& field : daemon::kSegmentCounterFields) segment.*field.member = 1;
  std::vector<daemon::NamedCounter> counters = daemon::device_counters(device);
  for (auto& counter : daemon::named_counters(daemon::kSegmentCounterFields, segment, "l2_")) {
    counters.push_back(std::move(counter));
  }
  return counters;
}

std::size_t occurrences(const std::string& text, const std::string& word) {
  std::size_t count = 0;
  for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++count;
  return count;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_counter_tables)

BOOST_AUTO_TEST_CASE(names_are_unique_and_described) {
  std::set<std::string> names;
  for (const auto& counter : all_counters_at_one()) {
    BOOST_TEST(names.insert(counter.name).second, counter.name << " twice");
    BOOST_TEST(!counter.help.empty(), counter.name << " has no help");
  }
  std::set<std::string_view> peer_names;
  for (const auto& field : tunnel::kPeerCounterFields) {
    BOOST_TEST(peer_names.insert(field.name).second, field.name << " twice");
    BOOST_TEST(!field.help.empty(), field.name << " has no help");
  }
}

BOOST_AUTO_TEST_CASE(every_counter_once_in_stats_json_and_metrics) {
  test::TunnelPair pair;  // a device with a peer, so peer counters show too
  const auto extra = daemon::named_counters(daemon::kSegmentCounterFields, daemon::SegmentCounters{}, "l2_");
  const ctl::InterfaceStats stats = ctl::parse_stats_answer(daemon::serialize_stats(pair.a, extra));
  const nlohmann::ordered_json json = ctl::stats_json("wg0", stats);
  const std::string metrics = daemon::render_metrics("wg0", pair.a, extra);
  for (const auto& counter : all_counters_at_one()) {
    BOOST_TEST(json["counters"].count(counter.name) == 1U, counter.name << " not in the JSON");
    BOOST_TEST(occurrences(metrics, "# TYPE sluice_interface_" + counter.name + "_total counter\n") == 1U,
               counter.name << " not once in the metrics");
  }
  BOOST_TEST(json["counters"].size() == all_counters_at_one().size());
  BOOST_REQUIRE(json["peers"].size() == 1U);
  for (const auto& field : tunnel::kPeerCounterFields) {
    BOOST_TEST(json["peers"][0]["counters"].count(std::string(field.name)) == 1U, field.name);
    BOOST_TEST(occurrences(metrics, "# TYPE sluice_peer_" + std::string(field.name) + "_total counter\n") == 1U,
               field.name);
  }
}

BOOST_AUTO_TEST_CASE(drop_log_names_every_drop_once_and_adds_up) {
  const auto counters = all_counters_at_one();
  daemon::DropReport report;
  const auto line = report.update(counters, std::chrono::seconds(10));
  BOOST_REQUIRE(line);
  std::uint64_t drops = 0;
  for (const auto& counter : counters) {
    // A name followed by its count: "bad_mac1 1" (and never a longer name that contains it).
    const std::size_t named = occurrences(*line, " " + counter.name + " ");
    BOOST_TEST(named == (counter.drop ? 1U : 0U), counter.name << " in: " << *line);
    drops += counter.drop ? 1 : 0;
  }
  // "lost N packets in the last 10 s: a 1, b 1, ...": N is the sum of the parts.
  BOOST_REQUIRE(line->starts_with("lost "));
  std::uint64_t total = 0;
  std::from_chars(line->data() + 5, line->data() + line->size(), total);
  std::uint64_t parts = 0;
  for (std::size_t at = line->find(": ") + 2; at < line->size();) {
    const std::size_t space = line->find(' ', at);
    const std::size_t end = std::min(line->find(", ", space), line->size());
    std::uint64_t value = 0;
    std::from_chars(line->data() + space + 1, line->data() + end, value);
    parts += value;
    at = end + 2;
  }
  BOOST_TEST(total == drops);
  BOOST_TEST(parts == total);
  // Nothing new: no line; one more drop: a line with just it.
  BOOST_TEST(!report.update(counters, std::chrono::seconds(10)));
  auto more = counters;
  for (auto& counter : more) {
    if (counter.name == "replayed") counter.value += 4;
  }
  BOOST_TEST(report.update(more, std::chrono::seconds(10)).value_or("") ==
             "lost 4 packets in the last 10 s: replayed 4");
}

BOOST_AUTO_TEST_SUITE_END()
