#include "ctl/fdb.hpp"

#include "crypto/key_encoding.hpp"
#include "tunnel/parse_number.hpp"
#include "uapi/error.hpp"
#include "uapi/lines.hpp"

namespace sluice::ctl {
namespace {

[[noreturn]] void bad_line(std::string_view what, std::size_t line) {
  throw uapi::ControlError(
      std::string("the daemon's fdb answer has ").append(what).append(" on line ").append(std::to_string(line)));
}

std::uint64_t number(std::string_view value, std::size_t line) {
  const auto parsed = tunnel::parse_unsigned<std::uint64_t>(value);
  if (!parsed) bad_line("a bad number", line);
  return *parsed;
}

crypto::PublicKey hex_key(std::string_view value, std::size_t line) {
  crypto::PublicKey key;
  try {
    crypto::decode_hex_key(value, key.bytes);
  } catch (const crypto::KeyFormatError&) {
    bad_line("a bad key", line);
  }
  return key;
}

std::string b64(const crypto::PublicKey& key) { return crypto::encode_base64_key(key.span()); }

}  // namespace

std::vector<SegmentTable> parse_fdb_answer(std::string_view lines) {
  std::vector<SegmentTable> segments;
  for (std::size_t line_number = 1; !lines.empty(); ++line_number) {
    const auto line = uapi::split_key_value(uapi::take_line(lines));
    if (!line) bad_line("no '='", line_number);
    const auto [key, value] = *line;
    if (key == "vni") {
      segments.emplace_back().vni = number(value, line_number);
      continue;
    }
    if (segments.empty()) bad_line("a line before the first vni=", line_number);
    SegmentTable& segment = segments.back();
    if (key == "tap") {
      segment.tap = value;
    } else if (key == "bridge") {
      segment.bridge = std::string(value);
    } else if (key == "ovs_bridge") {
      segment.ovs_bridge = std::string(value);
    } else if (key == "ovs_vlan") {
      segment.ovs_vlan = number(value, line_number);
    } else if (key == "ovs_db") {
      segment.ovs_db = std::string(value);
    } else if (key == "local") {
      segment.local = value;
    } else if (key == "mtu") {
      segment.mtu = number(value, line_number);
    } else if (key == "configured_mtu") {
      segment.configured_mtu = number(value, line_number);
    } else if (key == "aging") {
      segment.aging = number(value, line_number);
    } else if (key == "peer") {
      segment.members.push_back({hex_key(value, line_number), {}});
    } else if (key == "peer_address" && !segment.members.empty()) {
      segment.members.back().address = value;
    } else if (key == "mac") {
      segment.entries.emplace_back().mac = value;
    } else if (key == "public_key" && !segment.entries.empty()) {
      segment.entries.back().peer = hex_key(value, line_number);
    } else if (key == "static" && !segment.entries.empty()) {
      segment.entries.back().is_static = number(value, line_number) != 0;
    } else if (key == "age" && !segment.entries.empty()) {
      segment.entries.back().age = number(value, line_number);
    } else if (segment.members.empty() && segment.entries.empty()) {
      segment.counters.emplace_back(key, number(value, line_number));
    } else {
      bad_line("an unexpected key", line_number);
    }
  }
  return segments;
}

std::string fdb_text(std::string_view ifname, const std::vector<SegmentTable>& segments) {
  std::string out("interface: ");
  out.append(ifname).push_back('\n');
  if (segments.empty()) out.append("  no L2 segments\n");
  for (const SegmentTable& s : segments) {
    out.append("segment: vni ").append(std::to_string(s.vni)).append(", tap ").append(s.tap);
    if (s.bridge) out.append(" on bridge ").append(*s.bridge);
    if (s.ovs_bridge) out.append(" on Open vSwitch bridge ").append(*s.ovs_bridge);
    if (s.ovs_vlan) out.append(" VLAN ").append(std::to_string(*s.ovs_vlan));
    out.append(", local ").append(s.local).append(", mtu ").append(std::to_string(s.mtu));
    out.append(", aging ").append(std::to_string(s.aging)).append(" s\n");
    out.append(" ");
    for (const auto& [name, value] : s.counters) out.append(" ").append(name).append(" ").append(std::to_string(value));
    out.push_back('\n');
    for (const SegmentMember& member : s.members) {
      out.append("  peer ").append(b64(member.peer)).append(" at ").append(member.address).push_back('\n');
    }
    for (const FdbEntry& entry : s.entries) {
      out.append("  ").append(entry.mac).append("  ").append(b64(entry.peer)).append("  ");
      out.append(entry.is_static ? std::string("static")
                                 : "learned, " + std::to_string(entry.age.value_or(0)) + " s ago");
      out.push_back('\n');
    }
  }
  return out;
}

nlohmann::ordered_json fdb_json(std::string_view ifname, const std::vector<SegmentTable>& segments) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const SegmentTable& s : segments) {
    nlohmann::ordered_json counters = nlohmann::ordered_json::object();
    for (const auto& [name, value] : s.counters) counters[name] = value;
    nlohmann::ordered_json members = nlohmann::ordered_json::array();
    for (const SegmentMember& member : s.members)
      members.push_back({{"public_key", b64(member.peer)}, {"address", member.address}});
    nlohmann::ordered_json entries = nlohmann::ordered_json::array();
    for (const FdbEntry& entry : s.entries) {
      entries.push_back({{"mac", entry.mac},
                         {"public_key", b64(entry.peer)},
                         {"static", entry.is_static},
                         {"age", entry.age ? nlohmann::ordered_json(*entry.age) : nlohmann::ordered_json(nullptr)}});
    }
    list.push_back(
        {{"vni", s.vni},
         {"tap", s.tap},
         {"bridge", s.bridge ? nlohmann::ordered_json(*s.bridge) : nlohmann::ordered_json(nullptr)},
         {"ovs_bridge", s.ovs_bridge ? nlohmann::ordered_json(*s.ovs_bridge) : nlohmann::ordered_json(nullptr)},
         {"ovs_vlan", s.ovs_vlan ? nlohmann::ordered_json(*s.ovs_vlan) : nlohmann::ordered_json(nullptr)},
         {"ovs_db", s.ovs_db ? nlohmann::ordered_json(*s.ovs_db) : nlohmann::ordered_json(nullptr)},
         {"local", s.local},
         {"mtu", s.mtu},
         {"aging", s.aging},
         {"counters", std::move(counters)},
         {"peers", std::move(members)},
         {"fdb", std::move(entries)}});
  }
  return {{"name", ifname}, {"segments", std::move(list)}};
}

}  // namespace sluice::ctl
