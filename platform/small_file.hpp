// Reading a whole small file (a config or a key file) with the errno text on failure.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace sluice::platform {

// The buffer is allocated once at `limit` + 1 bytes and never grows, so a secret read into it is
// never left behind in a freed reallocation; the caller wipes the result. Throws std::system_error
// (EFBIG when the file is larger than `limit`); the error names no path, the caller adds it.
[[nodiscard]] std::string read_small_file(const std::filesystem::path& path, std::size_t limit);

}  // namespace sluice::platform
