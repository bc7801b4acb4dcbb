// Internal to api/: a small JSON reader (RFC 8259) for JSON Lines imports. It reads one JSON
// text into a tree that keeps numbers as written (so the schema can make them longs or doubles)
// and object members in order (so a repeated key can be refused).
//
// Accepted: exactly RFC 8259 — no comments, no trailing commas, no single quotes, no NaN; strings
// with the escapes \" \\ \/ \b \f \n \r \t \uXXXX (surrogate pairs joined; a lone surrogate is an
// error) and no raw control characters; the bytes of strings are not checked to be UTF-8.
// Nesting deeper than kMaxJsonDepth is an error, so a hostile line cannot exhaust the stack.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <quarry/quarry.hpp>

namespace quarry::import_detail {

inline constexpr std::size_t kMaxJsonDepth = 64;

struct Json {
  enum class Kind : unsigned char { Null, Boolean, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  std::string text;  // a Number as written, a String decoded
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;  // in the order written
  std::size_t column = 0;  // of its first character, 1-based, in bytes
};

// `text` holds exactly one JSON value, with optional whitespace around it. Errors
// (InvalidArgument): "column C: what was expected", C counted in bytes from 1.
[[nodiscard]] Result<Json> parse_json(std::string_view text);

// The kind as a word for messages ("an object", "a number", ...).
[[nodiscard]] const char* json_kind_name(Json::Kind kind) noexcept;

}  // namespace quarry::import_detail
