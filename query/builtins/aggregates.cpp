// The aggregates of :find, as DataScript 1.8 computes them (datascript.built-ins/aggregates),
// with Clojure-on-the-JVM number types where DataScript only has JavaScript numbers:
//   count, count-distinct   longs
//   sum                     a long for longs (an overflow is an error), else a double
//   avg, variance, stddev   doubles; variance is the population variance
//   median                  the middle value after sorting; for an even count the mean of the two
//                           middle values, a long when exact (as (/ a b) is), else a double
//   min, max                any values, by query_compare; (min n ?x) / (max n ?x) the n smallest /
//                           largest as a vector in ascending order
//   distinct                a set
//   rand                    one value; (rand n ?x) a vector of n values drawn with replacement
//   sample                  (sample n ?x) a vector of up to n values drawn without replacement
//                           from the bag (so a value repeated in the bag may repeat)
// sum, avg, median (of an even count), variance and stddev of a non-number are :query/function
// errors (DataScript yields JavaScript artifacts: "0a", NaN).
#include "query/builtins/aggregates.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "query/builtins/builtin_families.hpp"

namespace quarry::query {
namespace {

using builtins::abbreviated_edn;
using builtins::as_number;
using builtins::query_compare;

Error agg_error(std::string_view agg, std::string reason) {
  return Error{ErrorCode::QueryFunction, std::string(agg) + " aggregate: " + reason};
}

Result<void> all_numbers(std::string_view agg, const std::vector<Value>& values) {
  for (const Value& v : values)
    if (!v.is_number()) return std::unexpected(agg_error(agg, "not a number: " + abbreviated_edn(v)));
  return {};
}

bool any_double(const std::vector<Value>& values) {
  return std::any_of(values.begin(), values.end(), [](const Value& v) { return v.is<double>(); });
}

// The exact sum of longs (no overflow: |sum| < 2^63 * 2^64 for any bag that fits in memory).
__int128 exact_sum(const std::vector<Value>& values) {
  __int128 sum = 0;
  for (const Value& v : values) sum += v.as<std::int64_t>();
  return sum;
}

// The sum of numbers as doubles, in bag order (as DataScript's (reduce + 0 coll)).
double double_sum(const std::vector<Value>& values) {
  double sum = 0;
  for (const Value& v : values) sum += as_number(v)->as_double();
  return sum;
}

double mean(const std::vector<Value>& values) {
  if (any_double(values)) return double_sum(values) / static_cast<double>(values.size());
  return static_cast<double>(static_cast<long double>(exact_sum(values)) / static_cast<long double>(values.size()));
}

// REQUIRES: the values are numbers (checked by the callers).
double population_variance(const std::vector<Value>& values) {
  double m = mean(values), total = 0;
  for (const Value& v : values) {
    double d = as_number(v)->as_double() - m;
    total += d * d;
  }
  return total / static_cast<double>(values.size());
}

void sort_values(std::vector<Value>& values) {
  std::stable_sort(values.begin(), values.end(),
                   [](const Value& a, const Value& b) { return query_compare(a, b) < 0; });
}

// The one constant argument n of (max n ?x) etc.: a non-negative long.
Result<std::size_t> count_arg(std::string_view agg, std::span<const Value> const_args) {
  const auto* n = const_args.empty() ? nullptr : const_args[0].get_if<std::int64_t>();
  if (!n || *n < 0)
    return std::unexpected(agg_error(
        agg, "expects a non-negative long before the variable, got " +
                 (const_args.empty() ? std::string("nothing") : abbreviated_edn(const_args[0]))));
  return static_cast<std::size_t>(*n);
}

Result<Value> agg_count(std::span<const Value>, std::vector<Value>& values) {
  return Value(static_cast<std::int64_t>(values.size()));
}

void sort_distinct(std::vector<Value>& values) {
  std::sort(values.begin(), values.end(), [](const Value& a, const Value& b) { return compare(a, b) < 0; });
  values.erase(std::unique(values.begin(), values.end()), values.end());
}

Result<Value> agg_count_distinct(std::span<const Value>, std::vector<Value>& values) {
  sort_distinct(values);
  return Value(static_cast<std::int64_t>(values.size()));
}

Result<Value> agg_distinct(std::span<const Value>, std::vector<Value>& values) {
  sort_distinct(values);
  Set out;
  (void)make_set(std::move(values), out);  // sorted and distinct: cannot fail
  return Value(std::move(out));
}

Result<Value> agg_sum(std::span<const Value>, std::vector<Value>& values) {
  if (auto ok = all_numbers("sum", values); !ok) return std::unexpected(ok.error());
  if (any_double(values)) return Value(double_sum(values));
  __int128 sum = exact_sum(values);
  if (sum > std::numeric_limits<std::int64_t>::max() || sum < std::numeric_limits<std::int64_t>::min())
    return std::unexpected(agg_error("sum", "long overflow"));
  return Value(static_cast<std::int64_t>(sum));
}

Result<Value> agg_avg(std::span<const Value>, std::vector<Value>& values) {
  if (auto ok = all_numbers("avg", values); !ok) return std::unexpected(ok.error());
  if (values.empty()) return Value();
  return Value(mean(values));
}

Result<Value> agg_variance(std::span<const Value>, std::vector<Value>& values) {
  if (auto ok = all_numbers("variance", values); !ok) return std::unexpected(ok.error());
  if (values.empty()) return Value();
  return Value(population_variance(values));
}

Result<Value> agg_stddev(std::span<const Value>, std::vector<Value>& values) {
  if (auto ok = all_numbers("stddev", values); !ok) return std::unexpected(ok.error());
  if (values.empty()) return Value();
  return Value(std::sqrt(population_variance(values)));
}

Result<Value> agg_median(std::span<const Value>, std::vector<Value>& values) {
  if (values.empty()) return Value();
  sort_values(values);
  std::size_t mid = values.size() / 2;
  if (values.size() % 2 == 1) return values[mid];
  const Value &a = values[mid - 1], &b = values[mid];
  if (!a.is_number() || !b.is_number())
    return std::unexpected(agg_error("median", "cannot average " + abbreviated_edn(a) + " and " + abbreviated_edn(b)));
  if (a.is<std::int64_t>() && b.is<std::int64_t>()) {
    __int128 sum = static_cast<__int128>(a.as<std::int64_t>()) + b.as<std::int64_t>();
    if (sum % 2 == 0) return Value(static_cast<std::int64_t>(sum / 2));
    return Value(static_cast<double>(static_cast<long double>(sum) / 2));
  }
  return Value((as_number(a)->as_double() + as_number(b)->as_double()) / 2);
}

// (min ?x) / (max ?x): the first least / greatest value. (min n ?x) / (max n ?x): the n least /
// greatest, ascending.
template <int want>
Result<Value> agg_extreme(std::span<const Value> const_args, std::vector<Value>& values) {
  std::string_view name = want < 0 ? "min" : "max";
  if (const_args.empty()) {
    if (values.empty()) return Value();
    std::size_t best = 0;
    for (std::size_t i = 1; i < values.size(); ++i)
      if (query_compare(values[i], values[best]) * want > 0) best = i;
    return values[best];
  }
  auto n = count_arg(name, const_args);
  if (!n) return std::unexpected(n.error());
  sort_values(values);
  std::size_t take = std::min(*n, values.size());
  auto first = want < 0 ? values.begin() : values.end() - static_cast<std::ptrdiff_t>(take);
  return Value(Vector{std::vector<Value>(first, first + static_cast<std::ptrdiff_t>(take))});
}

Result<Value> agg_rand(std::span<const Value> const_args, std::vector<Value>& values) {
  if (values.empty()) return const_args.empty() ? Value() : Value(Vector{});
  std::uniform_int_distribution<std::size_t> pick(0, values.size() - 1);
  auto& engine = builtins::random_engine();
  if (const_args.empty()) return values[pick(engine)];
  auto n = count_arg("rand", const_args);
  if (!n) return std::unexpected(n.error());
  Vector out;
  out.items.reserve(*n);
  for (std::size_t i = 0; i < *n; ++i) out.items.push_back(values[pick(engine)]);
  return Value(std::move(out));
}

Result<Value> agg_sample(std::span<const Value> const_args, std::vector<Value>& values) {
  auto n = count_arg("sample", const_args);
  if (!n) return std::unexpected(n.error());
  std::shuffle(values.begin(), values.end(), builtins::random_engine());
  values.resize(std::min(*n, values.size()));
  return Value(Vector{std::move(values)});
}

constexpr std::array kAggregates{
    Aggregate{"avg", 0, 0, &agg_avg},
    Aggregate{"count", 0, 0, &agg_count},
    Aggregate{"count-distinct", 0, 0, &agg_count_distinct},
    Aggregate{"distinct", 0, 0, &agg_distinct},
    Aggregate{"max", 0, 1, &agg_extreme<1>},
    Aggregate{"median", 0, 0, &agg_median},
    Aggregate{"min", 0, 1, &agg_extreme<-1>},
    Aggregate{"rand", 0, 1, &agg_rand},
    Aggregate{"sample", 1, 1, &agg_sample},
    Aggregate{"stddev", 0, 0, &agg_stddev},
    Aggregate{"sum", 0, 0, &agg_sum},
    Aggregate{"variance", 0, 0, &agg_variance},
};

}  // namespace

std::optional<AggregateFold> AggregateFold::of(const Aggregate& agg, std::span<const Value> const_args) {
  if (!const_args.empty()) return std::nullopt;
  if (agg.call == &agg_count) return AggregateFold(Kind::Count);
  if (agg.call == &agg_sum) return AggregateFold(Kind::Sum);
  if (agg.call == &agg_avg) return AggregateFold(Kind::Avg);
  if (agg.call == &agg_extreme<-1>) return AggregateFold(Kind::Min);
  if (agg.call == &agg_extreme<1>) return AggregateFold(Kind::Max);
  return std::nullopt;
}

void AggregateFold::reset() noexcept {
  failed_ = false;
  doubles_ = false;
  n_ = 0;
  exact_ = 0;
  total_ = 0;
  best_ = Value();
}

bool AggregateFold::add(const Value& v) {
  if (failed_) return false;
  ++n_;
  switch (kind_) {
    case Kind::Count: return true;
    case Kind::Sum:
    case Kind::Avg:
      // As exact_sum and double_sum: longs summed exactly, every value as a double in order.
      if (const auto* l = v.get_if<std::int64_t>()) {
        exact_ += *l;
        total_ += static_cast<double>(*l);
        return true;
      }
      if (const auto* d = v.get_if<double>()) {
        doubles_ = true;
        total_ += *d;
        return true;
      }
      failed_ = true;  // all_numbers' error, for the first value that is not a number
      best_ = v;
      return false;
    case Kind::Min:
    case Kind::Max: {
      // agg_extreme's choice: the first least / greatest value. The value is copied only when it
      // wins (a copy of a keyword or string costs a count or an allocation).
      const int want = kind_ == Kind::Min ? -1 : 1;
      if (n_ == 1 || query_compare(v, best_) * want > 0) best_ = v;
      return true;
    }
  }
  return true;
}

Result<Value> AggregateFold::result() const {
  if (failed_)
    return std::unexpected(agg_error(kind_ == Kind::Sum ? "sum" : "avg", "not a number: " + abbreviated_edn(best_)));
  switch (kind_) {
    case Kind::Count: return Value(n_);
    case Kind::Sum:
      if (doubles_) return Value(total_);
      if (exact_ > std::numeric_limits<std::int64_t>::max() || exact_ < std::numeric_limits<std::int64_t>::min())
        return std::unexpected(agg_error("sum", "long overflow"));
      return Value(static_cast<std::int64_t>(exact_));
    case Kind::Avg:
      if (doubles_) return Value(total_ / static_cast<double>(n_));
      return Value(static_cast<double>(static_cast<long double>(exact_) / static_cast<long double>(n_)));
    case Kind::Min:
    case Kind::Max: return best_;
  }
  return Value();
}

const Aggregate* find_aggregate(std::string_view name) noexcept {
  for (const Aggregate& a : kAggregates)
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace quarry::query
