// What a peer's inner packet may carry in L2 mode: VXLAN over IPv4/IPv6 with an Ethernet frame
// inside. A decapsulated frame is learned into a small forwarding table, and encapsulated again
// back to its sender: it must decapsulate to the same VNI and frame. The input also goes to the
// Ethernet parser directly and, as text, to the MAC address parser.
#include <algorithm>
#include <string_view>
#include <vector>

#include "tunnel/ethernet.hpp"
#include "tunnel/fdb.hpp"
#include "tunnel/vxlan.hpp"

using namespace sluice;
using namespace std::chrono_literals;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  static_cast<void>(tunnel::parse_ethernet(input));
  if (const auto mac = tunnel::MacAddress::parse(std::string_view(reinterpret_cast<const char*>(data), size))) {
    if (tunnel::MacAddress::parse(mac->to_string()) != mac) __builtin_trap();
  }

  const auto decapsulated = tunnel::vxlan_decapsulate(input);
  if (!decapsulated) return 0;
  const auto header = tunnel::parse_ethernet(decapsulated->frame);
  if (!header) __builtin_trap();  // a decapsulated frame always has an Ethernet header

  tunnel::Fdb fdb(300s, 4);
  crypto::PublicKey peer;
  peer.bytes[0] = 1;
  static_cast<void>(fdb.learn(header->source, peer, tunnel::Instant(1s)));
  static_cast<void>(fdb.lookup(header->destination, tunnel::Instant(2s)));
  fdb.expire(tunnel::Instant(400s));

  const tunnel::VxlanAddressing back{decapsulated->destination, decapsulated->source, decapsulated->vni};
  const std::size_t headroom = tunnel::vxlan_headroom(back.source.family());
  std::vector<std::uint8_t> buffer(headroom + decapsulated->frame.size());
  std::copy(decapsulated->frame.begin(), decapsulated->frame.end(), buffer.begin() + static_cast<long>(headroom));
  const auto packet = tunnel::vxlan_encapsulate(buffer, headroom, decapsulated->frame.size(), back);
  const auto again = tunnel::vxlan_decapsulate(packet);
  if (!again || again->vni != decapsulated->vni ||
      !std::equal(again->frame.begin(), again->frame.end(), decapsulated->frame.begin(), decapsulated->frame.end())) {
    __builtin_trap();
  }
  return 0;
}
