// Ctrl-C while a form runs (interactive mode). The SIGINT handler only sets a flag: the running
// query polls it (QueryOptions::cancel) and stops with :query/cancelled, and .import checks it
// between batches. At the prompt Ctrl-C never raises SIGINT — the line editor turns the terminal's
// signal keys off while editing and handles the key itself (line_editor.hpp).
//
// A second Ctrl-C while the flag is still set (the running work has not noticed the first one)
// ends the process with status 130, so a form that never polls cannot trap the user.
#pragma once

#include <atomic>

namespace quarry::repl {

// Installs the SIGINT handler. Script mode does not call it: there Ctrl-C ends the process.
void install_interrupt_handler();

// The flag the handler sets. Clear it before running a form.
[[nodiscard]] std::atomic<bool>& interrupt_flag() noexcept;

}  // namespace quarry::repl
