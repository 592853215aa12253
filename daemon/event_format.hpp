// The lines of the event stream, one per Event, each ending in '\n':
//   text: 2026-12-06T19:30:01.123Z wg0 handshake_completed peer=KEY endpoint=10.0.0.2:51820 session=first
//   JSON: {"time":"2026-12-06T19:30:01.123Z","interface":"wg0","event":"handshake_completed","peer":"KEY",...}
// In text a list is comma-joined, a missing value is "none", and a value with a space, a control
// character, '"' or '\' (or an empty one) is double-quoted, with '\' escapes and \xNN for control
// characters; a key ends at the first '=' (base64 keys end in one). JSON has arrays, numbers, null.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "daemon/event.hpp"

namespace sluice::daemon {

// RFC 3339 in UTC with milliseconds: "2026-12-06T19:30:01.123Z".
[[nodiscard]] std::string rfc3339_ms(std::chrono::system_clock::time_point time);

[[nodiscard]] std::string event_text_line(const Event& event, std::string_view ifname);
[[nodiscard]] std::string event_json_line(const Event& event, std::string_view ifname);

}  // namespace sluice::daemon
