#include "mesh/masquerade.hpp"

#include <chrono>
#include <stdexcept>
#include <system_error>

#include "platform/run_program.hpp"

namespace sluice::mesh {
namespace {

// iptables waits up to 5 s for another holder of the xtables lock; this bounds it beyond that.
constexpr std::chrono::milliseconds kLimit{10'000};

platform::ProgramOutcome run(const std::string& program, std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), {"-w", "5", "-t", "nat"});
  try {
    return platform::run_program(program, arguments, kLimit);
  } catch (const std::system_error& e) {
    throw std::runtime_error("cannot run " + program + " for ip_masq (is iptables installed?): " + e.code().message());
  }
}

void must(const std::string& program, const std::vector<std::string>& arguments, const std::string& doing) {
  const platform::ProgramOutcome outcome = run(program, arguments);
  if (!outcome.succeeded()) {
    throw std::runtime_error("ip_masq: cannot " + doing + " with " + program + ": " + outcome.failure_text(program));
  }
}

const std::vector<std::string> kJump{"POSTROUTING",   "-m", "comment", "--comment", "sluice-mesh masquerade", "-j",
                                     kMasqueradeChain};

std::vector<std::string> with(std::string command, const std::vector<std::string>& arguments) {
  std::vector<std::string> all{std::move(command)};
  all.insert(all.end(), arguments.begin(), arguments.end());
  return all;
}

}  // namespace

void apply_masquerade(const std::vector<MasqueradeRules>& families) {
  for (const MasqueradeRules& family : families) {
    // -N fails when the chain exists, which is what a restarted agent finds: -F then empties it.
    run(family.program, {"-N", kMasqueradeChain});
    must(family.program, {"-F", kMasqueradeChain}, "empty chain " + std::string(kMasqueradeChain));
    for (const std::vector<std::string>& rule : family.rules) {
      must(family.program, with("-A", with(kMasqueradeChain, rule)), "add a rule to " + std::string(kMasqueradeChain));
    }
    if (!run(family.program, with("-C", kJump)).succeeded()) {
      must(family.program, with("-A", kJump), "make POSTROUTING jump to " + std::string(kMasqueradeChain));
    }
  }
}

void remove_masquerade() {
  for (const std::string program : {"iptables", "ip6tables"}) {
    // One jump is all apply_masquerade makes; a few more cover a hand-made copy or two.
    for (int i = 0; i < 8 && run(program, with("-D", kJump)).succeeded(); ++i) {}
    if (!run(program, {"-F", kMasqueradeChain}).succeeded()) continue;  // no such chain
    must(program, {"-X", kMasqueradeChain}, "remove chain " + std::string(kMasqueradeChain));
  }
}

}  // namespace sluice::mesh
