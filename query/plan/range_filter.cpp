#include "query/plan/range_filter.hpp"

#include <cmath>
#include <limits>

#include "index/index_position.hpp"

namespace quarry::query {
namespace {

enum class Op { Lt, Le, Gt, Ge };

std::optional<Op> comparison(const std::string& fn) {
  if (fn == "<") return Op::Lt;
  if (fn == "<=") return Op::Le;
  if (fn == ">") return Op::Gt;
  if (fn == ">=") return Op::Ge;
  return std::nullopt;
}

Op flipped(Op op) {
  switch (op) {
    case Op::Lt: return Op::Gt;
    case Op::Le: return Op::Ge;
    case Op::Gt: return Op::Lt;
    case Op::Ge: return Op::Le;
  }
  return op;
}

const Value* operand(const FnArg& a, const ScalarLookup& scalar) {
  if (const Value* c = std::get_if<Value>(&a)) return c;
  if (const Variable* v = std::get_if<Variable>(&a)) return scalar(v->name);
  return nullptr;
}

bool is_var(const FnArg& a, const std::string& var) {
  const Variable* v = std::get_if<Variable>(&a);
  return v && v->name == var;
}

void tighten_low(std::optional<Value>& slot, const Value& c) {
  if (!slot || compare(c, *slot) > 0) slot = c;
}
void tighten_high(std::optional<Value>& slot, const Value& c) {
  if (!slot || compare(c, *slot) < 0) slot = c;
}

// Index order and the comparison predicates agree on everything except three neighbourhoods, where
// the index keeps apart what the predicates call equal or orders by something other than value:
//   - numbers: 3 sorts before 3.0 and -0.0 before +0.0 (doc/format.md, "Numbers"), while (= 3 3.0)
//     and (= -0.0 0.0); a bound number c is therefore widened to the doubles just outside every
//     key that shares c's order key, so all numbers equal to c (and none it excludes wrongly) are
//     read;
//   - large values (encodings over the in-key limit): keys sort by a 256-byte stub and then a
//     hash, so a bound that long is dropped on that side (the scan reads further, the predicate
//     still filters);
//   - NaN and the infinities, whose neighbours have no double beyond them: that side is dropped.
// Widening never loses a row, because the predicates still run after the scan.

// x: the bound as a double (a double itself; a long converted, which beyond 2^53 may round to a
// neighbour of the long's order key). Not floor(x): a double's order key is the double itself, and
// flooring 1.5 put the upper bound of (<= ?v 1.5) at 1.0000000000000004, dropping 1.2 and 1.5.
double below(double x) { return std::nextafter(x, -std::numeric_limits<double>::infinity()); }
double above(double x) {
  // A long beyond 2^53 converted may have rounded below its order key: step over two neighbours.
  const double up = std::numeric_limits<double>::infinity();
  return std::nextafter(std::nextafter(x, up), up);
}

// A bound as the scan may use it; nullopt drops that side. low: a lower bound, else upper.
std::optional<Value> scan_bound(const Value& c, bool low) {
  double x = 0;
  if (const auto* n = c.get_if<std::int64_t>()) x = static_cast<double>(*n);
  else if (const auto* d = c.get_if<double>()) x = *d;
  else {
    if (!index::placeable_bound(c)) return std::nullopt;
    return c;
  }
  if (!std::isfinite(x)) return std::nullopt;
  if (low) return Value(c.is<std::int64_t>() ? std::nextafter(below(x), -1e308) : below(x));
  return Value(above(x));
}

}  // namespace

std::vector<std::size_t> range_predicates(std::span<const Clause> clauses) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < clauses.size(); ++i) {
    const Predicate* p = std::get_if<Predicate>(&clauses[i].node);
    if (p && p->args.size() == 2 && comparison(p->fn)) out.push_back(i);
  }
  return out;
}

namespace {

// Calls f(op, constant, clause index) for each predicate among `candidates` that bounds `var` by a
// storable constant (or a variable bound to one value), op oriented as (op var constant).
template <class F>
void for_each_bound(std::span<const Clause> clauses, std::span<const std::size_t> candidates, const std::string& var,
                    const ScalarLookup& scalar, F&& f) {
  for (std::size_t i : candidates) {
    const Predicate* p = std::get_if<Predicate>(&clauses[i].node);
    if (!p || p->args.size() != 2) continue;
    auto op = comparison(p->fn);
    if (!op) continue;
    const Value* c = nullptr;
    if (is_var(p->args[0], var)) {
      c = operand(p->args[1], scalar);
    } else if (is_var(p->args[1], var)) {
      c = operand(p->args[0], scalar);
      op = flipped(*op);
    }
    if (!c || !c->is_storable() || c->is<EntityId>()) continue;
    f(*op, *c, i);
  }
}

}  // namespace

ValueRange find_range(std::span<const Clause> clauses, std::span<const std::size_t> candidates,
                      const std::string& var, const ScalarLookup& scalar) {
  ValueRange range;
  for_each_bound(clauses, candidates, var, scalar, [&](Op op, const Value& c, std::size_t) {
    switch (op) {
      case Op::Gt:
      case Op::Ge: tighten_low(range.start, c); break;
      case Op::Lt: tighten_high(range.end, c); break;
      case Op::Le: tighten_high(range.last, c); break;
    }
  });
  return range;
}

std::vector<RangeTest> range_tests(std::span<const Clause> clauses, std::span<const std::size_t> candidates,
                                   const std::string& var, const ScalarLookup& scalar, std::vector<std::size_t>& covered) {
  std::vector<RangeTest> tests;
  for_each_bound(clauses, candidates, var, scalar, [&](Op op, const Value& c, std::size_t i) {
    const RangeTest::Op test_op = op == Op::Lt   ? RangeTest::Op::Lt
                                  : op == Op::Le ? RangeTest::Op::Le
                                  : op == Op::Gt ? RangeTest::Op::Gt
                                                 : RangeTest::Op::Ge;
    tests.push_back(RangeTest{test_op, c});
    covered.push_back(i);
  });
  return tests;
}

ValueRange scan_range(const ValueRange& range) {
  ValueRange scan;
  if (range.start) scan.start = scan_bound(*range.start, true);
  std::optional<Value> high = range.end;
  bool inclusive = false;
  if (range.last && (!high || compare(*range.last, *high) < 0)) {
    high = range.last;
    inclusive = true;
  }
  if (!high) return scan;
  const bool number = high->is<std::int64_t>() || high->is<double>();
  if (inclusive && !number) scan.last = scan_bound(*high, false);
  else scan.end = scan_bound(*high, false);
  return scan;
}

}  // namespace quarry::query
