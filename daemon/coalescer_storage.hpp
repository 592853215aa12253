// A Coalescer whose slots are built in a DataPath's storage(), so that the super-packets (or
// super-frames) it builds go to the kernel without a copy: for the TUN device (TunOffload) and
// the TAPs of L2 segments alike.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "daemon/data_path.hpp"
#include "tunnel/offload.hpp"

namespace sluice::daemon {

// Builds every slot in `path`'s storage() from now on (the data path was just chosen). Only while
// the coalescer is empty.
void build_in_storage_of(tunnel::Coalescer& coalescer, DataPath& path);

// Hands each packet built so far to `write` (a write through `path`), in order, and clears the
// coalescer; the written slots are then built in fresh storage, as their buffers are the kernel's
// until the writes complete.
void write_coalesced(tunnel::Coalescer& coalescer, DataPath& path,
                     const std::function<void(std::span<const std::uint8_t> packet)>& write);

}  // namespace sluice::daemon
