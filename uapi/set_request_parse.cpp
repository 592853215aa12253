// Parsing of `set=1` bodies: every line is checked before anything is applied.
#include "uapi/set_request.hpp"

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <variant>

#include "crypto/key_encoding.hpp"
#include "platform/resolve_endpoint.hpp"
#include "tunnel/parse_number.hpp"
#include "uapi/lines.hpp"

namespace sluice::uapi {
namespace {

// Value parsers throw std::invalid_argument saying what is wrong, never echoing a key's value;
// the loop adds the line number and the key.

void expect_true(std::string_view value) {
  if (value != "true") throw std::invalid_argument("the only accepted value is 'true'");
}

template <class Secret>
Secret parse_secret(std::string_view value) {
  Secret secret;
  crypto::decode_hex_key(value, secret.span());
  return secret;
}

crypto::PublicKey parse_public_key(std::string_view value) {
  crypto::PublicKey key;
  crypto::decode_hex_key(value, key.bytes);
  return key;
}

// Numeric only, so that the daemon never waits on DNS: `wg` resolves names before it sends.
tunnel::Endpoint parse_endpoint(std::string_view value) {
  const bool bracketed = value.starts_with('[');
  std::string_view host;
  std::string_view port;
  if (bracketed) {
    const auto close = value.find("]:");
    if (close == std::string_view::npos) throw std::invalid_argument("expected [IPv6 address]:port");
    host = value.substr(1, close - 1);
    port = value.substr(close + 2);
  } else {
    const auto colon = value.rfind(':');
    if (colon == std::string_view::npos) throw std::invalid_argument("expected IPv4:port or [IPv6]:port");
    host = value.substr(0, colon);
    port = value.substr(colon + 1);
  }
  // Also refuses an IPv6 scope ("%eth0"), which an Endpoint cannot carry.
  const tunnel::IpAddress address = tunnel::IpAddress::parse(host);
  if (address.is_v4() == bracketed) {
    throw std::invalid_argument("an IPv6 address is written in brackets, an IPv4 address is not");
  }
  const auto number = tunnel::parse_unsigned_or_throw<std::uint16_t>(port);
  if (number == 0) throw std::invalid_argument("port 0 cannot be sent to");
  return {address, number};
}

// One entry of endpoint= (a name) or endpoints=; checked here, resolved by the daemon.
std::string parse_endpoint_name(std::string_view value) {
  static_cast<void>(platform::parse_endpoint_text(value));
  return std::string(value);
}

std::vector<std::string> parse_endpoint_list(std::string_view value) {
  std::vector<std::string> list;
  while (true) {
    const auto comma = value.find(',');
    list.push_back(parse_endpoint_name(value.substr(0, comma)));
    if (comma == std::string_view::npos) return list;
    value.remove_prefix(comma + 1);
  }
}

tunnel::IpPrefix parse_allowed_ip(std::string_view value) {
  // `wg` always sends the length; a bare address is more likely a cut line than a /32.
  if (value.find('/') == std::string_view::npos) throw std::invalid_argument("expected address/length");
  return tunnel::IpPrefix::parse(value).masked();
}

void interface_line(SetRequest& request, std::string_view key, std::string_view value) {
  if (key == "private_key") {
    // `wg setconf` without a PrivateKey sends 64 zeros to remove the key; empty means the same.
    request.private_key = value.empty() ? crypto::PrivateKey{} : parse_secret<crypto::PrivateKey>(value);
  } else if (key == "listen_port") {
    request.listen_port = tunnel::parse_unsigned_or_throw<std::uint16_t>(value);
  } else if (key == "fwmark") {
    request.fwmark = tunnel::parse_unsigned_or_throw<std::uint32_t>(value);
  } else if (key == "replace_peers") {
    expect_true(value);
    request.replace_peers = true;
  } else {
    throw std::invalid_argument("not an interface key");
  }
}

void peer_line(PeerChange& peer, std::string_view key, std::string_view value) {
  if (key == "remove") {
    expect_true(value);
    peer.remove = true;
  } else if (key == "update_only") {
    expect_true(value);
    peer.update_only = true;
  } else if (key == "preshared_key") {
    peer.preshared_key = parse_secret<crypto::PresharedKey>(value);
  } else if (key == "endpoint") {
    // A stock `wg` sends numbers only; a name is the sluice extension (sluicectl set).
    const bool numeric = std::holds_alternative<tunnel::Endpoint>(platform::parse_endpoint_text(value));
    if (numeric) {
      peer.endpoint = parse_endpoint(value);
      peer.endpoint_names.reset();
    } else {
      peer.endpoint_names = std::vector<std::string>{std::string(value)};
      peer.endpoint.reset();
    }
  } else if (key == "endpoints") {
    peer.endpoint_names = parse_endpoint_list(value);
    peer.endpoint.reset();
  } else if (key == "persistent_keepalive_interval") {
    peer.persistent_keepalive = tunnel::parse_unsigned_or_throw<std::uint16_t>(value);
  } else if (key == "replace_allowed_ips") {
    expect_true(value);
    // Lines take effect in order, so prefixes listed earlier in this section are dropped too.
    peer.replace_allowed_ips = true;
    peer.allowed_ips.clear();
  } else if (key == "allowed_ip") {
    peer.allowed_ips.push_back(parse_allowed_ip(value));
  } else if (key == "protocol_version") {
    if (value != "1") throw std::invalid_argument("only protocol version 1 exists");
  } else {
    throw std::invalid_argument("not a peer key");
  }
}

// The log names a key only when it looks like one, so that a secret sent in the wrong place
// never reaches the log.
std::string shown_key(std::string_view key) {
  const bool plain = !key.empty() && key.size() <= 32 && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  return plain ? std::string(key) : "(key not shown)";
}

}  // namespace

SetParse parse_set_request(std::string_view body) {
  SetRequest request;
  // Room for every peer section at once, so that 100,000 of them are not moved as the list grows.
  std::size_t sections = 0;
  for (std::size_t at = body.find("public_key="); at != std::string_view::npos; at = body.find("public_key=", at + 1)) {
    ++sections;
  }
  request.peers.reserve(sections);
  // Line 1 of the request is "set=1".
  for (std::size_t line_number = 2;; ++line_number) {
    const auto refuse = [line_number](int error, const std::string& what) {
      return SetParse{std::nullopt, error, "line " + std::to_string(line_number) + ": " + what};
    };
    if (body.find('\n') == std::string_view::npos) return refuse(EPROTO, "the request does not end with an empty line");
    const std::string_view line = take_line(body);
    if (line.empty()) {
      if (!body.empty()) return refuse(EPROTO, "data follows the empty line that ends the request");
      return SetParse{std::move(request), 0, {}};
    }
    const auto pair = split_key_value(line);
    if (!pair) return refuse(EPROTO, "not a key=value line");
    const auto [key, value] = *pair;
    try {
      // public_key starts a peer section; every line before the first one is about the interface.
      if (key == "public_key") {
        const crypto::PublicKey public_key = parse_public_key(value);
        request.peers.emplace_back().public_key = public_key;
      } else if (request.peers.empty()) {
        interface_line(request, key, value);
      } else {
        peer_line(request.peers.back(), key, value);
      }
    } catch (const std::invalid_argument& e) {
      return refuse(EINVAL, shown_key(key) + ": " + e.what());
    }
  }
}

}  // namespace sluice::uapi
