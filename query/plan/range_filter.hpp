// Range predicates as index ranges: [?e :salary ?s] [(> ?s 50000)] reads only the AVET datoms of
// :salary above 50000 instead of every :salary datom.
//
// find_range looks at the predicates among `clauses` of the forms (op ?v C) and
// (op C ?v), op one of < <= > >=, where C is a constant or a variable bound to a single value
// (a scalar input), and combines them into a ValueRange (query/plan/pattern.hpp). The predicates stay
// in the plan and still filter afterwards: the range only narrows the scan, so the result is the
// same whichever values the index orders near a bound (values of every kind compare, in index
// order, as the built-in comparisons do). A plan may hand the predicates to the range scan itself
// (range_tests), which then keeps exactly the datoms they keep.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "query/parse/ast.hpp"
#include "query/plan/pattern.hpp"

namespace quarry::query {

// The range an AVET scan reads for `range`: widened so that it holds every value the predicates
// may keep (see scan_bound in the .cpp: 3 and 3.0, -0.0 and 0.0, values longer than the in-key
// limit).
[[nodiscard]] ValueRange scan_range(const ValueRange& range);

// `candidates`: the indices of the clauses that may be range predicates (range_predicates()); the
// others are not looked at, so that planning stays linear in the clauses per step. A predicate on
// ?v needs ?v bound, so none of them has run while the pattern binding ?v has not.
[[nodiscard]] ValueRange find_range(std::span<const Clause> clauses, std::span<const std::size_t> candidates,
                                    const std::string& var, const ScalarLookup& scalar);
// The indices of the clauses of the form (op X Y), op one of < <= > >=.
[[nodiscard]] std::vector<std::size_t> range_predicates(std::span<const Clause> clauses);

// The predicates find_range uses, as tests a scan applies to the v of each datom it reads (one
// per predicate, in `candidates` order); `covered` gets their clause indices.
[[nodiscard]] std::vector<RangeTest> range_tests(std::span<const Clause> clauses, std::span<const std::size_t> candidates,
                                                 const std::string& var, const ScalarLookup& scalar,
                                                 std::vector<std::size_t>& covered);

}  // namespace quarry::query
