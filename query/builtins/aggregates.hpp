// The aggregates of :find: count, count-distinct, sum, avg, median, variance, stddev, min, max,
// (min n ?x), (max n ?x), distinct, rand, (rand n ?x), sample (n), as DataScript 1.8 computes them.
//
// The executor groups rows by the non-aggregate :find elements (and :with variables), collects each
// aggregated variable's values for a group as a bag (duplicates kept: one per row), and calls the
// aggregate once per group.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "codec/error.hpp"
#include "codec/value.hpp"

namespace quarry::query {

struct Aggregate {
  std::string_view name;
  // How many constant arguments come before the variable: 0, or 1 for (max n ?x), (min n ?x),
  // (rand n ?x), (sample n ?x).
  int min_const_args = 0;
  int max_const_args = 0;
  // `values` is the group's bag, never empty; the aggregate may reorder it.
  Result<Value> (*call)(std::span<const Value> const_args, std::vector<Value>& values) = nullptr;
};

// nullptr for an unknown name.
[[nodiscard]] const Aggregate* find_aggregate(std::string_view name) noexcept;

}  // namespace quarry::query
