// Interactive line input through libedit: emacs-style editing, history persisted to a file, and
// Ctrl-C / Ctrl-D as the REPL wants them. Used only when standard input is a terminal; script
// mode never touches libedit.
//
// While a line is being edited the terminal's signal keys are off (`setty -d -isig`), so Ctrl-C is
// an ordinary key that ends the read with Event::Interrupt (the caller drops its pending input);
// between reads the terminal is as it was, so Ctrl-C during a running form raises SIGINT
// (interrupt.hpp). Not thread-safe; one LineEditor per process.
#pragma once

#include <string>
#include <string_view>

struct editline;
struct history;

namespace quarry::repl {

class LineEditor {
 public:
  enum class Event : unsigned char {
    Line,       // a line was entered; `text` holds it without its '\n'
    Interrupt,  // Ctrl-C: the line was abandoned
    End,        // Ctrl-D on an empty line, or the terminal went away
  };
  struct Input {
    Event event = Event::End;
    std::string text;
  };

  // `history_path` empty: history for this session only.
  LineEditor(const char* program_name, std::string history_path);
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  [[nodiscard]] Input read(std::string_view prompt);
  // Adds a line to the history (and its file): what up-arrow recalls.
  void remember(std::string_view line);

  // $QUARRY_HISTORY if set, else ~/.quarry_history; empty when neither can be found.
  [[nodiscard]] static std::string default_history_path();

 private:
  static char* prompt_of(editline* el);
  static unsigned char on_interrupt(editline* el, int ch);

  editline* el_ = nullptr;
  history* history_ = nullptr;
  std::string history_path_;
  std::string prompt_;
  bool interrupted_ = false;
};

}  // namespace quarry::repl
