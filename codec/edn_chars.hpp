// ASCII character classes of EDN's lexical syntax, shared by the X3 grammar, the token classifiers
// and the bracket scanner. Every predicate is false for bytes >= 0x80: outside strings and comments
// EDN text is ASCII, and Boost.Spirit's own `standard` classes must never see such bytes (they
// assert). Internal to codec/.
#pragma once

namespace quarry::edn_chars {

[[nodiscard]] constexpr bool is_digit(unsigned char c) noexcept {
  return c >= '0' && c <= '9';
}

[[nodiscard]] constexpr bool is_alpha(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

[[nodiscard]] constexpr bool is_hex_digit(unsigned char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Whitespace, with the comma EDN treats as whitespace.
[[nodiscard]] constexpr bool is_whitespace(unsigned char c) noexcept {
  return c == ' ' || c == ',' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

// Characters that may continue a symbol, keyword or number token: alphanumerics and
// . * + ! - _ ? $ % & = < > / : #. Anything else ends the token.
[[nodiscard]] constexpr bool is_constituent(unsigned char c) noexcept {
  switch (c) {
    case '.':
    case '*':
    case '+':
    case '!':
    case '-':
    case '_':
    case '?':
    case '$':
    case '%':
    case '&':
    case '=':
    case '<':
    case '>':
    case '/':
    case ':':
    case '#':
      return true;
    default:
      return is_alpha(c) || is_digit(c);
  }
}

// Characters that may begin a symbol (':' begins a keyword, '#' a dispatch, digits a number).
[[nodiscard]] constexpr bool is_symbol_start(unsigned char c) noexcept {
  return is_constituent(c) && !is_digit(c) && c != ':' && c != '#';
}

// Printable ASCII other than space: what may follow the backslash of a character literal.
[[nodiscard]] constexpr bool is_graphic(unsigned char c) noexcept {
  return c > 0x20 && c < 0x7f;
}

// ASCII bytes a string holds literally (everything but the quote and the backslash).
[[nodiscard]] constexpr bool is_plain_string_byte(unsigned char c) noexcept {
  return c < 0x80 && c != '"' && c != '\\';
}

}  // namespace quarry::edn_chars
