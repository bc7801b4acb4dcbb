#include "interrupt.hpp"

#include <unistd.h>

#include <csignal>

namespace quarry::repl {
namespace {

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the flag is set from a signal handler");

extern "C" void on_sigint(int) {
  if (g_interrupted.exchange(true)) {
    constexpr char message[] = "\nquarry: interrupted twice, exiting\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, message, sizeof message - 1);
    ::_exit(130);
  }
}

}  // namespace

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // other system calls go on; only the flag matters
  sigaction(SIGINT, &action, nullptr);
}

std::atomic<bool>& interrupt_flag() noexcept { return g_interrupted; }

}  // namespace quarry::repl
