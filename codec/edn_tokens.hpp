// Classification of the EDN tokens the grammar has delimited (codec/edn_grammar_def.hpp): the
// grammar finds where a number, symbol, keyword or character token ends; these functions decide
// what the token means. They are plain C++ so they compile once, outside the X3 translation unit.
// Internal to codec/.
//
// Each returns the value, or on failure the reason the token is invalid, phrased to follow
// "invalid <kind> '<token>' at line L, column C: ".
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "codec/value.hpp"

namespace quarry::edn_tokens {

// [+-]?(0|[1-9][0-9]*) → Long (an ERROR if outside int64: no silent wrap); with N → BigInt;
// with a fraction (.digits, digits optional as in Clojure) and/or an exponent → Double (magnitudes
// beyond double's range become ±Inf or ±0.0, as Clojure reads them); with M → BigDec.
// REQUIRES: token starts with an optional sign and a digit.
[[nodiscard]] std::expected<Value, std::string> number(std::string_view token);

// nil, true, false, or a symbol (ns/name, /, and ns// as Clojure allows).
// REQUIRES: token is non-empty.
[[nodiscard]] std::expected<Value, std::string> symbol(std::string_view token);

// A keyword name without its leading ':'. Like a symbol, except that the first part may start
// with a digit (:1, as Clojure allows); ::name and :/ are errors.
[[nodiscard]] std::expected<Keyword, std::string> keyword(std::string_view name);

// A tag without its leading '#': a symbol whose first character is a letter.
[[nodiscard]] std::expected<Symbol, std::string> tag(std::string_view name);

// A character literal without its backslash: one character, newline, space, tab, return,
// formfeed, backspace, or uXXXX (any UTF-16 code unit, as in Java).
[[nodiscard]] std::expected<char32_t, std::string> character(std::string_view name);

// A symbolic value without its '##': Inf, -Inf, NaN.
[[nodiscard]] std::expected<double, std::string> symbolic(std::string_view name);

}  // namespace quarry::edn_tokens
