#include "tunnel/transport_job.hpp"

#include <span>

#include "crypto/aead.hpp"
#include "tunnel/messages.hpp"

namespace sluice::tunnel {

void TransportJob::run() noexcept {
  const std::span<std::uint8_t> body = std::span(datagram_).subspan(kTransportHeaderSize);
  try {
    if (kind_ == Kind::seal) {
      crypto::wg_aead_encrypt(body, body.first(body.size() - crypto::kAeadTagSize), counter_, keypair_->send_key, {});
      ok_ = true;
    } else {
      ok_ = crypto::wg_aead_decrypt(body, body, counter_, keypair_->receive_key, {});
    }
  } catch (const std::exception&) {
    ok_ = false;  // the cipher refused the buffer sizes (never for a job the core made): dropped
  }
  done_.store(true, std::memory_order_release);
}

}  // namespace sluice::tunnel
