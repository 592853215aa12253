// Fixed test-only keys (made with wg genkey / wg pubkey / wg genpsk) shared by the sluicectl suites.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "crypto/key_encoding.hpp"

namespace sluice::test {

inline const std::string kPrivate = "b1wZnbaNAvsixbGvcxuzbnJs7N3o2Ul/UnPNt2Llc0A=";
inline const std::string kPeer1 = "6x9Z45ChX02oTwbWEwPJOGX7cE5tF4HD4pJgAjKrrBI=";
inline const std::string kPeer2 = "pFnToKtrSqECNU+hmdNbvxM/yAsIlBzf/B5vhMtVZRQ=";
inline const std::string kPeer3 = "PPy6qHchEI6zaLcj44OiKMyJSXp8wQ3x1Od5h08ktXM=";
inline const std::string kPreshared = "lnxAY9P5fW7UF4CjEhuvZGi5mHygMYIlMzLRsmcZijs=";

// The control protocol's hex form of a base64 key.
inline std::string hex(const std::string& base64) {
  std::array<std::uint8_t, 32> key{};
  crypto::decode_base64_key(base64, key);
  return crypto::encode_hex_key(key);
}

}  // namespace sluice::test
