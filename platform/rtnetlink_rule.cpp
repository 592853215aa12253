// Policy routing rules through rtnetlink (RTM_NEWRULE, RTM_DELRULE), for the full tunnel.
#include <net/if.h>
// After <net/if.h>: these pull <linux/if.h>, whose flag names clash with glibc's.
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>

#include "platform/rtnetlink.hpp"

namespace sluice::platform {

std::string PolicyRule::to_string() const {
  std::string text = std::string(ipv6 ? "IPv6" : "IPv4") + " rule " + std::to_string(priority) + ": ";
  if (not_fwmark) text.append("not fwmark ").append(std::to_string(*not_fwmark)).append(" ");
  text.append("lookup ").append(table == kMainTable ? "main" : std::to_string(table));
  if (suppress_prefixlength) text.append(" suppress_prefixlength ").append(std::to_string(*suppress_prefixlength));
  return text;
}

bool Rtnetlink::add_rule(const PolicyRule& rule) { return change_rule(rule, true); }

bool Rtnetlink::delete_rule(const PolicyRule& rule) { return change_rule(rule, false); }

bool Rtnetlink::change_rule(const PolicyRule& rule, bool add) {
  alignas(nlmsghdr) std::array<char, 1024> buffer{};
  nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
  header->nlmsg_type = add ? RTM_NEWRULE : RTM_DELRULE;
  if (add) header->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
  auto* message = static_cast<fib_rule_hdr*>(mnl_nlmsg_put_extra_header(header, sizeof(fib_rule_hdr)));
  message->family = static_cast<unsigned char>(rule.ipv6 ? AF_INET6 : AF_INET);
  message->action = FR_ACT_TO_TBL;
  message->table = static_cast<unsigned char>(rule.table < 256 ? rule.table : std::uint32_t{RT_TABLE_UNSPEC});
  mnl_attr_put_u32(header, FRA_PRIORITY, rule.priority);
  mnl_attr_put_u32(header, FRA_TABLE, rule.table);
  if (rule.not_fwmark) {
    message->flags |= FIB_RULE_INVERT;
    mnl_attr_put_u32(header, FRA_FWMARK, *rule.not_fwmark);
  }
  if (rule.suppress_prefixlength) mnl_attr_put_u32(header, FRA_SUPPRESS_PREFIXLEN, *rule.suppress_prefixlength);
  return request(header, (add ? "add " : "remove ") + rule.to_string());
}

}  // namespace sluice::platform
