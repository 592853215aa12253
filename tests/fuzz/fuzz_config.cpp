// The TOML configuration loader: any text must give settings or one ConfigError, nothing else.
// Run without a network (tests/fuzz.sh uses a namespace of its own), since a host name in an
// endpoint is resolved.
#include <string_view>

#include "daemon/config_file.hpp"

using namespace sluice;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    // Relative key file paths resolve under a directory that does not exist.
    static_cast<void>(daemon::parse_config(text, "/nonexistent/sluice-fuzz/wg0.toml"));
  } catch (const daemon::ConfigError&) {
  }
  return 0;
}
