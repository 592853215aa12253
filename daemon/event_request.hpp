// Events from other programs into the stream: the request
//   publish=1\nsource=SOURCE\nevent=KIND\n[KEY=VALUE\n]...\n
// (sluice-mesh sends its node and etcd events this way) becomes an Event whose first field is
// `source`, followed by the others in order. Sources, kinds and keys are 1-32 of [a-z0-9_];
// values at most 256 printable characters; at most 16 fields; the stream's own keys (time,
// interface, event) are refused. Answered "errno=0" (or 22) and an empty line.
#pragma once

#include <optional>
#include <string_view>

#include "daemon/event.hpp"

namespace sluice::daemon {

inline constexpr std::string_view kPublishRequest = "publish=1\n";

// The event a publish request describes; nothing when it is malformed.
[[nodiscard]] std::optional<Event> parse_publish_request(std::string_view request);

}  // namespace sluice::daemon
