// A lexical scanner that follows bracket nesting through EDN text without parsing it: it knows
// strings, character literals and comments, so brackets inside them do not count. The stream
// reader uses it to decide cheaply whether buffered text could hold a complete form, and to skip
// the rest of a top-level form after a syntax error. It never fails; on malformed text it gives a
// best-effort answer. Internal to codec/.
#pragma once

#include <cstddef>
#include <string_view>

namespace quarry {

class EdnBracketScan {
 public:
  // Advances over one byte.
  void step(unsigned char c) noexcept;
  void scan(std::string_view text) noexcept {
    for (char c : text) step(static_cast<unsigned char>(c));
  }

  // Open brackets minus close brackets seen so far (negative after a stray closer).
  [[nodiscard]] long depth() const noexcept { return depth_; }
  // True when the scan is not inside a string, a character literal or a token, i.e. at a point
  // where a top-level form could have ended.
  [[nodiscard]] bool at_boundary() const noexcept {
    return mode_ == Mode::Code || mode_ == Mode::Comment;
  }
  // True when everything opened so far has been closed (and no string is open).
  [[nodiscard]] bool balanced() const noexcept {
    return depth_ <= 0 && mode_ != Mode::String && mode_ != Mode::StringEscape;
  }

 private:
  enum class Mode : unsigned char { Code, Token, String, StringEscape, CharStart, Comment };
  Mode mode_ = Mode::Code;
  long depth_ = 0;
};

// The length of the prefix of `text` to skip after a syntax error at offset `error` in a
// top-level form that starts at offset 0: through the end of that form if the brackets close
// within `text` (at least past the error), else all of `text`.
[[nodiscard]] std::size_t edn_resync_length(std::string_view text, std::size_t error) noexcept;

}  // namespace quarry
