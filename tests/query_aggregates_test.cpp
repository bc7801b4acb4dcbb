// The aggregates of :find (query/builtins/aggregates.hpp), table-driven: each case applies one aggregate
// (with its constant arguments) to a bag of values and expects an EDN value, or a :query/function
// error whose message contains the given text (expectations starting with '!').
//
// The comment on each case is what DataScript 1.8.1 (node, /tmp/ds) returned for
//   [:find (agg consts… ?x) :with ?i :in $ [[?i ?x]]]
// over the same bag (with :with so duplicates stay), printed as JSON: doubles that are whole print
// as integers and sets as arrays. Differences are deliberate and listed in doc/query-functions.md:
// number types follow Clojure on the JVM, and non-numbers are errors rather than "1a" or null.
#include <doctest/doctest.h>

#include "support/edn_value.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "codec/edn_printer.hpp"
#include "codec/edn_reader.hpp"
#include "query/builtins/aggregates.hpp"

using namespace quarry;
using quarry::query::Aggregate;
using quarry::query::find_aggregate;

namespace {

struct Case {
  const char* aggregate;
  const char* consts;    // EDN vector of the constant arguments
  const char* bag;       // EDN vector of the group's values
  const char* expected;  // EDN, or "!" + text the error message contains
};

// clang-format off
const Case kCases[] = {
    {"count", R"~([])~", R"~([1 2 2 3])~", R"~(4)~"},  // DS (count ?x) over [1 2 2 3] => 4
    {"count", R"~([])~", R"~([nil])~", R"~(1)~"},  // DS (count ?x) over [nil] => 1
    {"count-distinct", R"~([])~", R"~([1 2 2 3])~", R"~(3)~"},  // DS (count-distinct ?x) over [1 2 2 3] => 3
    {"count-distinct", R"~([])~", R"~(["a" "a"])~", R"~(1)~"},  // DS (count-distinct ?x) over ["a" "a"] => 1
    {"sum", R"~([])~", R"~([1 2 2 3])~", R"~(8)~"},  // DS (sum ?x) over [1 2 2 3] => 8
    {"sum", R"~([])~", R"~([1.5 2])~", R"~(3.5)~"},  // DS (sum ?x) over [1.5 2] => 3.5
    {"sum", R"~([])~", R"~([0.1 0.2])~", R"~(0.30000000000000004)~"},  // DS (sum ?x) over [0.1 0.2] => 0.30000000000000004
    {"sum", R"~([])~", R"~([1 "a"])~", R"~(!not a number)~"},  // DS (sum ?x) over [1 "a"] => "1a"
    {"sum", R"~([])~", R"~([9223372036854775807 1])~", R"~(!long overflow)~"},  // DS (sum ?x) over [9223372036854775807 1] => 9223372036854776000
    {"sum", R"~([])~", R"~([9223372036854775807 1 -1])~", R"~(9223372036854775807)~"},  // DS (sum ?x) over [9223372036854775807 1 -1] => 9223372036854776000
    {"avg", R"~([])~", R"~([1 2 2 3])~", R"~(2.0)~"},  // DS (avg ?x) over [1 2 2 3] => 2
    {"avg", R"~([])~", R"~([1 2])~", R"~(1.5)~"},  // DS (avg ?x) over [1 2] => 1.5
    {"avg", R"~([])~", R"~([1.5])~", R"~(1.5)~"},  // DS (avg ?x) over [1.5] => 1.5
    {"avg", R"~([])~", R"~(["a"])~", R"~(!not a number)~"},  // DS (avg ?x) over ["a"] => null
    {"median", R"~([])~", R"~([3 1 2])~", R"~(2)~"},  // DS (median ?x) over [3 1 2] => 2
    {"median", R"~([])~", R"~([4 1 2 3])~", R"~(2.5)~"},  // DS (median ?x) over [4 1 2 3] => 2.5
    {"median", R"~([])~", R"~([1 2])~", R"~(1.5)~"},  // DS (median ?x) over [1 2] => 1.5
    {"median", R"~([])~", R"~([1 3])~", R"~(2)~"},  // DS (median ?x) over [1 3] => 2
    {"median", R"~([])~", R"~([5])~", R"~(5)~"},  // DS (median ?x) over [5] => 5
    {"median", R"~([])~", R"~(["a" "b" "c"])~", R"~("b")~"},  // DS (median ?x) over ["a" "b" "c"] => "b"
    {"median", R"~([])~", R"~(["a" "b"])~", R"~(!cannot average)~"},  // DS (median ?x) over ["a" "b"] => null
    {"median", R"~([])~", R"~([1.0 3])~", R"~(2.0)~"},  // DS (median ?x) over [1.0 3] => 2
    {"variance", R"~([])~", R"~([1 2 3 4])~", R"~(1.25)~"},  // DS (variance ?x) over [1 2 3 4] => 1.25
    {"variance", R"~([])~", R"~([1 1])~", R"~(0.0)~"},  // DS (variance ?x) over [1 1] => 0
    {"variance", R"~([])~", R"~([7])~", R"~(0.0)~"},  // DS (variance ?x) over [7] => 0
    {"variance", R"~([])~", R"~(["a" "b"])~", R"~(!not a number)~"},  // DS (variance ?x) over ["a" "b"] => null
    {"stddev", R"~([])~", R"~([1 2 3 4])~", R"~(1.118033988749895)~"},  // DS (stddev ?x) over [1 2 3 4] => 1.118033988749895
    {"stddev", R"~([])~", R"~(["a"])~", R"~(!not a number)~"},  // DS (stddev ?x) over ["a"] => null
    {"min", R"~([])~", R"~([3 1 2])~", R"~(1)~"},  // DS (min ?x) over [3 1 2] => 1
    {"max", R"~([])~", R"~([3 1 2])~", R"~(3)~"},  // DS (max ?x) over [3 1 2] => 3
    {"min", R"~([])~", R"~(["b" "a"])~", R"~("a")~"},  // DS (min ?x) over ["b" "a"] => "a"
    {"max", R"~([])~", R"~([[1 2] [1 3]])~", R"~([1 3])~"},  // DS (max ?x) over [[1 2] [1 3]] => [1,3]
    {"min", R"~([])~", R"~([2 1.5 3])~", R"~(1.5)~"},  // DS (min ?x) over [2 1.5 3] => 1.5
    {"min", R"~([])~", R"~(["b" "a" 1])~", R"~(1)~"},  // DS (min ?x) over ["b" "a" 1] => error: Cannot compare 1 to a
    {"max", R"~([])~", R"~(["b" "a" 1])~", R"~("b")~"},  // DS (max ?x) over ["b" "a" 1] => error: Cannot compare 1 to b
    {"min", R"~([2])~", R"~([5 3 1 4 1])~", R"~([1 1])~"},  // DS (min 2 ?x) over [5 3 1 4 1] => [1,1]
    {"max", R"~([2])~", R"~([5 3 1 4 5])~", R"~([5 5])~"},  // DS (max 2 ?x) over [5 3 1 4 5] => [5,5]
    {"max", R"~([2])~", R"~([5 3 1 4])~", R"~([4 5])~"},  // DS (max 2 ?x) over [5 3 1 4] => [4,5]
    {"max", R"~([3])~", R"~([1 9 2 8 3])~", R"~([3 8 9])~"},  // DS (max 3 ?x) over [1 9 2 8 3] => [3,8,9]
    {"min", R"~([3])~", R"~([9 1 8 2 7])~", R"~([1 2 7])~"},  // DS (min 3 ?x) over [9 1 8 2 7] => [1,2,7]
    {"min", R"~([10])~", R"~([5 3 1])~", R"~([1 3 5])~"},  // DS (min 10 ?x) over [5 3 1] => [1,3,5]
    {"max", R"~([10])~", R"~([5 3 1])~", R"~([1 3 5])~"},  // DS (max 10 ?x) over [5 3 1] => [1,3,5]
    {"min", R"~([0])~", R"~([5 3 1])~", R"~([])~"},  // DS (min 0 ?x) over [5 3 1] => []
    {"min", R"~([2])~", R"~(["b" "a" "c"])~", R"~(["a" "b"])~"},  // DS (min 2 ?x) over ["b" "a" "c"] => ["a","b"]
    {"min", R"~(["a"])~", R"~([1 2])~", R"~(!non-negative long)~"},  // DS (min "a" ?x) over [1 2] => []
    {"max", R"~([-1])~", R"~([5 3 1])~", R"~(!non-negative long)~"},  // DS (max -1 ?x) over [5 3 1] => [5]
    {"distinct", R"~([])~", R"~([1 2 2 3])~", R"~(#{1 2 3})~"},  // DS (distinct ?x) over [1 2 2 3] => [1,2,3]
    {"distinct", R"~([])~", R"~(["b" "a" "b"])~", R"~(#{"a" "b"})~"},  // DS (distinct ?x) over ["b" "a" "b"] => ["b","a"]
    {"rand", R"~([0])~", R"~([5 3 1])~", R"~([])~"},  // DS (rand 0 ?x) over [5 3 1] => []
    {"sample", R"~([0])~", R"~([1 2 2 3])~", R"~([])~"},  // DS (sample 0 ?x) over [1 2 2 3] => []
};
// clang-format on

using quarry::testing::edn;

Result<Value> apply(const Aggregate& a, std::string_view consts, std::string_view bag) {
  Value c = edn(consts);
  std::vector<Value> values = edn(bag).as<Vector>().items;
  return a.call(c.as<Vector>().items, values);
}

}  // namespace

TEST_CASE("every aggregate gives DataScript's result (or the documented error)") {
  for (const Case& c : kCases) {
    std::string call_text = std::string("(") + c.aggregate + " " + c.consts + " ?x) over " + c.bag + " expecting " + c.expected;
    INFO(call_text);
    const Aggregate* a = find_aggregate(c.aggregate);
    REQUIRE(a != nullptr);
    auto n = static_cast<int>(edn(c.consts).as<Vector>().items.size());
    REQUIRE(n >= a->min_const_args);
    REQUIRE(n <= a->max_const_args);
    auto r = apply(*a, c.consts, c.bag);
    std::string_view expected = c.expected;
    if (expected.starts_with("!")) {
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == ErrorCode::QueryFunction);
      CHECK_MESSAGE(r.error().message.find(expected.substr(1)) != std::string::npos, r.error().message);
      CHECK_MESSAGE(r.error().message.find(c.aggregate) != std::string::npos, r.error().message);
    } else {
      REQUIRE_MESSAGE(r.has_value(), r.error().message);
      Value want = edn(expected);
      // compare() also tells a long from a double and a vector from a set.
      CHECK_MESSAGE(compare(*r, want) == 0, "got " << to_edn(*r));
      CHECK(r->kind() == want.kind());
    }
  }
}

TEST_CASE("the registry holds DataScript's aggregates with their constant arguments") {
  struct Shape {
    const char* name;
    int min, max;
  };
  // DataScript 1.8.1's datascript.built-ins/aggregates.
  const Shape shapes[] = {{"count", 0, 0},  {"count-distinct", 0, 0}, {"sum", 0, 0},      {"avg", 0, 0},
                          {"median", 0, 0}, {"variance", 0, 0},       {"stddev", 0, 0},   {"min", 0, 1},
                          {"max", 0, 1},    {"distinct", 0, 0},       {"rand", 0, 1},     {"sample", 1, 1}};
  for (const Shape& s : shapes) {
    INFO(std::string(s.name));
    const Aggregate* a = find_aggregate(s.name);
    REQUIRE(a != nullptr);
    CHECK(a->name == s.name);
    CHECK(a->min_const_args == s.min);
    CHECK(a->max_const_args == s.max);
  }
  CHECK(find_aggregate("no-such-aggregate") == nullptr);
  CHECK(find_aggregate("pull") == nullptr);
}

TEST_CASE("rand draws from the bag, with replacement when given a count") {
  const Aggregate& rand = *find_aggregate("rand");
  for (int i = 0; i < 50; ++i) {
    auto one = apply(rand, "[]", "[5 3 1]");
    REQUIRE(one.has_value());
    CHECK((*one == Value(5) || *one == Value(3) || *one == Value(1)));
    auto many = apply(rand, "[10]", "[7]");  // with replacement: ten sevens from a bag of one
    REQUIRE(many.has_value());
    CHECK(*many == edn("[7 7 7 7 7 7 7 7 7 7]"));
  }
}

TEST_CASE("sample draws up to n values without replacement") {
  const Aggregate& sample = *find_aggregate("sample");
  for (int i = 0; i < 50; ++i) {
    auto two = apply(sample, "[2]", "[1 2 3 4]");
    REQUIRE(two.has_value());
    REQUIRE(two->is<Vector>());
    auto items = two->as<Vector>().items;
    REQUIRE(items.size() == 2);
    CHECK(items[0] != items[1]);
    for (const Value& v : items) CHECK((v >= Value(1) && v <= Value(4)));

    // More than the bag holds: the whole bag, duplicates included (DataScript: (sample 10 ?x)
    // over [1 2 2 3] gave a shuffle such as [3 1 2 2]).
    auto all = apply(sample, "[10]", "[1 2 2 3]");
    REQUIRE(all.has_value());
    auto got = all->as<Vector>().items;
    std::sort(got.begin(), got.end());
    CHECK(Value(Vector{got}) == edn("[1 2 2 3]"));
  }
  auto bad = apply(sample, "[\"x\"]", "[1]");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == ErrorCode::QueryFunction);
}

TEST_CASE("min and max over mixed kinds use the query order") {
  // DataScript refuses to compare 1 with "a"; Quarry orders every value (numbers before strings).
  auto lo = apply(*find_aggregate("min"), "[]", R"([:k "s" 2 1.5])");
  REQUIRE(lo.has_value());
  CHECK(*lo == Value(1.5));
  auto hi = apply(*find_aggregate("max"), "[2]", R"([:k "s" 2 1.5])");
  REQUIRE(hi.has_value());
  CHECK(*hi == edn(R"(["s" :k])"));
  // A long and a double of equal value tie; the first of them is kept.
  auto tie = apply(*find_aggregate("min"), "[]", "[1.0 1 2]");
  REQUIRE(tie.has_value());
  CHECK(tie->is<double>());
}

TEST_CASE("avg and variance of large longs do not overflow") {
  auto avg = apply(*find_aggregate("avg"), "[]", "[9223372036854775807 9223372036854775807]");
  REQUIRE(avg.has_value());
  CHECK(avg->as<double>() == doctest::Approx(9.223372036854775807e18));
  auto median = apply(*find_aggregate("median"), "[]", "[9223372036854775807 9223372036854775805]");
  REQUIRE(median.has_value());
  CHECK(*median == Value(std::int64_t{9223372036854775806}));
}

// The fold the executor uses instead of collecting a bag (count, sum, avg, min, max) gives what the
// aggregate's call gives, for every case of the table it can fold and for random mixed bags, errors
// included: where it cannot take a value (a sum or avg of a string), add() says so and result()
// is the call's error, naming the first such value.
namespace {

// The fold's answer, "!"-prefixed error text on an error; `declined` counts the values add()
// refused. Each value is added from a copy destroyed at once: the fold keeps what it needs.
std::string folded(const Aggregate& a, const Vector& consts, const Vector& bag, std::size_t& declined) {
  auto fold = quarry::query::AggregateFold::of(a, consts.items);
  REQUIRE(fold.has_value());
  fold->reset();
  for (const Value& v : bag.items) {
    const Value transient = v;
    if (!fold->add(transient)) ++declined;
  }
  auto r = fold->result();
  if (!r) return "!" + r.error().message;
  return to_edn(*r) + (r->is<double>() ? " (double)" : "");
}

std::string called(const Aggregate& a, const Vector& consts, Vector bag) {
  auto r = a.call(consts.items, bag.items);
  if (!r) return "!" + r.error().message;
  return to_edn(*r) + (r->is<double>() ? " (double)" : "");
}

}  // namespace

TEST_CASE("folded aggregates equal the aggregates called with the whole bag") {
  const std::vector<std::string> foldable = {"count", "sum", "avg", "min", "max"};
  for (const std::string& name : foldable) CHECK(quarry::query::AggregateFold::of(*find_aggregate(name), {}).has_value());
  const Vector one = edn("[1]").as<Vector>();
  CHECK_FALSE(quarry::query::AggregateFold::of(*find_aggregate("max"), one.items).has_value());
  CHECK_FALSE(quarry::query::AggregateFold::of(*find_aggregate("median"), {}).has_value());
  CHECK_FALSE(quarry::query::AggregateFold::of(*find_aggregate("count-distinct"), {}).has_value());

  std::size_t compared = 0, declined = 0;
  for (const Case& c : kCases) {
    const Aggregate* a = find_aggregate(c.aggregate);
    const Vector consts = edn(c.consts).as<Vector>();
    if (!quarry::query::AggregateFold::of(*a, consts.items)) continue;
    const Vector bag = edn(c.bag).as<Vector>();
    if (bag.items.empty()) continue;
    INFO(c.aggregate << " over " << c.bag);
    CHECK(folded(*a, consts, bag, declined) == called(*a, consts, bag));
    ++compared;
  }
  CHECK(compared >= 10);

  // Random bags of longs (some near the limits, so sums overflow), doubles (-0.0, halves) and, now
  // and then, a string or a keyword (min and max order them; sum and avg decline them).
  std::mt19937_64 rng(20261206);
  const Value extras[] = {Value(std::string("s")), Value::keyword("k"), Value(-0.0), Value(0.5),
                          Value(std::numeric_limits<std::int64_t>::max()), Value(std::numeric_limits<std::int64_t>::min())};
  for (int round = 0; round < 2000; ++round) {
    Vector bag;
    const std::size_t n = 1 + rng() % 12;
    for (std::size_t i = 0; i < n; ++i) {
      const auto pick = rng() % 10;
      if (pick < 5) bag.items.emplace_back(static_cast<std::int64_t>(rng() % 21) - 10);
      else if (pick < 7) bag.items.emplace_back(static_cast<double>(static_cast<std::int64_t>(rng() % 41) - 20) / 4.0);
      else bag.items.push_back(extras[rng() % std::size(extras)]);
    }
    for (const std::string& name : foldable) {
      const Aggregate& a = *find_aggregate(name);
      INFO(name << " over " << to_edn(Value(bag)));
      const std::size_t before = declined;
      CHECK(folded(a, Vector{}, bag, declined) == called(a, Vector{}, bag));
      if (declined > before) CHECK((name == "sum" || name == "avg"));
      ++compared;
    }
  }
  CHECK(declined > 0);
}
