#include "ctl/keys.hpp"

#include "crypto/key_encoding.hpp"
#include "crypto/random.hpp"
#include "crypto/x25519.hpp"
#include "uapi/error.hpp"

namespace sluice::ctl {
namespace {

// 44 characters and a newline, reserved so the key is written into its final buffer.
constexpr std::size_t kKeyLine = 45;

crypto::SecretText key_line(std::span<const std::uint8_t, 32> key) {
  crypto::SecretText text(kKeyLine);
  text.str() = crypto::encode_base64_key(key);
  text.str().push_back('\n');
  return text;
}

}  // namespace

crypto::SecretText generate_private_key_text() { return key_line(crypto::generate_private_key().span()); }

crypto::SecretText generate_preshared_key_text() {
  crypto::PresharedKey key;
  crypto::random_bytes(key.span());
  return key_line(key.span());
}

std::string public_key_text(std::string_view input) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const std::size_t first = input.find_first_not_of(kSpace);
  const std::string_view trimmed = first == std::string_view::npos
                                       ? std::string_view{}
                                       : input.substr(first, input.find_last_not_of(kSpace) - first + 1);
  crypto::PrivateKey key;
  try {
    crypto::decode_base64_key(trimmed, key.span());
  } catch (const crypto::KeyFormatError& e) {
    throw uapi::ControlError(std::string("pubkey: standard input is not a private key: ").append(e.what()));
  }
  return crypto::encode_base64_key(crypto::public_from_private(key).span()).append("\n");
}

}  // namespace sluice::ctl
