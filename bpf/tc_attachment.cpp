#include "bpf/tc_attachment.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <net/if.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "bpf/tc_placement.hpp"
#include "platform/unique_fd.hpp"

namespace sluice::bpf {
namespace {

struct Hook {
  const char* program;
  bpf_tc_attach_point point;
  const char* name;
};
constexpr Hook kHooks[] = {{kToContainerPin, BPF_TC_EGRESS, "egress"}, {kFromContainerPin, BPF_TC_INGRESS, "ingress"}};

// The id of the program pinned at `path`, or the reason there is none.
std::optional<__u32> pinned_id(const std::string& path, std::string& why) {
  const platform::UniqueFd fd(bpf_obj_get(path.c_str()));
  if (fd.get() < 0) {
    why = path + " is not pinned: " + std::strerror(errno);
    return std::nullopt;
  }
  bpf_prog_info info{};
  __u32 length = sizeof(info);
  if (const int result = bpf_obj_get_info_by_fd(fd.get(), &info, &length); result != 0) {
    why = "cannot read the program pinned at " + path + ": " + std::strerror(-result);
    return std::nullopt;
  }
  return info.id;
}

// The id of the program on the interface's tc hook, or 0.
__u32 attached_id(int ifindex, bpf_tc_attach_point point) {
  bpf_tc_hook hook{};
  hook.sz = sizeof(hook);
  hook.ifindex = ifindex;
  hook.attach_point = point;
  bpf_tc_opts opts{};
  opts.sz = sizeof(opts);
  opts.handle = kTcHandle;
  opts.priority = kTcPriority;
  return bpf_tc_query(&hook, &opts) == 0 ? opts.prog_id : 0;
}

}  // namespace

std::vector<std::string> tc_attachment_problems(const std::filesystem::path& pin_dir, const std::string& ifname) {
  std::vector<std::string> problems;
  const int ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
  for (const Hook& hook : kHooks) {
    std::string why;
    const auto id = pinned_id((pin_dir / hook.program).string(), why);
    if (!id) {
      problems.push_back("the container policy " + why);
    } else if (ifindex != 0 && attached_id(ifindex, hook.point) != *id) {
      problems.push_back("the container policy pinned at " + pin_dir.string() + " is not attached to " + ifname +
                         "'s tc " + hook.name);
    }
  }
  return problems;
}

}  // namespace sluice::bpf
