// Replacing a small file so that readers see the old contents or the new, never a part: the
// text goes to a temporary file beside it, is synced, then renamed over it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string_view>

namespace sluice::mesh {

// Creates the missing folders of `path` (0755 less the umask) and gives the file exactly `mode`.
// Throws std::system_error whose message names the path, with errno's text:
// "cannot write /run/flannel/subnet.env: Permission denied". No temporary file is left behind.
void write_file_atomically(const std::filesystem::path& path, std::string_view text, mode_t mode);

}  // namespace sluice::mesh
