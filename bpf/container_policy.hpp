// Loads, pins, attaches and drives bpf/container_policy.bpf.c (issue 24): the policy of one
// container, enforced by tc on the host side of its veth. The program is embedded in the binary
// (a bpftool skeleton), so nothing is read from disk at run time.
//
// Lifetime: load() pins the maps and programs under a bpffs directory (say
// /sys/fs/bpf/sluice/<container id>), where any later process open()s them; attach() hooks them
// to the interface's clsact ingress (packets from the container) and egress (to it). The kernel
// keeps them while they are pinned or attached: detach() and unpin() remove both. Deleting the
// veth detaches by itself.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "bpf/libbpf_call.hpp"
#include "bpf/pinned_policy.hpp"
#include "bpf/policy_rule.hpp"
#include "platform/unique_fd.hpp"

namespace sluice::bpf {

class ContainerPolicy {
 public:
  // Loads the program and pins it under pin_dir (made if missing; it must lie on a bpffs), with
  // these rules (set_rules) written before another writer may see the pins: by default none and
  // both defaults allow, so that it passes everything. Throws BpfError ("no bpffs mounted at
  // ...", "kernel refused the program: ..." with the verifier's last lines, an existing pin),
  // std::invalid_argument for a bad rule (nothing left pinned), and std::system_error when
  // another writer holds the directory's lock.
  static ContainerPolicy load(const std::string& pin_dir, const std::vector<Rule>& rules = {},
                              Defaults defaults = {.to_container = Action::allow,
                                                   .from_container = Action::allow,
                                                   .peers = std::nullopt},
                              const std::vector<tunnel::IpPrefix>& peers = {});
  // What load() pinned under pin_dir. Throws BpfError.
  static ContainerPolicy open(const std::string& pin_dir);

  // Attaches to the interface of that name in the calling thread's network namespace (again is
  // fine: the filters are replaced). Throws BpfError naming the interface.
  void attach(const std::string& ifname) const;
  // Replaces the rules (at most SLUICE_POLICY_MAX_RULES, first match wins), defaults and the
  // peers set (PinnedPolicy::set_rules); zeroes the counters. Existing flows are decided again on
  // their next packet. Throws std::invalid_argument for a bad rule (nothing changed) and BpfError.
  void set_rules(const std::vector<Rule>& rules, Defaults defaults,
                 const std::vector<tunnel::IpPrefix>& peers = {}) const;
  [[nodiscard]] std::vector<Flow> flows() const;
  [[nodiscard]] Counters counters() const;
  [[nodiscard]] std::vector<tunnel::IpPrefix> peers() const;

  // Removes this program's filters and the interface's clsact qdisc (the host side of a container
  // veth is sluice's alone); false when there is no such interface.
  static bool detach(const std::string& ifname);
  // Removes what load() pinned and the directory, under the directory's lock (a writer finishes
  // first); false when nothing was pinned there. Throws BpfError, and std::system_error when
  // another writer holds the lock.
  static bool unpin(const std::string& pin_dir);

 private:
  explicit ContainerPolicy(PinnedPolicy maps) : maps_(std::move(maps)) {}

  PinnedPolicy maps_;  // rules, flows and counters go through it alone
  platform::UniqueFd to_container_;
  platform::UniqueFd from_container_;
};

}  // namespace sluice::bpf
