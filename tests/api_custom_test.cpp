// Custom functions and aggregates registered through the public API (quarry::register_function and
// quarry::register_aggregate in <quarry/query.hpp>), used in queries as an application would.
#include <doctest/doctest.h>

#include "support/edn_value.hpp"

#include <quarry/quarry.hpp>
#include <quarry/query.hpp>

#include <algorithm>
#include <atomic>
#include <span>
#include <vector>

namespace {

using quarry::Database;
using quarry::Options;
using quarry::Value;
using quarry::testing::edn;

Database people() {
  auto db = Database::open(Options{.in_memory = true});
  REQUIRE_MESSAGE(db.has_value(), (db ? "" : db.error().to_edn()));
  auto tx = db->transact(
      "[{:db/id 1 :name \"Ann\" :age 31 :team \"a\"} {:db/id 2 :name \"Bob\" :age 17 :team \"a\"}"
      " {:db/id 3 :name \"Cy\" :age 45 :team \"a\"} {:db/id 4 :name \"Dee\" :age 20 :team \"b\"}"
      " {:db/id 5 :name \"Eve\" :age 20 :team \"b\"}]");
  REQUIRE_MESSAGE(tx.has_value(), (tx ? "" : tx.error().to_edn()));
  return std::move(*db);
}

// The middle value, the lower one for an even count: a median that needs no arithmetic.
quarry::Result<Value> lower_median(std::span<const Value> values) {
  std::vector<Value> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end(), [](const Value& a, const Value& b) { return quarry::compare(a, b) < 0; });
  return sorted[(sorted.size() - 1) / 2];
}

Value run(Database& db, std::string_view query) {
  auto r = quarry::q(query, {db.db()});
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  return r->value;
}

TEST_CASE("a registered aggregate is called once per group with the group's values") {
  Database db = people();
  REQUIRE(quarry::register_aggregate("test/lower-median", lower_median).has_value());
  CHECK(run(db, "[:find (test/lower-median ?a) . :where [_ :age ?a]]") == Value(20));
  CHECK(run(db, "[:find ?t (test/lower-median ?a) :where [?e :team ?t] [?e :age ?a]]") ==
        edn("#{[\"a\" 31] [\"b\" 20]}"));
  // The bag keeps duplicates when :with says so: team b's ages are [20 20] with ?e, [20] without.
  std::atomic<int> seen = 0;
  REQUIRE(quarry::register_aggregate("test/bag-size", [&](std::span<const Value> values) -> quarry::Result<Value> {
            seen += 1;
            return Value(static_cast<std::int64_t>(values.size()));
          }).has_value());
  CHECK(run(db, "[:find ?t (test/bag-size ?a) :with ?e :where [?e :team ?t] [?e :age ?a]]") ==
        edn("[[\"a\" 3] [\"b\" 2]]"));
  CHECK(run(db, "[:find ?t (test/bag-size ?a) :where [?e :team ?t] [?e :age ?a]]") == edn("#{[\"a\" 3] [\"b\" 1]}"));
  CHECK(seen == 4);
  // Beside built-in aggregates, in the map form.
  CHECK(run(db, "{:find [(count ?a) (test/lower-median ?a)] :with [?e] :where [[?e :age ?a]]}") == edn("[[5 20]]"));
}

TEST_CASE("(aggregate ?f ?x) takes a registered or built-in aggregate by its symbol") {
  Database db = people();
  REQUIRE(quarry::register_aggregate("test/lower-median", lower_median).has_value());
  const char* query = "[:find (aggregate ?f ?a) . :in $ ?f :where [_ :age ?a]]";
  std::vector<quarry::QueryInput> custom{db.db(), Value::symbol("test/lower-median")};
  auto r = quarry::q(query, custom);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  CHECK(r->value == Value(20));
  std::vector<quarry::QueryInput> builtin{db.db(), Value::symbol("max")};
  auto m = quarry::q(query, builtin);
  REQUIRE_MESSAGE(m.has_value(), (m ? "" : m.error().to_edn()));
  CHECK(m->value == Value(45));
  std::vector<quarry::QueryInput> unknown{db.db(), Value::symbol("test/none")};
  auto u = quarry::q(query, unknown);
  REQUIRE_FALSE(u.has_value());
  CHECK(u.error().code == quarry::ErrorCode::QueryFunction);
}

TEST_CASE("a registered aggregate's error ends the query with that error") {
  Database db = people();
  REQUIRE(quarry::register_aggregate("test/fails", [](std::span<const Value>) -> quarry::Result<Value> {
            return std::unexpected(quarry::Error{quarry::ErrorCode::QueryFunction, "test/fails always fails"});
          }).has_value());
  auto r = quarry::q("[:find (test/fails ?a) :where [_ :age ?a]]", {db.db()});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == quarry::ErrorCode::QueryFunction);
  CHECK(r.error().message == "test/fails always fails");
}

TEST_CASE("registering replaces an earlier function of the same name") {
  Database db = people();
  REQUIRE(quarry::register_aggregate("test/answer", [](std::span<const Value>) -> quarry::Result<Value> {
            return Value(1);
          }).has_value());
  CHECK(run(db, "[:find (test/answer ?a) . :where [_ :age ?a]]") == Value(1));
  REQUIRE(quarry::register_aggregate("test/answer", [](std::span<const Value>) -> quarry::Result<Value> {
            return Value(2);
          }).has_value());
  CHECK(run(db, "[:find (test/answer ?a) . :where [_ :age ?a]]") == Value(2));
}

TEST_CASE("bad registrations and unknown aggregates are :query/invalid") {
  Database db = people();
  auto fn = [](std::span<const Value>) -> quarry::Result<Value> { return Value(); };
  for (const char* name : {"", "?x", "$x", "_", "max", "count", "has space"}) {
    auto r = quarry::register_aggregate(name, fn);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == quarry::ErrorCode::QueryInvalid);
  }
  CHECK_FALSE(quarry::register_aggregate("test/empty", quarry::AggregateFn{}).has_value());
  auto unknown = quarry::q("[:find (test/never-registered ?a) :where [_ :age ?a]]", {db.db()});
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().code == quarry::ErrorCode::QueryInvalid);
  // A custom aggregate takes the variable only.
  REQUIRE(quarry::register_aggregate("test/one-arg", fn).has_value());
  auto extra = quarry::q("[:find (test/one-arg 3 ?a) :where [_ :age ?a]]", {db.db()});
  REQUIRE_FALSE(extra.has_value());
  CHECK(extra.error().code == quarry::ErrorCode::QueryInvalid);
}

// Doubles a long; anything else is a :query/function error.
quarry::Result<Value> twice(std::span<const Value> args) {
  if (args.size() != 1 || !args[0].is<std::int64_t>())
    return std::unexpected(quarry::Error{quarry::ErrorCode::QueryFunction, "test/twice takes one long"});
  return Value(args[0].as<std::int64_t>() * 2);
}

TEST_CASE("a registered function is called by name in function expressions and predicates") {
  Database db = people();
  REQUIRE(quarry::register_function("test/twice", twice).has_value());
  REQUIRE(quarry::register_function("test/adult?", [](std::span<const Value> args) -> quarry::Result<Value> {
            return Value(args.size() == 1 && args[0].is<std::int64_t>() && args[0].as<std::int64_t>() >= 21);
          }).has_value());
  CHECK(run(db, "[:find ?y . :where [(test/twice 21) ?y]]") == Value(42));
  CHECK(run(db, "[:find ?n ?d :where [?e :name ?n] [?e :age ?a] [(test/adult? ?a)] [(test/twice ?a) ?d]]") ==
        edn("#{[\"Ann\" 62] [\"Cy\" 90]}"));
  // nil binds nothing.
  REQUIRE(quarry::register_function("test/nil", [](std::span<const Value>) -> quarry::Result<Value> {
            return Value();
          }).has_value());
  CHECK(run(db, "[:find ?y :where [_ :age ?a] [(test/nil ?a) ?y]]") == edn("#{}"));
  // Its error ends the query.
  auto bad = quarry::q("[:find ?y :where [?e :name ?n] [(test/twice ?n) ?y]]", {db.db()});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == quarry::ErrorCode::QueryFunction);
}

TEST_CASE("a registered function can be passed as a function input, by its symbol") {
  Database db = people();
  REQUIRE(quarry::register_function("test/twice", twice).has_value());
  std::vector<quarry::QueryInput> inputs{db.db(), Value::symbol("test/twice")};
  auto r = quarry::q("[:find ?y . :in $ ?f :where [1 :age ?a] [(?f ?a) ?y]]", inputs);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  CHECK(r->value == Value(62));
  // Built-ins and registered functions mix in one collection input.
  std::vector<quarry::QueryInput> both{db.db(), edn("[inc test/twice]")};
  auto mixed = quarry::q("[:find ?y :in $ [?f ...] :where [1 :age ?a] [(?f ?a) ?y]]", both);
  REQUIRE_MESSAGE(mixed.has_value(), (mixed ? "" : mixed.error().to_edn()));
  CHECK(mixed->value == edn("#{[32] [62]}"));
}

TEST_CASE("bad function registrations are :query/invalid; unknown names stay unknown") {
  Database db = people();
  for (const char* name : {"", "?f", "$f", "inc", "str", "get-else"}) {
    auto r = quarry::register_function(name, twice);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == quarry::ErrorCode::QueryInvalid);
  }
  CHECK_FALSE(quarry::register_function("test/empty-fn", quarry::QueryFn{}).has_value());
  auto unknown = quarry::q("[:find ?y :where [(test/never-registered 1) ?y]]", {db.db()});
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().code == quarry::ErrorCode::QueryInvalid);
}

}  // namespace
