// What sluiced says of itself and of its routes: the answers to info=1 and routes=1
// (daemon/uapi_info.hpp), in typed form. Unknown keys are skipped, as in a get answer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/memory.hpp"
#include "uapi/interface_state.hpp"

namespace sluice::ctl {

// A peer whose endpoints sluiced resolves and follows itself.
struct FollowedEndpoints {
  crypto::PublicKey peer;
  std::vector<std::string> names;  // as written
  std::size_t in_use = 0;
};

struct DaemonInfo {
  std::optional<std::filesystem::path> config_file;  // absent: started without one
  bool routes = false;
  std::uint32_t route_table = 0;  // 0: no full tunnel
  std::uint32_t own_fwmark = 0;   // the mark the daemon set for its full tunnel; 0: none
  std::vector<FollowedEndpoints> followed;
};

struct RouteSync {
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> failed;  // one message each
};

// `lines` is the answer without its errno line. A malformed number throws uapi::ControlError.
[[nodiscard]] DaemonInfo parse_info_answer(std::string_view lines);
// The followed endpoints of `info` added to the peers of `state` (uapi::PeerState::endpoint_names).
void add_followed_endpoints(uapi::InterfaceState& state, const DaemonInfo& info);
[[nodiscard]] RouteSync parse_route_answer(std::string_view lines);

}  // namespace sluice::ctl
