// Writes a configuration in the TOML form config/config_file.hpp reads: what `sluicectl import`
// and `export` print. The values are the model's own (config/settings.hpp); the writer only
// quotes and lays them out, with the comments a reader of the file needs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"
#include "crypto/secret_text.hpp"

namespace sluice::config {

// A configuration to write, and what a reader of the file needs beside its values.
struct TomlFile {
  InterfaceSettings settings;
  std::vector<std::string> header;  // comment lines at the top of the file, without '#'
  // Written instead of the private key, or of each preshared key, when there is one: why the key
  // is not printed.
  std::optional<std::string> private_key_note;
  std::optional<std::string> preshared_key_note;
  std::optional<std::string> routes_note;  // a comment line above `routes`
  bool routes_known = true;                // false: no `routes` line (the note says why)
};

// A TOML basic string: quoted, with '"', '\' and control characters escaped.
[[nodiscard]] std::string toml_string(std::string_view text);

// Keys are written in base64 straight into the result, which is wiped when it goes. A listen
// port or fwmark of 0 and an aging of 300 s (the defaults) are left out; an endpoint is written
// as the file had it (`endpoint_text`), a host name as a name.
[[nodiscard]] crypto::SecretText write_toml(const TomlFile& file);

}  // namespace sluice::config
