#include "cni/result.hpp"

#include "cni/cni_error.hpp"
#include "cni/version.hpp"

namespace sluice::cni {
namespace {

using nlohmann::json;
using tunnel::IpAddress;
using tunnel::IpPrefix;

[[noreturn]] void invalid(const std::string& what) { throw CniError(ErrorCode::invalid_config, "prevResult: " + what); }

std::string string_at(const json& object, const char* key, const std::string& where, bool required) {
  const auto it = object.find(key);
  if (it == object.end()) {
    if (required) invalid(where + " has no \"" + key + "\"");
    return {};
  }
  if (!it->is_string()) invalid(where + "." + key + " must be a string, not " + it->dump());
  return it->get<std::string>();
}

template <typename T>
T parse_text(const std::string& text, const std::string& where) {
  try {
    return T::parse(text);
  } catch (const std::invalid_argument& e) {
    invalid(where + ": " + e.what());
  }
}

const json& array_at(const json& result, const char* key) {
  static const json empty = json::array();
  const auto it = result.find(key);
  if (it == result.end()) return empty;
  if (!it->is_array()) invalid(std::string("\"") + key + "\" must be an array, not " + it->dump());
  return *it;
}

json ip_json(const ResultIp& ip, std::size_t interface_offset, bool with_version) {
  json entry;
  if (with_version) entry["version"] = ip.address.family() == tunnel::IpFamily::v4 ? "4" : "6";
  entry["address"] = ip.address.to_string();
  if (ip.gateway) entry["gateway"] = ip.gateway->to_string();
  if (ip.interface) entry["interface"] = *ip.interface + interface_offset;
  return entry;
}

// An ips entry in `cni_version`'s form: 0.4.0 needs "version", 1.x must not have it.
json converted_ip(json entry, bool with_version) {
  if (!with_version) {
    entry.erase("version");
  } else if (!entry.contains("version") && entry.contains("address") && entry["address"].is_string()) {
    const auto address = parse_text<IpPrefix>(entry["address"].get<std::string>(), "ips.address");
    entry["version"] = address.family() == tunnel::IpFamily::v4 ? "4" : "6";
  }
  return entry;
}

}  // namespace

json result_json(const Result& result, std::string_view cni_version) {
  return append_result(json::object(), result, cni_version);
}

Result parse_result(const json& json_result) {
  if (!json_result.is_object()) invalid("must be an object");
  Result result;
  for (const json& entry : array_at(json_result, "interfaces")) {
    if (!entry.is_object()) invalid("interfaces entry " + entry.dump() + " is not an object");
    result.interfaces.push_back({string_at(entry, "name", "interfaces entry", true),
                                 string_at(entry, "mac", "interfaces entry", false),
                                 string_at(entry, "sandbox", "interfaces entry", false)});
  }
  for (const json& entry : array_at(json_result, "ips")) {
    if (!entry.is_object()) invalid("ips entry " + entry.dump() + " is not an object");
    ResultIp ip{parse_text<IpPrefix>(string_at(entry, "address", "ips entry", true), "ips.address"), {}, {}};
    if (const std::string gateway = string_at(entry, "gateway", "ips entry", false); !gateway.empty()) {
      ip.gateway = parse_text<IpAddress>(gateway, "ips.gateway");
    }
    if (const auto it = entry.find("interface"); it != entry.end()) {
      if (!it->is_number_unsigned() || it->get<std::size_t>() >= result.interfaces.size()) {
        invalid("ips entry " + entry.dump() + " names no interface of the result");
      }
      ip.interface = it->get<std::size_t>();
    }
    result.ips.push_back(ip);
  }
  for (const json& entry : array_at(json_result, "routes")) {
    if (!entry.is_object()) invalid("routes entry " + entry.dump() + " is not an object");
    ResultRoute route{parse_text<IpPrefix>(string_at(entry, "dst", "routes entry", true), "routes.dst"), {}};
    if (const std::string gw = string_at(entry, "gw", "routes entry", false); !gw.empty()) {
      route.gw = parse_text<IpAddress>(gw, "routes.gw");
    }
    result.routes.push_back(route);
  }
  if (const auto it = json_result.find("dns"); it != json_result.end()) {
    if (!it->is_object()) invalid("\"dns\" must be an object, not " + it->dump());
    result.dns = *it;
  }
  return result;
}

json append_result(const json& prev_result, const Result& ours, std::string_view cni_version) {
  // Validates prevResult (and its interface indexes) before anything is built on it.
  (void)parse_result(prev_result);
  const bool with_version = is_pre_1_0(cni_version);
  json interfaces = array_at(prev_result, "interfaces");
  const std::size_t offset = interfaces.size();
  for (const ResultInterface& interface : ours.interfaces) {
    json entry{{"name", interface.name}};
    if (!interface.mac.empty()) entry["mac"] = interface.mac;
    if (!interface.sandbox.empty()) entry["sandbox"] = interface.sandbox;
    interfaces.push_back(entry);
  }
  json ips = json::array();
  for (const json& entry : array_at(prev_result, "ips")) ips.push_back(converted_ip(entry, with_version));
  for (const ResultIp& ip : ours.ips) ips.push_back(ip_json(ip, offset, with_version));
  json routes = array_at(prev_result, "routes");
  for (const ResultRoute& route : ours.routes) {
    json entry{{"dst", route.dst.to_string()}};
    if (route.gw) entry["gw"] = route.gw->to_string();
    routes.push_back(entry);
  }
  json result = prev_result;
  result["cniVersion"] = cni_version;
  result["interfaces"] = interfaces;
  result["ips"] = ips;
  result["routes"] = routes;
  const auto dns = prev_result.find("dns");
  result["dns"] = dns != prev_result.end() && !dns->empty() ? *dns : ours.dns;
  return result;
}

}  // namespace sluice::cni
