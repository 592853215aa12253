// Secret keys in files that others can read, as wg-quick warns about its config: the daemon starts
// anyway (the file is the administrator's), but says so once, naming the file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace sluice::platform {

// The warning for `file` when its group or others may read it ("FILE holds a secret key and is
// readable by group or others (mode 0644); chmod 600 FILE"), else nothing; nothing either when it
// cannot be looked at (the loader has read it already, so that is a race not worth a word).
[[nodiscard]] std::optional<std::string> exposed_secret_warning(const std::filesystem::path& file);

}  // namespace sluice::platform
