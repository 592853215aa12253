#include "ctl/flows.hpp"

#include <algorithm>
#include <array>
#include <ctime>

#include "crypto/key_encoding.hpp"
#include "tunnel/parse_number.hpp"
#include "uapi/error.hpp"
#include "uapi/lines.hpp"

namespace sluice::ctl {
namespace {

[[noreturn]] void bad_line(std::string_view what, std::size_t line) {
  throw uapi::ControlError(
      std::string("the daemon's flows answer has ").append(what).append(" on line ").append(std::to_string(line)));
}

std::uint64_t number(std::string_view value, std::size_t line) {
  const auto parsed = tunnel::parse_unsigned<std::uint64_t>(value);
  if (!parsed) bad_line("a bad number", line);
  return *parsed;
}

std::string protocol_name(unsigned protocol) {
  switch (protocol) {
    case 1:
      return "icmp";
    case 6:
      return "tcp";
    case 17:
      return "udp";
    case 58:
      return "icmpv6";
    default:
      return "proto " + std::to_string(protocol);
  }
}

// "10.0.0.1:22", "[fd00::1]:22"; ICMP has no ports.
std::string end_point(const std::string& address, unsigned port, unsigned protocol) {
  const bool ports = protocol == 6 || protocol == 17;
  const std::string host = address.find(':') != std::string::npos && ports ? "[" + address + "]" : address;
  return ports ? host + ":" + std::to_string(port) : host;
}

std::string utc_time(std::uint64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &parts);
  std::array<char, 8> millis{};
  std::snprintf(millis.data(), millis.size(), ".%03uZ", static_cast<unsigned>(unix_ms % 1000));
  return std::string(text.data()) + millis.data();
}

std::string peer_label(const FlowRecord& flow) {
  return flow.peer_name.empty() ? crypto::encode_base64_key(flow.peer.span()) : flow.peer_name;
}

}  // namespace

FlowsAnswer parse_flows_answer(std::string_view lines) {
  FlowsAnswer answer;
  for (std::size_t n = 1; !lines.empty(); ++n) {
    const auto line = uapi::split_key_value(uapi::take_line(lines));
    if (!line) bad_line("no '='", n);
    const auto [key, value] = *line;
    if (key == "flows") {
      answer.flows = number(value, n);
    } else if (key == "max_flows") {
      answer.max_flows = number(value, n);
    } else if (key == "evictions") {
      answer.evictions = number(value, n);
    } else if (key == "flow") {
      answer.records.emplace_back().origin = value;
    } else if (key.starts_with("rule_")) {
      if (key == "rule_counter") {
        answer.rules.emplace_back().name = value;
        continue;
      }
      if (answer.rules.empty()) bad_line("a rule's counter before rule_counter=", n);
      RuleRecord& rule = answer.rules.back();
      if (key == "rule_action") {
        rule.action = value;
      } else if (key == "rule_flows") {
        rule.flows = number(value, n);
      } else if (key == "rule_packets") {
        rule.packets = number(value, n);
      } else if (key == "rule_bytes") {
        rule.bytes = number(value, n);
      }
    } else {
      if (answer.records.empty()) bad_line("a flow's field before flow=", n);
      FlowRecord& flow = answer.records.back();
      if (key == "public_key") {
        try {
          crypto::decode_hex_key(value, flow.peer.bytes);
        } catch (const crypto::KeyFormatError&) {
          bad_line("a bad key", n);
        }
      } else if (key == "peer_name") {
        flow.peer_name = value;
      } else if (key == "protocol") {
        flow.protocol = static_cast<unsigned>(number(value, n));
      } else if (key == "source") {
        flow.source = value;
      } else if (key == "source_port") {
        flow.source_port = static_cast<unsigned>(number(value, n));
      } else if (key == "destination") {
        flow.destination = value;
      } else if (key == "destination_port") {
        flow.destination_port = static_cast<unsigned>(number(value, n));
      } else if (key == "verdict") {
        flow.verdict = value;
      } else if (key == "rule") {
        flow.rule = value;
      } else if (key == "packets_in") {
        flow.packets_in = number(value, n);
      } else if (key == "bytes_in") {
        flow.bytes_in = number(value, n);
      } else if (key == "packets_out") {
        flow.packets_out = number(value, n);
      } else if (key == "bytes_out") {
        flow.bytes_out = number(value, n);
      } else if (key == "first_seen") {
        flow.first_seen = number(value, n);
      } else if (key == "last_seen") {
        flow.last_seen = number(value, n);
      }
      // Other keys: a newer daemon's; ignored.
    }
  }
  return answer;
}

void keep_peer(FlowsAnswer& answer, std::string_view peer) {
  std::erase_if(answer.records, [&](const FlowRecord& flow) {
    return flow.peer_name != peer && crypto::encode_base64_key(flow.peer.span()) != peer;
  });
}

std::string flow_line(const FlowRecord& flow) {
  std::string line = utc_time(flow.last_seen);
  line.append(" ").append(peer_label(flow)).append(" ");
  line.append(end_point(flow.source, flow.source_port, flow.protocol)).append(" -> ");
  line.append(end_point(flow.destination, flow.destination_port, flow.protocol)).append(" ");
  line.append(protocol_name(flow.protocol)).append(" ").append(flow.origin).append(" ");
  line.append(flow.verdict == "allow" ? "FORWARDED" : "DROPPED").append(" (").append(flow.rule).append(")");
  line.append(" in ").append(std::to_string(flow.packets_in)).append("/").append(std::to_string(flow.bytes_in));
  line.append(" out ").append(std::to_string(flow.packets_out)).append("/").append(std::to_string(flow.bytes_out));
  return line.append(" packets/bytes");
}

std::string flows_text(std::string_view ifname, const FlowsAnswer& answer) {
  std::string out("interface: ");
  out.append(ifname).append(" (").append(std::to_string(answer.flows)).append(" of ");
  out.append(std::to_string(answer.max_flows)).append(" flows, ").append(std::to_string(answer.evictions));
  out.append(" evicted)\n");
  // Oldest first, as a log reads.
  for (auto it = answer.records.rbegin(); it != answer.records.rend(); ++it) out.append(flow_line(*it)).append("\n");
  out.append("rules:\n");
  for (const RuleRecord& rule : answer.rules) {
    out.append("  ").append(rule.name).append(" (").append(rule.action).append("): ");
    out.append(std::to_string(rule.flows)).append(" flows, ").append(std::to_string(rule.packets));
    out.append(" packets, ").append(std::to_string(rule.bytes)).append(" bytes\n");
  }
  return out;
}

nlohmann::ordered_json flows_json(std::string_view ifname, const FlowsAnswer& answer) {
  nlohmann::ordered_json flows = nlohmann::ordered_json::array();
  for (const FlowRecord& flow : answer.records) {
    flows.push_back({{"peer", crypto::encode_base64_key(flow.peer.span())},
                     {"peer_name", flow.peer_name},
                     {"direction", flow.origin},
                     {"protocol", flow.protocol},
                     {"source", flow.source},
                     {"source_port", flow.source_port},
                     {"destination", flow.destination},
                     {"destination_port", flow.destination_port},
                     {"verdict", flow.verdict},
                     {"rule", flow.rule},
                     {"packets_in", flow.packets_in},
                     {"bytes_in", flow.bytes_in},
                     {"packets_out", flow.packets_out},
                     {"bytes_out", flow.bytes_out},
                     {"first_seen_ms", flow.first_seen},
                     {"last_seen_ms", flow.last_seen}});
  }
  nlohmann::ordered_json rules = nlohmann::ordered_json::array();
  for (const RuleRecord& rule : answer.rules) {
    rules.push_back({{"name", rule.name},
                     {"action", rule.action},
                     {"flows", rule.flows},
                     {"packets", rule.packets},
                     {"bytes", rule.bytes}});
  }
  return {{"name", ifname},
          {"flow_count", answer.flows},
          {"max_flows", answer.max_flows},
          {"evictions", answer.evictions},
          {"flows", flows},
          {"rules", rules}};
}

}  // namespace sluice::ctl
