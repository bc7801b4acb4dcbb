// Appending an EDN string literal (with quotes and escapes) — used by the printer and by Error.
#pragma once

#include <string>
#include <string_view>

namespace quarry {

// Appends "..." with \" \\ \n \t \r escaped and other control bytes as \uXXXX. Bytes >= 0x80
// are copied unchanged (strings are UTF-8).
void append_edn_string(std::string& out, std::string_view s);

}  // namespace quarry
