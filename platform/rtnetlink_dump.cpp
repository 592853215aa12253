// Reading links, addresses and routes back from the kernel (RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE):
// what the CNI plugin's CHECK and GC compare with what they expect.
#include <net/if.h>
// After <net/if.h>: these pull <linux/if.h>, whose flag names clash with glibc's.
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <memory>
#include <vector>

#include "platform/os_error.hpp"
#include "platform/rtnetlink.hpp"

namespace sluice::platform {
namespace {

// Dumps come in datagrams of up to 32 KiB; a smaller buffer would cut them short.
constexpr std::size_t kDumpBufferSize = 32768;

struct SocketCloser {
  void operator()(mnl_socket* socket) const noexcept { mnl_socket_close(socket); }
};

using AttributeTable = std::vector<const nlattr*>;

// The message's attributes by type, null where absent; types above max_type are ignored.
AttributeTable attributes_of(const nlmsghdr* message, std::size_t header_size, unsigned max_type) {
  AttributeTable table(max_type + 1, nullptr);
  mnl_attr_parse(
      message, static_cast<unsigned>(header_size),
      [](const nlattr* attribute, void* data) {
        auto& attributes = *static_cast<AttributeTable*>(data);
        const auto type = mnl_attr_get_type(attribute);
        if (type < attributes.size()) attributes[type] = attribute;
        return MNL_CB_OK;
      },
      &table);
  return table;
}

std::string string_of(const nlattr* attribute) {
  const auto* text = static_cast<const char*>(mnl_attr_get_payload(attribute));
  return std::string(text, ::strnlen(text, mnl_attr_get_payload_len(attribute)));
}

// nullopt unless the attribute holds 4 or 16 bytes (no exception may cross libmnl's C frames).
std::optional<tunnel::IpAddress> address_of(const nlattr* attribute) {
  const std::size_t length = mnl_attr_get_payload_len(attribute);
  if (length != 4 && length != 16) return std::nullopt;
  return tunnel::IpAddress::from_bytes({static_cast<const std::uint8_t*>(mnl_attr_get_payload(attribute)), length});
}

std::string mac_of(const nlattr* attribute) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const auto* bytes = static_cast<const std::uint8_t*>(mnl_attr_get_payload(attribute));
  std::string text;
  for (std::size_t i = 0; i < mnl_attr_get_payload_len(attribute); ++i) {
    if (i > 0) text += ':';
    text += kDigits[bytes[i] >> 4];
    text += kDigits[bytes[i] & 0xf];
  }
  return text;
}

LinkState link_of(const nlmsghdr* message) {
  const auto* info = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(message));
  const AttributeTable attributes = attributes_of(message, sizeof(ifinfomsg), IFLA_MAX);
  LinkState link;
  link.index = static_cast<unsigned>(info->ifi_index);
  link.up = (info->ifi_flags & IFF_UP) != 0;
  if (attributes[IFLA_IFNAME] != nullptr) link.name = string_of(attributes[IFLA_IFNAME]);
  if (attributes[IFLA_IFALIAS] != nullptr) link.alias = string_of(attributes[IFLA_IFALIAS]);
  if (attributes[IFLA_ADDRESS] != nullptr) link.mac = mac_of(attributes[IFLA_ADDRESS]);
  if (attributes[IFLA_MTU] != nullptr && mnl_attr_validate(attributes[IFLA_MTU], MNL_TYPE_U32) == 0) {
    link.mtu = mnl_attr_get_u32(attributes[IFLA_MTU]);
  }
  return link;
}

// Sends a dump request of `type` for `family` (its header is `header_size` bytes, the family
// first) and calls `callback` with every message until the kernel says done.
void dump(std::uint16_t type, unsigned char family, std::size_t header_size, const std::string& what, mnl_cb_t callback,
          void* data) {
  const std::unique_ptr<mnl_socket, SocketCloser> socket(mnl_socket_open(NETLINK_ROUTE));
  if (!socket) throw_os_error("cannot open rtnetlink socket to " + what);
  if (mnl_socket_bind(socket.get(), 0, MNL_SOCKET_AUTOPID) < 0) throw_os_error("cannot " + what);
  std::vector<char> buffer(kDumpBufferSize);
  nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
  header->nlmsg_type = type;
  header->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  header->nlmsg_seq = 1;
  *static_cast<unsigned char*>(mnl_nlmsg_put_extra_header(header, header_size)) = family;
  if (mnl_socket_sendto(socket.get(), header, header->nlmsg_len) < 0) throw_os_error("cannot " + what);
  const unsigned portid = mnl_socket_get_portid(socket.get());
  // The kernel ends every dump with NLMSG_DONE (MNL_CB_STOP) or an error.
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(socket.get(), buffer.data(), buffer.size());
    if (n < 0) throw_os_error("cannot " + what);
    const int result = mnl_cb_run(buffer.data(), static_cast<std::size_t>(n), 1, portid, callback, data);
    if (result < 0) throw_os_error("cannot " + what);
    if (result == MNL_CB_STOP) return;
  }
}

struct AddressQuery {
  unsigned index;
  std::vector<tunnel::IpPrefix> addresses;
};

int read_address(const nlmsghdr* message, void* data) {
  auto& query = *static_cast<AddressQuery*>(data);
  const auto* address = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(message));
  if (address->ifa_index != query.index || address->ifa_scope != RT_SCOPE_UNIVERSE) return MNL_CB_OK;
  const AttributeTable attributes = attributes_of(message, sizeof(ifaddrmsg), IFA_MAX);
  // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer's on point-to-point links. IPv6
  // sends only IFA_ADDRESS.
  const nlattr* local = attributes[IFA_LOCAL] != nullptr ? attributes[IFA_LOCAL] : attributes[IFA_ADDRESS];
  if (local == nullptr) return MNL_CB_OK;
  const auto value = address_of(local);
  if (value && address->ifa_prefixlen <= value->bit_length()) {
    query.addresses.emplace_back(*value, address->ifa_prefixlen);
  }
  return MNL_CB_OK;
}

struct RouteQuery {
  unsigned index;
  std::uint32_t table;
  std::vector<RouteState> routes;
};

int read_route(const nlmsghdr* message, void* data) {
  auto& query = *static_cast<RouteQuery*>(data);
  const auto* route = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(message));
  if (route->rtm_type != RTN_UNICAST) return MNL_CB_OK;
  const AttributeTable attributes = attributes_of(message, sizeof(rtmsg), RTA_MAX);
  const std::uint32_t table =
      attributes[RTA_TABLE] != nullptr ? mnl_attr_get_u32(attributes[RTA_TABLE]) : std::uint32_t{route->rtm_table};
  if (table != query.table || attributes[RTA_OIF] == nullptr || mnl_attr_get_u32(attributes[RTA_OIF]) != query.index) {
    return MNL_CB_OK;
  }
  // A default route has no RTA_DST: the family's zero address.
  static constexpr std::array<std::uint8_t, 16> kZero{};
  const auto destination =
      attributes[RTA_DST] != nullptr
          ? address_of(attributes[RTA_DST])
          : tunnel::IpAddress::from_bytes(std::span(kZero).first(route->rtm_family == AF_INET ? 4 : 16));
  if (!destination || route->rtm_dst_len > destination->bit_length()) return MNL_CB_OK;
  RouteState state{tunnel::IpPrefix(*destination, route->rtm_dst_len), std::nullopt,
                   route->rtm_protocol == RTPROT_KERNEL};
  if (attributes[RTA_GATEWAY] != nullptr) state.gateway = address_of(attributes[RTA_GATEWAY]);
  query.routes.push_back(std::move(state));
  return MNL_CB_OK;
}

}  // namespace

std::vector<LinkState> list_links() {
  std::vector<LinkState> links;
  dump(
      RTM_GETLINK, AF_UNSPEC, sizeof(ifinfomsg), "list links",
      [](const nlmsghdr* message, void* data) {
        static_cast<std::vector<LinkState>*>(data)->push_back(link_of(message));
        return MNL_CB_OK;
      },
      &links);
  return links;
}

std::optional<LinkState> Rtnetlink::state() {
  alignas(nlmsghdr) std::array<char, 1024> buffer{};
  nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
  header->nlmsg_type = RTM_GETLINK;
  static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(header, sizeof(ifinfomsg)))->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(header, IFLA_IFNAME, ifname_.c_str());
  std::optional<LinkState> link;
  const bool found = request(
      header, "read the link's state",
      [](const nlmsghdr* message, void* data) {
        if (message->nlmsg_type == RTM_NEWLINK) *static_cast<std::optional<LinkState>*>(data) = link_of(message);
        return MNL_CB_OK;
      },
      &link);
  return found ? link : std::nullopt;
}

std::vector<tunnel::IpPrefix> Rtnetlink::addresses() {
  AddressQuery query{index(), {}};
  for (const unsigned char family : {AF_INET, AF_INET6}) {
    dump(RTM_GETADDR, family, sizeof(ifaddrmsg), ifname_ + ": list addresses", read_address, &query);
  }
  return std::move(query.addresses);
}

std::vector<RouteState> Rtnetlink::routes(std::uint32_t table) {
  RouteQuery query{index(), table, {}};
  for (const unsigned char family : {AF_INET, AF_INET6}) {
    dump(RTM_GETROUTE, family, sizeof(rtmsg), ifname_ + ": list routes", read_route, &query);
  }
  return std::move(query.routes);
}

}  // namespace sluice::platform
