#include "platform/rtnetlink.hpp"

#include <net/if.h>
// After <net/if.h>: these pull <linux/if.h>, whose flag names clash with glibc's.
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/ipv6_route.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>

#include "platform/os_error.hpp"

namespace sluice::platform {
namespace {

// Requests are a few attributes; answers are one ack (or error) message.
constexpr std::size_t kBufferSize = 8192;

struct SocketCloser {
  void operator()(mnl_socket* socket) const noexcept { mnl_socket_close(socket); }
};

int family_of(const tunnel::IpPrefix& prefix) { return prefix.address().is_v4() ? AF_INET : AF_INET6; }

}  // namespace

Rtnetlink::Rtnetlink(std::string ifname) : ifname_(std::move(ifname)) {}

unsigned Rtnetlink::index() const {
  const unsigned idx = ::if_nametoindex(ifname_.c_str());
  if (idx == 0) platform::throw_os_error(ifname_ + ": no such interface");
  return idx;
}

bool Rtnetlink::request(void* message, const std::string& what, int (*answer)(const nlmsghdr*, void*), void* data) {
  auto* header = static_cast<nlmsghdr*>(message);
  const std::unique_ptr<mnl_socket, SocketCloser> socket(mnl_socket_open(NETLINK_ROUTE));
  if (!socket) platform::throw_os_error(ifname_ + ": cannot open rtnetlink socket to " + what);
  if (mnl_socket_bind(socket.get(), 0, MNL_SOCKET_AUTOPID) < 0) platform::throw_os_error(ifname_ + ": cannot " + what);
  header->nlmsg_seq = 1;
  header->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  if (mnl_socket_sendto(socket.get(), header, header->nlmsg_len) < 0)
    platform::throw_os_error(ifname_ + ": cannot " + what);
  alignas(nlmsghdr) std::array<char, kBufferSize> buffer{};
  const ssize_t n = mnl_socket_recvfrom(socket.get(), buffer.data(), buffer.size());
  if (n < 0) platform::throw_os_error(ifname_ + ": cannot " + what);
  if (mnl_cb_run(buffer.data(), static_cast<size_t>(n), 1, mnl_socket_get_portid(socket.get()), answer, data) < 0) {
    const auto type = header->nlmsg_type;
    if (errno == EEXIST && (type == RTM_NEWROUTE || type == RTM_NEWRULE || type == RTM_NEWLINK)) return false;
    if ((errno == ESRCH || errno == ENOENT) && (type == RTM_DELROUTE || type == RTM_DELRULE)) return false;
    if (errno == EADDRNOTAVAIL && type == RTM_DELADDR) return false;
    if (errno == ENODEV && (type == RTM_DELLINK || type == RTM_GETLINK)) return false;
    platform::throw_os_error(ifname_ + ": cannot " + what);
  }
  return true;
}

ifinfomsg* Rtnetlink::link_message(void* buffer) {
  nlmsghdr* header = mnl_nlmsg_put_header(buffer);
  header->nlmsg_type = RTM_NEWLINK;
  auto* link = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(header, sizeof(ifinfomsg)));
  link->ifi_family = AF_UNSPEC;
  link->ifi_index = static_cast<int>(index());
  return link;
}

void Rtnetlink::set_up() {
  alignas(nlmsghdr) std::array<char, kBufferSize> buffer{};
  ifinfomsg* link = link_message(buffer.data());
  link->ifi_flags = IFF_UP;
  link->ifi_change = IFF_UP;
  request(buffer.data(), "set the link up");
}

void Rtnetlink::set_mtu(unsigned mtu) {
  alignas(nlmsghdr) std::array<char, kBufferSize> buffer{};
  link_message(buffer.data());
  mnl_attr_put_u32(reinterpret_cast<nlmsghdr*>(buffer.data()), IFLA_MTU, mtu);
  request(buffer.data(), "set MTU " + std::to_string(mtu));
}

nlmsghdr* Rtnetlink::address_message(void* buffer, std::uint16_t type, const tunnel::IpPrefix& address) {
  nlmsghdr* header = mnl_nlmsg_put_header(buffer);
  header->nlmsg_type = type;
  auto* addr = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(header, sizeof(ifaddrmsg)));
  addr->ifa_family = static_cast<unsigned char>(family_of(address));
  addr->ifa_prefixlen = static_cast<unsigned char>(address.cidr());
  addr->ifa_scope = RT_SCOPE_UNIVERSE;
  addr->ifa_index = index();
  const auto bytes = address.address().bytes();
  mnl_attr_put(header, IFA_LOCAL, bytes.size(), bytes.data());
  mnl_attr_put(header, IFA_ADDRESS, bytes.size(), bytes.data());
  return header;
}

void Rtnetlink::add_address(const tunnel::IpPrefix& address, bool skip_dad) {
  alignas(nlmsghdr) std::array<char, kBufferSize> buffer{};
  nlmsghdr* header = address_message(buffer.data(), RTM_NEWADDR, address);
  header->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
  if (skip_dad) static_cast<ifaddrmsg*>(mnl_nlmsg_get_payload(header))->ifa_flags = IFA_F_NODAD;
  request(header, "add address " + address.to_string());
}

bool Rtnetlink::delete_address(const tunnel::IpPrefix& address) {
  alignas(nlmsghdr) std::array<char, kBufferSize> buffer{};
  return request(address_message(buffer.data(), RTM_DELADDR, address), "remove address " + address.to_string());
}

namespace {

// A route message for `destination` through interface `index` in `table`.
nlmsghdr* route_message(void* buffer, std::uint16_t type, const tunnel::IpPrefix& destination, std::uint32_t table,
                        unsigned index) {
  nlmsghdr* header = mnl_nlmsg_put_header(buffer);
  header->nlmsg_type = type;
  auto* route = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(header, sizeof(rtmsg)));
  route->rtm_family = static_cast<unsigned char>(family_of(destination));
  route->rtm_dst_len = static_cast<unsigned char>(destination.cidr());
  // Tables above 255 exist only as the attribute.
  route->rtm_table = static_cast<unsigned char>(table < 256 ? table : std::uint32_t{RT_TABLE_UNSPEC});
  mnl_attr_put_u32(header, RTA_TABLE, table);
  const auto bytes = destination.address().bytes();
  if (destination.cidr() > 0) mnl_attr_put(header, RTA_DST, bytes.size(), bytes.data());
  mnl_attr_put_u32(header, RTA_OIF, index);
  // IPv6 routes differ by metric, and a deletion without one takes whichever comes first, say the
  // kernel's route of the interface's own subnet (metric 256): name the one user routes get.
  if (!destination.address().is_v4()) mnl_attr_put_u32(header, RTA_PRIORITY, IP6_RT_PRIO_USER);
  return header;
}

int read_oif(const nlmsghdr* message, void* data) {
  mnl_attr_parse(
      message, sizeof(rtmsg),
      [](const nlattr* attribute, void* oif) {
        if (mnl_attr_get_type(attribute) == RTA_OIF && mnl_attr_validate(attribute, MNL_TYPE_U32) == 0) {
          *static_cast<unsigned*>(oif) = mnl_attr_get_u32(attribute);
        }
        return MNL_CB_OK;
      },
      data);
  return MNL_CB_OK;
}

}  // namespace

bool Rtnetlink::add_route(const tunnel::IpPrefix& destination, std::uint32_t table) {
  return new_route(destination, std::nullopt, table);
}

bool Rtnetlink::add_route_via(const tunnel::IpPrefix& destination, const tunnel::IpAddress& gateway,
                              std::uint32_t table) {
  return new_route(destination, gateway, table);
}

bool Rtnetlink::new_route(const tunnel::IpPrefix& destination, const std::optional<tunnel::IpAddress>& gateway,
                          std::uint32_t table) {
  const tunnel::IpPrefix masked = destination.masked();
  alignas(nlmsghdr) std::array<char, kBufferSize> buffer{};
  nlmsghdr* header = route_message(buffer.data(), RTM_NEWROUTE, masked, table, index());
  header->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
  auto* route = static_cast<rtmsg*>(mnl_nlmsg_get_payload(header));
  route->rtm_protocol = RTPROT_BOOT;
  route->rtm_scope = gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
  route->rtm_type = RTN_UNICAST;
  std::string what = "add route " + masked.to_string();
  if (gateway) {
    route->rtm_flags = RTNH_F_ONLINK;
    const auto bytes = gateway->bytes();
    mnl_attr_put(header, RTA_GATEWAY, bytes.size(), bytes.data());
    what += " via " + gateway->to_string();
  }
  if (table != kMainTable) what += " to table " + std::to_string(table);
  return request(header, what);
}

bool Rtnetlink::delete_route(const tunnel::IpPrefix& destination, std::uint32_t table) {
  const tunnel::IpPrefix masked = destination.masked();
  alignas(nlmsghdr) std::array<char, kBufferSize> buffer{};
  nlmsghdr* header = route_message(buffer.data(), RTM_DELROUTE, masked, table, index());
  // Any scope, protocol and type: the prefix, table and device name the route.
  static_cast<rtmsg*>(mnl_nlmsg_get_payload(header))->rtm_scope = RT_SCOPE_NOWHERE;
  const std::string in_table = table == kMainTable ? "" : " from table " + std::to_string(table);
  return request(header, "remove route " + masked.to_string() + in_table);
}

bool Rtnetlink::routes_through(const tunnel::IpAddress& address) {
  alignas(nlmsghdr) std::array<char, kBufferSize> buffer{};
  nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
  header->nlmsg_type = RTM_GETROUTE;
  auto* route = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(header, sizeof(rtmsg)));
  const auto bytes = address.bytes();
  route->rtm_family = static_cast<unsigned char>(address.is_v4() ? AF_INET : AF_INET6);
  route->rtm_dst_len = static_cast<unsigned char>(bytes.size() * 8);
  mnl_attr_put(header, RTA_DST, bytes.size(), bytes.data());
  unsigned oif = 0;
  try {
    request(header, "look up the route to " + address.to_string(), read_oif, &oif);
  } catch (const std::system_error& e) {
    // No route at all (ENETUNREACH and the like) is an answer too.
    if (e.code().value() == ENETUNREACH || e.code().value() == EHOSTUNREACH) return false;
    throw;
  }
  return oif == index();
}

bool Rtnetlink::create_bridge() {
  alignas(nlmsghdr) std::array<char, kBufferSize> buffer{};
  nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
  header->nlmsg_type = RTM_NEWLINK;
  header->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
  auto* link = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(header, sizeof(ifinfomsg)));
  link->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(header, IFLA_IFNAME, ifname_.c_str());
  nlattr* info = mnl_attr_nest_start(header, IFLA_LINKINFO);
  mnl_attr_put_strz(header, IFLA_INFO_KIND, "bridge");
  mnl_attr_nest_end(header, info);
  return request(header, "create bridge");
}

void Rtnetlink::set_master(const std::string& master) {
  const unsigned master_index = ::if_nametoindex(master.c_str());
  if (master_index == 0) platform::throw_os_error(ifname_ + ": cannot add to bridge " + master);
  alignas(nlmsghdr) std::array<char, kBufferSize> buffer{};
  link_message(buffer.data());
  mnl_attr_put_u32(reinterpret_cast<nlmsghdr*>(buffer.data()), IFLA_MASTER, master_index);
  request(buffer.data(), "add to bridge " + master);
}

}  // namespace sluice::platform
