// Dispatch of one control request and the errno line that ends every answer.
#include "daemon/uapi.hpp"

#include <cerrno>

#include "daemon/log.hpp"
#include "daemon/stats.hpp"

namespace sluice::daemon {
namespace {

constexpr std::string_view kGet = "get=1\n";
constexpr std::string_view kSet = "set=1\n";

// wg(8) reads the two answers differently: after a set it takes errno as a negative number
// (`errno = -ret`, as wireguard-go writes it), after a get as a positive one (a minus sign makes
// it report "Protocol error" instead of the real cause). Each answer is written the way wg reads it.
std::string set_status(int error) { return "errno=" + std::to_string(-error) + "\n\n"; }
std::string get_status(int error) { return "errno=" + std::to_string(error) + "\n\n"; }

}  // namespace

std::string handle_request(std::string_view request, UapiTarget& target) {
  if (request.starts_with(kGet)) {
    if (request != "get=1\n\n") {
      Log::warning("control: refused a get request with extra lines");
      return get_status(EINVAL);
    }
    std::string answer = serialize_get(target.device(), target.listen_port(), target.fwmark());
    answer.append(get_status(0));
    return answer;
  }
  // Our own request; `wg` never sends it, and get=1 stays exactly what wg expects.
  if (request == "stats=1\n\n") {
    std::string answer = serialize_stats(target.device(), target.extra_counters());
    answer.append(get_status(0));
    return answer;
  }
  if (request == "info=1\n\n") {
    std::string answer = target.serialize_info();
    answer.append(get_status(0));
    return answer;
  }
  if (request == "routes=1\n\n") {
    std::string answer = target.sync_routes();
    answer.append(get_status(0));
    return answer;
  }
  if (request == "fdb=1\n\n") {
    std::string answer = target.serialize_fdb();
    answer.append(get_status(0));
    return answer;
  }
  if (request.starts_with(kSet)) {
    const uapi::SetParse parsed = uapi::parse_set_request(request.substr(kSet.size()));
    if (!parsed.request) {
      Log::warning("control: refused a set request: {}", parsed.problem);
      return set_status(parsed.error);
    }
    return set_status(apply_set_request(*parsed.request, target));
  }
  // wireguard-go hangs up here; an answer tells a hand-written client what went wrong.
  Log::warning("control: refused a request that is neither get=1, set=1, stats=1, info=1, routes=1 nor fdb=1");
  return set_status(EINVAL);
}

}  // namespace sluice::daemon
