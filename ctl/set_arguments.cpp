#include "ctl/set_arguments.hpp"

#include <algorithm>
#include <limits>
#include <system_error>
#include <variant>

#include "crypto/key_encoding.hpp"
#include "crypto/secret_text.hpp"
#include "platform/resolve_endpoint.hpp"
#include "platform/small_file.hpp"
#include "tunnel/parse_number.hpp"
#include "uapi/error.hpp"

namespace sluice::ctl {
namespace {

// A key file is one 44-character line; anything much longer is not a key file.
constexpr std::size_t kKeyFileLimit = 4096;

std::string in_quotes(std::string_view word) {
  std::string text("'");
  text.append(word).append("'");
  return text;
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

template <class Unsigned>
Unsigned parse_unsigned(std::string_view word, std::string_view what, int base = 10) {
  const auto value = tunnel::parse_unsigned<Unsigned>(word, base);
  if (!value) {
    std::string message(what);
    message.append(": ").append(in_quotes(word)).append(" is not a number from 0 to ");
    message.append(std::to_string(std::numeric_limits<Unsigned>::max()));
    throw uapi::ControlError(message);
  }
  return *value;
}

// "off" or a number, in hex with 0x, as wg takes it.
std::uint32_t parse_fwmark(std::string_view word) {
  if (word == "off") return 0;
  if (word.starts_with("0x") || word.starts_with("0X"))
    return parse_unsigned<std::uint32_t>(word.substr(2), "fwmark", 16);
  return parse_unsigned<std::uint32_t>(word, "fwmark");
}

std::vector<tunnel::IpPrefix> parse_allowed_ips(std::string_view list) {
  std::vector<tunnel::IpPrefix> prefixes;
  while (!trim(list).empty()) {
    const std::size_t comma = std::min(list.find(','), list.size());
    const std::string_view item = trim(list.substr(0, comma));
    list.remove_prefix(std::min(comma + 1, list.size()));
    try {
      prefixes.push_back(tunnel::IpPrefix::parse(item).masked());
    } catch (const std::invalid_argument& e) {
      throw uapi::ControlError(std::string("allowed-ips: ").append(e.what()));
    }
  }
  return prefixes;
}

// Walks the words left to right; each reader takes the value after its word or says it is missing.
class Words {
 public:
  explicit Words(const std::vector<std::string>& words) : words_(words) {}
  [[nodiscard]] bool done() const { return next_ == words_.size(); }
  const std::string& take() { return words_[next_++]; }
  const std::string& value_of(std::string_view word) {
    if (done()) throw uapi::ControlError(std::string(word).append(" needs a value"));
    return take();
  }

 private:
  const std::vector<std::string>& words_;
  std::size_t next_ = 0;
};

}  // namespace

void read_key_file(const std::string& path, std::span<std::uint8_t, 32> key) {
  crypto::SecretText text;
  try {
    text.str() = platform::read_small_file(path, kKeyFileLimit);
  } catch (const std::system_error& e) {
    throw uapi::ControlError(std::string(path).append(": cannot read key file: ").append(e.code().message()));
  }
  const std::string_view trimmed = trim(text.str());
  if (trimmed.empty()) {
    std::fill(key.begin(), key.end(), std::uint8_t{0});
    return;
  }
  try {
    crypto::decode_base64_key(trimmed, key);
  } catch (const crypto::KeyFormatError& e) {
    throw uapi::ControlError(std::string(path).append(": not a key file: ").append(e.what()));
  }
}

namespace {

// A numeric endpoint as `wg` sends it; names, and several endpoints separated by commas, as
// written: sluiced resolves and follows them (a sluice extension).
void set_endpoint(uapi::PeerChange& peer, const std::string& value) {
  std::vector<std::string> list;
  for (std::size_t start = 0; start <= value.size();) {
    const std::size_t comma = std::min(value.find(',', start), value.size());
    list.push_back(value.substr(start, comma - start));
    start = comma + 1;
  }
  try {
    for (const std::string& text : list) static_cast<void>(platform::parse_endpoint_text(text));
    const auto first = platform::parse_endpoint_text(list.front());
    if (const auto* numeric = std::get_if<tunnel::Endpoint>(&first); numeric != nullptr && list.size() == 1) {
      peer.endpoint = *numeric;
      return;
    }
  } catch (const std::invalid_argument& e) {
    throw uapi::ControlError(std::string("endpoint: ").append(e.what()));
  }
  peer.endpoint_names = std::move(list);
}

}  // namespace

uapi::SetRequest parse_set_arguments(const std::vector<std::string>& arguments, const KeyFileReader& read_key) {
  uapi::SetRequest request;
  uapi::PeerChange* peer = nullptr;
  Words words(arguments);
  while (!words.done()) {
    const std::string& word = words.take();
    if (word == "peer") {
      const std::string& key = words.value_of(word);
      peer = &request.peers.emplace_back();
      try {
        crypto::decode_base64_key(key, peer->public_key.bytes);
      } catch (const crypto::KeyFormatError& e) {
        throw uapi::ControlError(std::string("peer: not a public key: ").append(e.what()));
      }
    } else if (peer == nullptr && word == "listen-port") {
      request.listen_port = parse_unsigned<std::uint16_t>(words.value_of(word), word);
    } else if (peer == nullptr && word == "fwmark") {
      request.fwmark = parse_fwmark(words.value_of(word));
    } else if (peer == nullptr && word == "private-key") {
      request.private_key.emplace();
      read_key(words.value_of(word), request.private_key->span());
    } else if (peer != nullptr && word == "remove") {
      peer->remove = true;
    } else if (peer != nullptr && word == "preshared-key") {
      peer->preshared_key.emplace();
      read_key(words.value_of(word), peer->preshared_key->span());
    } else if (peer != nullptr && word == "endpoint") {
      set_endpoint(*peer, words.value_of(word));
    } else if (peer != nullptr && word == "persistent-keepalive") {
      const std::string& value = words.value_of(word);
      peer->persistent_keepalive = value == "off" ? 0 : parse_unsigned<std::uint16_t>(value, word);
    } else if (peer != nullptr && word == "allowed-ips") {
      peer->replace_allowed_ips = true;
      peer->allowed_ips = parse_allowed_ips(words.value_of(word));
    } else {
      std::string message("unexpected ");
      message.append(in_quotes(word));
      message.append(peer == nullptr ? " (expected listen-port, fwmark, private-key or peer)"
                                     : " after a peer (expected remove, preshared-key, endpoint, persistent-keepalive, "
                                       "allowed-ips or another peer)");
      throw uapi::ControlError(message);
    }
  }
  if (request.peers.empty() && !request.private_key && !request.listen_port && !request.fwmark) {
    throw uapi::ControlError("nothing to set (see sluicectl set --help)");
  }
  return request;
}

}  // namespace sluice::ctl
