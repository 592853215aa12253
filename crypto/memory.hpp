// Secret-holding byte arrays: wiped on destruction, compared in constant time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace sluice::crypto {

// Zeroes memory in a way the optimiser may not remove.
void wipe(void* data, std::size_t size) noexcept;

// Constant-time equality of two equally long byte ranges; false if the lengths differ.
[[nodiscard]] bool equal_ct(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;

// Constant-time test for all-zero bytes.
[[nodiscard]] bool is_zero_ct(std::span<const std::uint8_t> bytes) noexcept;

// N bytes of key material. Copies are explicit values; every instance wipes itself.
template <std::size_t N>
class SecretBytes {
 public:
  static constexpr std::size_t kSize = N;

  SecretBytes() noexcept { bytes_.fill(0); }
  explicit SecretBytes(std::span<const std::uint8_t, N> src) noexcept {
    for (std::size_t i = 0; i < N; ++i) bytes_[i] = src[i];
  }
  SecretBytes(const SecretBytes& other) noexcept : bytes_(other.bytes_) {}
  SecretBytes& operator=(const SecretBytes& other) noexcept {
    bytes_ = other.bytes_;
    return *this;
  }
  ~SecretBytes() { wipe(bytes_.data(), N); }

  [[nodiscard]] std::uint8_t* data() noexcept { return bytes_.data(); }
  [[nodiscard]] const std::uint8_t* data() const noexcept { return bytes_.data(); }
  [[nodiscard]] static constexpr std::size_t size() noexcept { return N; }
  [[nodiscard]] std::span<std::uint8_t, N> span() noexcept { return std::span<std::uint8_t, N>(bytes_); }
  [[nodiscard]] std::span<const std::uint8_t, N> span() const noexcept {
    return std::span<const std::uint8_t, N>(bytes_);
  }
  [[nodiscard]] bool is_zero() const noexcept { return is_zero_ct(span()); }
  void clear() noexcept { wipe(bytes_.data(), N); }

  friend bool operator==(const SecretBytes& a, const SecretBytes& b) noexcept { return equal_ct(a.span(), b.span()); }

 private:
  std::array<std::uint8_t, N> bytes_;
};

// Distinct types so a private key cannot be passed where a symmetric key is expected.
class PrivateKey : public SecretBytes<32> {
  using SecretBytes::SecretBytes;
};
class SymmetricKey : public SecretBytes<32> {
  using SecretBytes::SecretBytes;
};
class PresharedKey : public SecretBytes<32> {
  using SecretBytes::SecretBytes;
};

// Objects that keep keys for long (a peer, a session, an interface) derive from this, so that
// `new` places them in memory locked against swapping. Locking is best effort: beyond
// RLIMIT_MEMLOCK (an unprivileged process has a few megabytes) the object still comes, unlocked,
// and locked_memory_failures() counts it. Pages are shared with other allocations, so locks are
// counted per page and a page is unlocked when its last locked object goes. Stack copies are
// short-lived and only wiped.
struct LockedAllocation {
  static void* operator new(std::size_t size);
  static void operator delete(void* pointer, std::size_t size) noexcept;
};

// How many allocations could not be locked since the process started.
[[nodiscard]] std::size_t locked_memory_failures() noexcept;

// A Curve25519 public key: not secret, but still compared in constant time.
struct PublicKey {
  std::array<std::uint8_t, 32> bytes{};

  [[nodiscard]] std::span<const std::uint8_t, 32> span() const noexcept { return bytes; }
  [[nodiscard]] bool is_zero() const noexcept { return is_zero_ct(bytes); }
  friend bool operator==(const PublicKey& a, const PublicKey& b) noexcept { return equal_ct(a.bytes, b.bytes); }
};

struct PublicKeyHash {
  std::size_t operator()(const PublicKey& key) const noexcept;
};

}  // namespace sluice::crypto
