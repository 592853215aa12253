#include "cni/invocation.hpp"

#include <array>
#include <cctype>
#include <stdexcept>
#include <utility>
#include <vector>

#include "cni/cni_error.hpp"
#include "platform/interface_name.hpp"

namespace sluice::cni {
namespace {

constexpr std::array<std::pair<std::string_view, Command>, 6> kCommands = {{
    {"ADD", Command::add},
    {"DEL", Command::del},
    {"CHECK", Command::check},
    {"VERSION", Command::version},
    {"STATUS", Command::status},
    {"GC", Command::gc},
}};

bool is_alnum(char c) noexcept { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Collects every problem, so one error names all the variables to fix.
class Problems {
 public:
  void add(std::string problem) { problems_.push_back(std::move(problem)); }
  void throw_if_any() const {
    if (problems_.empty()) return;
    std::string msg;
    for (const auto& problem : problems_) msg += (msg.empty() ? "" : "; ") + problem;
    throw CniError(ErrorCode::invalid_environment, msg);
  }

 private:
  std::vector<std::string> problems_;
};

std::string value_of(const Environment& getenv, const char* name) {
  const char* value = getenv(name);
  return value == nullptr ? std::string{} : std::string(value);
}

}  // namespace

std::string_view command_name(Command command) noexcept {
  for (const auto& [name, value] : kCommands) {
    if (value == command) return name;
  }
  return "?";
}

bool is_valid_container_id(std::string_view id) noexcept {
  if (id.empty() || !is_alnum(id.front())) return false;
  for (const char c : id) {
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

Command read_command(const Environment& getenv) {
  const std::string text = value_of(getenv, "CNI_COMMAND");
  if (text.empty()) throw CniError(ErrorCode::invalid_environment, "CNI_COMMAND is not set");
  for (const auto& [name, command] : kCommands) {
    if (name == text) return command;
  }
  throw CniError(ErrorCode::invalid_environment,
                 "CNI_COMMAND=" + text + " is not one of ADD, DEL, CHECK, VERSION, STATUS, GC");
}

Invocation read_invocation(const Environment& getenv) {
  Invocation invocation;
  invocation.command = read_command(getenv);
  invocation.args = value_of(getenv, "CNI_ARGS");
  invocation.path = value_of(getenv, "CNI_PATH");
  const Command command = invocation.command;
  const bool per_container = command == Command::add || command == Command::check || command == Command::del;
  if (!per_container) return invocation;

  Problems problems;
  invocation.container_id = value_of(getenv, "CNI_CONTAINERID");
  if (invocation.container_id.empty()) {
    problems.add("CNI_CONTAINERID is not set");
  } else if (!is_valid_container_id(invocation.container_id)) {
    problems.add("CNI_CONTAINERID=" + invocation.container_id +
                 " must start with a letter or digit, followed by letters, digits, '_', '.' or '-'");
  }
  invocation.ifname = value_of(getenv, "CNI_IFNAME");
  if (invocation.ifname.empty()) {
    problems.add("CNI_IFNAME is not set");
  } else {
    try {
      platform::validate_interface_name(invocation.ifname);
    } catch (const std::invalid_argument& e) {
      problems.add("CNI_IFNAME=" + invocation.ifname + ": " + e.what());
    }
  }
  invocation.netns = value_of(getenv, "CNI_NETNS");
  if (invocation.netns.empty()) {
    if (command != Command::del) problems.add("CNI_NETNS is not set");
  } else if (invocation.netns.front() != '/') {
    problems.add("CNI_NETNS=" + invocation.netns + " is not an absolute path");
  }
  problems.throw_if_any();
  return invocation;
}

}  // namespace sluice::cni
