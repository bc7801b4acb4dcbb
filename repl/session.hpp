// A `quarry` session: reads a stream of EDN forms and meta commands, evaluates them against one
// Database and prints one line of EDN per form (DESIGN.md §7).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include <quarry/quarry.hpp>

namespace quarry::repl {

class Session {
 public:
  // `interactive`: a person at a terminal (prompts, a banner); otherwise script mode.
  Session(Database& database, bool interactive);

  // Feeds one line of input (with or without its '\n') and evaluates every form it completes.
  void feed_line(std::string_view line);
  // Declares the end of input: a form left unfinished is reported as an error.
  void finish();

  // Evaluates exactly one form given as text (`quarry DIR -e FORM`).
  void evaluate_text(std::string_view text);

  [[nodiscard]] bool quit_requested() const noexcept { return quit_; }
  [[nodiscard]] bool any_failed() const noexcept { return failed_; }
  // The prompt for the next line: a continuation while a form is incomplete.
  [[nodiscard]] const char* prompt() const noexcept;

 private:
  void drain();
  void run_form(const Value& form);
  void run_meta(std::string_view command);
  void print_result(const Result<Value>& result);
  void print_line(const std::string& text);
  void report(const Error& error);

  Database& database_;
  bool interactive_;
  EdnStreamReader reader_;
  bool timer_ = false;
  bool quit_ = false;
  bool failed_ = false;
};

}  // namespace quarry::repl
