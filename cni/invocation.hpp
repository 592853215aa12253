// The runtime's half of an invocation that comes through the environment (CNI_COMMAND,
// CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS, CNI_PATH), checked per verb as the spec
// requires: a missing or malformed variable is error 4, naming it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::cni {

enum class Command { add, del, check, version, status, gc };

[[nodiscard]] std::string_view command_name(Command command) noexcept;

struct Invocation {
  Command command = Command::version;
  std::string container_id;  // ADD, CHECK, DEL
  std::string netns;         // ADD, CHECK; optional on DEL (the namespace may be gone)
  std::string ifname;        // ADD, CHECK, DEL
  std::string args;          // CNI_ARGS, passed on untouched
  std::string path;          // CNI_PATH; sluice delegates to no plugin
};

// `getenv` returns the variable's value or nullptr when it is not set (::getenv in the program).
using Environment = std::function<const char*(const char*)>;

// CNI_COMMAND alone: VERSION answers before any other check. Throws CniError(4).
[[nodiscard]] Command read_command(const Environment& getenv);

// Every variable the command needs. Throws CniError(4) naming the variables that are wrong.
[[nodiscard]] Invocation read_invocation(const Environment& getenv);

// The spec's container ID: an alphanumeric, then alphanumerics, '_', '.' or '-'.
[[nodiscard]] bool is_valid_container_id(std::string_view id) noexcept;

}  // namespace sluice::cni
