// What `sluicectl fdb` prints: the L2 segments of an interface and their forwarding tables, from
// an `fdb=1` answer (daemon/uapi.hpp), as text or as JSON (schema in README.md).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/memory.hpp"
#include "ctl/stats.hpp"

namespace sluice::ctl {

struct FdbEntry {
  std::string mac;
  crypto::PublicKey peer;
  bool is_static = false;
  std::optional<std::uint64_t> age;  // seconds since last seen; learned entries only
};

struct SegmentMember {
  crypto::PublicKey peer;
  std::string address;  // the peer's tunnel address, where its VXLAN goes
};

struct SegmentTable {
  std::uint64_t vni = 0;
  std::string tap;
  std::optional<std::string> bridge;
  std::optional<std::string> ovs_bridge;
  std::optional<std::uint64_t> ovs_vlan;
  std::optional<std::string> ovs_db;
  std::string local;
  std::uint64_t mtu = 0;
  std::optional<std::uint64_t> configured_mtu;  // the file's `mtu`, when it set one
  std::uint64_t aging = 0;
  Counters counters;
  std::vector<SegmentMember> members;
  std::vector<FdbEntry> entries;
};

// `lines` is the answer without its errno line. Throws uapi::ControlError on a line it cannot read.
[[nodiscard]] std::vector<SegmentTable> parse_fdb_answer(std::string_view lines);

[[nodiscard]] std::string fdb_text(std::string_view ifname, const std::vector<SegmentTable>& segments);

// One element of the document's "interfaces" array.
[[nodiscard]] nlohmann::ordered_json fdb_json(std::string_view ifname, const std::vector<SegmentTable>& segments);

}  // namespace sluice::ctl
