// Keywords repeat: every map key of tx-data and of an import file, every enum-like value a scan
// decodes (:sex :male, 1.33M times in a row). A Value holds a keyword in a shared box; the keywords
// met lately on this thread are kept here by their text, so that a repeated one is a lookup and
// shares one box — no check, split or allocation again, and a relation of such cells points at one
// box, not at a million scattered copies. At most 4,096 are kept per thread; past that the table
// starts over. Internal to codec/ (the EDN reader and value_codec's decoder).
#pragma once

#include <string_view>

#include "codec/value.hpp"

namespace quarry::kept_keywords {

// The kept keyword written `qualified` ("ns/name" or "name", without ':'), or null.
[[nodiscard]] const Value* find(std::string_view qualified);
// Keeps `keyword` (a Keyword value) under `qualified`.
void keep(std::string_view qualified, const Value& keyword);
// The keyword ns/name: the kept one, or a new one, kept.
[[nodiscard]] Value shared(std::string_view ns, std::string_view name);

}  // namespace quarry::kept_keywords
