// Reading the benchmark data's EDN (bench/data/queries.edn and the tx-data files): map lookup by
// keyword, number comparison with a tolerance for aggregate results, and result sizes.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <quarry/value.hpp>

namespace quarry::bench {

// The value under :key in `map`, or nullptr when `map` is not a map or has no such key.
[[nodiscard]] inline const Value* lookup(const Value& map, std::string_view key) {
  if (!map.is<Map>()) return nullptr;
  const Value k = Value::keyword(key);
  for (const auto& [mk, mv] : map.as<Map>().entries)
    if (mk == k) return &mv;
  return nullptr;
}

// Equal values, numbers compared as doubles within 1e-9 relative (averages computed in another
// order or by another system differ in the last bits).
[[nodiscard]] inline bool close_values(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    auto as_double = [](const Value& v) {
      return v.is<double>() ? v.as<double>() : static_cast<double>(v.as<std::int64_t>());
    };
    const double x = as_double(a), y = as_double(b);
    return std::fabs(x - y) <= 1e-9 * std::max(1.0, std::fabs(y));
  }
  return a == b;
}

// Two result tuples (vectors) equal element by element under close_values.
[[nodiscard]] inline bool close_rows(const Value& row, const Value& expected) {
  const auto& r = row.as<Vector>().items;
  const auto& e = expected.as<Vector>().items;
  if (r.size() != e.size()) return false;
  for (std::size_t i = 0; i < r.size(); ++i)
    if (!close_values(r[i], e[i])) return false;
  return true;
}

// The number of items of a set, vector or list result; SIZE_MAX for anything else.
[[nodiscard]] inline std::size_t result_size(const Value& v) {
  if (const Set* s = v.get_if<Set>()) return s->items.size();
  if (const Vector* x = v.get_if<Vector>()) return x->items.size();
  if (const List* l = v.get_if<List>()) return l->items.size();
  return SIZE_MAX;
}

}  // namespace quarry::bench
