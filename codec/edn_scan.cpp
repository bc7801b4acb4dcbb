#include "codec/edn_scan.hpp"

#include "codec/edn_chars.hpp"

namespace quarry {

void EdnBracketScan::step(unsigned char c) noexcept {
  switch (mode_) {
    case Mode::String:
      if (c == '\\')
        mode_ = Mode::StringEscape;
      else if (c == '"')
        mode_ = Mode::Code;
      return;
    case Mode::StringEscape:
      mode_ = Mode::String;
      return;
    case Mode::Comment:
      if (c == '\n') mode_ = Mode::Code;
      return;
    case Mode::CharStart:  // the character after a backslash is literal: \( \" \;
      mode_ = Mode::Token;
      return;
    case Mode::Code:
    case Mode::Token:
      break;
  }
  switch (c) {
    case '(':
    case '[':
    case '{':
      ++depth_;
      mode_ = Mode::Code;
      return;
    case ')':
    case ']':
    case '}':
      --depth_;
      mode_ = Mode::Code;
      return;
    case '"':
      mode_ = Mode::String;
      return;
    case ';':
      mode_ = Mode::Comment;
      return;
    case '\\':
      mode_ = Mode::CharStart;
      return;
    default:
      mode_ = edn_chars::is_whitespace(c) ? Mode::Code : Mode::Token;
  }
}

std::size_t edn_resync_length(std::string_view text, std::size_t error) noexcept {
  EdnBracketScan scan;
  for (std::size_t i = 0; i < text.size(); ++i) {
    scan.step(static_cast<unsigned char>(text[i]));
    if (i >= error && scan.depth() <= 0 && scan.at_boundary()) return i + 1;
  }
  return text.size();
}

}  // namespace quarry
