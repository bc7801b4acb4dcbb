#include "line_editor.hpp"

#include <histedit.h>

#include <cstdio>
#include <cstdlib>

namespace quarry::repl {

std::string LineEditor::default_history_path() {
  if (const char* path = std::getenv("QUARRY_HISTORY"); path && *path) return path;
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.quarry_history";
  return {};
}

LineEditor::LineEditor(const char* program_name, std::string history_path)
    : history_path_(std::move(history_path)) {
  HistEvent event;
  history_ = history_init();
  ::history(history_, &event, H_SETSIZE, 1000);
  ::history(history_, &event, H_SETUNIQUE, 1);
  if (!history_path_.empty()) ::history(history_, &event, H_LOAD, history_path_.c_str());

  el_ = el_init(program_name, stdin, stdout, stderr);
  el_set(el_, EL_CLIENTDATA, this);
  el_set(el_, EL_EDITOR, "emacs");
  el_set(el_, EL_HIST, ::history, history_);
  el_set(el_, EL_PROMPT, &LineEditor::prompt_of);
  el_set(el_, EL_SIGNAL, 1);  // restore the terminal on a fatal signal; follow window resizes
  el_set(el_, EL_SETTY, "-d", "-isig", nullptr);
  el_set(el_, EL_ADDFN, "quarry-interrupt", "abandon the pending input", &LineEditor::on_interrupt);
  el_set(el_, EL_BIND, "^C", "quarry-interrupt", nullptr);
  el_source(el_, nullptr);  // ~/.editrc, as every libedit program does
}

LineEditor::~LineEditor() {
  el_end(el_);
  history_end(history_);
}

char* LineEditor::prompt_of(editline* el) {
  void* self = nullptr;
  el_get(el, EL_CLIENTDATA, &self);
  return static_cast<LineEditor*>(self)->prompt_.data();
}

unsigned char LineEditor::on_interrupt(editline* el, int) {
  void* self = nullptr;
  el_get(el, EL_CLIENTDATA, &self);
  static_cast<LineEditor*>(self)->interrupted_ = true;
  return CC_NEWLINE;  // ends el_gets; read() drops the text
}

LineEditor::Input LineEditor::read(std::string_view prompt) {
  prompt_ = prompt;
  interrupted_ = false;
  int count = 0;
  const char* line = el_gets(el_, &count);
  if (interrupted_) {
    std::fputs("^C\n", stdout);  // libedit leaves the cursor on the abandoned line
    std::fflush(stdout);
    return {Event::Interrupt, {}};
  }
  if (!line || count <= 0) return {Event::End, {}};
  std::string text(line, static_cast<std::size_t>(count));
  if (text.ends_with('\n')) text.pop_back();
  return {Event::Line, std::move(text)};
}

void LineEditor::remember(std::string_view line) {
  if (line.find_first_not_of(" \t") == std::string_view::npos) return;
  HistEvent event;
  std::string text(line);
  ::history(history_, &event, H_ENTER, text.c_str());
  if (!history_path_.empty()) ::history(history_, &event, H_SAVE, history_path_.c_str());
}

}  // namespace quarry::repl
