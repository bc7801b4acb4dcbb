// The query engine's parts: relations and joins, index choice, rules on cyclic data, limits,
// explain. Query semantics as a whole are the golden cases' job (query_golden_test).
#include <doctest/doctest.h>

#include "support/edn_value.hpp"

#include <quarry/quarry.hpp>

#include <atomic>
#include <chrono>
#include <limits>
#include <random>
#include <set>
#include <string>

#include "codec/edn_printer.hpp"
#include "query/exec/buffer_pool.hpp"
#include "query/exec/join.hpp"
#include "query/exec/relation.hpp"

namespace {

using quarry::Database;
using quarry::Options;
using quarry::Value;

using quarry::testing::edn;
using quarry::Map;
using quarry::Vector;

Database open_memory() {
  auto db = Database::open(Options{.in_memory = true});
  REQUIRE_MESSAGE(db.has_value(), (db ? "" : db.error().to_edn()));
  return std::move(*db);
}

void ok(Database& db, std::string_view tx) {
  auto r = db.transact(tx);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
}

// The query's result as EDN text, or the error's code keyword.
std::string run(const quarry::Db& db, std::string_view query, std::vector<quarry::QueryInput> extra = {},
                const quarry::QueryOptions& options = {}) {
  std::vector<quarry::QueryInput> inputs{db};
  inputs.insert(inputs.end(), extra.begin(), extra.end());
  auto r = quarry::q(query, inputs, options);
  if (!r) return ":" + std::string(quarry::error_code_name(r.error().code));
  return quarry::to_edn(r->value);
}

Database people() {
  Database db = open_memory();
  REQUIRE(db.declare_schema(R"({:friend {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
                                 :alias {:db/cardinality :db.cardinality/many}
                                 :email {:db/unique :db.unique/identity}})")
              .has_value());
  ok(db, R"([{:db/id 1 :name "Ivan" :age 15 :alias ["i" "v"] :email "ivan@x" :friend [2]}
             {:db/id 2 :name "Petr" :age 37 :alias ["p"] :friend [3]}
             {:db/id 3 :name "Oleg" :age 37 :friend [1]}
             {:db/id 4 :name "Ivan" :age 22}])");
  return db;
}

}  // namespace

using quarry::query::Relation;

TEST_CASE("relations: dedup, project and hash join keep set semantics") {
  Relation a({"?x", "?y"});
  for (auto [x, y] : {std::pair{1, 10}, {2, 20}, {1, 10}, {3, 30}}) {
    a.push(Value(x));
    a.push(Value(y));
    a.end_row();
  }
  a.dedup();
  CHECK(a.size() == 3);
  std::vector<std::string> xs{"?x"};
  CHECK(a.project(xs, true).size() == 3);

  Relation b({"?y", "?z"});
  for (auto [y, z] : {std::pair{10, 100}, {10, 101}, {30, 300}, {40, 400}}) {
    b.push(Value(y));
    b.push(Value(z));
    b.end_row();
  }
  quarry::query::Limits limits;
  quarry::query::Context ctx(limits);
  auto j = quarry::query::hash_join(ctx, a, b);
  REQUIRE(j.has_value());
  CHECK(j->vars() == std::vector<std::string>{"?x", "?y", "?z"});
  CHECK(j->size() == 3);  // (1 10 100) (1 10 101) (3 30 300)
  auto anti = quarry::query::anti_join(ctx, a, b);
  REQUIRE(anti.has_value());
  CHECK(anti->size() == 1);  // (2 20)

  quarry::query::RowIndex index(b, {0});
  CHECK(index.group_leaders().size() == 3);
}

TEST_CASE("large buffers are kept per thread for reuse, within the pool's bounds") {
  using quarry::query::kPooledBlockMin;
  using quarry::query::kPooledBlocksMax;
  using quarry::query::kPooledBytesMax;
  using quarry::query::PooledVector;
  quarry::query::release_pooled_buffers();
  const void* first = nullptr;
  {
    PooledVector<std::int64_t> v(kPooledBlockMin / 4);  // 2 * kPooledBlockMin bytes
    first = v.data();
  }
  CHECK(quarry::query::pooled_blocks() == 1);
  CHECK(quarry::query::pooled_bytes() == 2 * kPooledBlockMin);
  {
    PooledVector<std::int64_t> again(kPooledBlockMin / 16 * 3);  // fits the kept block
    CHECK(static_cast<const void*>(again.data()) == first);
    CHECK(quarry::query::pooled_blocks() == 0);
  }
  {
    PooledVector<std::int64_t> small(16);  // below kPooledBlockMin: not the pool's
    CHECK(quarry::query::pooled_blocks() == 1);
  }
  CHECK(quarry::query::pooled_blocks() == 1);
  {
    std::vector<PooledVector<char>> many;
    for (std::size_t i = 0; i < 2 * kPooledBlocksMax; ++i) many.emplace_back(8 << 20);
  }
  CHECK(quarry::query::pooled_bytes() <= kPooledBytesMax);
  CHECK(quarry::query::pooled_blocks() <= kPooledBlocksMax);
  CHECK(quarry::query::pooled_blocks() == kPooledBytesMax / (8 << 20));
  {
    PooledVector<char> huge(kPooledBytesMax + 1);  // never kept
  }
  CHECK(quarry::query::pooled_bytes() <= kPooledBytesMax);
  quarry::query::release_pooled_buffers();
  CHECK(quarry::query::pooled_bytes() == 0);
  CHECK(quarry::query::pooled_blocks() == 0);
}

TEST_CASE("a large result is the same run after run, its buffers reused") {
  Database db = open_memory();
  std::string tx = "[";
  std::string expected = "#{";
  for (int e = 1; e <= 30000; ++e) {
    const int salary = (e * 7919) % 100000;
    tx += "{:db/id " + std::to_string(e) + " :salary " + std::to_string(salary) + "}";
    if (salary <= 50000) continue;
    if (expected.size() > 2) expected += ' ';
    expected += "[" + std::to_string(e) + " " + std::to_string(salary) + "]";
  }
  ok(db, tx + "]");
  expected += "}";
  const std::string query = "[:find ?e ?s :where [?e :salary ?s] [(> ?s 50000)]]";
  quarry::query::release_pooled_buffers();
  CHECK(run(db.db(), query) == expected);
  CHECK(quarry::query::pooled_bytes() > 0);  // the relation's cells at least were kept
  CHECK(quarry::query::pooled_bytes() <= quarry::query::kPooledBytesMax);
  for (int i = 0; i < 3; ++i) CHECK(run(db.db(), query) == expected);
}

TEST_CASE("the first query: [:find ?e :where [?e :name \"Ivan\"]]") {
  Database db = people();
  CHECK(run(db.db(), R"([:find ?e :where [?e :name "Ivan"]])") == "#{[1] [4]}");
  CHECK(run(db.db(), R"([:find ?e ?a :where [?e :name "Ivan"] [?e :age ?a]])") == "#{[1 15] [4 22]}");
  CHECK(run(db.db(), R"([:find ?e ?a :where [?e :age ?a] [?e :name "Ivan"]])") == "#{[1 15] [4 22]}");
}

TEST_CASE("patterns: blanks, constants anywhere, unknown attributes, repeated variables") {
  Database db = people();
  auto d = db.db();
  CHECK(run(d, R"([:find ?e :where [?e :alias _]])") == "#{[1] [2]}");
  CHECK(run(d, R"([:find ?n :where [_ :name ?n]])") == R"(#{["Ivan"] ["Oleg"] ["Petr"]})");
  CHECK(run(d, R"([:find ?e :where [?e :no-such-attr ?v]])") == "#{}");
  CHECK(run(d, R"([:find ?a :where [2 ?a 37]])") == "#{[:age]}");
  CHECK(run(d, R"([:find ?e ?a :where [?e ?a 37]])") == "#{[2 :age] [3 :age]}");
  CHECK(run(d, R"([:find ?v :where [[:email "ivan@x"] :age ?v]])") == "#{[15]}");
  CHECK(run(d, R"([:find ?e :where [?e :friend [:email "ivan@x"]]])") == "#{[3]}");
  CHECK(run(d, R"([:find ?e :where [?e :friend ?e]])") == "#{}");
  CHECK(run(d, R"([:find ?e ?f :where [?e :friend ?f] [?f :friend ?e]])") == "#{}");
  CHECK(run(d, R"([:find ?x :where [?e :friend ?f] [?f :friend ?g] [?g :friend ?x]])") == "#{[1] [2] [3]}");
}

TEST_CASE("inputs, predicates, functions and find shapes") {
  Database db = people();
  auto d = db.db();
  CHECK(run(d, R"([:find ?e :in $ ?n :where [?e :name ?n]])", {Value("Petr")}) == "#{[2]}");
  CHECK(run(d, R"([:find ?e :in $ [?n ...] :where [?e :name ?n]])", {edn(R"(["Petr" "Oleg"])")}) == "#{[2] [3]}");
  CHECK(run(d, R"([:find ?e :in $ [[?n ?a]] :where [?e :name ?n] [?e :age ?a]])", {edn(R"([["Ivan" 22]])")}) ==
        "#{[4]}");
  CHECK(run(d, R"([:find ?e :in $ [?n ...] :where [?e :name ?n]])", {Value(5)}) == ":query/input");
  CHECK(run(d, R"([:find ?e :in $ ?n :where [?e :name ?n]])") == ":query/input");
  CHECK(run(d, R"([:find ?e :where [?e :age ?a] [(> ?a 20)]])") == "#{[2] [3] [4]}");
  CHECK(run(d, R"([:find ?e ?b :where [?e :age ?a] [(inc ?a) ?b] [(< ?b 20)]])") == "#{[1 16]}");
  CHECK(run(d, R"([:find [?n ...] :where [_ :name ?n]])") == R"(["Ivan" "Oleg" "Petr"])");
  CHECK(run(d, R"([:find ?n . :where [2 :name ?n]])") == R"("Petr")");
  CHECK(run(d, R"([:find ?n . :where [99 :name ?n]])") == "nil");
  CHECK(run(d, R"([:find [?n ?a] :where [2 :name ?n] [2 :age ?a]])") == R"(["Petr" 37])");
  CHECK(run(d, R"([:find ?a :with ?e :where [?e :age ?a]])") == "[[15] [22] [37] [37]]");
  CHECK(run(d, R"([:find ?n ?a :keys name age :where [?e :name ?n] [?e :age ?a] [(< ?a 20)]])") ==
        R"(#{{:age 15, :name "Ivan"}})");
  CHECK(run(d, R"([:find (count ?e) . :where [?e :age 37]])") == "2");
  CHECK(run(d, R"([:find ?a (count ?e) :where [?e :age ?a]])") == "#{[15 1] [22 1] [37 2]}");
}

TEST_CASE("not, not-join, or, or-join") {
  Database db = people();
  auto d = db.db();
  CHECK(run(d, R"([:find ?e :where [?e :name _] (not [?e :alias _])])") == "#{[3] [4]}");
  CHECK(run(d, R"([:find ?e :where [?e :name _] (not-join [?e] [?e :friend ?f] [?f :age 37])])") ==
        "#{[3] [4]}");
  CHECK(run(d, R"([:find ?e :where [?e :age _] (not [?f :alias _])])") == ":query/invalid");
  CHECK(run(d, R"([:find ?e :where (or [?e :age 15] [?e :name "Oleg"])])") == "#{[1] [3]}");
  CHECK(run(d, R"([:find ?e ?n :where [?e :name ?n] (or-join [?e] [?e :age 15] (and [?e :friend ?f] [?f :name "Ivan"]))])") ==
        R"(#{[1 "Ivan"] [3 "Oleg"]})");
}

TEST_CASE("or-join and not-join name themselves when a rule body leaves a required variable unbound") {
  Database db = people();
  auto d = db.db();
  auto message = [&](std::string_view rules) {
    std::vector<quarry::QueryInput> inputs{d, edn(rules)};
    auto r = quarry::q("[:find ?e :in $ % :where (r ?e)]", inputs);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == quarry::ErrorCode::QueryInvalid);
    return r.error().message;
  };
  CHECK(message("[[(r ?e) [?e :name ?n] (or-join [[?z] ?e] [?e :age ?z])]]") ==
        "Insufficient bindings: #{?z} not bound in (or-join [[?z] ?e] [?e :age ?z])");
  CHECK(message("[[(r ?e) [?e :name ?n] (not-join [?q] [?q :age ?n])]]") ==
        "Insufficient bindings: #{?q} not bound in (not-join [?q] [?q :age ?n])");
}

TEST_CASE("rules: recursion terminates on cyclic data; mutual recursion; required bindings") {
  Database db = people();
  auto d = db.db();
  const Value rules = edn(R"([[(reach ?x ?y) [?x :friend ?y]]
                               [(reach ?x ?y) [?x :friend ?t] (reach ?t ?y)]])");
  CHECK(run(d, "[:find ?y :in $ % :where (reach 1 ?y)]", {rules}) == "#{[1] [2] [3]}");
  CHECK(run(d, "[:find ?x ?y :in $ % :where (reach ?x ?y)]", {rules}) ==
        "#{[1 1] [1 2] [1 3] [2 1] [2 2] [2 3] [3 1] [3 2] [3 3]}");
  CHECK(run(d, "[:find ?x :in $ % :where (reach ?x 3)]", {rules}) == "#{[1] [2] [3]}");
  const Value mutual = edn(R"([[(even ?x ?y) [(identity ?x) ?y]]
                                [(even ?x ?y) [?x :friend ?t] (odd ?t ?y)]
                                [(odd ?x ?y) [?x :friend ?t] (even ?t ?y)]])");
  // 1 -> 2 -> 3 -> 1: from 1, an even number of steps reaches 1, 3 (2 steps), 2 (4 steps), ...
  CHECK(run(d, "[:find ?y :in $ % :where (odd 1 ?y)]", {mutual}) == "#{[1] [2] [3]}");
  const Value required = edn("[[(older [?x] ?y) [?x :age ?a] [?y :age ?b] [(> ?a ?b)]]]");
  CHECK(run(d, "[:find ?y :in $ % :where [?x :name \"Petr\"] (older ?x ?y)]", {required}) == "#{[1] [4]}");
  CHECK(run(d, "[:find ?y :in $ % :where (older ?x ?y)]", {required}) == ":query/invalid");
  CHECK(run(d, "[:find ?y :in $ % :where (nope ?y)]", {rules}) == ":query/invalid");
}

TEST_CASE("history: five-position patterns see assertions and retractions") {
  Database db = open_memory();
  ok(db, R"([{:db/id 1 :name "Ann"}])");
  ok(db, R"([[:db/add 1 :name "Anna"]])");
  auto h = db.db().history();
  CHECK(run(h, R"([:find ?v ?added :where [1 :name ?v _ ?added]])") ==
        R"(#{["Ann" false] ["Ann" true] ["Anna" true]})");
  CHECK(run(db.db(), R"([:find ?v :where [1 :name ?v]])") == R"(#{["Anna"]})");
}

TEST_CASE("limits: max_rows, deadline and cancel stop a query") {
  Database db = open_memory();
  std::string tx = "[";
  for (int i = 1; i <= 300; ++i) tx += "{:db/id " + std::to_string(i) + " :n " + std::to_string(i) + "}";
  ok(db, tx + "]");
  const std::string product = "[:find ?a ?b :where [?a :n _] [?b :n _]]";
  CHECK(run(db.db(), product, {}, {.max_rows = 1000}) == ":query/limit");
  CHECK(run(db.db(), product, {}, {.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1)}) ==
        ":query/timeout");
  std::atomic<bool> cancel{true};
  CHECK(run(db.db(), product, {}, {.cancel = &cancel}) == ":query/cancelled");
  cancel = false;
  auto r = quarry::q(product, {db.db()}, {.cancel = &cancel});
  REQUIRE(r.has_value());
  CHECK(r->value.as<quarry::Set>().items.size() == 90000);
  // The memory budget: 90,000 rows of 2 cells do not fit in 1 MiB of cells (32,768), so the product
  // stops early with :query/limit; with the default budget the same query runs.
  auto small = quarry::q(product, {db.db()}, {.max_bytes = 1 << 20});
  REQUIRE(!small.has_value());
  CHECK(small.error().to_edn().find(":query/limit") != std::string::npos);
  CHECK(small.error().message.find("memory budget") != std::string::npos);
  CHECK(run(db.db(), "[:find (count ?a) . :where [?a :n _]]", {}, {.max_bytes = 1 << 20}) == "300");
}

TEST_CASE("explain: index choice and order from what is bound") {
  Database db = people();
  auto plan = quarry::explain(edn(R"([:find ?e ?a :where [?e :age ?a] [?e :name "Ivan"]])"), std::vector<quarry::QueryInput>{db.db()});
  REQUIRE(plan.has_value());
  const std::string text = quarry::to_edn(*plan);
  INFO(text);
  // The constant pattern first, through AVET; then the other by e.
  auto first = text.find(":clause [?e :name \"Ivan\"]");
  auto second = text.find(":clause [?e :age ?a]");
  REQUIRE(first != std::string::npos);
  REQUIRE(second != std::string::npos);
  CHECK(first < second);
  CHECK(text.find(":index :avet") != std::string::npos);
  CHECK(text.find(":find [?e ?a]") != std::string::npos);
}

TEST_CASE("rules: the right-linear shortcut agrees with the general evaluation") {
  // A random graph with cycles (fixed seed); `reach` is right-linear when ?x is bound, `reach2`
  // (the same rule with a harmless extra use of ?y) is not and goes through the general tables.
  Database db = open_memory();
  REQUIRE(db.declare_schema("{:to {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}}").has_value());
  std::uint64_t seed = 12345;
  auto next = [&]() {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((seed >> 33) % 60) + 1;
  };
  std::string tx = "[";
  for (int i = 0; i < 90; ++i) tx += "[:db/add " + std::to_string(next()) + " :to " + std::to_string(next()) + "]";
  ok(db, tx + "]");
  const Value rules = edn(R"([[(reach ?x ?y) [?x :to ?y]]
                               [(reach ?x ?y) [?x :to ?t] (reach ?t ?y)]
                               [(reach2 ?x ?y) [?x :to ?y]]
                               [(reach2 ?x ?y) [?x :to ?t] (reach2 ?t ?y) [(some? ?y)]]
                               [(hops ?x ?y ?d) [?x :to ?y]]
                               [(hops ?x ?y ?d) [(> ?d 1)] [?x :to ?t] [(dec ?d) ?d2] (hops ?t ?y ?d2)]
                               [(hops2 ?x ?y ?d) [?x :to ?y]]
                               [(hops2 ?x ?y ?d) [(> ?d 1)] [?x :to ?t] [(dec ?d) ?d2] (hops2 ?t ?y ?d2) [(some? ?y)]]])");
  auto d = db.db();
  for (int x : {1, 7, 30}) {
    const Value in = Value(x);
    CHECK(run(d, "[:find ?y :in $ % ?x :where (reach ?x ?y)]", {rules, in}) ==
          run(d, "[:find ?y :in $ % ?x :where (reach2 ?x ?y)]", {rules, in}));
    for (int depth : {1, 2, 3, 5})
      CHECK(run(d, "[:find ?y :in $ % ?x ?d :where (hops ?x ?y ?d)]", {rules, in, Value(depth)}) ==
            run(d, "[:find ?y :in $ % ?x ?d :where (hops2 ?x ?y ?d)]", {rules, in, Value(depth)}));
  }
  const Value many = edn("[2 3 5 8 13 21]");
  const std::string linear = run(d, "[:find ?x ?y :in $ % [?x ...] :where (reach ?x ?y)]", {rules, many});
  CHECK(linear == run(d, "[:find ?x ?y :in $ % [?x ...] :where (reach2 ?x ?y)]", {rules, many}));
  CHECK(linear.size() > 20);
  // Unbound: no shortcut, both general.
  CHECK(run(d, "[:find ?x ?y :in $ % :where (reach ?x ?y)]", {rules}) ==
        run(d, "[:find ?x ?y :in $ % :where (reach2 ?x ?y)]", {rules}));
}

// Entities 1..n with :age i % 90 and :n i.
Database aged_entities(int n) {
  Database db = open_memory();
  std::string tx = "[";
  for (int i = 1; i <= n; ++i)
    tx += "{:db/id " + std::to_string(i) + " :age " + std::to_string(i % 90) + " :n " + std::to_string(i) + "}";
  ok(db, tx + "]");
  return db;
}

TEST_CASE("explain: a few bound entities are looked up per binding, a range predicate narrows AVET") {
  Database db = aged_entities(500);
  std::vector<quarry::QueryInput> in{db.db(), Value(7)};
  auto plan = quarry::explain(edn("[:find ?a :in $ ?e :where [?e :age ?a]]"), in);
  REQUIRE(plan.has_value());
  std::string text = quarry::to_edn(*plan);
  INFO(text);
  CHECK(text.find(":index :aevt") != std::string::npos);
  CHECK(text.find(":op :lookup") != std::string::npos);
  CHECK(run(db.db(), "[:find ?a :in $ ?e :where [?e :age ?a]]", {Value(7)}) == "#{[7]}");

  plan = quarry::explain(edn("[:find ?e :where [?e :age ?a] [(< ?a 3)]]"), std::vector<quarry::QueryInput>{db.db()});
  REQUIRE(plan.has_value());
  text = quarry::to_edn(*plan);
  CHECK(text.find(":range [nil 3]") != std::string::npos);
  CHECK(run(db.db(), "[:find (count ?e) . :where [?e :age ?a] [(< ?a 3)]]") == "17");
  CHECK(run(db.db(), "[:find (count ?e) . :where [?e :age ?a] [(<= ?a 2)] [(> ?a 0)]]") == "12");
}

TEST_CASE("lookups per binding answer alike for bound entities sorted, repeated, reversed or not entities") {
  // A probe column of strictly increasing longs is one lookup per row without hashing the rows
  // (pattern_scan.cpp, ProbeGroups); any other column is grouped by hash. Each answer is checked
  // against what the rows ask for, and the plan against a lookup.
  Database db = aged_entities(500);
  const char* query = "[:find ?e ?x ?a :in $ [[?e ?x]] :where [?e :age ?a]]";
  auto plan = quarry::explain(edn(query), std::vector<quarry::QueryInput>{db.db(), edn("[[3 1] [7 2] [9 3]]")});
  REQUIRE(plan.has_value());
  CHECK(quarry::to_edn(*plan).find(":op :lookup") != std::string::npos);
  CHECK(run(db.db(), query, {edn("[[3 1] [7 2] [9 3]]")}) == "#{[3 1 3] [7 2 7] [9 3 9]}");
  CHECK(run(db.db(), query, {edn("[[9 1] [7 2] [3 3]]")}) == "#{[3 3 3] [7 2 7] [9 1 9]}");
  CHECK(run(db.db(), query, {edn("[[3 1] [7 2] [7 3] [9 4]]")}) == "#{[3 1 3] [7 2 7] [7 3 7] [9 4 9]}");
  CHECK(run(db.db(), query, {edn("[[7 1] [3 2] [7 3]]")}) == "#{[3 2 3] [7 1 7] [7 3 7]}");
  CHECK(run(db.db(), query, {edn("[[-1 1] [0 2] [3 3] [\"x\" 4] [501 5] [9 6]]")}) == "#{[3 3 3] [9 6 9]}");
  CHECK(run(db.db(), query, {edn("[[1 1] [2 2] [400 3] [401 4] [499 5] [500 6]]")}) ==
        "#{[1 1 1] [2 2 2] [400 3 40] [401 4 41] [499 5 49] [500 6 50]}");
}

TEST_CASE("a range scan applies its range predicates itself, and keeps exactly what they keep") {
  // An untyped attribute holding the values index order and the comparisons disagree on (1 and
  // 1.0, -0.0 and 0.0, numbers between integers, numbers next to strings and keywords, longs
  // beyond 2^53), and a ref attribute compared by id.
  Database db = open_memory();
  REQUIRE(db.declare_schema("{:r {:db/valueType :db.type/ref}}").has_value());
  ok(db, R"([{:db/id 1 :v 1} {:db/id 2 :v 1.0} {:db/id 3 :v 2} {:db/id 4 :v 2.0} {:db/id 5 :v -0.0}
             {:db/id 6 :v 0.0} {:db/id 7 :v 0} {:db/id 8 :v 1.5} {:db/id 17 :v 1.2} {:db/id 18 :v -2.5}
             {:db/id 9 :v "a"} {:db/id 10 :v :k} {:db/id 11 :v -3} {:db/id 12 :v 9007199254740993}
             {:db/id 13 :v 9007199254740992.0} {:db/id 19 :v 9007199254740995}
             {:db/id 14 :r 3} {:db/id 15 :r 6} {:db/id 16 :r 12}])");
  const std::vector<quarry::QueryInput> in{db.db()};
  auto plan = quarry::explain(edn("[:find ?e :where [?e :v ?v] [(> ?v 1)] [(<= ?v 2)]]"), in);
  REQUIRE(plan.has_value());
  const std::string text = quarry::to_edn(*plan);
  INFO(text);
  CHECK(text.find(":op :scan, :range [1 2]") != std::string::npos);
  CHECK(text.find(":clause [(> ?v 1)], :covered true") != std::string::npos);
  CHECK(text.find(":clause [(<= ?v 2)], :covered true") != std::string::npos);
  // Each answer equals the one the predicate gives as a filter over a value a function bound
  // (which no scan applies).
  const std::vector<std::string> bounds{"1", "1.0", "0", "-0.0", "0.0", "2", "1.5", "1.2", "1.3", "-2.5", "\"a\"",
                                        ":k", "9007199254740992", "9007199254740993", "9007199254740994"};
  for (const char* op : {"<", "<=", ">", ">="}) {
    for (const std::string& bound : bounds) {
      const std::string p = std::string("(") + op + " ?v " + bound + ")";
      const std::string flipped = std::string("(") + op + " " + bound + " ?v)";
      const std::string filtered = run(db.db(), "[:find ?e :where [?e :v ?x] [(identity ?x) ?v] [" + p + "]]");
      INFO(p);
      CHECK(run(db.db(), "[:find ?e :where [?e :v ?v] [" + p + "]]") == filtered);
      CHECK(run(db.db(), "[:find ?e :where [?e :v ?v] [" + flipped + "]]") ==
            run(db.db(), "[:find ?e :where [?e :v ?x] [(identity ?x) ?v] [" + flipped + "]]"));
      // The bound as a scalar input.
      CHECK(run(db.db(), std::string("[:find ?e :in $ ?b :where [?e :v ?v] [(") + op + " ?v ?b)]]", {edn(bound)}) ==
            filtered);
    }
  }
  CHECK(run(db.db(), "[:find ?e :where [?e :r ?t] [(> ?t 3)] [(< ?t 12)]]") == "#{[15]}");
  // A predicate the range cannot hold (a variable bound to many values) still runs as a filter.
  CHECK(run(db.db(), "[:find ?e :in $ [?b ...] :where [?e :v ?v] [(> ?v 1)] [(< ?v ?b)]]", {edn("[2 3]")}) ==
        "#{[3] [4] [8] [17]}");
}

TEST_CASE("a rule body's range predicates hold when its pattern is read by lookups after all") {
  // A rule body is planned once from estimates (100 rows per bound variable): [?e :v ?v] as a
  // range scan, its predicate covered. Called with a few entities, the body reads the pattern by
  // one lookup per entity instead; the lookups must apply the predicate too.
  Database db = open_memory();
  std::string tx = "[";
  for (int i = 1; i <= 2000; ++i) tx += "{:db/id " + std::to_string(i) + " :v " + std::to_string(i - 1) + "}";
  ok(db, tx + "]");
  const Value ids = edn("[1 2 3 1998 1999 2000]");
  for (const char* rules : {"[[(big ?e ?v) [?e :v ?v] [(> ?v 1900)]]]", "[[(big ?e ?v) [(> ?v 1900)] [?e :v ?v]]]",
                            "[[(big ?e ?v) [?e :v ?v] [(< 1900 ?v)] [(<= ?v 5000)]]]"}) {
    INFO(rules);
    CHECK(run(db.db(), "[:find ?e ?v :in $ % [?e ...] :where (big ?e ?v)]", {edn(rules), ids}) ==
          "#{[1998 1997] [1999 1998] [2000 1999]}");
  }
}

TEST_CASE("explain prints the plan that runs; with analyze every step has its actual rows and time") {
  Database db = open_memory();
  std::string tx = "[";
  for (int i = 1; i <= 300; ++i)
    tx += "{:db/id " + std::to_string(i) + " :name \"p" + std::to_string(i % 30) + "\" :age " + std::to_string(i % 60) + "}";
  ok(db, tx + "]");
  const Value query = edn("[:find ?e ?a :where [?e :name \"p7\"] [?e :age ?a] [(> ?a 10)]]");
  const std::vector<quarry::QueryInput> in{db.db()};
  auto plan = quarry::explain(query, in);
  REQUIRE(plan.has_value());
  const std::string plain = quarry::to_edn(*plan);
  INFO(plain);
  CHECK(plain.find(":plan [") != std::string::npos);
  CHECK(plain.find(":actual") == std::string::npos);
  CHECK(plain.find(":rows") == std::string::npos);

  auto analyzed = quarry::explain(query, in, {.analyze = true});
  REQUIRE(analyzed.has_value());
  const Map& top = analyzed->as<Map>();
  const Value* steps = nullptr;
  const Value* rows = nullptr;
  const Value* ms = nullptr;
  for (const auto& [k, v] : top.entries) {
    if (k == Value::keyword("plan")) steps = &v;
    if (k == Value::keyword("rows")) rows = &v;
    if (k == Value::keyword("ms")) ms = &v;
  }
  REQUIRE(steps);
  REQUIRE(rows);
  REQUIRE(ms);
  // p7 is held by 7, 37, ..., 277 (10 entities), aged 7 and 37 in turn: 5 are above 10.
  CHECK(*rows == Value(std::int64_t{5}));
  CHECK(run(db.db(), "[:find (count ?e) . :where [?e :name \"p7\"] [?e :age ?a] [(> ?a 10)]]") == "5");
  REQUIRE(steps->as<Vector>().items.size() == 3);
  std::vector<std::string> ops;
  for (const Value& step : steps->as<Vector>().items) {
    bool actual = false, step_ms = false, estimate = false;
    for (const auto& [k, v] : step.as<Map>().entries) {
      actual = actual || (k == Value::keyword("actual") && v.is<std::int64_t>());
      step_ms = step_ms || (k == Value::keyword("ms") && v.is<double>());
      estimate = estimate || (k == Value::keyword("estimate") && v.is<std::int64_t>());
      if (k == Value::keyword("op")) ops.push_back(quarry::to_edn(v));
    }
    CHECK(actual);
    CHECK(step_ms);
    CHECK(estimate);
  }
  // The same steps as the plain plan, in the same order.
  std::vector<std::string> plain_ops;
  for (const auto& [k, v] : plan->as<Map>().entries)
    if (k == Value::keyword("plan"))
      for (const Value& step : v.as<Vector>().items)
        for (const auto& [sk, sv] : step.as<Map>().entries)
          if (sk == Value::keyword("op")) plain_ops.push_back(quarry::to_edn(sv));
  CHECK(ops == plain_ops);
  CHECK(ops.front() == ":scan");
  CHECK(ops.back() == ":filter");
  // The last step leaves exactly the result's rows.
  for (const auto& [k, v] : steps->as<Vector>().items.back().as<Map>().entries)
    if (k == Value::keyword("actual")) CHECK(v == Value(std::int64_t{5}));
}

TEST_CASE("explain's maps are in make_map's order, with and without analyze") {
  // explain puts the entries of its maps in key order itself instead of sorting them with
  // make_map (query/exec/explain.cpp); an entry out of place would make lookups in the maps miss.
  Database db = aged_entities(200);
  const Value query = edn("[:find ?e (max ?a) :where [?e :age ?a] [(< ?a 3)] (not [?e :n 5]) [(+ ?a 1) ?b]]");
  const std::vector<quarry::QueryInput> in{db.db()};
  auto in_order = [](const Map& m) {
    Map sorted;
    if (!quarry::make_map(m.entries, sorted) || sorted.entries.size() != m.entries.size()) return false;
    for (std::size_t i = 0; i < m.entries.size(); ++i)
      if (sorted.entries[i].first != m.entries[i].first || sorted.entries[i].second != m.entries[i].second) return false;
    return true;
  };
  for (const bool analyze : {false, true}) {
    auto plan = quarry::explain(query, in, {.analyze = analyze});
    REQUIRE(plan.has_value());
    const std::string text = quarry::to_edn(*plan);
    INFO(text);
    // Every key a step can have is there.
    for (const char* key : {":bound", ":clause", ":covered true", ":estimate", ":index", ":op", ":range"})
      CHECK(text.find(key) != std::string::npos);
    CHECK((text.find(":actual") != std::string::npos) == analyze);
    CHECK(in_order(plan->as<Map>()));
    std::size_t steps = 0;
    for (const auto& [k, v] : plan->as<Map>().entries)
      if (k == Value::keyword("plan"))
        for (const Value& step : v.as<Vector>().items) {
          CHECK(in_order(step.as<Map>()));
          ++steps;
        }
    CHECK(steps == 4);
  }
}

namespace {

// The :clause of each step of a plan, in order, as EDN text.
std::vector<std::string> planned_clauses(const Value& plan) {
  std::vector<std::string> out;
  for (const auto& [k, v] : plan.as<Map>().entries) {
    if (k != Value::keyword("plan")) continue;
    for (const Value& step : v.as<Vector>().items)
      for (const auto& [sk, sv] : step.as<Map>().entries)
        if (sk == Value::keyword("clause")) out.push_back(quarry::to_edn(sv));
  }
  return out;
}

}  // namespace

TEST_CASE("plan: a scalar input that no datom holds is counted, and its pattern runs first") {
  Database db = open_memory();
  std::string tx = "[";
  for (int i = 1; i <= 400; ++i)
    tx += "{:name \"" + std::string(i % 2 ? "Ivan" : "Oleg") + "\" :age " + std::to_string(i % 4) + "}";
  ok(db, tx + "]");
  const auto q = edn("[:find ?e :in $ ?n ?a :where [?e :age ?a] [?e :name ?n]]");
  // 100 people of each age, 200 of each name: the age is the better start...
  auto plan = quarry::explain(q, std::vector<quarry::QueryInput>{db.db(), Value("Ivan"), Value(1)});
  REQUIRE(plan.has_value());
  CHECK(planned_clauses(*plan).front() == "[?e :age ?a]");
  // ... unless the name is one nobody has: counted as 0 rows, it runs first and ends the query.
  plan = quarry::explain(q, std::vector<quarry::QueryInput>{db.db(), Value("Zed"), Value(1)},
                         quarry::ExplainOptions{.analyze = true});
  REQUIRE(plan.has_value());
  INFO(quarry::to_edn(*plan));
  CHECK(planned_clauses(*plan).front() == "[?e :name ?n]");
  CHECK(run(db.db(), "[:find ?e :in $ ?n ?a :where [?e :age ?a] [?e :name ?n]]", {Value("Zed"), Value(1)}) == "#{}");
  // A constant is counted the same way.
  plan = quarry::explain(edn("[:find ?e :where [?e :age 1] [?e :name \"Zed\"]]"), std::vector<quarry::QueryInput>{db.db()});
  REQUIRE(plan.has_value());
  CHECK(planned_clauses(*plan).front() == "[?e :name \"Zed\"]");
}

TEST_CASE("plan: a chain of 1,501 clauses plans within its window and answers, its dead variables dropped") {
  Database db = open_memory();
  ok(db, "[{:db/ident :next :db/valueType :db.type/ref}]");
  constexpr int n = 500;
  std::string tx = "[";
  for (int i = 0; i < n; ++i)
    tx += "{:db/id \"e" + std::to_string(i) + "\" :a " + std::to_string(i) + " :next \"e" + std::to_string(i + 1) + "\"}";
  ok(db, tx + "{:db/id \"e" + std::to_string(n) + "\" :a " + std::to_string(n) + "}]");
  // ?x0 :next ?x1, ?x1 :next ?x2, ... : only e0 starts a chain of n links.
  std::string where;
  for (int i = 0; i < n; ++i) {
    const std::string x = "?x" + std::to_string(i), y = "?x" + std::to_string(i + 1), a = "?a" + std::to_string(i);
    where += "[" + x + " :next " + y + "] [" + x + " :a " + a + "] [(>= " + a + " 0)] ";
  }
  CHECK(run(db.db(), "[:find ?x0 ?a0 :where " + where + "[?x0 :a ?a0]]") == "#{[1 0]}");
  CHECK(run(db.db(), "[:find (count ?x0) . :where " + where + "]") == "1");
}

TEST_CASE("plan: variables no later clause reads are dropped, and the answer keeps set semantics") {
  Database db = open_memory();
  ok(db, "[{:db/ident :follows :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}]");
  // Ann follows Bob and Cy; both follow Dee: ?b is dead after the second clause.
  ok(db, "[{:db/id \"d\" :name \"Dee\"} {:db/id \"b\" :name \"Bob\" :follows \"d\"} {:db/id \"c\" :name \"Cy\" :follows \"d\"}"
         " {:name \"Ann\" :follows [\"b\" \"c\"]}]");
  const char* q = "[:find ?n2 :where [?a :name \"Ann\"] [?a :follows ?b] [?b :follows ?c] [?c :name ?n2]]";
  CHECK(run(db.db(), q) == "#{[\"Dee\"]}");
  // :with keeps ?b: one count per path.
  CHECK(run(db.db(), "[:find ?n2 (count ?c) :with ?b :where [?a :name \"Ann\"] [?a :follows ?b] [?b :follows ?c] [?c :name ?n2]]") ==
        "[[\"Dee\" 2]]");
  CHECK(run(db.db(), "[:find ?n2 (count ?c) :where [?a :name \"Ann\"] [?a :follows ?b] [?b :follows ?c] [?c :name ?n2]]") ==
        "#{[\"Dee\" 1]}");
}

TEST_CASE("a prepared query answers as the same query given as text, and reports its errors once") {
  Database db = people();
  const quarry::Db now = db.db();
  auto prepared = quarry::prepare(R"([:find ?a :in $ ?n :where [?e :name ?n] [?e :age ?a]])");
  REQUIRE(prepared.has_value());
  CHECK(quarry::to_edn(prepared->form()) == "[:find ?a :in $ ?n :where [?e :name ?n] [?e :age ?a]]");
  for (const char* name : {"Ivan", "Petr", "Nobody", "Ivan"}) {
    const std::vector<quarry::QueryInput> inputs{now, Value(std::string(name))};
    auto a = quarry::q(*prepared, inputs);
    REQUIRE(a.has_value());
    CHECK(quarry::to_edn(a->value) == run(now, R"([:find ?a :in $ ?n :where [?e :name ?n] [?e :age ?a]])", {Value(std::string(name))}));
  }
  auto plan = quarry::explain(*prepared, std::vector<quarry::QueryInput>{now, Value("Ivan")}, {.analyze = true});
  REQUIRE(plan.has_value());
  CHECK(quarry::to_edn(*plan).find(":actual") != std::string::npos);
  // One analyzed run can hand back the answer too.
  quarry::QueryResult answer;
  auto with_answer = quarry::explain(*prepared, std::vector<quarry::QueryInput>{now, Value("Ivan")},
                                     {.analyze = true, .result = &answer});
  REQUIRE(with_answer.has_value());
  CHECK(quarry::to_edn(answer.value) == "#{[15] [22]}");
  CHECK(answer.columns == std::vector<std::string>{"?a"});
  quarry::QueryResult untouched{Value(1), quarry::FindShape::Scalar, {}};
  REQUIRE(quarry::explain(*prepared, std::vector<quarry::QueryInput>{now, Value("Ivan")}, {.result = &untouched}));
  CHECK(untouched.value == Value(1));  // without analyze nothing runs and nothing is written

  auto bad = quarry::prepare("[:find ?x :where [?e :name ?n]]");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == quarry::ErrorCode::QueryInvalid);
  CHECK(quarry::prepare("[:find ?x").error().code == quarry::ErrorCode::EdnSyntax);
  auto wrong_inputs = quarry::q(*prepared, std::vector<quarry::QueryInput>{now});
  REQUIRE_FALSE(wrong_inputs.has_value());
  CHECK(wrong_inputs.error().code == quarry::ErrorCode::QueryInput);
  const quarry::PreparedQuery empty;
  auto none = quarry::q(empty, std::vector<quarry::QueryInput>{now});
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().code == quarry::ErrorCode::InvalidArgument);
}

TEST_CASE("scans that meet the same value encodings again return every datom's own value") {
  // A scan reuses the decoded value while the encoding repeats (pattern_scan.cpp, DatomReader):
  // repeated short values, repeated values longer than the reuse limit, and a run of distinct
  // values long enough to end the reuse, each checked against the values written.
  Database db = open_memory();
  const std::string long_a(100, 'a'), long_b = std::string(99, 'a') + "b";
  std::string tx = "[";
  for (int e = 1; e <= 600; ++e) {
    const std::string id = std::to_string(e);
    tx += "[:db/add " + id + " :kind " + (e % 3 == 0 ? ":x" : ":y") + "]";
    tx += "[:db/add " + id + " :text \"" + (e % 2 == 0 ? long_a : long_b) + "\"]";
    // 400 distinct sizes, then the last 200 entities repeat one size.
    tx += "[:db/add " + id + " :size " + std::to_string(e <= 400 ? e : 7) + "]";
  }
  ok(db, tx + "]");
  const auto snap = db.db();
  CHECK(run(snap, "[:find (count ?e) . :where [?e :kind :x]]") == "200");
  CHECK(run(snap, "[:find ?k (count ?e) :where [?e :kind ?k]]") == "#{[:x 200] [:y 400]}");
  CHECK(run(snap, "[:find (count ?e) . :where [?e :text ?t] [(= ?t \"" + long_a + "\")]]") == "300");
  CHECK(run(snap, "[:find (count-distinct ?t) . :where [?e :text ?t]]") == "2");
  CHECK(run(snap, "[:find ?e . :where [?e :text ?t] [(= ?t \"" + long_b + "\")] [?e :size 399]]") == "399");
  CHECK(run(snap, "[:find (sum ?s) . :with ?e :where [?e :size ?s]]") == std::to_string(400 * 401 / 2 + 200 * 7));
  CHECK(run(snap, "[:find (count ?e) . :where [?e :size 7]]") == "201");
  CHECK(run(snap, "[:find ?k . :where [600 :kind ?k]]") == ":x");
}

namespace {

// The rows q_rows must give for q's answer (quarry/query.hpp, QueryRows).
std::vector<std::vector<Value>> expected_rows(const quarry::QueryResult& r, const Value& query) {
  std::vector<std::vector<Value>> rows;
  auto row_of = [&](const Value& v) -> std::vector<Value> {
    if (const auto* vec = v.get_if<Vector>()) return vec->items;
    std::vector<Value> row;  // a return map: its values in :keys order
    const auto& keys = query.as<Vector>().items;
    auto at = std::find(keys.begin(), keys.end(), Value::keyword("keys"));
    for (++at; at != keys.end() && !at->is<quarry::Keyword>(); ++at)
      for (const auto& [k, x] : v.as<Map>().entries)
        if (k == Value::keyword(at->as<quarry::Symbol>().name)) row.push_back(x);
    return row;
  };
  switch (r.shape) {
    case quarry::FindShape::Scalar:
      if (!r.value.is_nil()) rows.push_back({r.value});
      break;
    case quarry::FindShape::Tuple:
      if (!r.value.is_nil()) rows.push_back(r.value.as<Vector>().items);
      break;
    case quarry::FindShape::Collection:
      for (const Value& x : r.value.as<Vector>().items) rows.push_back({x});
      break;
    case quarry::FindShape::Relation: {
      const auto* set = r.value.get_if<quarry::Set>();
      for (const Value& x : set ? set->items : r.value.as<Vector>().items) rows.push_back(row_of(x));
      std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                            [](const Value& x, const Value& y) { return quarry::compare(x, y) < 0; });
      });
      break;
    }
  }
  return rows;
}

}  // namespace

TEST_CASE("q_rows gives q's answer as rows of cells, shape by shape") {
  Database db = people();
  std::string tx = "[";
  for (int i = 100; i < 3100; ++i)
    tx += "{:db/id " + std::to_string(i) + " :score " + std::to_string((i * 7919) % 5000) + " :tag \"t" +
          std::to_string(i % 13) + "\"}";
  ok(db, tx + "]");
  const quarry::Db d = db.db();
  for (const char* text : {
           "[:find ?e ?n :where [?e :name ?n]]",
           "[:find ?n :with ?e :where [?e :name ?n]]",
           "[:find ?e ?s :where [?e :score ?s] [(> ?s 1000)]]",  // radix sorted longs
           "[:find ?s ?e :where [?e :score ?s]]",
           "[:find ?t ?e :where [?e :tag ?t]]",  // strings: compared
           "[:find [?s ...] :where [_ :score ?s]]",
           "[:find ?n . :where [?e :name ?n] [?e :age 37]]",
           "[:find ?n . :where [?e :name ?n] [?e :age 99]]",
           "[:find [?n ?a] :where [?e :name ?n] [?e :age ?a] [(< ?a 20)]]",
           "[:find [?n ?a] :where [?e :name ?n] [?e :age ?a] [(> ?a 99)]]",
           "[:find ?n (count ?e) :where [?e :name ?n]]",
           "[:find ?t (max ?s) (count ?e) :where [?e :tag ?t] [?e :score ?s]]",
           "[:find (pull ?e [:name]) :where [?e :age 37]]",
           "[:find ?a ?n :keys age name :where [?e :name ?n] [?e :age ?a]]",
           "[:find ?n :where [?e :name ?n] [?e :age 1000]]",
       }) {
    INFO(text);
    const Value query = edn(text);
    auto r = quarry::q(query, std::vector<quarry::QueryInput>{d});
    auto rows = quarry::q_rows(query, std::vector<quarry::QueryInput>{d});
    REQUIRE(r.has_value());
    REQUIRE(rows.has_value());
    CHECK(rows->shape == r->shape);
    CHECK(rows->columns == r->columns);
    const auto expected = expected_rows(*r, query);
    REQUIRE(rows->size() == expected.size());
    CHECK(rows->cells.size() == rows->size() * rows->width);
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const auto row = rows->row(i);
      CHECK(std::vector<Value>(row.begin(), row.end()) == expected[i]);
    }
  }
  // Prepared, with an input; errors as q's.
  auto prepared = quarry::prepare("[:find ?e :in $ ?min :where [?e :score ?s] [(>= ?s ?min)]]");
  REQUIRE(prepared.has_value());
  auto rows = quarry::q_rows(*prepared, {d, Value(4990)});
  REQUIRE(rows.has_value());
  CHECK(rows->width == 1);
  CHECK(rows->size() == quarry::q(*prepared, {d, Value(4990)})->value.as<quarry::Set>().items.size());
  auto bad = quarry::q_rows("[:find ?e :where [?e :name ?n] [(> ?x 1)]]", {d});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == quarry::q("[:find ?e :where [?e :name ?n] [(> ?x 1)]]", {d}).error().code);
}

TEST_CASE("large results of longs come out in result order, whatever the ranges of their columns") {
  // Results of 1,024 rows and more whose columns hold longs are radix sorted on packed keys when the
  // columns' ranges fit 64 bits together, and compared otherwise (find.cpp): both orders must equal
  // the order of the values themselves.
  Database db = open_memory();
  std::uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 11;
  };
  std::string tx = "[";
  const std::int64_t wide[] = {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(), -1, 0};
  std::set<std::vector<std::int64_t>> small_e, small_big;  // the rows two of the queries must return
  std::set<std::int64_t> smalls;
  for (int i = 1; i <= 3000; ++i) {
    const auto small = static_cast<std::int64_t>(next() % 2000) - 1000;       // negative and positive
    const auto big = i % 500 == 0 ? wide[(i / 500) % 4] : static_cast<std::int64_t>(next() % 100000);
    tx += "{:db/id " + std::to_string(i) + " :small " + std::to_string(small) + " :big " + std::to_string(big) + "}";
    small_e.insert({small, i});
    small_big.insert({small, big});
    smalls.insert(small);
  }
  ok(db, tx + "]");
  const auto view = db.db();
  for (const char* query : {"[:find ?s ?e :where [?e :small ?s]]",           // fits: packed
                            "[:find ?b ?s ?e :where [?e :small ?s] [?e :big ?b]]",  // ?b spans 64 bits: compared
                            "[:find ?s ?b :where [?e :small ?s] [?e :big ?b]]",
                            "[:find ?s :with ?e :where [?e :small ?s]]",
                            "[:find ?b :where [_ :big ?b]]",                  // 64 bits: five passes
                            "[:find [?b ...] :where [_ :big ?b]]",
                            "[:find ?e ?s ?e2 :where [?e :small ?s] [(+ ?e 7) ?e2]]"}) {
    INFO(query);
    auto r = quarry::q(query, std::vector<quarry::QueryInput>{view});
    REQUIRE(r.has_value());
    const std::vector<Value>* items = nullptr;
    if (const auto* s = r->value.get_if<quarry::Set>()) items = &s->items;
    if (const auto* v = r->value.get_if<Vector>()) items = &v->items;
    REQUIRE(items != nullptr);
    CHECK(items->size() >= 1024);
    std::size_t out_of_order = 0;
    for (std::size_t i = 1; i < items->size(); ++i)
      if (quarry::compare((*items)[i - 1], (*items)[i]) > 0) ++out_of_order;
    CHECK(out_of_order == 0);
  }
  // The rows themselves (a packed sort also unpacks the cells it returns from its keys).
  auto rows_of = [&](const char* query) {
    std::vector<std::vector<std::int64_t>> rows;
    auto r = quarry::q(query, std::vector<quarry::QueryInput>{view});
    REQUIRE(r.has_value());
    const auto& items = r->value.is<quarry::Set>() ? r->value.as<quarry::Set>().items : r->value.as<Vector>().items;
    for (const Value& row : items) {
      std::vector<std::int64_t> cells;
      if (row.is<Vector>())
        for (const Value& cell : row.as<Vector>().items) cells.push_back(cell.as<std::int64_t>());
      else
        cells.push_back(row.as<std::int64_t>());
      rows.push_back(std::move(cells));
    }
    return rows;
  };
  CHECK(rows_of("[:find ?s ?e :where [?e :small ?s]]") == std::vector(small_e.begin(), small_e.end()));
  CHECK(rows_of("[:find ?s ?b :where [?e :small ?s] [?e :big ?b]]") == std::vector(small_big.begin(), small_big.end()));
  std::vector<std::vector<std::int64_t>> collection;
  for (std::int64_t x : smalls) collection.push_back({x});
  CHECK(rows_of("[:find [?s ...] :where [?e :small ?s]]") == collection);
}

// An aggregate query whose last pattern's rows are exactly its :find and :with variables folds
// them into its groups as the pattern reads the index (query/exec/aggregate_groups.hpp). The
// same clauses inside a one-branch `or` cannot stream (the last step is no pattern): both must
// give the same answers, on random data with missing attributes, card-many values, longs and
// halves (exact sums in any order), strings and keywords, and groups of many sizes.
TEST_CASE("aggregates folded from the last pattern's rows equal the aggregates of the grouped tuples") {
  Database db = open_memory();
  REQUIRE(db.declare_schema(R"({:t {:db/cardinality :db.cardinality/many} :boss {:db/valueType :db.type/ref}})")
              .has_value());
  std::mt19937_64 rng(20261207);
  std::string tx = "[";
  for (int i = 1; i <= 3000; ++i) {
    tx += "{:db/id " + std::to_string(i);
    if (rng() % 10 != 0) tx += " :g :g" + std::to_string(rng() % 5);
    if (rng() % 8 != 0) tx += " :k " + std::to_string(rng() % 40);
    if (rng() % 6 != 0) {
      const auto x = static_cast<std::int64_t>(rng() % 200) - 100;
      tx += " :x " + (rng() % 3 == 0 ? std::to_string(x) + ".5" : std::to_string(x));
    }
    tx += " :n \"n" + std::to_string(rng() % 9) + "\"";
    if (const auto n = rng() % 4; n > 0) {
      tx += " :t [";
      for (std::uint64_t t = 0; t < n; ++t) tx += " " + std::to_string(rng() % 7);
      tx += "]";
    }
    if (rng() % 4 == 0) tx += " :boss " + std::to_string(1 + rng() % 50);
    tx += "}";
  }
  ok(db, tx + "]");
  const std::vector<std::pair<std::string, std::string>> queries = {
      {"[:find ?g (count ?e) (avg ?x)", "[?e :g ?g] [?e :x ?x]"},
      {"[:find ?n (count ?e) (avg ?k) (max ?x) (min ?x)", "[?e :n ?n] [?e :k ?k] [?e :x ?x]"},
      {"[:find ?g ?k (sum ?x) (count ?e)", "[?e :g ?g] [?e :k ?k] [?e :x ?x]"},
      {"[:find ?g (min ?n) (max ?n) (count-distinct ?k) :with ?e", "[?e :g ?g] [?e :n ?n] [?e :k ?k]"},
      {"[:find ?g (distinct ?t) (median ?k) (count ?t) :with ?e", "[?e :k ?k] [?e :g ?g] [?e :t ?t]"},
      {"[:find ?e (count ?t) (sum ?t)", "[?e :t ?t]"},
      {"[:find ?g (count ?e)", "[?e :g ?g]"},
      {"[:find ?b (count ?e) (avg ?x) (max ?g)", "[?e :boss ?b] [?e :x ?x] [?e :g ?g]"},
      {"[:find ?bn (count ?e) (sum ?k)", "[?e :boss ?b] [?b :n ?bn] [?e :k ?k]"},
      {"[:find (sum ?x) (count ?e) (min ?g) (max ?g)", "[?e :x ?x] [?e :g ?g] [(< ?x 0)]"},
      {"[:find (avg ?x) (median ?x)", "[?e :g :g3] [?e :x ?x]"},
      {"[:find ?g (sum ?k) :with ?e", "[?e :g ?g] [?e :k ?k] [?e :k 41]"},
  };
  std::size_t nonempty = 0;
  for (const auto& [find, where] : queries) {
    const std::string streamed = find + " :where " + where + "]";
    const std::string grouped = find + " :where (or (and " + where + "))]";
    INFO(streamed);
    const std::string answer = run(db.db(), streamed);
    CHECK(answer == run(db.db(), grouped));
    CHECK(answer.front() != ':');  // no error
    if (answer != "#{}" && answer != "[]") ++nonempty;
  }
  CHECK(nonempty + 1 == queries.size());

  // The streamed rows are never a relation, so they do not count against max_rows; the same rows
  // built as a relation (inside the `or`) do.
  const std::string find = "[:find ?g (count ?t) :with ?e :where ";
  const quarry::QueryOptions limited{.max_rows = 3000};
  CHECK(run(db.db(), find + "[?e :g ?g] [?e :t ?t]]", {}, limited).front() == '[');
  CHECK(run(db.db(), find + "(or (and [?e :g ?g] [?e :t ?t]))]", {}, limited) == ":query/limit");
}
