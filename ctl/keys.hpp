// genkey, pubkey and genpsk, as `wg` does them: base64 keys, one per line.
#pragma once

#include <string_view>

#include "crypto/secret_text.hpp"

namespace sluice::ctl {

// A fresh X25519 private key, base64, with a newline.
[[nodiscard]] crypto::SecretText generate_private_key_text();
// A fresh 32-byte preshared key, base64, with a newline.
[[nodiscard]] crypto::SecretText generate_preshared_key_text();
// The public key of the base64 private key in `input` (white space around it ignored), base64,
// with a newline. Throws uapi::ControlError without quoting the input.
[[nodiscard]] std::string public_key_text(std::string_view input);

}  // namespace sluice::ctl
