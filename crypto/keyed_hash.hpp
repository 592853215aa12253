// Hashes for tables whose keys come from the network (MACs a peer's frames carry, source
// addresses of handshakes): SipHash-2-4 under a random key made once per process, so a sender
// cannot choose keys that share a bucket and turn each lookup into a walk of a long chain.
#pragma once

#include <cstdint>
#include <span>

namespace sluice::crypto {

[[nodiscard]] std::uint64_t keyed_hash(std::span<const std::uint8_t> data) noexcept;

}  // namespace sluice::crypto
