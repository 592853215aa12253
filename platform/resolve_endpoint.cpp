#include "platform/resolve_endpoint.hpp"
#include "crypto/key_encoding.hpp"
#include "platform/socket_address.hpp"
#include "tunnel/parse_number.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>

namespace sluice::platform {
namespace {

[[noreturn]] void fail(std::string_view text, const std::string& message) {
  throw std::invalid_argument(crypto::quote_unless_key(text) + ": " + message);
}

bool all_of_chars(std::string_view text, std::string_view allowed) {
  return std::all_of(text.begin(), text.end(), [allowed](char c) { return allowed.find(c) != allowed.npos; });
}

std::uint16_t parse_port(std::string_view text, std::string_view port) {
  const auto value = tunnel::parse_unsigned<std::uint16_t>(port);
  if (!value || *value == 0) fail(text, "port must be a number from 1 to 65535");
  return *value;
}

std::optional<tunnel::IpAddress> parse_numeric(std::string_view host) {
  try {
    return tunnel::IpAddress::parse(host);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

tunnel::IpAddress resolve_host(std::string_view text, const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_protocol = IPPROTO_UDP;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0) {
    fail(text, "cannot resolve host: " + std::string(rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc)));
  }
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, ::freeaddrinfo);
  const auto resolved = from_sockaddr(found->ai_addr, found->ai_addrlen);
  if (!resolved) fail(text, "cannot resolve host: neither an IPv4 nor an IPv6 address");
  return resolved->address;
}

}  // namespace

std::variant<tunnel::Endpoint, EndpointName> parse_endpoint_text(std::string_view text) {
  // Checked first so that every message below can quote the text and stay one printable line
  // (and so that an embedded NUL cannot cut the name handed to the resolver short).
  if (std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; })) {
    throw std::invalid_argument("endpoint contains a space or control character");
  }
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == text.npos) fail(text, "missing ']' after the IPv6 address");
    if (close + 1 == text.size() || text[close + 1] != ':') fail(text, "missing ':port' after ']'");
    const auto host = text.substr(1, close - 1);
    const auto port = parse_port(text, text.substr(close + 2));
    const auto address = parse_numeric(host);
    if (!address || address->is_v4()) fail(text, "expected an IPv6 address between '[' and ']'");
    return tunnel::Endpoint{*address, port};
  }

  const auto colon = text.rfind(':');
  if (colon == text.npos) fail(text, "missing ':port' (expected host:port or [IPv6]:port)");
  const auto host = text.substr(0, colon);
  if (host.find(':') != host.npos) fail(text, "an IPv6 address must be written in brackets: [address]:port");
  if (host.empty()) fail(text, "missing host before ':port'");
  const auto port = parse_port(text, text.substr(colon + 1));

  // Only dotted-quad is accepted as IPv4: getaddrinfo would also take inet_aton forms such as
  // "10.1" (10.0.0.1), which are almost always typos. No real host name is all digits and dots.
  if (all_of_chars(host, "0123456789.")) {
    const auto address = parse_numeric(host);
    if (!address) fail(text, "not a valid IPv4 address");
    return tunnel::Endpoint{*address, port};
  }
  // A comma would split the set request's endpoints= list; DNS names need none of these.
  if (host.size() > 253 || !all_of_chars(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")) {
    fail(text, "not a valid host name");
  }
  return EndpointName{std::string(host), port};
}

tunnel::Endpoint resolve_endpoint(std::string_view text) {
  auto parsed = parse_endpoint_text(text);
  if (const auto* numeric = std::get_if<tunnel::Endpoint>(&parsed)) return *numeric;
  const auto& name = std::get<EndpointName>(parsed);
  return {resolve_host(text, name.host), name.port};
}

}  // namespace sluice::platform
