// A people database of any size with the distributions of DataScript's benchmark data
// (bench/data/people20k-*.edn), generated deterministically so that every system loads the same
// datoms in the same run.
//
// Per person (entity ids 1..n, as :db/id):
//   core:  :name one of 8 first names, :last-name one of 6, :sex :male or :female (uniform),
//          :age uniform in 0..99, :salary uniform in 0..99999   — 5 datoms
//   extra: :follows 0..5 targets (uniform count), each uniform in 1..n (a repeated target collapses,
//          as in the card-many attribute)                           — ~2.5 datoms
// These match people20k (8 names ~2,500 each of 20,000; 6 last names; ages 0–99; salaries
// 0–99,999; 16,720 of 20,000 people with 1–5 follows, a sixth with none). :full-name and :alias of
// people20k-extra are not generated: only q5-shortcircuit reads :alias, and it matches no one.
//
// The random source is splitmix64 reduced with `%` (not <random>'s distributions, whose output
// differs between standard libraries), so a seed gives the same data everywhere.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include <quarry/value.hpp>

namespace quarry::bench {

// The benchmarks' default seed.
inline constexpr std::uint64_t kPeopleSeed = 20260101;

struct PeopleData {
  std::vector<Value> core;   // one map per person: :db/id and the 5 core attributes
  std::vector<Value> extra;  // one map per person with follows: :db/id and :follows [ids]
};

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform enough in [0, n) for n far below 2^64.
  std::int64_t below(std::int64_t n) { return static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(n)); }

 private:
  std::uint64_t state_;
};

[[nodiscard]] inline PeopleData generate_people(std::int64_t n, std::uint64_t seed) {
  static const std::array<const char*, 8> kNames = {"Ivan", "Petr", "Sergei", "Oleg", "Yuri", "Dmitry", "Fedor", "Denis"};
  static const std::array<const char*, 6> kLastNames = {"Ivanov", "Petrov", "Sidorov", "Kovalev", "Kuznetsov", "Voronoi"};
  const Value k_id = Value::keyword("db/id"), k_name = Value::keyword("name"), k_last = Value::keyword("last-name"),
              k_sex = Value::keyword("sex"), k_age = Value::keyword("age"), k_salary = Value::keyword("salary"),
              k_follows = Value::keyword("follows"), male = Value::keyword("male"), female = Value::keyword("female");
  SplitMix64 rng(seed);
  PeopleData out;
  out.core.reserve(static_cast<std::size_t>(n));
  for (std::int64_t e = 1; e <= n; ++e) {
    Map m;
    const bool ok = make_map({{k_id, Value(e)},
                              {k_name, Value(kNames[rng.below(kNames.size())])},
                              {k_last, Value(kLastNames[rng.below(kLastNames.size())])},
                              {k_sex, rng.below(2) ? male : female},
                              {k_age, Value(rng.below(100))},
                              {k_salary, Value(rng.below(100000))}},
                             m);
    (void)ok;  // distinct keys by construction
    out.core.emplace_back(std::move(m));
  }
  for (std::int64_t e = 1; e <= n; ++e) {
    const std::int64_t count = rng.below(6);
    if (count == 0) continue;
    Vector targets;
    for (std::int64_t i = 0; i < count; ++i) targets.items.emplace_back(1 + rng.below(n));
    Map m;
    const bool ok = make_map({{k_id, Value(e)}, {k_follows, Value(std::move(targets))}}, m);
    (void)ok;
    out.extra.emplace_back(std::move(m));
  }
  return out;
}

// Generated maps as transactions of 10,000 maps each (one Vector per transaction), as the
// benchmarks load them.
[[nodiscard]] inline std::vector<Value> people_chunks(std::vector<Value> maps) {
  constexpr std::size_t kChunkMaps = 10'000;
  std::vector<Value> out;
  for (std::size_t i = 0; i < maps.size(); i += kChunkMaps) {
    Vector chunk;
    const std::size_t end = std::min(maps.size(), i + kChunkMaps);
    chunk.items.assign(std::make_move_iterator(maps.begin() + static_cast<std::ptrdiff_t>(i)),
                       std::make_move_iterator(maps.begin() + static_cast<std::ptrdiff_t>(end)));
    out.emplace_back(std::move(chunk));
  }
  return out;
}

}  // namespace quarry::bench
