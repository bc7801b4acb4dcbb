// EDN string literals and the UTF-8 they hold — used by the printer, the reader and Error.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace quarry {

// Appends "..." with \" \\ \n \t \r escaped and other control bytes as \uXXXX. Bytes >= 0x80
// are copied unchanged (strings are UTF-8; a string that is not valid UTF-8 prints as text the
// reader rejects).
void append_edn_string(std::string& out, std::string_view s);

enum class Utf8Status : unsigned char {
  Valid,      // a complete, well-formed sequence
  Truncated,  // a well-formed prefix cut off by the end of the text
  Invalid,    // not UTF-8: bad lead byte, bad continuation, overlong form, surrogate, > U+10FFFF
};

struct Utf8Sequence {
  Utf8Status status = Utf8Status::Invalid;
  std::size_t length = 0;   // bytes of the sequence when Valid
  char32_t code_point = 0;  // when Valid
};

// Decodes the one UTF-8 sequence at the start of `text` (RFC 3629: shortest form only, no
// surrogates, at most U+10FFFF). REQUIRES: !text.empty().
[[nodiscard]] Utf8Sequence decode_utf8(std::string_view text) noexcept;

// Appends the UTF-8 encoding of `code_point`. REQUIRES: code_point <= 0x10FFFF and is not a
// surrogate (U+D800..U+DFFF).
void append_utf8(std::string& out, char32_t code_point);

}  // namespace quarry
