// The control-socket protocol: any request text against a core that has a key and two peers,
// then a get=1 and a stats=1 of whatever state the request left.
#include <string_view>

#include "daemon/uapi.hpp"
#include "fuzz_pair.hpp"

using namespace sluice;
using namespace sluice::fuzz;

namespace {

// The daemon's side of a request, without sockets: port and mark changes always succeed.
class Target : public daemon::UapiTarget {
 public:
  explicit Target(tunnel::Device& device) : device_(device) {}
  tunnel::Device& device() override { return device_; }
  [[nodiscard]] std::uint16_t listen_port() const override { return port_; }
  int set_listen_port(std::uint16_t port) override {
    port_ = port == 0 ? 40000 : port;
    return 0;
  }
  [[nodiscard]] std::uint32_t fwmark() const override { return mark_; }
  int set_fwmark(std::uint32_t mark) override {
    mark_ = mark;
    return 0;
  }
  [[nodiscard]] tunnel::Instant now() const override { return 1000s; }
  void persistent_keepalive_enabled(tunnel::Peer& peer) override { device_.send_keepalive(peer, now(), sink_); }

 private:
  tunnel::Device& device_;
  test::RecordingSink sink_{kQueueLimit};
  std::uint16_t port_ = 51820;
  std::uint32_t mark_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Pair pair(true);
  Target target(pair.a);
  const std::string_view request(reinterpret_cast<const char*>(data), size);
  static_cast<void>(daemon::handle_request(request, target));
  static_cast<void>(daemon::handle_request("get=1\n\n", target));
  static_cast<void>(daemon::handle_request("stats=1\n\n", target));
  return 0;
}
