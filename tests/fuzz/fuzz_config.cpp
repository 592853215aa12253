// The TOML configuration parser: any text must give a document or one ConfigError, nothing else.
// parse_config_text is pure (no file, name or user lookups), so this runs anywhere, with no
// network namespace around it.
#include <string_view>

#include "config/config_file.hpp"

using namespace sluice;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    static_cast<void>(config::parse_config_text(text, "/nonexistent/sluice-fuzz/wg0.toml"));
  } catch (const config::ConfigError&) {}
  return 0;
}
