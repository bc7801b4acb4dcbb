#include "query/aggregates.hpp"

#include <algorithm>
#include <array>

namespace quarry::query {
namespace {

Result<Value> agg_count(std::span<const Value>, std::vector<Value>& values) {
  return Value(static_cast<std::int64_t>(values.size()));
}

constexpr std::array kAggregates{
    Aggregate{"count", 0, 0, &agg_count},
};

}  // namespace

const Aggregate* find_aggregate(std::string_view name) noexcept {
  for (const Aggregate& a : kAggregates)
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace quarry::query
