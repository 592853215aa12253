// Unix stream sockets named by a path, as the control sockets are.
#pragma once

#include <sys/un.h>

#include <filesystem>

namespace sluice::platform {

// The address of `path`; throws std::system_error (ENAMETOOLONG) if it does not fit.
[[nodiscard]] sockaddr_un unix_address(const std::filesystem::path& path);

// Whether something accepts connections on `path` (a running daemon).
[[nodiscard]] bool unix_socket_answers(const std::filesystem::path& path);

}  // namespace sluice::platform
