#include "session.hpp"

#include <chrono>
#include <cstdio>

#include "forms.hpp"
#include "meta.hpp"

namespace quarry::repl {
namespace {

EdnReadOptions reader_options() {
  EdnReadOptions options;
  options.skip_quote = true;  // '[:find ...] pasted from Clojure (DESIGN.md §7)
  return options;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == ',')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n' || s.back() == ','))
    s.remove_suffix(1);
  return s;
}

}  // namespace

Session::Session(Database& database, bool interactive)
    : database_(database), interactive_(interactive), reader_(reader_options()) {}

const char* Session::prompt() const noexcept {
  return reader_.has_partial_form() ? "   ...> " : "quarry> ";
}

void Session::feed_line(std::string_view line) {
  // A meta command is a line starting with '.', outside any form. Its line is fed to the reader
  // as an empty line so that later positions still count it.
  std::string_view command = trim(line);
  if (!reader_.has_partial_form() && command.starts_with('.')) {
    reader_.feed("\n");
    drain();
    run_meta(command);
    return;
  }
  reader_.feed(line);
  if (!line.ends_with('\n')) reader_.feed("\n");
  drain();
}

void Session::finish() {
  reader_.finish();
  drain();
}

void Session::evaluate_text(std::string_view text) {
  std::string_view command = trim(text);
  if (command.starts_with('.')) return run_meta(command);
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

void Session::run_form(const Value& form) {
  auto start = std::chrono::steady_clock::now();
  Result<Value> result = evaluate(database_, form);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  print_result(result);
  if (timer_) std::fprintf(stderr, ";; elapsed %.3f ms\n", ms);
}

void Session::run_meta(std::string_view command) {
  auto space = command.find_first_of(" \t");
  std::string_view name = command.substr(0, space);
  std::string_view arg = space == std::string_view::npos ? std::string_view() : trim(command.substr(space));
  if (name == ".quit" || name == ".exit") {
    quit_ = true;
  } else if (name == ".help") {
    std::fputs(help_text().c_str(), stdout);
    if (!interactive_) std::fflush(stdout);
  } else if (name == ".timer" && (arg == "on" || arg == "off")) {
    timer_ = arg == "on";
    if (interactive_) print_line(std::string(";; timer ") + (timer_ ? "on" : "off"));
  } else if (name == ".format" && arg == "edn") {
    if (interactive_) print_line(";; format edn");
  } else if (name == ".format" && arg == "table") {
    report(Error{ErrorCode::ReplUnsupported, "table output is not built yet; results print as EDN"});
  } else if (name == ".schema") {
    print_result(schema_summary(database_.db()));
  } else if (name == ".stats") {
    print_result(stats_summary(database_.db()));
  } else if (name == ".import" || name == ".export") {
    report(Error{ErrorCode::ReplUnsupported, std::string(name) + " is not built yet"});
  } else {
    report(Error{ErrorCode::ReplUnknownForm, "unknown meta command " + std::string(command) + "; .help lists them"});
  }
}

void Session::print_result(const Result<Value>& result) {
  if (!result) return report(result.error());
  print_line(to_edn(*result));
}

void Session::report(const Error& error) {
  failed_ = true;
  print_line(error.to_edn());
}

void Session::print_line(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace quarry::repl
