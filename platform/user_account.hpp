// Accounts of the user database, by name.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace sluice::platform {

struct UserIdentity {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;  // the user's primary group
};

// The account `name` from the user database; nothing if there is none.
[[nodiscard]] std::optional<UserIdentity> lookup_user(const std::string& name);

}  // namespace sluice::platform
