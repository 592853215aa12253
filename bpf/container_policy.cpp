#include "bpf/container_policy.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <net/if.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>
#include <optional>
#include <system_error>

#include "bpf/container_policy.skel.h"
#include "bpf/tc_placement.hpp"

namespace sluice::bpf {

namespace {

namespace fs = std::filesystem;

constexpr const char* kPinned[] = {kRulesPin, kConfigPin,      kCountersPin,     kFlowsPin,
                                   kPeersPin, kToContainerPin, kFromContainerPin};

struct SkeletonDeleter {
  void operator()(container_policy_bpf* skeleton) const noexcept { container_policy_bpf__destroy(skeleton); }
};
using Skeleton = std::unique_ptr<container_policy_bpf, SkeletonDeleter>;

std::string pin_path(const std::string& dir, const char* name) { return (fs::path(dir) / name).string(); }

// The pin directory must lie on a bpffs: the nearest existing folder tells.
void require_bpffs(const std::string& pin_dir) {
  fs::path existing = fs::absolute(pin_dir);
  std::error_code error;
  while (!fs::exists(existing, error) && existing.has_parent_path() && existing != existing.parent_path()) {
    existing = existing.parent_path();
  }
  struct statfs info {};
  if (::statfs(existing.c_str(), &info) != 0) throw_bpf_error("cannot inspect " + existing.string(), -errno);
  if (info.f_type != BPF_FS_MAGIC) {
    throw BpfError("no bpffs mounted at " + existing.string() + " (the pin directory " + pin_dir +
                   " must lie on one: mount -t bpf bpf DIR)");
  }
}

platform::UniqueFd open_pinned(const std::string& dir, const char* name) {
  const auto path = pin_path(dir, name);
  const int fd = bpf_obj_get(path.c_str());
  if (fd < 0) throw_bpf_error("cannot open the pinned " + path + (errno == ENOENT ? " (not loaded?)" : ""), -errno);
  return platform::UniqueFd(fd);
}

int interface_index(const std::string& ifname) {
  const unsigned index = if_nametoindex(ifname.c_str());
  return static_cast<int>(index);
}

bpf_tc_hook tc_hook(int ifindex, bpf_tc_attach_point point) {
  bpf_tc_hook hook{};
  hook.sz = sizeof(hook);
  hook.ifindex = ifindex;
  hook.attach_point = point;
  return hook;
}

bpf_tc_opts tc_opts(int prog_fd) {
  bpf_tc_opts opts{};
  opts.sz = sizeof(opts);
  opts.handle = kTcHandle;
  opts.priority = kTcPriority;
  opts.prog_fd = prog_fd;
  opts.flags = prog_fd > 0 ? BPF_TC_F_REPLACE : 0;
  return opts;
}

// What load() pinned, and the directory (left if something else lies in it); false when nothing
// was pinned there. The caller holds the directory's lock.
bool remove_pins(const std::string& pin_dir) {
  bool removed = false;
  for (const char* name : kPinned) {
    const auto path = pin_path(pin_dir, name);
    if (::unlink(path.c_str()) == 0) {
      removed = true;
    } else if (errno != ENOENT) {
      throw_bpf_error("cannot unpin " + path, -errno);
    }
  }
  if (::rmdir(pin_dir.c_str()) != 0 && errno != ENOENT && errno != ENOTEMPTY) {
    throw_bpf_error("cannot remove the pin directory " + pin_dir, -errno);
  }
  return removed;
}

}  // namespace

ContainerPolicy ContainerPolicy::load(const std::string& pin_dir, const std::vector<Rule>& rules, Defaults defaults,
                                      const std::vector<tunnel::IpPrefix>& peers) {
  require_bpffs(pin_dir);
  LibbpfLog log;
  Skeleton skeleton(container_policy_bpf__open());
  if (!skeleton) throw_bpf_error("cannot open the container policy program", -errno, log.tail(5));
  if (const int result = container_policy_bpf__load(skeleton.get()); result != 0) {
    throw_bpf_error("kernel refused the program", result, log.tail(20));
  }
  // Made only now, after the verifier, so that an unpin of leftovers meanwhile cannot remove it
  // before it is locked. The lock is held from the first pin to the rules written: a writer that
  // finds the pins (the mesh agent) waits, and so can neither see half the maps nor write rules
  // this would then overwrite.
  std::error_code made;
  fs::create_directories(pin_dir, made);
  if (made) throw_bpf_error("cannot create the pin directory " + pin_dir, -made.value());
  const platform::DirectoryLock lock(pin_dir);
  if (fs::exists(pin_path(pin_dir, kFlowsPin))) {
    throw BpfError(pin_dir + " already holds a loaded container policy (unpin it first)");
  }
  try {
    for (bpf_map* map : {skeleton->maps.rules, skeleton->maps.policy_config, skeleton->maps.counters,
                         skeleton->maps.flows, skeleton->maps.peers}) {
      const auto path = pin_path(pin_dir, bpf_map__name(map));
      if (const int result = bpf_map__pin(map, path.c_str()); result != 0) {
        throw_bpf_error("cannot pin " + path, result, log.tail(3));
      }
    }
    for (bpf_program* program : {skeleton->progs.sluice_to_container, skeleton->progs.sluice_from_container}) {
      const auto path = pin_path(pin_dir, bpf_program__name(program));
      if (const int result = bpf_program__pin(program, path.c_str()); result != 0) {
        throw_bpf_error("cannot pin " + path, result, log.tail(3));
      }
    }
    auto policy = open(pin_dir);
    policy.maps_.set_rules(lock, rules, defaults, peers);
    return policy;
  } catch (...) {
    remove_pins(pin_dir);
    throw;
  }
}

ContainerPolicy ContainerPolicy::open(const std::string& pin_dir) {
  ContainerPolicy policy(PinnedPolicy::open(pin_dir));
  policy.to_container_ = open_pinned(pin_dir, kToContainerPin);
  policy.from_container_ = open_pinned(pin_dir, kFromContainerPin);
  return policy;
}

void ContainerPolicy::attach(const std::string& ifname) const {
  const int ifindex = interface_index(ifname);
  if (ifindex == 0) throw BpfError(ifname + ": no such interface to attach the container policy to");
  LibbpfLog log;
  auto hook = tc_hook(ifindex, static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
  if (const int result = bpf_tc_hook_create(&hook); result != 0 && result != -EEXIST) {
    throw_bpf_error(ifname + ": cannot add a clsact qdisc", result, log.tail(3));
  }
  auto ingress = tc_hook(ifindex, BPF_TC_INGRESS);
  auto from = tc_opts(from_container_.get());
  if (const int result = bpf_tc_attach(&ingress, &from); result != 0) {
    throw_bpf_error(ifname + ": cannot attach to tc ingress", result, log.tail(3));
  }
  auto egress = tc_hook(ifindex, BPF_TC_EGRESS);
  auto to = tc_opts(to_container_.get());
  if (const int result = bpf_tc_attach(&egress, &to); result != 0) {
    detach(ifname);
    throw_bpf_error(ifname + ": cannot attach to tc egress", result, log.tail(3));
  }
}

void ContainerPolicy::set_rules(const std::vector<Rule>& rules, Defaults defaults,
                                const std::vector<tunnel::IpPrefix>& peers) const {
  maps_.set_rules(rules, defaults, peers);
}

std::vector<Flow> ContainerPolicy::flows() const { return maps_.flows(); }

Counters ContainerPolicy::counters() const { return maps_.counters(); }

std::vector<tunnel::IpPrefix> ContainerPolicy::peers() const { return maps_.peers(); }

bool ContainerPolicy::detach(const std::string& ifname) {
  const int ifindex = interface_index(ifname);
  if (ifindex == 0) return false;
  LibbpfLog log;
  for (const auto point : {BPF_TC_INGRESS, BPF_TC_EGRESS}) {
    auto hook = tc_hook(ifindex, point);
    auto opts = tc_opts(0);
    const int result = bpf_tc_detach(&hook, &opts);
    if (result == -ENODEV) return false;
    if (result != 0 && result != -ENOENT && result != -EINVAL) {
      throw_bpf_error(ifname + ": cannot detach the container policy", result, log.tail(3));
    }
  }
  auto hook = tc_hook(ifindex, static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
  const int result = bpf_tc_hook_destroy(&hook);
  if (result == -ENODEV) return false;
  if (result != 0 && result != -ENOENT && result != -EINVAL) {
    throw_bpf_error(ifname + ": cannot remove the clsact qdisc", result, log.tail(3));
  }
  return true;
}

bool ContainerPolicy::unpin(const std::string& pin_dir) {
  // Under the lock: a writer (the mesh agent) finishes before its maps go.
  std::optional<platform::DirectoryLock> lock;
  try {
    lock.emplace(pin_dir);
  } catch (const std::system_error& e) {
    if (e.code() == std::errc::no_such_file_or_directory) return false;
    throw;
  }
  return remove_pins(pin_dir);
}

}  // namespace sluice::bpf
