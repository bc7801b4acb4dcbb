// Value and the kinds it holds.
//
// A public type of Quarry's API: defined in codec/include/quarry/types/value.hpp, which applications
// include as <quarry/types/value.hpp> (through <quarry/quarry.hpp>). Quarry's layers include this
// header, by folder like every other.
#pragma once

#include "quarry/types/value.hpp"

namespace quarry {

// compare(), except that a long and a double compare by numeric value alone (1 = 1.0, -0.0 = 0.0,
// though compare() and the index keep them apart); exact for every long and double; NaN and
// everything else by compare(). The order of query comparisons and of index-range's bounds.
[[nodiscard]] int compare_by_value(const Value& a, const Value& b) noexcept;

}  // namespace quarry
