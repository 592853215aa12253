#include "etcd/client.hpp"

#include <nlohmann/json.hpp>
#include <utility>

#include "etcd/codec.hpp"

namespace sluice::etcd {
namespace {

using nlohmann::json;

// A page of get_prefix: small enough for the gateway's message size limit with big values.
constexpr std::int64_t page_size = 1000;

// Runs `decode` on an answer, turning a field of the wrong type into Error(invalid).
template <typename Decode>
auto decoded(const Session& session, Decode&& decode) {
  try {
    return decode();
  } catch (const json::exception& error) {
    throw Error(Error::Kind::invalid, session.endpoint() + ": unexpected answer from etcd: " + error.what());
  }
}

json put_request(std::string_view key, std::string_view value, std::int64_t lease) {
  json put = {{"key", to_base64(key)}, {"value", to_base64(value)}};
  if (lease != 0) put["lease"] = std::to_string(lease);
  return put;
}

}  // namespace

Client::Client(ClientOptions options) : session_(std::move(options)) {}

RangeResult Client::get(std::string_view key) {
  const json answer = session_.call("/v3/kv/range", json{{"key", to_base64(key)}}.dump());
  return decoded(session_, [&] {
    RangeResult result{header_revision(answer), {}};
    for (const json& kv : answer.value("kvs", json::array())) result.kvs.push_back(key_value(kv));
    return result;
  });
}

RangeResult Client::get_prefix(std::string_view prefix) {
  RangeResult result;
  const std::string end = to_base64(prefix_end(prefix));
  std::string start = prefix.empty() ? std::string(1, '\0') : std::string(prefix);
  for (;;) {
    json request = {{"key", to_base64(start)}, {"range_end", end}, {"limit", std::to_string(page_size)}};
    // Later pages read at the first page's revision, so the pages form one consistent view.
    if (result.revision != 0) request["revision"] = std::to_string(result.revision);
    const json answer = session_.call("/v3/kv/range", request.dump());
    const bool more = decoded(session_, [&] {
      if (result.revision == 0) result.revision = header_revision(answer);
      for (const json& kv : answer.value("kvs", json::array())) result.kvs.push_back(key_value(kv));
      return answer.value("more", false);
    });
    if (!more || result.kvs.empty()) return result;
    start = result.kvs.back().key + '\0';  // the next key after the last one held
  }
}

bool Client::put_if(const char* target, const char* field, std::int64_t expected, std::string_view key,
                    std::string_view value, std::int64_t lease) {
  const json request = {
      {"compare",
       json::array(
           {{{"target", target}, {"key", to_base64(key)}, {field, std::to_string(expected)}, {"result", "EQUAL"}}})},
      {"success", json::array({{{"request_put", put_request(key, value, lease)}}})}};
  const json answer = session_.call("/v3/kv/txn", request.dump());
  return decoded(session_, [&] { return answer.value("succeeded", false); });
}

bool Client::create(std::string_view key, std::string_view value, std::int64_t lease) {
  return put_if("CREATE", "create_revision", 0, key, value, lease);
}

bool Client::replace(std::string_view key, std::string_view value, std::int64_t mod_revision, std::int64_t lease) {
  return put_if("MOD", "mod_revision", mod_revision, key, value, lease);
}

std::int64_t Client::put(std::string_view key, std::string_view value, std::int64_t lease) {
  const json answer = session_.call("/v3/kv/put", put_request(key, value, lease).dump());
  return decoded(session_, [&] { return header_revision(answer); });
}

bool Client::remove(std::string_view key) {
  const json answer = session_.call("/v3/kv/deleterange", json{{"key", to_base64(key)}}.dump());
  return decoded(session_, [&] { return int_field(answer, "deleted") > 0; });
}

std::int64_t Client::grant_lease(std::chrono::seconds ttl) {
  const json answer = session_.call("/v3/lease/grant", json{{"TTL", std::to_string(ttl.count())}}.dump());
  return decoded(session_, [&] {
    const std::string error = answer.value("error", "");
    if (!error.empty()) throw Error(Error::Kind::invalid, session_.endpoint() + ": etcd granted no lease: " + error);
    const std::int64_t id = int_field(answer, "ID");
    if (id == 0) throw Error(Error::Kind::invalid, session_.endpoint() + ": etcd's lease grant holds no ID");
    return id;
  });
}

std::int64_t Client::keep_alive(std::int64_t lease) {
  // A stream of one request: the gateway answers {"result": {...}}; no TTL when the lease is gone.
  const json answer = session_.call("/v3/lease/keepalive", json{{"ID", std::to_string(lease)}}.dump());
  return decoded(session_, [&] { return int_field(answer.value("result", json::object()), "TTL"); });
}

std::int64_t Client::time_to_live(std::int64_t lease) {
  const json answer = session_.call("/v3/lease/timetolive", json{{"ID", std::to_string(lease)}}.dump());
  return decoded(session_, [&] { return int_field(answer, "TTL"); });
}

void Client::revoke_lease(std::int64_t lease) {
  try {
    session_.call("/v3/lease/revoke", json{{"ID", std::to_string(lease)}}.dump());
  } catch (const Error& error) {
    if (error.kind() != Error::Kind::invalid ||
        std::string_view(error.what()).find("lease not found") == std::string_view::npos) {
      throw;
    }
  }
}

void Client::compact(std::int64_t revision) {
  try {
    session_.call("/v3/kv/compaction", json{{"revision", std::to_string(revision)}}.dump());
  } catch (const Error& error) {
    if (error.kind() != Error::Kind::compacted) throw;
  }
}

}  // namespace sluice::etcd
