// The planner's choice does not depend on the order the :where clauses are written in: every
// order of a query's clauses gets the same plan (explain's :plan — each step's clause, operator,
// index, range, :bound and estimate). Plans are asserted, never timings.
#include <doctest/doctest.h>

#include "support/edn_value.hpp"

#include <quarry/quarry.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "codec/edn_printer.hpp"

namespace {

using quarry::Database;
using quarry::Map;
using quarry::Options;
using quarry::Value;
using quarry::Vector;
using quarry::testing::edn;

Value read_bench_file(const std::string& name) {
  std::ifstream in(QUARRY_TESTS_DIR "/../bench/data/" + name);
  REQUIRE_MESSAGE(in, name);
  std::stringstream text;
  text << in.rdbuf();
  return edn(text.str());
}

const Value* lookup(const Value& map, std::string_view key) {
  for (const auto& [k, v] : map.as<Map>().entries)
    if (k == Value::keyword(std::string(key))) return &v;
  return nullptr;
}

// DataScript's benchmark database (bench/data): people20k's core datoms, with the extra ones
// (:alias, :follows) when `full`.
Database people20k(bool full) {
  auto db = Database::open(Options{.in_memory = true});
  REQUIRE_MESSAGE(db.has_value(), (db ? "" : db.error().to_edn()));
  REQUIRE(db->declare_schema(read_bench_file("schema.edn")).has_value());
  REQUIRE(db->transact(read_bench_file("people20k-core.edn")).has_value());
  if (full) REQUIRE(db->transact(read_bench_file("people20k-extra.edn")).has_value());
  return std::move(*db);
}

// The query with its :where clauses in `order` (order[k]: the written position of the k-th).
Value reordered(const Value& query, const std::vector<std::size_t>& order) {
  const auto& items = query.as<Vector>().items;
  auto begin = std::find(items.begin(), items.end(), Value::keyword("where")) + 1;
  auto end = std::find_if(begin, items.end(), [](const Value& v) { return v.is<quarry::Keyword>(); });
  Vector out;
  out.items.assign(items.begin(), begin);
  for (std::size_t i : order) out.items.push_back(*(begin + static_cast<std::ptrdiff_t>(i)));
  out.items.insert(out.items.end(), end, items.end());
  return Value(std::move(out));
}

std::size_t where_count(const Value& query) {
  const auto& items = query.as<Vector>().items;
  auto begin = std::find(items.begin(), items.end(), Value::keyword("where"));
  if (begin == items.end()) return 0;
  ++begin;
  return static_cast<std::size_t>(
      std::find_if(begin, items.end(), [](const Value& v) { return v.is<quarry::Keyword>(); }) - begin);
}

// explain's :plan, printed.
std::string plan_text(const Value& query, const std::vector<quarry::QueryInput>& inputs) {
  auto plan = quarry::explain(query, inputs);
  REQUIRE_MESSAGE(plan.has_value(), (quarry::to_edn(query) + ": " + (plan ? "" : plan.error().to_edn())));
  const Value* steps = lookup(*plan, "plan");
  REQUIRE(steps);
  return quarry::to_edn(*steps);
}

// Every order of the query's clauses (its written order first) plans as the written order does.
// Returns how many orders were compared.
std::size_t check_every_order(const Value& query, const std::vector<quarry::QueryInput>& inputs) {
  std::vector<std::size_t> order(where_count(query));
  std::iota(order.begin(), order.end(), 0);
  const std::string written = plan_text(query, inputs);
  std::size_t orders = 0;
  do {
    const Value q = reordered(query, order);
    CAPTURE(quarry::to_edn(q));
    CHECK(plan_text(q, inputs) == written);
    ++orders;
  } while (std::next_permutation(order.begin(), order.end()));
  return orders;
}

}  // namespace

TEST_CASE("plan: every DataScript benchmark query plans alike in every order of its clauses") {
  const Value queries = read_bench_file("queries.edn");
  std::map<bool, Database> dbs;
  dbs.emplace(false, people20k(false));
  dbs.emplace(true, people20k(true));
  std::size_t checked = 0, orders = 0;
  for (const auto& [name, spec] : queries.as<Map>().entries) {
    const Value* query = lookup(spec, "query");
    if (!query || !query->is<Vector>() || where_count(*query) < 2) continue;
    CAPTURE(quarry::to_edn(name));
    const bool full = lookup(spec, "db")->as<quarry::Keyword>().name == "full";
    std::vector<quarry::QueryInput> inputs{dbs.at(full).db()};
    const Value* rules = lookup(spec, "rules");
    for (const Value& a : lookup(spec, "args")->as<Vector>().items)
      inputs.emplace_back(a.is<quarry::Symbol>() && a.as<quarry::Symbol>().name == "%" && rules ? *rules : a);
    orders += check_every_order(*query, inputs);
    ++checked;
  }
  // q2, q2-switch, q3, q4, q5-shortcircuit, qpred1, qpred2, fof-1, hop2-join, agg-by-sex,
  // agg-by-name: 2+2+6+24+120+2+2+2+24+2+6 orders.
  CHECK(checked == 11);
  CHECK(orders == 192);
}

TEST_CASE("plan: filters, functions, not and or plan alike in every order") {
  Database db = people20k(true);
  const std::vector<quarry::QueryInput> in{db.db(), Value(std::string("Ivan"))};
  // Two filters ready at once, a function, a not and an or.
  check_every_order(edn(R"([:find ?e ?n2 :in $ ?n
                            :where [?e :name ?n] [?e :age ?a] [(> ?a 30)] [(< ?a 60)]
                                   [(str ?n "!") ?n2] (not [?e :sex :male])])"),
                    in);
  check_every_order(edn(R"([:find ?e ?f :in $ ?n
                            :where [?e :name ?n] [?e :follows ?f]
                                   (or [?f :last-name "Petrov"] [?f :age 33]) [?f :salary ?s] [(> ?s 10000)]])"),
                    in);
}

TEST_CASE("plan: a query past the exhaustive search plans alike in any order (the bounded greedy search)") {
  Database db = people20k(true);
  const std::vector<quarry::QueryInput> in{db.db()};
  // 14 clauses besides filters (more than cost::kExhaustiveClauses): a star on ?e, a hop to ?f
  // and two filters.
  const Value query = edn(R"([:find ?e ?f
      :where [?e :name "Ivan"] [?e :last-name ?l] [?e :age ?a] [?e :sex ?s] [?e :salary ?sal]
             [?e :alias ?al] [?e :follows ?f] [?f :name ?fn] [?f :last-name ?fl] [?f :age ?fa]
             [?f :sex ?fs] [?f :salary ?fsal] [?f :alias ?fal] [?f :follows ?g]
             [(> ?sal 1000)] [(< ?fa 50)]])");
  const std::size_t n = where_count(query);
  REQUIRE(n == 16);
  const std::string written = plan_text(query, in);
  CHECK(written.find("[?e :name \"Ivan\"]") < written.find("[?e :follows ?f]"));
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::reverse(order.begin(), order.end());
  CHECK(plan_text(reordered(query, order), in) == written);
  std::mt19937 random(20261206);  // fixed seed
  for (int k = 0; k < 20; ++k) {
    std::shuffle(order.begin(), order.end(), random);
    const Value q = reordered(query, order);
    CAPTURE(quarry::to_edn(q));
    CHECK(plan_text(q, in) == written);
  }
}
