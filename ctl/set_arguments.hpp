// `sluicectl set IFNAME ...` takes the words of `wg set`:
//   [listen-port PORT] [fwmark MARK|off] [private-key FILE]
//   [peer PUBKEY [remove] [preshared-key FILE] [endpoint HOST:PORT]
//                [persistent-keepalive SECONDS|off] [allowed-ips PREFIX[,PREFIX...]]]...
// and turns them into one set request, with the same meanings: key files hold one base64 key and
// an empty file (/dev/null) removes the key; allowed-ips replaces the peer's list ("" empties it).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "uapi/set_request.hpp"

namespace sluice::ctl {

// Fills `key` from the file at `path`, all zero for an empty file; throws uapi::ControlError.
using KeyFileReader = std::function<void(const std::string& path, std::span<std::uint8_t, 32> key)>;

// The reader `set` uses: the file's one base64 key, surrounding white space ignored.
void read_key_file(const std::string& path, std::span<std::uint8_t, 32> key);

// Throws uapi::ControlError naming the word that is wrong. Host names in endpoints are resolved here.
[[nodiscard]] uapi::SetRequest parse_set_arguments(const std::vector<std::string>& words,
                                                   const KeyFileReader& read_key);

}  // namespace sluice::ctl
