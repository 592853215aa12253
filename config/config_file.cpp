#include "config/config_file.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "config/policy_reader.hpp"
#include "config/toml_reader.hpp"
#include "config/wg_quick_shape.hpp"
#include "crypto/key_encoding.hpp"
#include "crypto/wipe_on_free.hpp"
#include "crypto/x25519.hpp"
#include "platform/interface_name.hpp"
#include "platform/link_mtu.hpp"
#include "platform/resolve_endpoint.hpp"
#include "platform/small_file.hpp"
#include "platform/user_account.hpp"
#include "tunnel/vxlan.hpp"

namespace sluice::config {
namespace {

namespace fs = std::filesystem;

// Far beyond any real file of either kind; the limits only stop a mistaken path such as
// /dev/zero from being read forever.
constexpr std::size_t kConfigFileLimit = std::size_t{1} << 20;
constexpr std::size_t kKeyFileLimit = 4096;

// Runs `action` when leaving the scope, error or not: used to wipe buffers that held keys.
template <typename Action>
class OnExit {
 public:
  explicit OnExit(Action action) : action_(std::move(action)) {}
  OnExit(const OnExit&) = delete;
  OnExit& operator=(const OnExit&) = delete;
  ~OnExit() { action_(); }

 private:
  Action action_;
};

void wipe(std::string& text) { crypto::wipe(text.data(), text.size()); }

// The parsed tree keeps its own copies of inline keys; every string is wiped, not only the
// known key fields, so no later edit can forget one.
void wipe_strings(toml::node& node) {
  if (auto* table = node.as_table()) {
    for (auto&& entry : *table) wipe_strings(entry.second);
  } else if (auto* array = node.as_array()) {
    for (auto& element : *array) wipe_strings(element);
  } else if (auto* text = node.as_string()) {
    wipe(text->get());
  }
}

std::string indexed(std::string_view name, std::size_t index) {
  return std::string(name) + "[" + std::to_string(index) + "]";
}

// Typed access to the tree; every failure names the file, the position and the key.
class Reader : public TomlReader<ConfigError> {
 public:
  using TomlReader::TomlReader;

  tunnel::IpPrefix prefix(const toml::node& node, std::string_view key) const {
    try {
      return tunnel::IpPrefix::parse(string(node, key));
    } catch (const std::invalid_argument& e) {
      fail(node, key, e.what());
    }
  }

  // Inline base64 key: the decoder's messages give lengths and positions, never the key.
  void inline_key(const toml::node& node, std::string_view key, std::span<std::uint8_t, 32> out) const {
    try {
      crypto::decode_base64_key(string(node, key), out);
    } catch (const crypto::KeyFormatError& e) {
      fail(node, key, e.what());
    }
  }

  // Something only the system can tell, for resolve_config.
  void look_up(ConfigLookup::Kind kind, std::size_t peer, std::string value, const toml::node& at,
               std::string_view key) const {
    lookups_.push_back({kind, peer, std::move(value), where(at, key)});
  }

  // `name` (inline, decoded into `out`) or `name`_file (a lookup of `kind` for `peer`), at most
  // one of them; false when neither is present.
  bool key_choice(const toml::table& table, std::string_view prefix, std::string_view name,
                  std::span<std::uint8_t, 32> out, ConfigLookup::Kind kind, std::size_t peer = 0) const {
    const std::string file_name = std::string(name) + "_file";
    const toml::node* inline_node = table.get(name);
    const toml::node* file_node = table.get(file_name);
    if (inline_node != nullptr && file_node != nullptr) {
      fail(*file_node, std::string(prefix) + file_name,
           "give either " + std::string(name) + " or " + file_name + ", not both");
    }
    if (inline_node != nullptr) {
      inline_key(*inline_node, std::string(prefix) + std::string(name), out);
      note_secret_file(origin());
    }
    if (file_node != nullptr) {
      const std::string key = std::string(prefix) + file_name;
      const fs::path key_file = path(*file_node, key);
      look_up(kind, peer, key_file.string(), *file_node, key);
      note_secret_file(key_file);
    }
    return inline_node != nullptr || file_node != nullptr;
  }

  [[nodiscard]] const std::vector<fs::path>& secret_files() const { return secret_files_; }
  [[nodiscard]] std::vector<ConfigLookup> take_lookups() const { return std::move(lookups_); }

 private:
  void note_secret_file(const fs::path& file) const {
    if (std::find(secret_files_.begin(), secret_files_.end(), file) == secret_files_.end()) {
      secret_files_.push_back(file);
    }
  }

  // Filled while reading: every method reads through a const Reader.
  mutable std::vector<fs::path> secret_files_;
  mutable std::vector<ConfigLookup> lookups_;
};

// `mode = "tun"` is accepted for older files; it is the only mode of the interface itself.
void check_mode(const Reader& reader, const toml::node& node) {
  const std::string& mode = reader.string(node, "interface.mode");
  if (mode == "tun") return;
  if (mode == "tap") {
    reader.fail(node, "interface.mode",
                "the interface is always a TUN device; carry Ethernet with [[segment]] tables (TAP devices "
                "bridged over VXLAN, see sluice.toml(5))");
  }
  reader.fail(node, "interface.mode", "must be \"tun\"");
}

InterfaceSettings read_interface(const Reader& reader, const toml::table& table) {
  reader.reject_unknown_keys(table, "interface.", kInterfaceKeys);
  InterfaceSettings settings;
  crypto::PrivateKey private_key;
  if (!reader.key_choice(table, "interface.", "private_key", private_key.span(),
                         ConfigLookup::Kind::private_key_file)) {
    reader.fail(table.source(), "interface", "missing private_key or private_key_file");
  }
  if (table.get("private_key") != nullptr) settings.private_key = private_key;
  if (const auto* node = table.get("listen_port")) {
    settings.listen_port = static_cast<std::uint16_t>(reader.integer(*node, "interface.listen_port", 0, 65535));
    settings.listen_port_source = reader.position(node->source());
  }
  if (const auto* node = table.get("fwmark")) {
    settings.fwmark = static_cast<std::uint32_t>(reader.integer(*node, "interface.fwmark", 0, UINT32_MAX));
  }
  if (const auto* node = table.get("address")) {
    const toml::array& list = reader.array(*node, "interface.address");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string key = indexed("interface.address", i);
      const tunnel::IpPrefix address = reader.prefix(list[i], key);
      if (std::find(settings.addresses.begin(), settings.addresses.end(), address) != settings.addresses.end()) {
        reader.fail(list[i], key, address.to_string() + " is listed twice");
      }
      settings.addresses.push_back(address);
    }
  }
  if (const auto* node = table.get("mtu")) {
    const bool has_ipv6 = std::any_of(settings.addresses.begin(), settings.addresses.end(),
                                      [](const tunnel::IpPrefix& address) { return !address.address().is_v4(); });
    const auto mtu = reader.integer(*node, "interface.mtu", platform::kMinLinkMtu, platform::kMaxLinkMtu);
    if (has_ipv6 && mtu < platform::kMinLinkMtuIpv6) {
      reader.fail(*node, "interface.mtu",
                  std::to_string(mtu) + " is below " + std::to_string(platform::kMinLinkMtuIpv6) +
                      ", the minimum for an interface with an IPv6 address");
    }
    settings.mtu = static_cast<unsigned>(mtu);
  }
  if (const auto* node = table.get("mode")) check_mode(reader, *node);
  if (const auto* node = table.get("routes")) settings.routes = reader.boolean(*node, "interface.routes");
  if (const auto* node = table.get("metrics_listen")) {
    const std::string& text = reader.string(*node, "interface.metrics_listen");
    reader.look_up(ConfigLookup::Kind::metrics_listen, 0, text, *node, "interface.metrics_listen");
  }
  if (const auto* node = table.get("user")) {
    settings.user = reader.string(*node, "interface.user");
    reader.look_up(ConfigLookup::Kind::user, 0, *settings.user, *node, "interface.user");
  }
  return settings;
}

// What must be unique across [[peer]] tables, with where it was first seen for the message.
struct PeerRegistry {
  std::vector<std::pair<crypto::PublicKey, std::size_t>> keys;                 // key, line
  std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> owner;  // masked prefix -> peer, line
  std::vector<std::string> names;                                              // each peer's, maybe empty
};

PeerSettings read_peer(const Reader& reader, const toml::table& table, std::size_t index, PeerRegistry& registry,
                       std::vector<std::string>& key_where) {
  const std::string name = indexed("peer", index);
  const std::string prefix = name + ".";
  reader.reject_unknown_keys(table, prefix, kPeerKeys);
  PeerSettings peer;

  const auto* key_node = table.get("public_key");
  if (key_node == nullptr) reader.fail(table.source(), name, "missing public_key");
  reader.inline_key(*key_node, prefix + "public_key", peer.public_key.bytes);
  key_where.push_back(reader.where(*key_node, prefix + "public_key"));
  for (std::size_t i = 0; i < registry.keys.size(); ++i) {
    if (registry.keys[i].first == peer.public_key) {
      reader.fail(
          *key_node, prefix + "public_key",
          "same public key as peer[" + std::to_string(i) + "] (line " + std::to_string(registry.keys[i].second) + ")");
    }
  }
  registry.keys.emplace_back(peer.public_key, key_node->source().begin.line);

  crypto::PresharedKey preshared_key;
  reader.key_choice(table, prefix, "preshared_key", preshared_key.span(), ConfigLookup::Kind::preshared_key_file,
                    index);
  if (table.get("preshared_key") != nullptr) peer.preshared_key = preshared_key;

  // Names are kept: the daemon resolves them and follows their changes.
  const auto endpoint_kind = [&reader](const toml::node& node, const std::string& key, const std::string& text) {
    try {
      return std::holds_alternative<tunnel::Endpoint>(platform::parse_endpoint_text(text));
    } catch (const std::invalid_argument& e) {
      reader.fail(node, key, e.what());
    }
  };
  const auto* endpoint_node = table.get("endpoint");
  if (endpoint_node != nullptr) {
    peer.endpoint_text = reader.string(*endpoint_node, prefix + "endpoint");
    if (endpoint_kind(*endpoint_node, prefix + "endpoint", *peer.endpoint_text)) {
      reader.look_up(ConfigLookup::Kind::endpoint, index, *peer.endpoint_text, *endpoint_node, prefix + "endpoint");
    }
  }
  if (const auto* node = table.get("endpoints")) {
    if (endpoint_node != nullptr)
      reader.fail(*node, prefix + "endpoints", "give either endpoint or endpoints, not both");
    const toml::array& list = reader.array(*node, prefix + "endpoints");
    if (list.empty()) reader.fail(*node, prefix + "endpoints", "empty list (leave the key out for no endpoint)");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string key = indexed(prefix + "endpoints", i);
      peer.endpoints_text.push_back(reader.string(list[i], key));
      static_cast<void>(endpoint_kind(list[i], key, peer.endpoints_text.back()));
    }
  }

  if (const auto* node = table.get("allowed_ips")) {
    const toml::array& list = reader.array(*node, prefix + "allowed_ips");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string key = indexed(prefix + "allowed_ips", i);
      const tunnel::IpPrefix allowed = reader.prefix(list[i], key).masked();
      const std::size_t line = list[i].source().begin.line;
      const auto [first, inserted] = registry.owner.try_emplace(allowed.to_string(), index, line);
      if (!inserted) {
        const auto [owner, owner_line] = first->second;
        reader.fail(list[i], key,
                    allowed.to_string() + " is already an allowed IP of " +
                        (owner == index ? "this peer" : indexed("peer", owner)) + " (line " +
                        std::to_string(owner_line) + ")");
      }
      peer.allowed_ips.push_back(allowed);
    }
  }

  if (const auto* node = table.get("persistent_keepalive")) {
    peer.persistent_keepalive =
        static_cast<std::uint16_t>(reader.integer(*node, prefix + "persistent_keepalive", 0, 65535));
  }
  read_peer_identity(reader, table, prefix, peer);
  if (const auto* node = table.get("name")) {
    for (std::size_t i = 0; i < registry.names.size(); ++i) {
      if (registry.names[i] == peer.name) reader.fail(*node, prefix + "name", "same name as " + indexed("peer", i));
    }
  }
  registry.names.push_back(peer.name);
  return peer;
}

std::vector<PeerSettings> read_peers(const Reader& reader, const toml::node& node,
                                     std::vector<std::string>& key_where) {
  // A single [peer] table is the likeliest mistake; say how to write it rather than "expected an array".
  if (node.is_table()) reader.fail(node, "peer", "write [[peer]] (double brackets), one table per peer");
  const toml::array& list = reader.array(node, "peer");
  PeerRegistry registry;
  std::vector<PeerSettings> peers;
  for (std::size_t i = 0; i < list.size(); ++i) {
    peers.push_back(read_peer(reader, reader.table(list[i], indexed("peer", i)), i, registry, key_where));
  }
  return peers;
}

// Interface names are checked here too, so a bad TAP or bridge name is reported with its line.
void check_link_name(const Reader& reader, const toml::node& node, std::string_view key, const std::string& name) {
  try {
    platform::validate_interface_name(name);
  } catch (const std::invalid_argument& e) {
    reader.fail(node, key, e.what());
  }
}

std::vector<StaticFdbEntry> read_static_fdb(const Reader& reader, const toml::node& node, const std::string& prefix,
                                            const std::vector<PeerSettings>& peers) {
  const toml::array& list = reader.array(node, prefix + "fdb");
  std::vector<StaticFdbEntry> entries;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string name = indexed(prefix + "fdb", i);
    const toml::table& table = reader.table(list[i], name);
    reader.reject_unknown_keys(table, name + ".", kSegmentFdbKeys);
    const auto* mac_node = table.get("mac");
    const auto* peer_node = table.get("peer");
    if (mac_node == nullptr || peer_node == nullptr) reader.fail(table.source(), name, "needs both mac and peer");
    StaticFdbEntry entry;
    const auto mac = tunnel::MacAddress::parse(reader.string(*mac_node, name + ".mac"));
    if (!mac) reader.fail(*mac_node, name + ".mac", "expected a MAC address such as \"52:54:00:12:34:56\"");
    if (mac->is_group()) reader.fail(*mac_node, name + ".mac", "a broadcast or multicast address goes to every peer");
    entry.mac = *mac;
    reader.inline_key(*peer_node, name + ".peer", entry.peer.bytes);
    if (std::none_of(peers.begin(), peers.end(), [&](const PeerSettings& p) { return p.public_key == entry.peer; })) {
      reader.fail(*peer_node, name + ".peer", "is not the public key of any [[peer]]");
    }
    for (const auto& earlier : entries) {
      if (earlier.mac == entry.mac) reader.fail(*mac_node, name + ".mac", entry.mac.to_string() + " is listed twice");
    }
    entries.push_back(entry);
  }
  return entries;
}

// ovs_bridge, ovs_vlan and ovs_db; the last two only with the first, which excludes bridge.
void read_ovs_keys(const Reader& reader, const toml::table& table, const std::string& prefix,
                   SegmentSettings& segment) {
  const auto* bridge_node = table.get("ovs_bridge");
  if (bridge_node != nullptr) {
    if (segment.bridge) {
      reader.fail(*bridge_node, prefix + "ovs_bridge",
                  "give either bridge (a Linux bridge) or ovs_bridge (an Open vSwitch bridge), not both");
    }
    segment.ovs_bridge = reader.string(*bridge_node, prefix + "ovs_bridge");
    // OVS bridges are network devices too (the bridge's internal port), so the same rules hold.
    check_link_name(reader, *bridge_node, prefix + "ovs_bridge", *segment.ovs_bridge);
  }
  for (const std::string_view key : {"ovs_vlan", "ovs_db"}) {
    if (const auto* node = table.get(key); node != nullptr && bridge_node == nullptr) {
      reader.fail(*node, prefix + std::string(key), "needs ovs_bridge (the Open vSwitch bridge the TAP joins)");
    }
  }
  // 0 is "no VLAN" in 802.1Q and 4095 is reserved.
  if (const auto* node = table.get("ovs_vlan")) {
    segment.ovs_vlan = static_cast<unsigned>(reader.integer(*node, prefix + "ovs_vlan", 1, 4094));
  }
  if (const auto* node = table.get("ovs_db")) {
    segment.ovs_db = reader.string(*node, prefix + "ovs_db");
    const std::string_view db = *segment.ovs_db;
    if (!db.starts_with("unix:") && !db.starts_with("tcp:") && !db.starts_with("ssl:")) {
      reader.fail(*node, prefix + "ovs_db", "expected an OVSDB address such as \"unix:/var/run/openvswitch/db.sock\"");
    }
  }
}

SegmentSettings read_segment(const Reader& reader, const toml::table& table, std::size_t index,
                             const InterfaceSettings& interface) {
  const std::string name = indexed("segment", index);
  const std::string prefix = name + ".";
  reader.reject_unknown_keys(table, prefix, kSegmentKeys);
  SegmentSettings segment;
  const auto* vni_node = table.get("vni");
  const auto* tap_node = table.get("tap");
  if (vni_node == nullptr) reader.fail(table.source(), name, "missing vni");
  if (tap_node == nullptr) reader.fail(table.source(), name, "missing tap (the TAP device's name)");
  segment.vni = static_cast<std::uint32_t>(reader.integer(*vni_node, prefix + "vni", 0, tunnel::kMaxVni));
  segment.tap = reader.string(*tap_node, prefix + "tap");
  check_link_name(reader, *tap_node, prefix + "tap", segment.tap);
  if (const auto* node = table.get("bridge")) {
    segment.bridge = reader.string(*node, prefix + "bridge");
    check_link_name(reader, *node, prefix + "bridge", *segment.bridge);
  }
  read_ovs_keys(reader, table, prefix, segment);
  // 68 is the smallest MTU IPv4 allows (RFC 791).
  if (const auto* node = table.get("mtu")) {
    segment.mtu = static_cast<unsigned>(reader.integer(*node, prefix + "mtu", 68, 65535));
  }
  if (const auto* node = table.get("local")) {
    try {
      segment.local = tunnel::IpAddress::parse(reader.string(*node, prefix + "local"));
    } catch (const std::invalid_argument& e) {
      reader.fail(*node, prefix + "local", e.what());
    }
  } else if (!interface.addresses.empty()) {
    segment.local = interface.addresses.front().address();
  } else {
    reader.fail(table.source(), name, "needs a tunnel address: set interface.address or " + prefix + "local");
  }
  if (const auto* node = table.get("aging")) {
    // One day is far beyond any bridge's aging time; 0 would forget every address at once.
    segment.aging = std::chrono::seconds(reader.integer(*node, prefix + "aging", 1, 86400));
  }
  if (const auto* node = table.get("fdb")) segment.fdb = read_static_fdb(reader, *node, prefix, interface.peers);
  return segment;
}

std::vector<SegmentSettings> read_segments(const Reader& reader, const toml::node& node,
                                           const InterfaceSettings& interface) {
  if (node.is_table()) reader.fail(node, "segment", "write [[segment]] (double brackets), one table per segment");
  const toml::array& list = reader.array(node, "segment");
  std::vector<SegmentSettings> segments;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const toml::table& table = reader.table(list[i], indexed("segment", i));
    SegmentSettings segment = read_segment(reader, table, i, interface);
    const std::string name = indexed("segment", i);
    for (std::size_t j = 0; j < segments.size(); ++j) {
      const std::string other = indexed("segment", j);
      if (segments[j].vni == segment.vni) reader.fail(*table.get("vni"), name + ".vni", "same VNI as " + other);
      if (segments[j].tap == segment.tap) reader.fail(*table.get("tap"), name + ".tap", "same TAP as " + other);
    }
    segments.push_back(std::move(segment));
  }
  return segments;
}

ConfigDocument read_document(const Reader& reader, const toml::table& root) {
  static constexpr std::array<std::string_view, 5> kTables{"interface", "peer", "segment", "policy", "policy_defaults"};
  reader.reject_unknown_keys(root, "", kTables);
  const auto* interface_node = root.get("interface");
  if (interface_node == nullptr) reader.fail(root.source(), "interface", "missing [interface] table");
  ConfigDocument document;
  InterfaceSettings& settings = document.settings;
  settings = read_interface(reader, reader.table(*interface_node, "interface"));
  if (const auto* node = root.get("peer")) settings.peers = read_peers(reader, *node, document.peer_key_where);
  if (const auto* node = root.get("segment")) settings.segments = read_segments(reader, *node, settings);
  settings.policy = read_policy(reader, root, settings.peers);
  settings.secret_files = reader.secret_files();
  document.lookups = reader.take_lookups();
  return document;
}

[[noreturn]] void fail(const ConfigLookup& lookup, const std::string& message) {
  throw ConfigError(one_line(lookup.where + ": " + message));
}

// One base64 key, surrounding whitespace ignored.
void read_key_file(const ConfigLookup& lookup, std::span<std::uint8_t, 32> out) {
  std::string contents;
  try {
    contents = platform::read_small_file(lookup.value, kKeyFileLimit);
  } catch (const std::system_error& e) {
    fail(lookup, "cannot read '" + lookup.value + "': " + e.code().message());
  }
  const OnExit wipe_contents([&contents] { wipe(contents); });
  constexpr std::string_view kSpace = " \t\r\n";
  std::string_view trimmed(contents);
  trimmed.remove_prefix(std::min(trimmed.find_first_not_of(kSpace), trimmed.size()));
  trimmed.remove_suffix(trimmed.size() - (trimmed.find_last_not_of(kSpace) + 1));
  try {
    crypto::decode_base64_key(trimmed, out);
  } catch (const crypto::KeyFormatError& e) {
    fail(lookup, "'" + lookup.value + "': " + e.what());
  }
}

tunnel::Endpoint resolve(const ConfigLookup& lookup) {
  try {
    return platform::resolve_endpoint(lookup.value);
  } catch (const std::invalid_argument& e) {
    fail(lookup, e.what());
  }
}

}  // namespace

ConfigDocument parse_config_text(std::string_view toml_text, const std::filesystem::path& origin) {
  // toml++ grows strings while it reads inline keys; the blocks it lets go must not keep them.
  const crypto::WipeOnFree wipe_freed;
  try {
    const Reader reader(origin);
    toml::table root = reader.parse(toml_text);
    const OnExit wipe_tree([&root] { wipe_strings(root); });
    return read_document(reader, root);
  } catch (const ConfigError& e) {
    if (!looks_like_wg_quick(toml_text)) throw;
    throw ConfigError(std::string(e.what()) +
                      one_line(" (this is a wg-quick file, not sluice's TOML: `sluicectl import " + origin.string() +
                               "` prints its TOML equivalent)"));
  }
}

InterfaceSettings resolve_config(ConfigDocument document) {
  const crypto::WipeOnFree wipe_freed;
  InterfaceSettings& settings = document.settings;
  for (const ConfigLookup& lookup : document.lookups) {
    switch (lookup.kind) {
      case ConfigLookup::Kind::private_key_file:
        read_key_file(lookup, settings.private_key.emplace().span());
        break;
      case ConfigLookup::Kind::preshared_key_file:
        read_key_file(lookup, settings.peers.at(lookup.peer).preshared_key.emplace().span());
        break;
      case ConfigLookup::Kind::endpoint:
        settings.peers.at(lookup.peer).endpoint = resolve(lookup);
        break;
      case ConfigLookup::Kind::metrics_listen:
        settings.metrics_listen = resolve(lookup);
        break;
      case ConfigLookup::Kind::user:
        if (!platform::lookup_user(lookup.value))
          fail(lookup, "no such user " + crypto::quote_unless_key(lookup.value));
        break;
    }
  }
  const crypto::PublicKey own_key = crypto::public_from_private(*settings.private_key);
  for (std::size_t i = 0; i < settings.peers.size(); ++i) {
    if (settings.peers[i].public_key == own_key) {
      throw ConfigError(one_line(document.peer_key_where.at(i) + ": is the interface's own public key"));
    }
  }
  return std::move(settings);
}

InterfaceSettings parse_config(std::string_view toml_text, const std::filesystem::path& origin) {
  return resolve_config(parse_config_text(toml_text, origin));
}

InterfaceSettings load_config_file(const std::filesystem::path& file) {
  const crypto::WipeOnFree wipe_freed;
  std::string text;
  try {
    text = platform::read_small_file(file, kConfigFileLimit);
  } catch (const std::system_error& e) {
    throw ConfigError(one_line(file.string() + ": cannot read config file: " + e.code().message()));
  }
  const OnExit wipe_text([&text] { wipe(text); });
  return parse_config(text, file);
}

}  // namespace sluice::config
