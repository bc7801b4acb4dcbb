// Plans kept between runs (query/exec/plan_cache.hpp): reused for the same query, database state
// and input shape, planned again otherwise, and always giving the answers of a fresh plan.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "codec/edn_printer.hpp"
#include "query/exec/engine.hpp"
#include "query/exec/plan_cache.hpp"
#include "query/parse/parser.hpp"
#include "support/edn_value.hpp"
#include "support/index_stores.hpp"
#include "support/index_tx.hpp"

namespace {

using namespace quarry;
using quarry::testing::add;
using quarry::testing::edn;
using quarry::testing::IndexTx;

std::shared_ptr<const query::Query> parsed(std::string_view text) {
  auto q = query::parse_query(edn(text));
  REQUIRE_MESSAGE(q.has_value(), (q ? "" : q.error().message));
  return std::make_shared<const query::Query>(std::move(*q));
}

std::string run(query::PlanCache& cache, const std::shared_ptr<const query::Query>& q, std::vector<query::Input> inputs) {
  auto cached = query::run_query(query::PlanCaching{q, &cache}, inputs);
  auto fresh = query::run_query(*q, inputs);
  REQUIRE_MESSAGE(cached.has_value(), (cached ? "" : cached.error().message));
  REQUIRE(fresh.has_value());
  // A cached plan answers as a plan built for this run does.
  CHECK(to_edn(cached->value) == to_edn(fresh->value));
  return to_edn(cached->value);
}

// The :plan entry of an explain result, as EDN.
std::string plan_of(const Value& explained) {
  for (const auto& [k, v] : explained.as<Map>().entries)
    if (k == Value::keyword("plan")) return to_edn(v);
  FAIL("no :plan");
  return {};
}

struct People {
  quarry::testing::TempDir dir;
  IndexTx tx{quarry::testing::open_writer<quarry::testing::MemoryStoreKind>(dir)};
  AttrId name = tx.define("name");
  AttrId email = tx.define("email", {.unique = index::Unique::Identity});
  AttrId age = tx.define("age");
  People() {
    tx.commit({add(1, name, Value("Ivan")), add(1, email, Value("ivan@x")), add(1, age, Value(15)),
               add(2, name, Value("Petr")), add(2, email, Value("petr@x")), add(2, age, Value(37)),
               add(3, name, Value("Oleg")), add(3, age, Value(37))});
  }
};

}  // namespace

TEST_CASE("a query run again on the same database with the same inputs reuses its plan") {
  People p;
  query::PlanCache cache;
  const auto q = parsed("[:find ?a :in $ ?n :where [?e :name ?n] [?e :age ?a]]");
  const index::Db db = p.tx.db();
  CHECK(run(cache, q, {db, Value("Ivan")}) == "#{[15]}");
  CHECK(cache.hits() == 0);
  CHECK(cache.size() == 1);
  CHECK(run(cache, q, {db, Value("Ivan")}) == "#{[15]}");
  CHECK(cache.hits() == 1);
  // Views of the same state are other sources: as-of plans apart.
  CHECK(run(cache, q, {db.as_of(db.basis()), Value("Ivan")}) == "#{[15]}");
  CHECK(cache.hits() == 1);
  CHECK(cache.size() == 2);
}

TEST_CASE("a scalar input of another value plans again; a collection of the same size class does not") {
  People p;
  query::PlanCache cache;
  const index::Db db = p.tx.db();
  const auto q = parsed("[:find ?a :in $ ?n :where [?e :name ?n] [?e :age ?a]]");
  CHECK(run(cache, q, {db, Value("Ivan")}) == "#{[15]}");
  CHECK(run(cache, q, {db, Value("Nobody")}) == "#{}");
  CHECK(cache.hits() == 0);
  const auto coll = parsed("[:find ?e :in $ [?n ...] :where [?e :name ?n]]");
  CHECK(run(cache, coll, {db, edn(R"(["Ivan" "Petr"])")}) == "#{[1] [2]}");
  CHECK(run(cache, coll, {db, edn(R"(["Oleg" "Ivan"])")}) == "#{[1] [3]}");
  CHECK(cache.hits() == 1);
  CHECK(run(cache, coll, {db, edn(R"(["Oleg" "Ivan" "Petr" "Nobody" "X"])")}) == "#{[1] [2] [3]}");
  CHECK(cache.hits() == 1);
}

TEST_CASE("after a transaction the query is planned for the new state, and the old state keeps its plan") {
  People p;
  query::PlanCache cache;
  // The lookup ref is resolved to an entity id while planning: a stale plan would read entity 1.
  const auto q = parsed(R"([:find ?n :where [[:email "ivan@x"] :name ?n]])");
  const index::Db before = p.tx.db();
  CHECK(run(cache, q, {before}) == R"(#{["Ivan"]})");
  const index::Db after = p.tx.commit({quarry::testing::retract(1, p.email, Value("ivan@x")),
                                       add(3, p.email, Value("ivan@x"))});
  CHECK(run(cache, q, {after}) == R"(#{["Oleg"]})");
  CHECK(cache.hits() == 0);
  CHECK(run(cache, q, {before}) == R"(#{["Ivan"]})");
  CHECK(run(cache, q, {after}) == R"(#{["Oleg"]})");
  CHECK(cache.hits() == 2);
}

TEST_CASE("when the cache is full, plans of a database state nobody holds any more leave it first") {
  People p;
  query::PlanCache cache(2);
  const auto q = parsed("[:find ?e :where [?e :age 37]]");
  const auto other = parsed("[:find ?e :where [?e :name \"Oleg\"]]");
  std::optional<index::Db> before = p.tx.db();
  const index::Db after = p.tx.commit({add(4, p.age, Value(37))});
  CHECK(run(cache, q, {after}) == "#{[2] [3] [4]}");
  CHECK(run(cache, q, {*before}) == "#{[2] [3]}");  // now the most recently used
  before.reset();
  CHECK(run(cache, other, {after}) == "#{[3]}");    // full: the plan for the freed state goes
  CHECK(cache.size() == 2);
  const auto hits = cache.hits();
  CHECK(run(cache, q, {after}) == "#{[2] [3] [4]}");
  CHECK(cache.hits() == hits + 1);
}

TEST_CASE("a collection given for $ is not cached") {
  query::PlanCache cache;
  const auto q = parsed("[:find ?b :where [?a :x ?b]]");
  CHECK(run(cache, q, {edn("[[1 :x 2] [3 :x 4]]")}) == "#{[2] [4]}");
  CHECK(run(cache, q, {edn("[[1 :x 5]]")}) == "#{[5]}");
  CHECK(cache.size() == 0);
}

TEST_CASE("explain shows the cached plan a run uses, and runs share the cache from many threads") {
  People p;
  query::PlanCache cache;
  const index::Db db = p.tx.db();
  const auto q = parsed("[:find ?a :in $ ?n :where [?e :name ?n] [?e :age ?a]]");
  const std::vector<query::Input> inputs{db, Value("Petr")};
  auto planned = query::explain_query(query::PlanCaching{q, &cache}, inputs);
  REQUIRE(planned.has_value());
  CHECK(cache.size() == 1);
  auto again = query::explain_query(query::PlanCaching{q, &cache}, inputs, {.analyze = true});
  REQUIRE(again.has_value());
  CHECK(cache.hits() == 1);
  const std::string text = to_edn(*again);
  CHECK(text.find(":actual") != std::string::npos);
  CHECK(plan_of(*planned) == plan_of(*query::explain_query(*q, inputs)));
  // The kept plan's printed steps are reused: analyzed, each step is the printed one with :actual
  // and :ms added, in key order (a map built out of order would compare and print wrongly).
  for (const auto& [k, v] : again->as<Map>().entries) {
    if (k != Value::keyword("plan")) continue;
    Vector without_run;
    for (const Value& step : v.as<Vector>().items) {
      const auto& entries = step.as<Map>().entries;
      CHECK(std::is_sorted(entries.begin(), entries.end(),
                           [](const auto& a, const auto& b) { return compare(a.first, b.first) < 0; }));
      CHECK(entries.front().first == Value::keyword("actual"));
      Map m;
      for (const auto& entry : entries)
        if (entry.first != Value::keyword("actual") && entry.first != Value::keyword("ms")) m.entries.push_back(entry);
      without_run.items.push_back(Value(std::move(m)));
    }
    CHECK(to_edn(Value(std::move(without_run))) == plan_of(*planned));
  }
  auto third = query::explain_query(query::PlanCaching{q, &cache}, inputs, {.analyze = true});
  REQUIRE(third.has_value());
  CHECK(cache.hits() == 2);
  CHECK(plan_of(*third).starts_with("[{:actual 1, :bound [?n], :clause [?e :name ?n], :estimate 1, :index :aevt, :ms "));

  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto r = query::run_query(query::PlanCaching{q, &cache}, inputs);
        if (!r || to_edn(r->value) != "#{[37]}") ++wrong;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(wrong == 0);
  CHECK(cache.hits() >= 800);
}

TEST_CASE("the branches of an or are kept too, and rules answer alike with kept plans") {
  People p;
  query::PlanCache cache;
  const index::Db db = p.tx.db();
  const auto q = parsed(R"([:find ?e :in $ ?n :where (or-join [?e ?n] [?e :name ?n] (and [?e :age 37] [?e :name ?x] [(!= ?x ?n)]))])");
  CHECK(run(cache, q, {db, Value("Ivan")}) == "#{[1] [2] [3]}");
  CHECK(cache.size() == 3);  // :where and both branches
  CHECK(cache.hits() == 0);
  CHECK(run(cache, q, {db, Value("Ivan")}) == "#{[1] [2] [3]}");
  CHECK(cache.hits() == 3);
  const auto rules = parsed("[:find ?a :in $ % ?n :where (older ?n ?a)]");
  const Value rule_set = edn("[[(older ?n ?a) [?e :name ?n] [?e :age ?a]] [(older ?n ?a) [?e :name ?n] [?f :age ?a] [(> ?a 20)]]]");
  CHECK(run(cache, rules, {db, rule_set, Value("Ivan")}) == "#{[15] [37]}");
  CHECK(run(cache, rules, {db, rule_set, Value("Oleg")}) == "#{[37]}");
}

TEST_CASE("a kept plan is lent to one run at a time instead of copied; a run meanwhile gets a copy") {
  query::PlanCache cache;
  const auto q = parsed("[:find ?x :in $ ?x]");
  auto run_key = std::make_shared<query::RunKey>();
  run_key->query = q;
  const query::Context ctx(query::Limits{});
  const query::Bindings nothing;
  const query::BindingsShape shape(ctx, nothing, nullptr);
  const query::PlanKey key{.run = run_key, .clauses = q->where.data(), .count = 0, .shape = shape.build(), .hash = 7};
  query::Plan plan;
  plan.steps.resize(2);
  plan.steps[0].estimate = 42;
  cache.insert(key, plan);
  const query::Plan* lent = nullptr;
  {
    query::PlanHold hold;
    lent = cache.find(key, shape, ctx, hold);
    REQUIRE(lent);
    CHECK(!hold.owned);  // lent, not copied
    CHECK(lent->steps[0].estimate == 42);
    // While it is lent, another run gets a copy of the kept original.
    query::PlanHold other;
    const query::Plan* copy = cache.find(key, shape, ctx, other);
    REQUIRE(copy);
    CHECK(other.owned.has_value());
    CHECK(copy != lent);
    CHECK(copy->steps.size() == 2);
    CHECK(copy->steps[0].estimate == 42);
  }
  // Returned: the next run borrows the same working copy.
  query::PlanHold again;
  CHECK(cache.find(key, shape, ctx, again) == lent);
  CHECK(!again.owned);
  CHECK(cache.hits() == 3);
}

TEST_CASE("rule bodies are planned once and kept between runs, for an equal rule set text too") {
  People p;
  query::PlanCache cache;
  const index::Db db = p.tx.db();
  const auto q = parsed("[:find ?b :in $ % ?n :where [?a :name ?n] (same-age ?a ?b)]");
  const std::string rules_text =
      "[[(same-age ?a ?b) [?a :age ?x] [?b :age ?x]] [(same-age ?a ?b) [?a :age ?x] [?c :age ?x] (same-age ?c ?b)]]";
  CHECK(run(cache, q, {db, edn(rules_text), Value("Petr")}) == "#{[2] [3]}");
  const std::size_t planned = cache.misses();
  const std::size_t kept = cache.size();
  CHECK(kept >= 3);  // :where and the bodies
  // A second run with an equal (separately read) rule set plans nothing.
  CHECK(run(cache, q, {db, edn(rules_text), Value("Petr")}) == "#{[2] [3]}");
  CHECK(cache.misses() == planned);
  CHECK(cache.size() == kept);
  // Another rule set text is another parsed set: its bodies are planned for it.
  const std::string other = "[[(same-age ?a ?b) [?b :age ?x] [?a :age ?x]]]";
  CHECK(run(cache, q, {db, edn(other), Value("Ivan")}) == "#{[1]}");
  CHECK(cache.misses() > planned);
  const std::size_t after_other = cache.misses();
  // The first set again: still kept.
  CHECK(run(cache, q, {db, edn(rules_text), Value("Petr")}) == "#{[2] [3]}");
  CHECK(cache.misses() == after_other);
  // Another input value plans :where again (a scalar's value narrows it), not the bodies.
  CHECK(run(cache, q, {db, edn(rules_text), Value("Oleg")}) == "#{[2] [3]}");
  CHECK(cache.misses() == after_other + 1);
}

TEST_CASE("the right-linear shortcut's bodies are kept between runs as well") {
  quarry::testing::TempDir dir;
  IndexTx tx{quarry::testing::open_writer<quarry::testing::MemoryStoreKind>(dir)};
  const AttrId next = tx.define("next", {.type = index::ValueType::Ref});
  tx.commit({add(1, next, quarry::testing::ref(2)), add(2, next, quarry::testing::ref(3)), add(3, next, quarry::testing::ref(4))});
  const index::Db db = tx.db();
  query::PlanCache cache;
  const auto q = parsed("[:find ?y :in $ % ?x :where (reach ?x ?y)]");
  const std::string rules_text = "[[(reach ?x ?y) [?x :next ?y]] [(reach ?x ?y) [?x :next ?t] (reach ?t ?y)]]";
  CHECK(run(cache, q, {db, edn(rules_text), Value(1)}) == "#{[2] [3] [4]}");
  const std::size_t planned = cache.misses();
  CHECK(run(cache, q, {db, edn(rules_text), Value(1)}) == "#{[2] [3] [4]}");
  CHECK(cache.misses() == planned);
  CHECK(run(cache, q, {db, edn(rules_text), Value(3)}) == "#{[4]}");
}

TEST_CASE("runs of a rules query on many threads share kept rule-body plans and parsed rule sets") {
  quarry::testing::TempDir dir;
  IndexTx tx{quarry::testing::open_writer<quarry::testing::MemoryStoreKind>(dir)};
  const AttrId next = tx.define("next", {.type = index::ValueType::Ref});
  std::vector<Datom> chain;
  for (std::uint64_t e = 1; e < 40; ++e) chain.push_back(add(e, next, quarry::testing::ref(e + 1)));
  tx.commit(chain);
  const index::Db db = tx.db();
  query::PlanCache cache;
  const auto q = parsed("[:find (count ?y) . :in $ % ?x :where (reach ?x ?y)]");
  // Right-linear (the shortcut) and left-recursive (semi-naive) forms of the same rule.
  const std::string texts[] = {"[[(reach ?x ?y) [?x :next ?y]] [(reach ?x ?y) [?x :next ?t] (reach ?t ?y)]]",
                               "[[(reach ?x ?y) [?x :next ?y]] [(reach ?x ?y) (reach ?x ?t) [?t :next ?y]]]"};
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const auto start = static_cast<std::int64_t>(1 + (i + t) % 39);
        const std::vector<query::Input> inputs{db, edn(texts[(i + t) % 2]), Value(start)};
        auto r = query::run_query(query::PlanCaching{q, &cache}, inputs);
        if (!r || to_edn(r->value) != std::to_string(40 - start)) ++wrong;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(wrong == 0);
  CHECK(cache.hits() > 0);
}
