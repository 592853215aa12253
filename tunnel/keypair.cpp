#include "tunnel/keypair.hpp"

namespace sluice::tunnel {
namespace {

void retire(Keypairs::Retired& retired, std::unique_ptr<Keypair>& slot) {
  if (slot) retired.push_back(std::move(slot));
}

}  // namespace

Keypairs::Retired Keypairs::install(std::unique_ptr<Keypair> keypair) {
  Retired retired;
  if (keypair->initiator) {
    retire(retired, previous_);
    if (next_) {
      // An unconfirmed responder session becomes `previous` so late packets on it still decrypt.
      retire(retired, current_);
      previous_ = std::move(next_);
    } else {
      previous_ = std::move(current_);
    }
    current_ = std::move(keypair);
  } else {
    retire(retired, next_);
    retire(retired, previous_);
    next_ = std::move(keypair);
  }
  return retired;
}

bool Keypairs::confirm(const Keypair* keypair, Retired& retired) {
  if (keypair == nullptr || keypair != next_.get()) return false;
  retire(retired, previous_);
  previous_ = std::move(current_);
  current_ = std::move(next_);
  return true;
}

Keypairs::Retired Keypairs::clear_all() {
  Retired retired;
  retire(retired, current_);
  retire(retired, previous_);
  retire(retired, next_);
  return retired;
}

}  // namespace sluice::tunnel
