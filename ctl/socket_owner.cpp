#include "ctl/socket_owner.hpp"

#include <dirent.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <string>

#include "platform/unique_fd.hpp"
#include "uapi/error.hpp"

namespace sluice::ctl {
namespace {

[[noreturn]] void fail(const char* what, int error) {
  throw uapi::ControlError(
      std::string("cannot find the daemon's process: ").append(what).append(": ").append(std::strerror(error)));
}

// The inode of the socket at the other end of `inode`, from NETLINK_SOCK_DIAG.
ino_t peer_inode(ino_t inode) {
  const platform::UniqueFd socket(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (!socket.valid()) fail("socket diagnostics", errno);
  const int fd = socket.get();

  struct {
    nlmsghdr header;
    unix_diag_req request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST;
  message.request.sdiag_family = AF_UNIX;
  message.request.udiag_states = ~0U;
  message.request.udiag_ino = static_cast<std::uint32_t>(inode);
  message.request.udiag_show = UDIAG_SHOW_PEER;
  // "No cookie": look the socket up by inode alone.
  message.request.udiag_cookie[0] = message.request.udiag_cookie[1] = ~0U;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    fail("socket diagnostics", errno);
  }

  alignas(nlmsghdr) std::array<char, 8192> answer{};
  // The kernel answers a netlink request at once; MSG_DONTWAIT is only a guard against a hang.
  const ssize_t n = ::recv(fd, answer.data(), answer.size(), MSG_DONTWAIT);
  if (n < 0) fail("socket diagnostics", errno);
  const auto* header = reinterpret_cast<const nlmsghdr*>(answer.data());
  if (!NLMSG_OK(header, static_cast<unsigned>(n))) fail("socket diagnostics", EPROTO);
  if (header->nlmsg_type == NLMSG_ERROR) {
    const auto* error = static_cast<const nlmsgerr*>(NLMSG_DATA(header));
    fail("socket diagnostics", -error->error);
  }
  const auto* reply = static_cast<const unix_diag_msg*>(NLMSG_DATA(header));
  int left = static_cast<int>(header->nlmsg_len - NLMSG_LENGTH(sizeof *reply));
  for (auto* attribute = reinterpret_cast<const rtattr*>(reply + 1); RTA_OK(attribute, left);
       attribute = RTA_NEXT(attribute, left)) {
    if (attribute->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(attribute) >= sizeof(std::uint32_t)) {
      std::uint32_t peer = 0;
      std::memcpy(&peer, RTA_DATA(attribute), sizeof peer);
      return peer;
    }
  }
  fail("socket diagnostics", ENOTCONN);
}

bool holds_socket(const std::string& pid, const std::string& link_text) {
  const std::string fd_dir = std::string("/proc/").append(pid).append("/fd");
  const std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(fd_dir.c_str()), ::closedir);
  if (!dir) return false;  // gone meanwhile, or not ours to look at
  std::array<char, 64> target{};
  while (const dirent* entry = ::readdir(dir.get())) {
    const std::string path = std::string(fd_dir).append("/").append(entry->d_name);
    const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n > 0 && std::string_view(target.data(), static_cast<std::size_t>(n)) == link_text) return true;
  }
  return false;
}

}  // namespace

pid_t socket_peer_process(int fd) {
  struct stat own {};
  if (::fstat(fd, &own) != 0) fail("fstat", errno);
  const std::string link_text = std::string("socket:[").append(std::to_string(peer_inode(own.st_ino))).append("]");

  const std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
  if (!proc) fail("/proc", errno);
  const pid_t self = ::getpid();
  while (const dirent* entry = ::readdir(proc.get())) {
    pid_t pid = 0;
    const std::string_view name(entry->d_name);
    const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (error != std::errc{} || end != name.data() + name.size() || pid == self) continue;
    if (holds_socket(entry->d_name, link_text)) return pid;
  }
  throw uapi::ControlError("cannot find the daemon's process: no process holds the control connection (not root?)");
}

}  // namespace sluice::ctl
