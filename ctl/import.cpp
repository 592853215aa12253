#include "ctl/import.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <stdexcept>

#include "crypto/key_encoding.hpp"
#include "tunnel/ip_address.hpp"
#include "tunnel/parse_number.hpp"
#include "uapi/error.hpp"
#include "uapi/lines.hpp"

namespace sluice::ctl {
namespace {

enum class Section { none, interface, peer, unknown };

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

// wg and wg-quick match keys and section names without regard to case.
bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::vector<std::string_view> split_list(std::string_view value) {
  std::vector<std::string_view> items;
  while (!value.empty()) {
    const std::size_t comma = std::min(value.find(','), value.size());
    const std::string_view item = trim(value.substr(0, comma));
    if (!item.empty()) items.push_back(item);
    value.remove_prefix(std::min(comma + 1, value.size()));
  }
  return items;
}

template <class Unsigned>
Unsigned parse_number(std::string_view value, int base = 10) {
  const auto number = tunnel::parse_unsigned<Unsigned>(value, base);
  if (!number) {
    throw std::invalid_argument(
        std::string("not a number from 0 to ").append(std::to_string(std::numeric_limits<Unsigned>::max())));
  }
  return *number;
}

// Checked, then kept as written: the TOML loader resolves host names when the daemon starts.
void check_endpoint(std::string_view value) {
  const std::size_t colon = value.rfind(':');
  if (colon == std::string_view::npos || colon == 0) throw std::invalid_argument("expected HOST:PORT");
  const std::string_view host = value.substr(0, colon);
  if (host.front() == '[' && host.back() != ']') throw std::invalid_argument("expected [IPv6]:PORT");
  if (parse_number<std::uint16_t>(value.substr(colon + 1)) == 0) throw std::invalid_argument("port 0 is not allowed");
}

class Importer {
 public:
  explicit Importer(std::string_view origin) : origin_(origin) {}

  void line(unsigned number, std::string_view text) {
    number_ = number;
    const std::string_view content = trim(text.substr(0, text.find('#')));
    if (content.empty()) return;
    if (content.front() == '[') {
      start_section(content);
      return;
    }
    const std::size_t equals = content.find('=');
    if (equals == std::string_view::npos) fail(content, "not a 'Key = value' line");
    const std::string_view key = trim(content.substr(0, equals));
    const std::string_view value = trim(content.substr(equals + 1));
    try {
      switch (section_) {
        case Section::interface:
          interface_key(key, value);
          break;
        case Section::peer:
          peer_key(key, value);
          break;
        case Section::unknown:
          break;  // the section header was reported
        case Section::none:
          warn(key, "outside [Interface] and [Peer], dropped");
          break;
      }
    } catch (const std::invalid_argument& e) {
      fail(key, e.what());
    }
  }

  ImportResult finish() {
    finish_peer();
    if (!seen_interface_) {
      warn_at(0, "[Interface]", "missing; the TOML needs at least private_key");
    } else if (!result_.config.settings.private_key) {
      warn_at(interface_line_, "[Interface]", "has no PrivateKey; add private_key or private_key_file to the TOML");
    }
    if (!routes_set_) {
      result_.config.settings.routes = true;
      result_.config.routes_note = "wg-quick adds a route for every peer's AllowedIPs (Table = auto); so does this";
    }
    std::string header("Converted from ");
    header.append(origin_).append(" by `sluicectl import`.");
    result_.config.header.insert(result_.config.header.begin(), header);
    return std::move(result_);
  }

 private:
  void start_section(std::string_view header) {
    finish_peer();
    if (same(header, "[Interface]")) {
      section_ = Section::interface;
      seen_interface_ = true;
      interface_line_ = number_;
    } else if (same(header, "[Peer]")) {
      section_ = Section::peer;
      result_.config.settings.peers.emplace_back();
      peer_has_key_ = false;
      peer_line_ = number_;
    } else {
      section_ = Section::unknown;
      warn(header, "unknown section, dropped with its keys");
    }
  }

  void finish_peer() {
    if (section_ == Section::peer && !peer_has_key_) {
      throw uapi::ControlError(location(peer_line_).append("[Peer]: has no PublicKey"));
    }
  }

  void interface_key(std::string_view key, std::string_view value) {
    config::InterfaceSettings& config = result_.config.settings;
    if (same(key, "PrivateKey")) {
      crypto::decode_base64_key(value, config.private_key.emplace().span());
    } else if (same(key, "ListenPort")) {
      config.listen_port = parse_number<std::uint16_t>(value);
    } else if (same(key, "FwMark")) {
      const bool hex = value.starts_with("0x") || value.starts_with("0X");
      config.fwmark =
          same(value, "off") ? 0 : parse_number<std::uint32_t>(hex ? value.substr(2) : value, hex ? 16 : 10);
    } else if (same(key, "Address")) {
      for (const std::string_view item : split_list(value)) {
        config.addresses.push_back(tunnel::IpPrefix::parse(item));
      }
    } else if (same(key, "MTU")) {
      config.mtu = parse_number<unsigned>(value);
    } else if (same(key, "Table")) {
      if (same(value, "off") || same(value, "auto")) {
        config.routes = same(value, "auto");
        routes_set_ = true;
      } else {
        // Dropping it would route in the main table, which the file did not ask for.
        fail(key, std::string(value).append(": a routing table other than auto or off is not supported (sluice "
                                            "routes in the main table); write Table = off and route into the "
                                            "table yourself, or Table = auto for the main table"));
      }
    } else if (same(key, "DNS")) {
      drop(key, "not supported, dropped (sluice does not change the resolver; configure DNS separately)");
    } else if (same(key, "PreUp") || same(key, "PostUp") || same(key, "PreDown") || same(key, "PostDown")) {
      drop(key, "not supported, dropped (sluice runs no hook commands)");
    } else if (same(key, "SaveConfig")) {
      drop(key, "not supported, dropped (`sluicectl export` prints the running configuration)");
    } else {
      drop(key, "unknown key, dropped");
    }
  }

  void peer_key(std::string_view key, std::string_view value) {
    config::PeerSettings& peer = result_.config.settings.peers.back();
    if (same(key, "PublicKey")) {
      crypto::decode_base64_key(value, peer.public_key.bytes);
      peer_has_key_ = true;
    } else if (same(key, "PresharedKey")) {
      crypto::decode_base64_key(value, peer.preshared_key.emplace().span());
    } else if (same(key, "AllowedIPs")) {
      for (const std::string_view item : split_list(value)) {
        peer.allowed_ips.push_back(tunnel::IpPrefix::parse(item).masked());
      }
    } else if (same(key, "Endpoint")) {
      check_endpoint(value);
      peer.endpoint_text = std::string(value);
    } else if (same(key, "PersistentKeepalive")) {
      peer.persistent_keepalive = same(value, "off") ? 0 : parse_number<std::uint16_t>(value);
    } else {
      drop(key, "unknown key, dropped");
    }
  }

  // A dropped key is named on stderr and, for whoever reads the TOML later, at its top.
  void drop(std::string_view key, std::string_view why) {
    warn(key, why);
    std::string note(key);
    note.append(" (line ").append(std::to_string(number_)).append(") ").append(why);
    result_.config.header.push_back(note);
  }

  std::string location(unsigned line) const {
    std::string text(origin_);
    if (line != 0) text.append(":").append(std::to_string(line));
    return text.append(": ");
  }
  void warn_at(unsigned line, std::string_view key, std::string_view message) {
    result_.warnings.push_back(location(line).append(key).append(": ").append(message));
  }
  void warn(std::string_view key, std::string_view message) { warn_at(number_, key, message); }
  [[noreturn]] void fail(std::string_view key, std::string_view message) const {
    throw uapi::ControlError(location(number_).append(key).append(": ").append(message));
  }

  std::string origin_;
  ImportResult result_;
  Section section_ = Section::none;
  bool seen_interface_ = false;
  bool routes_set_ = false;    // Table = off or auto was given
  bool peer_has_key_ = false;  // the [Peer] being read has its PublicKey
  unsigned interface_line_ = 0;
  unsigned peer_line_ = 0;
  unsigned number_ = 0;
};

}  // namespace

ImportResult import_wg_quick(std::string_view text, std::string_view origin) {
  Importer importer(origin);
  unsigned number = 0;
  while (!text.empty()) importer.line(++number, uapi::take_line(text));
  return importer.finish();
}

}  // namespace sluice::ctl
