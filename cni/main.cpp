// The sluice CNI plugin: the runtime runs it with CNI_COMMAND and friends in the environment and
// the network config on standard input; the result, or the spec's error object with exit status 1,
// goes to standard output.
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include "cni/cni_error.hpp"
#include "cni/invocation.hpp"
#include "cni/plugin_config.hpp"
#include "cni/verbs.hpp"
#include "cni/version.hpp"

namespace {

using sluice::cni::CniError;
using sluice::cni::Command;
using sluice::cni::ErrorCode;
using sluice::cni::Invocation;
using sluice::cni::PluginConfig;

std::string read_standard_input() {
  std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  if (std::cin.bad()) throw CniError(ErrorCode::io_failure, "cannot read the network config from standard input");
  return text;
}

// Runs the verb; what it prints on success, or nothing.
std::optional<nlohmann::json> run(const Invocation& invocation, const PluginConfig& config) {
  const Command command = invocation.command;
  if ((command == Command::status || command == Command::gc) && !sluice::cni::has_status_and_gc(config.cni_version)) {
    throw CniError(ErrorCode::incompatible_version, std::string(sluice::cni::command_name(command)) +
                                                        " needs cniVersion 1.1.0; the network config has " +
                                                        config.cni_version);
  }
  switch (command) {
    case Command::add:
      return sluice::cni::run_add(invocation, config);
    case Command::del:
      sluice::cni::run_del(invocation, config);
      break;
    case Command::check:
      sluice::cni::run_check(invocation, config);
      break;
    case Command::gc:
      sluice::cni::run_gc(config);
      break;
    case Command::status:
      sluice::cni::run_status(config);
      break;
    case Command::version:
      return sluice::cni::version_json();
  }
  return std::nullopt;
}

}  // namespace

int main() {
  const sluice::cni::Environment environment = [](const char* name) { return std::getenv(name); };
  std::string error_version(sluice::cni::kNewestVersion);
  try {
    // VERSION first: it needs nothing else, and a runtime probing it may send no config.
    if (sluice::cni::read_command(environment) == Command::version) {
      std::cout << sluice::cni::version_json().dump() << '\n';
      return 0;
    }
    const std::string input = read_standard_input();
    if (const auto version = sluice::cni::peek_cni_version(input);
        version && sluice::cni::is_supported_version(*version)) {
      error_version = *version;
    }
    const Invocation invocation = sluice::cni::read_invocation(environment);
    const PluginConfig config = sluice::cni::parse_plugin_config(input);
    if (const auto output = run(invocation, config)) std::cout << output->dump() << '\n';
    return 0;
  } catch (const CniError& e) {
    std::cout << sluice::cni::error_json(error_version, e).dump() << '\n';
  } catch (const std::exception& e) {
    std::cout << sluice::cni::error_json(error_version, CniError(ErrorCode::io_failure, e.what())).dump() << '\n';
  }
  return 1;
}
