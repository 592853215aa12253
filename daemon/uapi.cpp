// Dispatch of one control request and the errno line that ends every answer.
#include "daemon/uapi.hpp"

#include <cerrno>

#include "daemon/event_request.hpp"
#include "daemon/log.hpp"
#include "daemon/stats.hpp"
#include "daemon/uapi_answer.hpp"

namespace sluice::daemon {
namespace {

constexpr std::string_view kGet = "get=1\n";
constexpr std::string_view kSet = "set=1\n";
constexpr std::string_view kSetPolicy = "set_policy=1\n";

// wg(8) reads the two answers differently: after a set it takes errno as a negative number
// (`errno = -ret`, as wireguard-go writes it), after a get as a positive one (a minus sign makes
// it report "Protocol error" instead of the real cause). Each answer is written the way wg reads it.
std::string set_status(int error) { return "errno=" + std::to_string(-error) + "\n\n"; }
std::string get_status(int error) { return "errno=" + std::to_string(error) + "\n\n"; }

class GetAnswer final : public PeerSlicesAnswer {
 public:
  GetAnswer(const tunnel::Device& device, std::string head)
      : PeerSlicesAnswer(device, std::move(head), get_status(0)), device_(device) {}

 private:
  bool append_peer(std::string& out, tunnel::Peer* peer) const override {
    const std::vector<tunnel::IpPrefix> prefixes = device_.allowed_ips().prefixes_of(peer);
    if (!room(out, get_peer_bytes(prefixes.size()))) return false;
    append_get_peer(out, *peer, prefixes);
    return true;
  }
  const tunnel::Device& device_;
};

class StatsAnswer final : public PeerSlicesAnswer {
 public:
  StatsAnswer(const tunnel::Device& device, std::string head)
      : PeerSlicesAnswer(device, std::move(head), get_status(0)) {}

 private:
  bool append_peer(std::string& out, tunnel::Peer* peer) const override {
    if (!room(out, kStatsPeerBytes)) return false;
    append_stats_peer(out, *peer);
    return true;
  }
};

std::unique_ptr<ControlAnswer> whole(std::string text) { return std::make_unique<WholeAnswer>(std::move(text)); }

}  // namespace

std::unique_ptr<ControlAnswer> start_request(std::string_view request, UapiTarget& target) {
  if (request.starts_with(kGet)) {
    if (request != "get=1\n\n") {
      Log::warning("control: refused a get request with extra lines");
      return whole(get_status(EINVAL));
    }
    std::string head;
    // Reserved, so that no copy of the private key is left behind by growing.
    head.reserve(kGetInterfaceBytes);
    append_get_interface(head, target.device(), target.listen_port(), target.fwmark());
    return std::make_unique<GetAnswer>(target.device(), std::move(head));
  }
  // Our own request; `wg` never sends it, and get=1 stays exactly what wg expects.
  if (request == "stats=1\n\n") {
    std::string head;
    append_stats_interface(head, target.device(), target.extra_counters());
    return std::make_unique<StatsAnswer>(target.device(), std::move(head));
  }
  if (request == "info=1\n\n") return whole(target.serialize_info() + get_status(0));
  if (request == "routes=1\n\n") return whole(target.sync_routes() + get_status(0));
  if (request == "fdb=1\n\n") return whole(target.serialize_fdb() + get_status(0));
  if (request == "policy=1\n\n") return whole(target.serialize_policy() + get_status(0));
  if (request == "flows=1\n\n") return whole(target.serialize_flows() + get_status(0));
  if (request.starts_with(kSetPolicy)) {
    try {
      return whole(set_status(target.set_policy(uapi::parse_policy_lines(request.substr(kSetPolicy.size())))));
    } catch (const std::invalid_argument& e) {
      Log::warning("control: refused a set_policy request: {}", e.what());
      return whole(set_status(EINVAL));
    }
  }
  if (request.starts_with(kPublishRequest)) {
    const std::optional<Event> event = parse_publish_request(request);
    if (!event) {
      Log::warning("control: refused a malformed publish request");
      return whole(get_status(EINVAL));
    }
    target.publish(*event);
    return whole(get_status(0));
  }
  if (request.starts_with(kSet)) {
    const uapi::SetParse parsed = uapi::parse_set_request(request.substr(kSet.size()));
    if (!parsed.request) {
      Log::warning("control: refused a set request: {}", parsed.problem);
      return whole(set_status(parsed.error));
    }
    return whole(set_status(apply_set_request(*parsed.request, target)));
  }
  // wireguard-go hangs up here; an answer tells a hand-written client what went wrong.
  Log::warning(
      "control: refused a request that is neither get=1, set=1, stats=1, info=1, routes=1, fdb=1, policy=1, "
      "set_policy=1, flows=1 nor publish=1");
  return whole(set_status(EINVAL));
}

std::string handle_request(std::string_view request, UapiTarget& target) {
  const std::unique_ptr<ControlAnswer> answer = start_request(request, target);
  // Parts are gathered first and the whole reserved once, so no growing string leaves a key behind.
  std::vector<std::string> parts;
  for (bool more = true; more;) {
    std::string& part = parts.emplace_back();
    part.reserve(kControlPartBytes);
    more = answer->next(part);
  }
  std::size_t size = 0;
  for (const std::string& part : parts) size += part.size();
  std::string out;
  out.reserve(size);
  for (std::string& part : parts) {
    out.append(part);
    crypto::wipe(part.data(), part.size());
  }
  return out;
}

}  // namespace sluice::daemon
