// Arithmetic and numeric predicates: + - * / quot rem mod inc dec max min zero? pos? neg? even?
// odd? rand rand-int.
//
// DataScript runs on JavaScript numbers (all doubles); Quarry keeps longs and doubles apart, as
// Clojure on the JVM does:
//  - arithmetic on longs stays long; a result outside the long range is an error, never a
//    wrap-around; any double operand makes the result a double;
//  - (/ a b) of longs is a long when the division is exact and otherwise a double (Clojure's
//    ratio, as DataScript's JavaScript division shows it: (/ 1 2) → 0.5, (/ 4 2) → 2);
//  - division by zero (/ quot rem mod, long or double divisor) is an error rather than
//    JavaScript's Infinity or NaN;
//  - non-numbers are errors rather than JavaScript's coercions ((+ 1 "a") is "1a" there).
#include <array>
#include <cmath>
#include <limits>

#include "query/builtins/builtin_families.hpp"

namespace quarry::query::builtins {
namespace {

constexpr const char* kNotNumbers = "expects numbers";
constexpr const char* kOverflow = "long overflow";
constexpr const char* kDivideByZero = "division by zero";

// A number, or the reason an operation on numbers failed.
struct Outcome {
  Number n;
  const char* error = nullptr;
};

Outcome add2(Number a, Number b) {
  if (a.is_double || b.is_double) return {{true, 0, a.as_double() + b.as_double()}};
  std::int64_t r;
  if (__builtin_add_overflow(a.l, b.l, &r)) return {{}, kOverflow};
  return {{false, r, 0}};
}

Outcome sub2(Number a, Number b) {
  if (a.is_double || b.is_double) return {{true, 0, a.as_double() - b.as_double()}};
  std::int64_t r;
  if (__builtin_sub_overflow(a.l, b.l, &r)) return {{}, kOverflow};
  return {{false, r, 0}};
}

Outcome mul2(Number a, Number b) {
  if (a.is_double || b.is_double) return {{true, 0, a.as_double() * b.as_double()}};
  std::int64_t r;
  if (__builtin_mul_overflow(a.l, b.l, &r)) return {{}, kOverflow};
  return {{false, r, 0}};
}

bool is_zero(Number n) { return n.is_double ? n.d == 0 : n.l == 0; }

Outcome div2(Number a, Number b) {
  if (is_zero(b)) return {{}, kDivideByZero};
  if (a.is_double || b.is_double) return {{true, 0, a.as_double() / b.as_double()}};
  if (a.l == std::numeric_limits<std::int64_t>::min() && b.l == -1) return {{}, kOverflow};
  if (a.l % b.l == 0) return {{false, a.l / b.l, 0}};
  return {{true, 0, static_cast<double>(a.l) / static_cast<double>(b.l)}};
}

Outcome quot2(Number a, Number b) {
  if (is_zero(b)) return {{}, kDivideByZero};
  if (a.is_double || b.is_double) return {{true, 0, std::trunc(a.as_double() / b.as_double())}};
  if (a.l == std::numeric_limits<std::int64_t>::min() && b.l == -1) return {{}, kOverflow};
  return {{false, a.l / b.l, 0}};
}

Outcome rem2(Number a, Number b) {
  if (is_zero(b)) return {{}, kDivideByZero};
  if (a.is_double || b.is_double) return {{true, 0, std::fmod(a.as_double(), b.as_double())}};
  return {{false, b.l == -1 ? 0 : a.l % b.l, 0}};  // INT64_MIN % -1 is undefined in C++
}

// Clojure's mod: the remainder takes the divisor's sign.
Outcome mod2(Number a, Number b) {
  Outcome r = rem2(a, b);
  if (r.error) return r;
  if (r.n.is_double) {
    double m = r.n.d;
    if (m != 0 && (m < 0) != (b.as_double() < 0)) m += b.as_double();
    return {{true, 0, m}};
  }
  std::int64_t m = r.n.l;
  if (m != 0 && (m < 0) != (b.l < 0)) m += b.l;  // |m| < |b|: cannot overflow
  return {{false, m, 0}};
}

// Folds `op` over the arguments from `init` (used when there is one argument, as in (- x) and
// (/ x), or none, as in (+) and (*)).
template <Outcome (*op)(Number, Number)>
Result<Value> fold(std::string_view fn, std::span<const Value> args, Number init) {
  std::size_t start = 0;
  Number acc = init;
  if (args.size() >= 2) {
    auto first = as_number(args[0]);
    if (!first) return call_fail(fn, args, kNotNumbers);
    acc = *first;
    start = 1;
  }
  for (std::size_t i = start; i < args.size(); ++i) {
    auto n = as_number(args[i]);
    if (!n) return call_fail(fn, args, kNotNumbers);
    Outcome r = op(acc, *n);
    if (r.error) return call_fail(fn, args, r.error);
    acc = r.n;
  }
  return acc.value();
}

Result<Value> plus(const index::Db*, std::span<const Value> args) { return fold<add2>("+", args, {false, 0, 0}); }
Result<Value> minus(const index::Db*, std::span<const Value> args) { return fold<sub2>("-", args, {false, 0, 0}); }
Result<Value> times(const index::Db*, std::span<const Value> args) { return fold<mul2>("*", args, {false, 1, 0}); }
Result<Value> divide(const index::Db*, std::span<const Value> args) { return fold<div2>("/", args, {false, 1, 0}); }

template <Outcome (*op)(Number, Number)>
Result<Value> binary(std::string_view fn, std::span<const Value> args) {
  auto a = as_number(args[0]), b = as_number(args[1]);
  if (!a || !b) return call_fail(fn, args, kNotNumbers);
  Outcome r = op(*a, *b);
  if (r.error) return call_fail(fn, args, r.error);
  return r.n.value();
}

Result<Value> quot(const index::Db*, std::span<const Value> args) { return binary<quot2>("quot", args); }
Result<Value> rem(const index::Db*, std::span<const Value> args) { return binary<rem2>("rem", args); }
Result<Value> mod(const index::Db*, std::span<const Value> args) { return binary<mod2>("mod", args); }

// (inc x) and (dec x): op applied to x and 1.
template <Outcome (*op)(Number, Number)>
Result<Value> step(std::string_view fn, std::span<const Value> args) {
  auto n = as_number(args[0]);
  if (!n) return call_fail(fn, args, "expects a number");
  Outcome r = op(*n, Number{false, 1, 0});
  if (r.error) return call_fail(fn, args, r.error);
  return r.n.value();
}

Result<Value> inc(const index::Db*, std::span<const Value> args) { return step<add2>("inc", args); }
Result<Value> dec(const index::Db*, std::span<const Value> args) { return step<sub2>("dec", args); }

// The argument that is greatest (want > 0) or least (want < 0) by value; the first of equals.
template <int want>
Result<Value> extreme(std::string_view fn, std::span<const Value> args) {
  std::size_t best = 0;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!as_number(args[i])) return call_fail(fn, args, kNotNumbers);
    if (query_compare(args[i], args[best]) * want > 0) best = i;
  }
  return args[best];
}

Result<Value> max_fn(const index::Db*, std::span<const Value> args) { return extreme<1>("max", args); }
Result<Value> min_fn(const index::Db*, std::span<const Value> args) { return extreme<-1>("min", args); }

// Sign predicates: `want` is the sign required (-1, 0, 1). NaN has none.
template <int want>
Result<Value> sign_is(std::string_view fn, std::span<const Value> args) {
  auto n = as_number(args[0]);
  if (!n) return call_fail(fn, args, "expects a number");
  int sign = n->is_double ? (n->d > 0) - (n->d < 0) : (n->l > 0) - (n->l < 0);
  if (n->is_double && std::isnan(n->d)) return Value(false);
  return Value(sign == want);
}

Result<Value> zero_p(const index::Db*, std::span<const Value> args) { return sign_is<0>("zero?", args); }
Result<Value> pos_p(const index::Db*, std::span<const Value> args) { return sign_is<1>("pos?", args); }
Result<Value> neg_p(const index::Db*, std::span<const Value> args) { return sign_is<-1>("neg?", args); }

// Clojure's even?/odd? accept integers only (a double is an error there, as in DataScript for a
// non-integral one).
template <bool even>
Result<Value> parity(std::string_view fn, std::span<const Value> args) {
  auto l = args[0].get_if<std::int64_t>();
  if (!l) return call_fail(fn, args, "expects an integer");
  return Value(((*l % 2) == 0) == even);
}

Result<Value> even_p(const index::Db*, std::span<const Value> args) { return parity<true>("even?", args); }
Result<Value> odd_p(const index::Db*, std::span<const Value> args) { return parity<false>("odd?", args); }

// (rand) in [0, 1); (rand n) in [0, n).
Result<Value> rand_fn(const index::Db*, std::span<const Value> args) {
  double unit = std::uniform_real_distribution<double>(0.0, 1.0)(random_engine());
  if (args.empty()) return Value(unit);
  auto n = as_number(args[0]);
  if (!n) return call_fail("rand", args, "expects a number");
  return Value(unit * n->as_double());
}

// (rand-int n): Clojure's (int (rand n)), a long in [0, n) (or (n, 0] for a negative n).
Result<Value> rand_int(const index::Db*, std::span<const Value> args) {
  auto n = as_number(args[0]);
  if (!n) return call_fail("rand-int", args, "expects a number");
  double bound = n->as_double();
  if (!std::isfinite(bound) || std::fabs(bound) >= 9223372036854775808.0)
    return call_fail("rand-int", args, "bound out of the long range");
  double unit = std::uniform_real_distribution<double>(0.0, 1.0)(random_engine());
  return Value(static_cast<std::int64_t>(std::trunc(unit * bound)));
}

constexpr std::array kTable{
    Builtin{"+", 0, -1, false, &plus},
    Builtin{"-", 1, -1, false, &minus},
    Builtin{"*", 0, -1, false, &times},
    Builtin{"/", 1, -1, false, &divide},
    Builtin{"quot", 2, 2, false, &quot},
    Builtin{"rem", 2, 2, false, &rem},
    Builtin{"mod", 2, 2, false, &mod},
    Builtin{"inc", 1, 1, false, &inc},
    Builtin{"dec", 1, 1, false, &dec},
    Builtin{"max", 1, -1, false, &max_fn},
    Builtin{"min", 1, -1, false, &min_fn},
    Builtin{"zero?", 1, 1, false, &zero_p},
    Builtin{"pos?", 1, 1, false, &pos_p},
    Builtin{"neg?", 1, 1, false, &neg_p},
    Builtin{"even?", 1, 1, false, &even_p},
    Builtin{"odd?", 1, 1, false, &odd_p},
    Builtin{"rand", 0, 1, false, &rand_fn},
    Builtin{"rand-int", 1, 1, false, &rand_int},
};

}  // namespace

std::span<const Builtin> math_family() noexcept { return kTable; }

}  // namespace quarry::query::builtins
