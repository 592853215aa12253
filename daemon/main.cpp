// sluiced: the WireGuard-compatible userspace daemon.
// Command line after the cross-platform userspace convention: sluiced [-f] [--config FILE] IFNAME.
#include <fcntl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "config/config_file.hpp"
#include "crypto/key_encoding.hpp"
#include "daemon/interface.hpp"
#include "daemon/log.hpp"
#include "daemon/privileges.hpp"
#include "daemon/systemd_notify.hpp"
#include "daemon/tun_device.hpp"
#include "daemon/udp_sockets.hpp"
#include "platform/os_error.hpp"
#include "platform/secret_file_mode.hpp"

namespace {

using namespace sluice;
using namespace sluice::daemon;

// Blocks the termination signals and returns a descriptor that reads them, so the loop handles
// them like any other event.
platform::UniqueFd termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  platform::UniqueFd fd(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd.valid()) platform::throw_os_error("cannot create signalfd");
  return fd;
}

// Detaches after set-up, so errors above reached the caller's terminal and `wg` can talk to the
// socket as soon as this returns.
void detach() {
  const pid_t pid = ::fork();
  if (pid < 0) platform::throw_os_error("cannot fork");
  if (pid > 0) std::_Exit(0);
  ::setsid();
  if (::chdir("/") != 0) platform::throw_os_error("cannot chdir to /");
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::close(null);
  }
  Log::use_syslog();
}

bool env_says_foreground() {
  const char* value = std::getenv("WG_PROCESS_FOREGROUND");
  return value != nullptr && std::string(value) == "1";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sluiced: WireGuard-compatible VPN daemon"};
  app.set_version_flag("--version", SLUICE_VERSION);
  bool foreground = false;
  bool verbose = false;
  std::string config_path;
  InterfaceOptions options;
  app.add_flag("-f,--foreground", foreground, "Stay in the foreground (also WG_PROCESS_FOREGROUND=1)");
  app.add_flag("-v,--verbose", verbose, "Log debugging detail");
  // No CLI::ExistingFile check: the loader says "FILE: cannot read config file: REASON" in one line.
  app.add_option("--config", config_path, "TOML configuration file");
  std::string user_name;
  app.add_option("--user", user_name, "Run as this user once set up, keeping only CAP_NET_ADMIN (overrides user =)");
  app.add_option("--control-dir", options.control_directory, "Directory of the control socket")
      ->default_val("/run/wireguard");
  app.add_option("IFNAME", options.ifname, "Interface name")->required();
  CLI11_PARSE(app, argc, argv);

  Log::set_interface(options.ifname);
  Log::set_verbose(verbose);
  try {
    forbid_core_dumps();
    platform::validate_interface_name(options.ifname);
    // detach() changes to /, where a relative path would name another socket.
    options.control_directory = std::filesystem::absolute(options.control_directory);
    // For info=1: `sluicectl reload IFNAME` finds the file the interface started from.
    if (!config_path.empty()) options.config_file = std::filesystem::absolute(config_path);
    options.offloads = OffloadSwitches::from_disable_list(std::getenv("SLUICE_DISABLE"));
    if (const char* eio = std::getenv("SLUICE_TEST_GSO_EIO"); eio != nullptr && std::string_view(eio) == "1") {
      options.offloads.test_gso_eio = true;
      Log::info("SLUICE_TEST_GSO_EIO=1 (a test switch): every UDP GSO send fails with EIO");
    }
    // Before any thread seals or opens.
    sluice::crypto::cap_transport_code(options.offloads.crypto_code);
    options.workers = worker_count(std::getenv("SLUICE_WORKERS"));
    platform::UniqueFd signals = termination_signals();
    std::unique_ptr<Interface> interface;
    std::optional<platform::UserIdentity> user;
    {
      // A bad file is refused before anything exists. The settings hold keys: they live only
      // until the interface has applied them.
      const config::InterfaceSettings settings =
          config_path.empty() ? config::InterfaceSettings{} : config::load_config_file(config_path);
      for (const auto& file : settings.secret_files) {
        if (const auto warning = platform::exposed_secret_warning(file)) Log::warning("{}", *warning);
      }
      if (user_name.empty() && settings.user) user_name = *settings.user;
      if (!user_name.empty()) {
        user = platform::lookup_user(user_name);
        if (!user) throw std::runtime_error("--user: no such user " + sluice::crypto::quote_unless_key(user_name));
      }
      try {
        interface = std::make_unique<Interface>(options, settings);
      } catch (const PortBindError& e) {
        // Point at the line that asked for the port.
        if (settings.listen_port_source.empty()) throw;
        throw std::runtime_error(settings.listen_port_source + ": interface.listen_port: " + e.what());
      }
      if (sluice::crypto::locked_memory_failures() > 0) {
        Log::warning("keys could not be locked in memory (RLIMIT_MEMLOCK); they may be swapped out");
      }
    }
    // Before detaching and before any thread exists: capabilities are per thread.
    if (user) {
      drop_privileges(*user);
      Log::info("running as user {} (uid {}) with CAP_NET_ADMIN only", user->name, user->uid);
    }
    if (!foreground && !env_says_foreground()) detach();
    // Registered after the fork: epoll watches a signalfd through the signal queue of the process
    // that added it, so a registration made before detaching would never see the child's SIGTERM.
    // Until then the signals stay blocked and pending.
    interface->handle_signals(signals.get());
    // After the fork, so the notice comes from the process that stays (under systemd, -f anyway).
    notify_ready();
    interface->run();
    notify_stopping();
    Log::info("stopped");
    return 0;
  } catch (const std::exception& e) {
    Log::error("{}", e.what());
    return 1;
  }
}
