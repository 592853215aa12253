#include "mesh/stream_event.hpp"

namespace sluice::mesh {
namespace {

constexpr std::size_t kMaxValue = 256;

std::string fit(std::string_view value) {
  std::string out(value.substr(0, kMaxValue));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < ' ' || c == '\x7f') c = ' ';
  }
  return out;
}

}  // namespace

std::string stream_event_request(std::string_view kind, const EventFields& fields) {
  std::string request("publish=1\nsource=mesh\nevent=");
  request.append(kind).push_back('\n');
  for (const auto& [key, value] : fields) request.append(key).append("=").append(fit(value)).push_back('\n');
  request.push_back('\n');
  return request;
}

}  // namespace sluice::mesh
