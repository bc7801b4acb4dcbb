// A `quarry` session: reads a stream of EDN forms and meta commands, evaluates them against one
// Database and prints their results (doc/architecture.md, "The quarry command").
//
// Output: script mode and -e print exactly one line of EDN per form and per meta command that is
// not only a setting. Interactive mode prints tables by default (table.hpp); `.format edn`
// switches to EDN lines. A script keeps its EDN lines even after `.format table` — the one-line
// contract wins — unless the command line asked for tables (`--format table`), which scripts
// that want to see tables (and the table tests) use.
//
// A failed write to standard output (a closed pipe) ends the session: nothing more is evaluated.
#pragma once

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include <quarry/quarry.hpp>

#include "outcome.hpp"

namespace quarry::repl {

enum class OutputFormat : unsigned char { Edn, Table };

struct SessionOptions {
  // A person at a terminal: tables by default, progress bars, `;;` notes for settings, the
  // multi-line .help. Otherwise script mode.
  bool interactive = false;
  // The format to start with; nullopt: tables when interactive, EDN otherwise.
  std::optional<OutputFormat> format;
  // The query deadline to start with (--timeout); .timeout changes it.
  std::optional<std::chrono::milliseconds> timeout = std::nullopt;
};

class Session {
 public:
  Session(Database& database, SessionOptions options);

  // Feeds one line of input and evaluates every form it completes. The line includes its '\n'
  // (only the last line of a script may lack one): a form ending the line without it, such as
  // `42`, might still go on, and positions in messages count from it.
  void feed_line(std::string_view line);
  // Declares the end of input: a form left unfinished is reported as an error.
  void finish();
  // Ctrl-C at the prompt: drops the unfinished form.
  void discard_pending();

  // Evaluates exactly one form (or meta command) given as text (`quarry DIR -e FORM`).
  void evaluate_text(std::string_view text);

  [[nodiscard]] bool quit_requested() const noexcept { return quit_; }
  [[nodiscard]] bool any_failed() const noexcept { return failed_; }
  // True after a write to standard output failed.
  [[nodiscard]] bool output_failed() const noexcept { return output_failed_; }
  // The prompt for the next line: a continuation while a form is incomplete.
  [[nodiscard]] const char* prompt() const noexcept;

 private:
  void drain();
  void run_form(const Value& form);
  void print_outcome(const Outcome& outcome);
  void print_result(const Result<Value>& result);
  void print_text(std::string_view text);
  void note(const std::string& text);
  void report(const Error& error);
  [[nodiscard]] bool tables() const noexcept;

  // Meta commands (session_meta.cpp).
  void run_meta(std::string_view command);
  void run_meta_guarded(std::string_view command);  // run_meta, allocation failure reported
  void run_import(std::string_view argument);
  void run_export(std::string_view argument);
  void run_timeout(std::string_view argument);
  void run_backup(std::string_view argument);
  void run_compact();

  Database& database_;
  EvalContext context_;
  bool interactive_;
  bool tables_allowed_;
  OutputFormat format_;
  EdnStreamReader reader_;
  bool timer_ = false;
  bool quit_ = false;
  bool failed_ = false;
  bool output_failed_ = false;
};

}  // namespace quarry::repl
