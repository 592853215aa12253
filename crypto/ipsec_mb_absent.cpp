// Builds without Intel's IPsec Multi-Buffer library, which Debian ships for amd64 only:
// libsodium seals and opens transport data.
#include "crypto/transport_cipher.hpp"

namespace sluice::crypto {

bool ipsec_mb_built_in() noexcept { return false; }

std::unique_ptr<TransportCipher> make_ipsec_mb_cipher(TransportCode) { return nullptr; }

}  // namespace sluice::crypto
