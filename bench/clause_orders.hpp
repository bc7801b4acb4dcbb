// The :where clauses of a query in other orders, for measuring how much a query's time depends on
// the order its clauses are written in (bench/compare_bench.cpp --orders).
#pragma once

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <string>
#include <vector>

#include <quarry/value.hpp>

namespace quarry::bench {

struct Ordering {
  Value query{};
  std::vector<std::size_t> order{};  // order[i] = the written position of the i-th clause
};

// Every order of the :where clauses when there are at most 5 (120 orders), else the written and
// the reversed order. Nothing when the query has fewer than 2 clauses.
inline std::vector<Ordering> clause_orders(const Value& query) {
  const auto& items = query.as<Vector>().items;
  const Value where = Value::keyword("where");
  std::size_t begin = items.size();
  for (std::size_t i = 0; i < items.size(); ++i)
    if (items[i] == where) begin = i + 1;
  std::size_t end = begin;
  while (end < items.size() && !items[end].is<Keyword>()) ++end;
  const std::size_t n = end - begin;
  std::vector<Ordering> out;
  if (begin >= items.size() || n < 2) return out;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  auto emit = [&] {
    Vector v;
    v.items.assign(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(begin));
    for (const std::size_t i : order) v.items.push_back(items[begin + i]);
    v.items.insert(v.items.end(), items.begin() + static_cast<std::ptrdiff_t>(end), items.end());
    out.push_back({Value(std::move(v)), order});
  };
  if (n <= 5) {
    do emit();
    while (std::next_permutation(order.begin(), order.end()));
  } else {
    emit();
    std::reverse(order.begin(), order.end());
    emit();
  }
  return out;
}

// "3 1 2": the written positions (1-based) in the order run.
inline std::string order_text(const std::vector<std::size_t>& order) {
  std::string s;
  for (const std::size_t i : order) s += (s.empty() ? "" : " ") + std::to_string(i + 1);
  return s;
}

}  // namespace quarry::bench
