// Protocol constants from the WireGuard paper (section 6 and the message formats of section 5.4).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::tunnel {

using namespace std::chrono_literals;

// Monotonic time injected by the caller; the core never reads a clock itself.
using Instant = std::chrono::nanoseconds;
using Duration = std::chrono::nanoseconds;

inline constexpr std::string_view kConstruction = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
inline constexpr std::string_view kIdentifier = "WireGuard v1 zx2c4 Jason@zx2c4.com";
inline constexpr std::string_view kLabelMac1 = "mac1----";
inline constexpr std::string_view kLabelCookie = "cookie--";

inline constexpr std::uint64_t kRekeyAfterMessages = 1ULL << 60;
inline constexpr std::uint64_t kRejectAfterMessages = ~0ULL - (1ULL << 13);  // 2^64 - 2^13 - 1

inline constexpr Duration kRekeyAfterTime = 120s;
inline constexpr Duration kRejectAfterTime = 180s;
inline constexpr Duration kRekeyAttemptTime = 90s;
inline constexpr Duration kRekeyTimeout = 5s;
inline constexpr Duration kRekeyTimeoutJitterMax = 333ms;
inline constexpr Duration kKeepaliveTimeout = 10s;
inline constexpr Duration kCookieSecretMaxAge = 120s;
// A received cookie is trusted a little less long than the sender keeps its secret.
inline constexpr Duration kCookieSecretLatency = 5s;
// How much older than REKEY_AFTER_TIME an initiator's session may get before a receive forces a rekey.
inline constexpr Duration kRekeyOnReceiveAge = kRejectAfterTime - kKeepaliveTimeout - kRekeyTimeout;
inline constexpr Duration kZeroKeyMaterialAfter = 3 * kRejectAfterTime;

inline constexpr int kMaxHandshakeAttempts = static_cast<int>(kRekeyAttemptTime / kRekeyTimeout);
// Initiations accepted from one peer per second (flood protection on the responder).
inline constexpr int kInitiationsPerSecond = 50;
// Packets held for a peer while its handshake is pending; the oldest is dropped beyond this.
inline constexpr std::size_t kMaxStagedPackets = 128;

}  // namespace sluice::tunnel
