// Printing values into error messages.
#pragma once

#include <string>

#include "codec/value.hpp"

namespace quarry::tx {

// The value as EDN text, shortened to about `limit` bytes (with "...") so that an error about a
// 100,000-element transaction does not carry all of it.
[[nodiscard]] std::string form_text(const Value& v, std::size_t limit = 300);

}  // namespace quarry::tx
