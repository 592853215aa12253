#include "daemon/coalescer_storage.hpp"

namespace sluice::daemon {

void build_in_storage_of(tunnel::Coalescer& coalescer, DataPath& path) {
  for (std::size_t i = 0; i < tunnel::Coalescer::kSlots; ++i) {
    coalescer.set_storage(i, path.storage(coalescer.storage(i)));
  }
}

void write_coalesced(tunnel::Coalescer& coalescer, DataPath& path,
                     const std::function<void(std::span<const std::uint8_t> packet)>& write) {
  const std::size_t written = coalescer.size();
  for (std::size_t i = 0; i < written; ++i) write(coalescer.pending(i));
  coalescer.clear();
  for (std::size_t i = 0; i < written; ++i) coalescer.set_storage(i, path.storage(coalescer.storage(i)));
}

}  // namespace sluice::daemon
