// Text that carries key material (a get answer, a set request, a TOML file with keys): wiped when
// it goes, like the daemon wipes its copies. Callers reserve enough up front, because a string
// that grows leaves its old buffer behind unwiped.
#pragma once

#include <cstddef>
#include <string>
#include <utility>

#include "crypto/memory.hpp"

namespace sluice::crypto {

class SecretText {
 public:
  SecretText() = default;
  explicit SecretText(std::size_t reserve) { text_.reserve(reserve); }
  SecretText(SecretText&& other) noexcept : text_(std::move(other.text_)) { other.wipe(); }
  SecretText& operator=(SecretText&& other) noexcept {
    if (this != &other) {
      wipe();
      text_ = std::move(other.text_);
      other.wipe();
    }
    return *this;
  }
  SecretText(const SecretText&) = delete;
  SecretText& operator=(const SecretText&) = delete;
  ~SecretText() { wipe(); }

  [[nodiscard]] std::string& str() noexcept { return text_; }
  [[nodiscard]] const std::string& str() const noexcept { return text_; }

 private:
  // Short strings live inside the object itself (SSO), so the whole capacity is wiped either way.
  void wipe() noexcept {
    text_.resize(text_.capacity());
    crypto::wipe(text_.data(), text_.size());
    text_.clear();
  }

  std::string text_;
};

}  // namespace sluice::crypto
