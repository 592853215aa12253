// `sluicectl import wg0.conf`: a wg-quick configuration turned into the equivalent sluice TOML.
// wg(8) keys map one to one; of wg-quick's own keys, Address and MTU are kept and Table = off /
// auto becomes `routes`; any other Table (a table of its own) is refused. DNS,
// PreUp/PostUp/PreDown/PostDown and SaveConfig have no equivalent: each is dropped with a warning
// naming its line, as is any unknown key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/toml_writer.hpp"

namespace sluice::ctl {

struct ImportResult {
  config::TomlFile config;
  // One line each, "ORIGIN:LINE: KEY: what happened", in file order.
  std::vector<std::string> warnings;
};

// `origin` names the file in messages. A value that cannot be right (a bad key, address or
// number) throws uapi::ControlError "ORIGIN:LINE: KEY: message", never quoting a key.
[[nodiscard]] ImportResult import_wg_quick(std::string_view text, std::string_view origin);

}  // namespace sluice::ctl
