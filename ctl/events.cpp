#include "ctl/events.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "ctl/stream_signals.hpp"
#include "uapi/client.hpp"
#include "uapi/error.hpp"

namespace sluice::ctl {
namespace {

void send_request(int fd, std::string_view request, const std::string& ifname) {
  for (int waits = 0; !request.empty();) {
    const ssize_t n = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    if (n > 0) {
      request.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR) && ++waits < 50) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 100);
    } else {
      throw uapi::ControlError(ifname + ": cannot send the events request: " +
                               (n < 0 ? std::strerror(errno) : "the daemon does not take it"));
    }
  }
}

// A refusal is "errno=N" and an empty line where the first event would be.
[[noreturn]] void refused(const std::string& ifname, std::string_view answer) {
  int error = 0;
  std::sscanf(std::string(answer).c_str(), "errno=%d", &error);
  if (error < 0) error = -error;
  // A sluiced from before the stream refuses it as an unknown request (EINVAL, negative).
  throw uapi::ControlError(ifname + ": the daemon refused the event stream: " + std::strerror(error) + " (errno " +
                           std::to_string(error) + ")");
}

}  // namespace

std::string events_interface(const std::optional<std::string>& ifname, const std::vector<std::string>& running) {
  if (ifname) return *ifname;
  if (running.size() == 1) return running.front();
  if (running.empty()) throw uapi::ControlError("no interface is running (no control socket); name one");
  std::string names;
  for (const std::string& name : running) names.append(names.empty() ? "" : ", ").append(name);
  throw uapi::ControlError("several interfaces are running (" + names + "); name one");
}

std::string events_request(bool json) { return json ? "events=1\nformat=json\n\n" : "events=1\n\n"; }

int run_events(const Globals& globals, const std::optional<std::string>& ifname, bool json) {
  const std::string name =
      events_interface(ifname, ifname ? std::vector<std::string>{} : uapi::socket_interfaces(globals.control_dir));
  uapi::check_interface_name(name);
  uapi::Client client(globals.control_dir, name);
  const int fd = client.fd();

  catch_stream_signals();

  send_request(fd, events_request(json), name);
  std::array<char, 64 << 10> chunk{};
  bool received = false;
  while (!stream_interrupted()) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) throw uapi::ControlError(name + ": lost the event stream: " + std::strerror(errno));
    // Another daemon (wireguard-go) hangs up on a request it does not know.
    if (n == 0 && !received) throw uapi::NotSluicedError(uapi::not_sluiced_message(name, "events=1"));
    if (n == 0) return 0;  // the daemon closed the stream: it stopped
    const std::string_view data(chunk.data(), static_cast<std::size_t>(n));
    if (!received && data.starts_with("errno=")) refused(name, data);
    received = true;
    // Per chunk, so a pipe sees each event as it comes.
    if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size() || std::fflush(stdout) != 0) {
      // A reader that went away (`| head -n 3`) ends the stream as Ctrl-C does.
      if (errno == EPIPE) return 0;
      throw uapi::ControlError(std::string("writing stdout failed: ") + std::strerror(errno));
    }
  }
  return 0;
}

}  // namespace sluice::ctl
