#include "session.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <new>
#include <type_traits>

#include "forms.hpp"
#include "interrupt.hpp"
#include "table.hpp"
#include "text.hpp"

namespace quarry::repl {
namespace {

// The session's own boundary for allocation failure (the API guards its entry points too, but
// reading an import file or printing a huge result happens here): a std::bad_alloc becomes
// :quarry/out-of-memory for this form, and the session goes on.
template <class Body>
auto out_of_memory_as_error(std::string_view what, Body&& body) -> std::invoke_result_t<Body> {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::OutOfMemory, "out of memory while " + std::string(what));
  }
}

EdnReadOptions reader_options() {
  EdnReadOptions options;
  options.skip_quote = true;  // '[:find ...] pasted from Clojure (doc/architecture.md, "The quarry command")
  return options;
}

}  // namespace

Session::Session(Database& database, SessionOptions options)
    : database_(database),
      context_{.database = database, .cancel = &interrupt_flag(), .timeout = options.timeout},
      interactive_(options.interactive),
      tables_allowed_(options.interactive || options.format == OutputFormat::Table),
      format_(options.format.value_or(options.interactive ? OutputFormat::Table : OutputFormat::Edn)),
      // Script mode never runs part of a rejected form (edn_reader.hpp, StreamErrors); a person
      // at a terminal sees a syntax error at once and starts the form afresh.
      reader_(reader_options(), {},
              options.interactive ? StreamErrors::Eager : StreamErrors::WholeForm) {}

const char* Session::prompt() const noexcept {
  return reader_.has_partial_form() ? "   ...> " : "quarry> ";
}

bool Session::tables() const noexcept { return tables_allowed_ && format_ == OutputFormat::Table; }

void Session::feed_line(std::string_view line) {
  // A meta command is a line starting with '.', outside any form. Its line is fed to the reader
  // as an empty line so that later positions still count it.
  std::string_view command = trim(line);
  if (!reader_.has_partial_form() && command.starts_with('.')) {
    if (line.ends_with('\n')) reader_.feed("\n");
    drain();
    if (!quit_) run_meta_guarded(command);
    return;
  }
  reader_.feed(line);
  drain();
}

void Session::finish() {
  reader_.finish();
  drain();
}

void Session::discard_pending() { reader_.discard_pending(); }

void Session::evaluate_text(std::string_view text) {
  std::string_view command = trim(text);
  if (command.starts_with('.')) return run_meta_guarded(command);
  auto form = read_edn(text, reader_options());
  if (!form) return report(form.error());
  run_form(*form);
}

void Session::drain() {
  while (!quit_) {
    auto next = reader_.next();
    if (!next) {
      report(next.error());
      continue;
    }
    if (!*next) return;
    run_form((*next)->value);
  }
}

void Session::run_meta_guarded(std::string_view command) {
  auto done = out_of_memory_as_error("running a meta command", [&]() -> Result<void> {
    run_meta(command);
    return {};
  });
  if (!done) report(done.error());
}

void Session::run_form(const Value& form) {
  // The flag was cleared when the line was read (main.cpp), so a Ctrl-C typed while the form
  // was still being parsed cancels it too; it is cleared again once the form is done.
  auto start = std::chrono::steady_clock::now();
  Result<Outcome> result = out_of_memory_as_error("evaluating the form", [&] { return evaluate(context_, form); });
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  interrupt_flag().store(false);
  if (!result) {
    // The terminal echoed ^C where the cursor was; start the message on a line of its own.
    if (interactive_ && result.error().code == ErrorCode::QueryCancelled) print_text("\n");
    report(result.error());
  } else {
    auto printed = out_of_memory_as_error("printing the result", [&]() -> Result<void> {
      print_outcome(*result);
      return {};
    });
    if (!printed) report(printed.error());
  }
  if (timer_) std::fprintf(stderr, ";; elapsed %.3f ms\n", ms);
}

void Session::print_outcome(const Outcome& outcome) {
  if (tables()) return print_text(render_table(outcome));
  print_text(to_edn(outcome.value) + "\n");
}

void Session::print_result(const Result<Value>& result) {
  if (!result) return report(result.error());
  print_outcome(Outcome{.value = *result});
}

void Session::report(const Error& error) {
  failed_ = true;
  print_text(error.to_edn() + "\n");
}

void Session::note(const std::string& text) {
  if (interactive_) print_text(";; " + text + "\n");
}

void Session::print_text(std::string_view text) {
  if (output_failed_) return;
  std::size_t written = std::fwrite(text.data(), 1, text.size(), stdout);
  if (written == text.size() && std::fflush(stdout) == 0) return;
  // A closed pipe (SIGPIPE is ignored, so EPIPE arrives here) or a full disk: stop cleanly.
  int error = errno;
  output_failed_ = true;
  quit_ = true;
  std::fprintf(stderr, "quarry: cannot write the output (%s); stopping\n", std::strerror(error));
}

}  // namespace quarry::repl
