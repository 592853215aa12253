#include "ctl/show_dump.hpp"

#include <array>
#include <chrono>
#include <cstdio>

#include "crypto/key_encoding.hpp"
#include "crypto/memory.hpp"

namespace sluice::ctl {
namespace {

// Far more than a line of keys and numbers; the allowed IPs come on top of it.
constexpr std::size_t kLineReserve = 256;

}  // namespace

crypto::SecretText dump_text(std::string_view ifname, const uapi::InterfaceState& state, bool with_name) {
  std::size_t size = kLineReserve;
  for (const uapi::PeerState& peer : state.peers) size += kLineReserve + peer.allowed_ips.size() * 48;
  crypto::SecretText out(size);
  std::string& text = out.str();
  const auto start_line = [&] {
    if (with_name) text.append(ifname).push_back('\t');
  };
  const auto key_or_none = [&](const auto& key) {
    if (key) {
      // The base64 form of a secret key is wiped like the key.
      std::string base64 = crypto::encode_base64_key(key->span());
      text.append(base64);
      crypto::wipe(base64.data(), base64.size());
    } else {
      text.append("(none)");
    }
    text.push_back('\t');
  };

  start_line();
  key_or_none(state.private_key);
  key_or_none(state.public_key);
  text.append(std::to_string(state.listen_port)).push_back('\t');
  if (state.fwmark == 0) {
    text.append("off\n");
  } else {
    std::array<char, 16> mark{};
    std::snprintf(mark.data(), mark.size(), "0x%x\n", state.fwmark);
    text.append(mark.data());
  }

  for (const uapi::PeerState& peer : state.peers) {
    start_line();
    text.append(crypto::encode_base64_key(peer.public_key.span())).push_back('\t');
    key_or_none(peer.preshared_key);
    text.append(peer.endpoint.value_or("(none)")).push_back('\t');
    if (peer.allowed_ips.empty()) text.append("(none)");
    for (std::size_t i = 0; i < peer.allowed_ips.size(); ++i) {
      if (i != 0) text.push_back(',');
      text.append(peer.allowed_ips[i].to_string());
    }
    text.push_back('\t');
    const auto handshake = peer.latest_handshake.value_or(std::chrono::nanoseconds{0});
    text.append(std::to_string(std::chrono::duration_cast<std::chrono::seconds>(handshake).count())).push_back('\t');
    text.append(std::to_string(peer.rx_bytes)).push_back('\t');
    text.append(std::to_string(peer.tx_bytes)).push_back('\t');
    text.append(peer.persistent_keepalive == 0 ? "off" : std::to_string(peer.persistent_keepalive)).push_back('\n');
  }
  return out;
}

}  // namespace sluice::ctl
