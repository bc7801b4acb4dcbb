// The aggregates of :find: count, count-distinct, sum, avg, median, variance, stddev, min, max,
// (min n ?x), (max n ?x), distinct, rand, (rand n ?x), sample (n), as DataScript 1.8 computes them.
//
// The executor groups rows by the non-aggregate :find elements (and :with variables) and gives
// each aggregate a group's values of its variable as a bag (duplicates kept: one per row): folded
// one at a time where the aggregate has an AggregateFold, else collected and passed in one call
// (query/exec/aggregate_groups.hpp).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
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

// A group's value computed one value at a time, without collecting the bag: count, sum, avg,
// (min ?x) and (max ?x). The result equals what the aggregate's call gives for the same values in
// the same order, errors included: a value the fold cannot take (a sum or avg of something other
// than a long or double) makes the result the error the call gives for the bag, which names the
// first such value. The fold owns what it keeps (min and max copy the best value so far), so the
// values added need not outlive add(): rows streamed into groups are gone once added.
class AggregateFold {
 public:
  // The fold of `agg` with these constant arguments, or nullopt when it has none.
  [[nodiscard]] static std::optional<AggregateFold> of(const Aggregate& agg, std::span<const Value> const_args);

  void reset() noexcept;
  // Adds the bag's next value; false when it made the result an error (the values added after it
  // are ignored).
  bool add(const Value& v);
  // The group's value, or the error of the first value the fold could not take. REQUIRES: at
  // least one value was added.
  [[nodiscard]] Result<Value> result() const;

 private:
  enum class Kind : std::uint8_t { Count, Sum, Avg, Min, Max };
  explicit AggregateFold(Kind kind) : kind_(kind) {}
  Kind kind_;
  bool failed_ = false;   // `best_` holds the value a sum or avg could not take
  bool doubles_ = false;  // a double was added
  std::int64_t n_ = 0;
  __int128 exact_ = 0;    // the sum of the longs
  double total_ = 0;      // the sum of every value as a double, in bag order
  Value best_;            // min and max: the best value so far (nil before the first)
};

// (aggregate ?f ?x): the aggregate is the one the :in input ?f names (a symbol naming a built-in
// aggregate that takes only the variable, or a custom one).
inline constexpr std::string_view kAggregateInput = "aggregate";

// nullptr for an unknown name (built-in aggregates only).
[[nodiscard]] const Aggregate* find_aggregate(std::string_view name) noexcept;

// ---- custom aggregates (custom_aggregates.cpp) ----
// An aggregate the application registers, called in :find as (name ?x): it gets the group's bag
// (one value per row, duplicates kept, never empty; entity ids and refs as longs) and returns the
// group's value, or an error that ends the query (a :query/function error is the usual one).
// It may be called from several threads at once (one call per group of each running query).
using CustomAggregate = std::function<Result<Value>(std::span<const Value> values)>;

// Registers `fn` under `name` for every query of the process that is parsed from now on,
// replacing an earlier registration of the same name. Thread-safe. :query/invalid when the name is
// not a plain symbol (e.g. "my/median"; not "?x", "$x", "_"), names a built-in aggregate, or `fn`
// is empty.
[[nodiscard]] Result<void> register_custom_aggregate(std::string_view name, CustomAggregate fn);
// The registered aggregate, or nullptr. The function stays valid while the caller holds it, even
// if it is replaced meanwhile. Thread-safe.
[[nodiscard]] std::shared_ptr<const CustomAggregate> find_custom_aggregate(std::string_view name);

}  // namespace quarry::query
