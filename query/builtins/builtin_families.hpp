// Internal to query/: the pieces the built-in functions (builtins_*.cpp) and aggregates
// (aggregates.cpp) share. Each family file exports its table of Builtin entries; builtins.cpp
// merges them into one registry sorted by name.
//
// Every Builtin::call here may assume what the engine guarantees: `args.size()` lies within the
// entry's [min_args, max_args], and `source` is non-null for entries with takes_source. Calls are
// reentrant and thread-safe (the random functions use a thread-local engine).
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>

#include "codec/error.hpp"
#include "codec/value.hpp"
#include "query/builtins/builtins.hpp"

namespace quarry::query::builtins {

// ---- family tables (one per builtins_<family>.cpp) ----
std::span<const Builtin> compare_family() noexcept;  // = == not= != < > <= >= compare identical? -differ?
// binary_comparison (builtins.hpp) for the built-ins of compare_family.
BinaryComparison binary_comparison_of(const Builtin* fn) noexcept;
std::span<const Builtin> math_family() noexcept;     // + - * / quot rem mod inc dec max min zero? ... rand
std::span<const Builtin> logic_family() noexcept;    // identity ground untuple meta nil? some? true? false? not and or
std::span<const Builtin> string_family() noexcept;   // str subs pr-str ... name namespace keyword clojure.string/*
std::span<const Builtin> regex_family() noexcept;    // re-find re-matches re-seq re-pattern
std::span<const Builtin> coll_family() noexcept;     // count vector list set hash-map ... get contains? range
std::span<const Builtin> db_family() noexcept;       // get-else get-some missing?

// ---- shared helpers (builtins.cpp) ----

// A :query/function error naming the call as EDN, e.g. `(+ 1 "a"): expects numbers`. Long
// arguments are abbreviated so that a message stays readable.
[[nodiscard]] Error call_error(std::string_view fn, std::span<const Value> args, std::string_view reason);
[[nodiscard]] inline std::unexpected<Error> call_fail(std::string_view fn, std::span<const Value> args,
                                                      std::string_view reason) {
  return std::unexpected<Error>(call_error(fn, args, reason));
}

// The EDN of `v`, cut to about `limit` characters (with "..." when cut), for error messages.
[[nodiscard]] std::string abbreviated_edn(const Value& v, std::size_t limit = 120);

// The order of query comparisons (< > <= >= compare, min/max, median): compare_by_value
// (codec/value.hpp), quarry::compare except that a long and a double compare by numeric value
// alone, so (<= 1 1.0) and (>= 1 1.0) both hold as in DataScript (where both are JavaScript
// numbers). Exact for every long and double.
[[nodiscard]] int query_compare(const Value& a, const Value& b) noexcept;

// Clojure's = as DataScript computes it: numbers equal by value across long and double, vectors
// and lists equal element by element (sequential equality), other values by quarry::compare.
[[nodiscard]] bool query_equal(const Value& a, const Value& b) noexcept;

// A number as the arithmetic functions see it: a long or a double (nothing else is a number to
// them; BigInt/BigDec are refused).
struct Number {
  bool is_double = false;
  std::int64_t l = 0;
  double d = 0;
  [[nodiscard]] double as_double() const noexcept { return is_double ? d : static_cast<double>(l); }
  [[nodiscard]] Value value() const { return is_double ? Value(d) : Value(l); }
};
[[nodiscard]] std::optional<Number> as_number(const Value& v) noexcept;

// Clojure's (str x) of one value: nil → "", strings and characters raw, everything else as EDN
// (keywords with their colon, symbols bare).
void append_str(std::string& out, const Value& v);

// The thread-local random engine behind rand, rand-int and the rand/sample aggregates, seeded
// from std::random_device on first use in each thread.
[[nodiscard]] std::mt19937_64& random_engine();

}  // namespace quarry::query::builtins
