// Results as text tables, for interactive mode (`.format table`, the default at a terminal).
//
//   ?name | ?age
//  -------+------
//   "Ann" |   42
//   "Bob" |   27
//  (2 rows)
//
// Tables are drawn for query relations, collections and tuples (one column per :find element,
// headed by QueryResult::columns; a relation of maps from :keys gets one column per key) and for
// datoms and entity history ([e a v tx added]). Everything else — maps from entity and pull,
// transaction reports, scalars, plans — prints as one line of EDN. Cells are EDN (so "1" and 1
// differ); numbers are right-aligned. At most kMaxTableRows rows are drawn; the count line says
// how many there were.
#pragma once

#include <cstddef>
#include <string>

#include "outcome.hpp"

namespace quarry::repl {

inline constexpr std::size_t kMaxTableRows = 1000;

// The text to show for `outcome`, ending with '\n'.
[[nodiscard]] std::string render_table(const Outcome& outcome);

}  // namespace quarry::repl
