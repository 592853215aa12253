// Which data-path features sluiced may use. All are on unless SLUICE_DISABLE (a comma-separated
// list: vnet, tap-vnet, uso, gso, gro, uring, multishot-reads, avx512, avx2, avx, ipsec-mb)
// turns some off, to compare or to work around a kernel that misbehaves; a feature the kernel or
// CPU lacks is turned off by its probe at start instead.
#pragma once

#include <string_view>

#include "crypto/aead.hpp"

namespace sluice::daemon {

struct OffloadSwitches {
  bool vnet = true;  // TUN with IFF_VNET_HDR and TSO/USO/checksum offloads (and coalesced writes)
  // The same for the TAP devices of L2 segments; "vnet" turns it off too, "tap-vnet" only this.
  bool tap_vnet = true;
  // UDP datagrams from peers coalesced into super-packets for TUN and TAP devices that take them
  // (TUN_F_USO4/6), as TCP segments are.
  bool uso = true;
  bool gso = true;    // UDP_SEGMENT: a batch of datagrams to one endpoint in one sendmsg
  bool gro = true;    // UDP_GRO: several datagrams from one sender in one recvmsg
  bool uring = true;  // TUN and UDP I/O through io_uring instead of read/recvmsg/sendmsg/write
  // With io_uring: each device read by one multishot read (Linux 6.8) rather than by plain reads
  // (one io_uring read, then read(2) for the rest of the turn's packets).
  bool multishot_reads = true;
  // The newest instruction set transport crypto may use; turning one off turns off the newer ones,
  // and ipsec-mb turns off the library that has them (libsodium then seals).
  crypto::TransportCode crypto_code = crypto::TransportCode::avx512;
  // Test switch, not a feature (SLUICE_TEST_GSO_EIO=1): every UDP GSO send fails with EIO, as on a
  // route whose device has no checksum offload, to test that GSO then goes off.
  bool test_gso_eio = false;

  // From the value of SLUICE_DISABLE (nullptr: nothing disabled). Unknown words are logged and
  // ignored.
  [[nodiscard]] static OffloadSwitches from_disable_list(const char* list);
};

}  // namespace sluice::daemon
