// The MTU range sluice accepts for a link it sets up, wherever the number comes from: sluiced's
// config, Flannel's subnet.env (the mesh agent) or a CNI network config (the plugin).
#pragma once

namespace sluice::platform {

// 576 is the datagram size every IPv4 host must accept (RFC 791); 65535 the largest IP datagram.
inline constexpr unsigned kMinLinkMtu = 576;
inline constexpr unsigned kMaxLinkMtu = 65535;
// The kernel removes IPv6 from a link whose MTU is below the IPv6 minimum (RFC 8200).
inline constexpr unsigned kMinLinkMtuIpv6 = 1280;

}  // namespace sluice::platform
