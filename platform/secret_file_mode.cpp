#include "platform/secret_file_mode.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

namespace sluice::platform {

std::optional<std::string> exposed_secret_warning(const std::filesystem::path& file) {
  struct stat status {};
  if (::stat(file.c_str(), &status) != 0 || (status.st_mode & (S_IRGRP | S_IROTH)) == 0) return std::nullopt;
  return fmt::format("{} holds a secret key and is readable by group or others (mode {:04o}); chmod 600 {}",
                     file.string(), status.st_mode & 07777, file.string());
}

}  // namespace sluice::platform
