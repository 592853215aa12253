// Veth pairs across network namespaces, link removal and aliases (RTM_NEWLINK, RTM_DELLINK), for
// the CNI plugin's container links.
#include <net/if.h>
// After <net/if.h>: these pull <linux/if.h>, whose flag names clash with glibc's.
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/socket.h>

#include <array>

#include "platform/rtnetlink.hpp"

namespace sluice::platform {
namespace {

constexpr std::size_t kBufferSize = 1024;

// Starts an RTM_NEWLINK or RTM_DELLINK message that names its link rather than giving an index.
nlmsghdr* named_link_message(void* buffer, std::uint16_t type, const std::string& name) {
  nlmsghdr* header = mnl_nlmsg_put_header(buffer);
  header->nlmsg_type = type;
  static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(header, sizeof(ifinfomsg)))->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(header, IFLA_IFNAME, name.c_str());
  return header;
}

}  // namespace

bool Rtnetlink::create_veth(const std::string& peer, int peer_netns_fd, unsigned mtu) {
  alignas(nlmsghdr) std::array<char, kBufferSize> buffer{};
  nlmsghdr* header = named_link_message(buffer.data(), RTM_NEWLINK, ifname_);
  header->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
  if (mtu != 0) mnl_attr_put_u32(header, IFLA_MTU, mtu);
  nlattr* info = mnl_attr_nest_start(header, IFLA_LINKINFO);
  mnl_attr_put_strz(header, IFLA_INFO_KIND, "veth");
  nlattr* data = mnl_attr_nest_start(header, IFLA_INFO_DATA);
  // The peer is a link message of its own inside the attribute: an ifinfomsg, then its attributes.
  nlattr* peer_info = mnl_attr_nest_start(header, VETH_INFO_PEER);
  static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(header, sizeof(ifinfomsg)))->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(header, IFLA_IFNAME, peer.c_str());
  if (mtu != 0) mnl_attr_put_u32(header, IFLA_MTU, mtu);
  mnl_attr_put_u32(header, IFLA_NET_NS_FD, static_cast<std::uint32_t>(peer_netns_fd));
  mnl_attr_nest_end(header, peer_info);
  mnl_attr_nest_end(header, data);
  mnl_attr_nest_end(header, info);
  return request(header, "create veth pair with " + peer);
}

bool Rtnetlink::delete_link() {
  alignas(nlmsghdr) std::array<char, kBufferSize> buffer{};
  return request(named_link_message(buffer.data(), RTM_DELLINK, ifname_), "remove the link");
}

void Rtnetlink::set_alias(const std::string& alias) {
  alignas(nlmsghdr) std::array<char, kBufferSize> buffer{};
  link_message(buffer.data());
  mnl_attr_put_strz(reinterpret_cast<nlmsghdr*>(buffer.data()), IFLA_IFALIAS, alias.c_str());
  request(buffer.data(), "set alias \"" + alias + "\"");
}

}  // namespace sluice::platform
