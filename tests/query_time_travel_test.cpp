// Queries over time: as-of, since and history databases (and their compositions), the 5-position
// pattern [?e ?a ?v ?tx ?added], and entity history — after assertions, retractions, card-one
// replacement, retractEntity (with a ref to the retracted entity), and re-assertion of a retracted
// value. Every case runs on the memory store and on RocksDB.
//
// The story (tx ids T1..T6 follow the schema transaction):
//   T1  Ann {:age 30 :tag #{"a" "b"}}, Bob {:age 40 :friend Ann}, Cid {:friend Bob}
//   T2  Ann :age 31                 (card one: retracts 30)
//   T3  Ann retract :tag "a", add :tag "c"
//   T4  retractEntity Bob           (also retracts Cid's :friend Bob)
//   T5  Ann :tag "a" again          (re-assertion of a retracted value)
//   T6  Ann :age 30 again           (card one back to an old value)
#include <doctest/doctest.h>

#include "support/temp_path.hpp"

#include <quarry/quarry.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using quarry::Database;
using quarry::Db;
using quarry::QueryInput;
using quarry::TxId;
using quarry::Value;

using quarry::testing::TempPath;

struct Story {
  Database db;
  std::vector<TxId> t;  // t[1]..t[6]; t[0] is the schema transaction

  // `text` with {T0}..{T6} replaced by the tx ids.
  [[nodiscard]] std::string fill(std::string text) const {
    for (std::size_t i = 0; i < t.size(); ++i) {
      const std::string key = "{T" + std::to_string(i) + "}";
      for (auto at = text.find(key); at != std::string::npos; at = text.find(key))
        text.replace(at, key.size(), std::to_string(t[i].value));
    }
    return text;
  }
};

Story tell(bool rocks, const TempPath& path) {
  auto clock = std::make_shared<std::int64_t>(1'700'000'000'000);
  auto opened = Database::open(quarry::Options{.path = path.str(), .in_memory = !rocks, .sync_writes = false,
                                               .clock = [clock] { return quarry::Instant{(*clock) += 1000}; }});
  REQUIRE_MESSAGE(opened.has_value(), (opened ? "" : opened.error().to_edn()));
  Story s{std::move(*opened), {}};
  auto step = [&](auto r) {
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
    s.t.push_back(r->tx);
  };
  step(s.db.declare_schema(R"({:name {:db/valueType :db.type/string :db/unique :db.unique/identity}
                              :age {:db/valueType :db.type/long}
                              :tag {:db/valueType :db.type/string :db/cardinality :db.cardinality/many}
                              :friend {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}})"));
  step(s.db.transact(R"([{:db/id 1 :name "Ann" :age 30 :tag ["a" "b"]}
                         {:db/id 2 :name "Bob" :age 40 :friend 1}
                         {:db/id 3 :name "Cid" :friend 2}])"));
  step(s.db.transact("[[:db/add 1 :age 31]]"));
  step(s.db.transact(R"([[:db/retract 1 :tag "a"] [:db/add 1 :tag "c"]])"));
  step(s.db.transact("[[:db/retractEntity 2]]"));
  step(s.db.transact(R"([[:db/add 1 :tag "a"]])"));
  step(s.db.transact("[[:db/add 1 :age 30]]"));
  return s;
}

// Runs `query` (with {Tn} placeholders) on `inputs` and compares its EDN with `expected`.
void expect(const Story& s, const std::string& query, std::vector<QueryInput> inputs, const std::string& expected) {
  const std::string text = s.fill(query);
  auto r = quarry::q(std::string_view(text), std::span<const QueryInput>(inputs));
  INFO("query: " << text);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  CHECK(quarry::to_edn(r->value) == s.fill(expected));
}

void run_story(bool rocks) {
  TempPath path;
  Story s = tell(rocks, path);
  const Db now = s.db.db();
  auto as_of = [&](int i) { return now.as_of(s.t[static_cast<std::size_t>(i)]); };
  auto since = [&](int i) { return now.since(s.t[static_cast<std::size_t>(i)]); };
  const Db hist = now.history();

  SUBCASE("the current database") {
    expect(s, "[:find ?t :where [1 :tag ?t]]", {now}, R"(#{["a"] ["b"] ["c"]})");
    expect(s, "[:find ?a . :where [1 :age ?a]]", {now}, "30");
    expect(s, "[:find ?n :where [?e :name ?n]]", {now}, R"(#{["Ann"] ["Cid"]})");
    expect(s, "[:find ?e ?f :where [?e :friend ?f]]", {now}, "#{}");
    // The fourth position is the asserting tx; the fifth is true in a current database.
    expect(s, "[:find ?v ?tx :where [1 :tag ?v ?tx]]", {now}, R"(#{["a" {T5}] ["b" {T1}] ["c" {T3}]})");
    expect(s, "[:find ?v :where [1 :age ?v _ true]]", {now}, "#{[30]}");
  }

  SUBCASE("as-of each transaction") {
    expect(s, "[:find ?e :where [?e :name]]", {as_of(0)}, "#{}");
    expect(s, "[:find ?a . :where [1 :age ?a]]", {as_of(1)}, "30");
    expect(s, "[:find ?t :where [1 :tag ?t]]", {as_of(1)}, R"(#{["a"] ["b"]})");
    expect(s, "[:find ?e ?f :where [?e :friend ?f]]", {as_of(1)}, "#{[2 1] [3 2]}");
    expect(s, "[:find ?a . :where [1 :age ?a]]", {as_of(2)}, "31");
    expect(s, "[:find ?t :where [1 :tag ?t]]", {as_of(3)}, R"(#{["b"] ["c"]})");
    expect(s, "[:find (count ?t) . :where [1 :tag ?t]]", {as_of(3)}, "2");
    expect(s, "[:find ?n :where [?e :name ?n]]", {as_of(4)}, R"(#{["Ann"] ["Cid"]})");
    expect(s, "[:find ?e ?f :where [?e :friend ?f]]", {as_of(4)}, "#{}");
    expect(s, "[:find ?t :where [1 :tag ?t]]", {as_of(5)}, R"(#{["a"] ["b"] ["c"]})");
    expect(s, "[:find ?a . :where [1 :age ?a]]", {as_of(5)}, "31");
    expect(s, "[:find ?a . :where [1 :age ?a]]", {as_of(6)}, "30");
    // The asserting tx of a re-asserted value is the later one.
    expect(s, "[:find ?tx . :where [1 :tag \"a\" ?tx]]", {as_of(1)}, "{T1}");
    expect(s, "[:find ?tx . :where [1 :tag \"a\" ?tx]]", {as_of(5)}, "{T5}");
  }

  SUBCASE("not, or and lookups through as-of") {
    const std::string lonely = "[:find ?n :where [?e :name ?n] (not [?e :friend _])]";
    expect(s, lonely, {as_of(1)}, R"(#{["Ann"]})");
    expect(s, lonely, {as_of(4)}, R"(#{["Ann"] ["Cid"]})");
    const std::string tagged = "[:find ?n :where [?e :name ?n] (or [?e :tag \"a\"] [?e :age 40])]";
    expect(s, tagged, {as_of(1)}, R"(#{["Ann"] ["Bob"]})");
    expect(s, tagged, {as_of(3)}, R"(#{["Bob"]})");
    expect(s, tagged, {as_of(4)}, "#{}");
    expect(s, "[:find ?a . :where [?e :name \"Bob\"] [?e :age ?a]]", {as_of(3)}, "40");
  }

  SUBCASE("since") {
    expect(s, "[:find ?a ?v :where [1 ?a ?v]]", {since(3)}, R"(#{[:age 30] [:tag "a"]})");
    expect(s, "[:find ?v :where [1 :age ?v]]", {since(1)}, "#{[30]}");
    expect(s, "[:find ?v :where [1 :age ?v]]", {since(6)}, "#{}");
    expect(s, "[:find ?t :where [1 :tag ?t]]", {since(2)}, R"(#{["a"] ["c"]})");
    // since composed with as-of: asserted in (T1, T3] and still true at T3.
    expect(s, "[:find ?a ?v :where [1 ?a ?v]]", {as_of(3).since(s.t[1])}, R"(#{[:age 31] [:tag "c"]})");
  }

  SUBCASE("history: the 5-position pattern") {
    expect(s, "[:find ?v ?tx ?added :where [1 :age ?v ?tx ?added]]", {hist},
           "#{[30 {T1} true] [30 {T2} false] [30 {T6} true] [31 {T2} true] [31 {T6} false]}");
    expect(s, "[:find ?v ?tx ?added :where [1 :tag ?v ?tx ?added]]", {hist},
           R"(#{["a" {T1} true] ["a" {T3} false] ["a" {T5} true] ["b" {T1} true] ["c" {T3} true]})");
    // Everything the retractEntity transaction retracted (its tx entity's :db/txInstant aside).
    expect(s, "[:find ?e ?a ?v ?added :in $ ?tx :where [?e ?a ?v ?tx ?added] [(< ?e 100)]]", {hist, Value(static_cast<std::int64_t>(s.t[4].value))},
           R"(#{[2 :age 40 false] [2 :friend 1 false] [2 :name "Bob" false] [3 :friend 2 false]})");
    expect(s, "[:find ?v :where [1 :tag ?v _ false]]", {hist}, R"(#{["a"]})");
    expect(s, "[:find ?e :where [?e :tag \"a\" _ true]]", {hist}, "#{[1]}");
    // A 3-position pattern on history matches assertions and retractions alike.
    expect(s, "[:find ?n :where [?e :name ?n]]", {hist}, R"(#{["Ann"] ["Bob"] ["Cid"]})");
    expect(s, "[:find ?tx :where [2 _ _ ?tx false]]", {hist}, "#{[{T4}]}");
    // Aggregates over history: how many times each :age value was asserted.
    expect(s, "[:find ?v (count ?tx) :where [1 :age ?v ?tx true]]", {hist}, "#{[30 2] [31 1]}");
  }

  SUBCASE("history composed with as-of and since") {
    expect(s, "[:find ?v ?tx ?added :where [1 :age ?v ?tx ?added]]", {as_of(3).history()},
           "#{[30 {T1} true] [30 {T2} false] [31 {T2} true]}");
    expect(s, "[:find ?v ?tx ?added :where [1 :tag ?v ?tx ?added]]", {since(2).history()},
           R"(#{["a" {T3} false] ["a" {T5} true] ["c" {T3} true]})");
    expect(s, "[:find ?v ?tx ?added :where [1 :age ?v ?tx ?added]]", {as_of(5).since(s.t[2]).history()}, "#{}");
  }

  SUBCASE("history joined with the current database") {
    // Each assertion of Ann's :age with its transaction's instant, read from the current db.
    std::string expected = "#{";
    std::map<std::int64_t, std::string> instants;
    for (int i : {1, 2, 6}) {
      auto d = now.datoms(quarry::IndexOrder::Eavt, std::vector<Value>{Value(static_cast<std::int64_t>(s.t[static_cast<std::size_t>(i)].value)),
                                                                       Value::keyword("db/txInstant")});
      REQUIRE(d.has_value());
      REQUIRE(d->size() == 1);
      instants[i] = quarry::to_edn(d->front().v);
    }
    expected += "[30 " + instants[1] + "] [30 " + instants[6] + "] [31 " + instants[2] + "]}";
    expect(s, "[:find ?v ?inst :in $h $ :where [$h 1 :age ?v ?tx true] [$ ?tx :db/txInstant ?inst]]", {hist, now},
           expected);
    // Values Ann had at some point but not now.
    expect(s, "[:find ?v :in $h $ :where [$h 1 :age ?v] (not [$ 1 :age ?v])]", {hist, now}, "#{[31]}");
  }

  SUBCASE("entity history") {
    // The datoms as EDN. The contract orders them by tx, retractions before assertions within a
    // transaction; it leaves the order inside such a group open, so the text sorts each group.
    auto history_of = [&](const Value& eid) {
      auto h = now.entity_history(eid);
      REQUIRE_MESSAGE(h.has_value(), (h ? "" : h.error().to_edn()));
      std::vector<std::pair<std::pair<std::uint64_t, bool>, std::string>> rows;
      for (const auto& d : *h) {
        if (!rows.empty()) {
          const auto& [tx, added] = rows.back().first;
          CHECK_MESSAGE((tx < d.tx.value || (tx == d.tx.value && added <= d.added)), "out of order at " << quarry::to_edn(now.datom_value(d)));
        }
        rows.push_back({{d.tx.value, d.added}, quarry::to_edn(now.datom_value(d))});
      }
      std::sort(rows.begin(), rows.end());
      std::string out;
      for (const auto& row : rows) out += (out.empty() ? "" : " ") + row.second;
      return out;
    };
    CHECK(history_of(Value(std::int64_t{1})) ==
          s.fill("[1 :age 30 {T1} true] [1 :name \"Ann\" {T1} true] [1 :tag \"a\" {T1} true] [1 :tag \"b\" {T1} true] "
                 "[1 :age 30 {T2} false] [1 :age 31 {T2} true] "
                 "[1 :tag \"a\" {T3} false] [1 :tag \"c\" {T3} true] "
                 "[1 :tag \"a\" {T5} true] "
                 "[1 :age 31 {T6} false] [1 :age 30 {T6} true]"));
    CHECK(history_of(Value(std::int64_t{2})) ==
          s.fill("[2 :age 40 {T1} true] [2 :friend 1 {T1} true] [2 :name \"Bob\" {T1} true] "
                 "[2 :age 40 {T4} false] [2 :friend 1 {T4} false] [2 :name \"Bob\" {T4} false]"));
    CHECK(history_of(Value(std::int64_t{3})) ==
          s.fill("[3 :friend 2 {T1} true] [3 :name \"Cid\" {T1} true] [3 :friend 2 {T4} false]"));
    auto by_lookup = now.entity_history(*quarry::read_edn(R"([:name "Ann"])"));
    REQUIRE(by_lookup.has_value());
    CHECK(by_lookup->size() == 11);
  }
}

// A lookup of a cardinality-one attribute by entity reads one datom in a current view; a past
// state read after the attribute became cardinality one may still hold two values of it.
void run_cardinality_change(bool rocks) {
  TempPath path;
  auto opened = Database::open(quarry::Options{.path = path.str(), .in_memory = !rocks, .sync_writes = false});
  REQUIRE_MESSAGE(opened.has_value(), (opened ? "" : opened.error().to_edn()));
  Database& db = *opened;
  auto ok = [](auto r) {
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
    return r->tx;
  };
  ok(db.declare_schema(R"({:name {:db/valueType :db.type/string :db/unique :db.unique/identity}
                           :tag {:db/valueType :db.type/string :db/cardinality :db.cardinality/many}})"));
  // Others with a tag each, so that the plan looks :tag up per entity instead of scanning it.
  std::string others = "[";
  for (int i = 10; i < 400; ++i)
    others += "{:db/id " + std::to_string(i) + " :name \"p" + std::to_string(i) + "\" :tag \"x\"}";
  ok(db.transact(others + "]"));
  const TxId both = ok(db.transact(R"([{:db/id 1 :name "Ann" :tag ["a" "b"]} {:db/id 2 :name "Bob" :tag ["c"]}])"));
  ok(db.transact(R"([[:db/retract 1 :tag "b"]])"));
  ok(db.transact("[{:db/ident :tag :db/cardinality :db.cardinality/one}]"));
  ok(db.transact(R"([[:db/add 1 :tag "d"]])"));  // card one now: replaces "a"
  const std::string query = "[:find ?n ?t :in $ [?n ...] :where [?e :name ?n] [?e :tag ?t]]";
  auto run = [&](const Db& view) {
    std::vector<QueryInput> inputs{view, Value(quarry::Vector{{Value("Ann"), Value("Bob")}})};
    auto plan = quarry::explain(*quarry::read_edn(query), std::span<const QueryInput>(inputs));
    REQUIRE(plan.has_value());
    CHECK(quarry::to_edn(*plan).find(":clause [?e :tag ?t], :estimate") != std::string::npos);
    CHECK(quarry::to_edn(*plan).find(":op :lookup}]") != std::string::npos);
    auto r = quarry::q(std::string_view(query), std::span<const QueryInput>(inputs));
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
    return quarry::to_edn(r->value);
  };
  CHECK(run(db.db()) == R"(#{["Ann" "d"] ["Bob" "c"]})");
  CHECK(run(db.db().as_of(both)) == R"(#{["Ann" "a"] ["Ann" "b"] ["Bob" "c"]})");
  CHECK(run(db.db().history()).find(R"(["Ann" "b"])") != std::string::npos);
}

TEST_CASE("a past state keeps two values of an attribute made cardinality one, on memory") { run_cardinality_change(false); }
TEST_CASE("a past state keeps two values of an attribute made cardinality one, on RocksDB") { run_cardinality_change(true); }

TEST_CASE("time travel on the memory store") { run_story(false); }
TEST_CASE("time travel on RocksDB") { run_story(true); }

}  // namespace
