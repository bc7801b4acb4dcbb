// Transaction functions, entity predicates and excision through the public API
// (Database::register_tx_function, register_entity_predicate, excise), on both stores. The
// semantics in detail are the golden files tests/golden/tx/{functions,constraints,excision}.edn.
#include <doctest/doctest.h>

#include "support/edn_value.hpp"
#include "support/temp_path.hpp"

#include <quarry/quarry.hpp>
#include <quarry/query.hpp>

#include <atomic>
#include <chrono>
#include <span>
#include <thread>
#include <vector>

namespace {

using quarry::Database;
using quarry::Db;
using quarry::EntityId;
using quarry::ErrorCode;
using quarry::Options;
using quarry::Value;
using quarry::kw;
using quarry::testing::edn;
using quarry::testing::TempPath;

template <class T>
T must(quarry::Result<T> r) {
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  return std::move(*r);
}

Value query(const Db& db, std::string_view q) { return must(quarry::q(q, {db})).value; }

// [:bank/deposit ACCOUNT AMOUNT]: the balance before the transaction plus AMOUNT; a negative
// result is refused with :tx/cas.
quarry::Result<Value> deposit(const Db& before, std::span<const Value> args) {
  if (args.size() != 2 || !args[1].is<std::int64_t>())
    return quarry::fail(ErrorCode::InvalidArgument, "[:bank/deposit ACCOUNT AMOUNT]");
  auto balance = before.pull("[:balance]", args[0]);
  if (!balance) return std::unexpected(balance.error());
  std::int64_t now = 0;
  if (const auto* m = balance->get_if<quarry::Map>())
    for (const auto& [k, v] : m->entries)
      if (k == Value::keyword("balance")) now = v.as<std::int64_t>();
  std::int64_t next = now + args[1].as<std::int64_t>();
  if (next < 0) return quarry::fail(ErrorCode::TxCas, "insufficient funds");
  return Value(quarry::Vector{{Value(quarry::Vector{{Value::keyword("db/add"), args[0], Value::keyword("balance"), Value(next)}})}});
}

struct Stores {
  TempPath dir{"quarry-txfns"};
  std::vector<Database> dbs;
  Stores() {
    dbs.push_back(must(Database::open(Options{.in_memory = true})));
    dbs.push_back(must(Database::open(Options{.path = dir.str(), .sync_writes = false})));
    for (Database& db : dbs) {
      (void)must(db.declare_schema("{:account/id {:db/unique :db.unique/identity} :balance {:db/valueType :db.type/long}}"));
      (void)must(db.transact(R"([{:account/id "a1" :balance 100}])"));
      REQUIRE(db.register_tx_function(kw("bank/deposit"), deposit).has_value());
    }
  }
};

TEST_CASE("a registered transaction function expands in the transaction; its errors abort it") {
  Stores s;
  for (Database& db : s.dbs) {
    auto r = must(db.transact(R"([[:bank/deposit [:account/id "a1"] 50] {:log/entry "deposit"}])"));
    CHECK(query(r.db_after, "[:find ?b . :where [_ :balance ?b]]") == Value(150));
    must(db.transact(R"([[:db.fn/call :bank/deposit [:account/id "a1"] -30]])"));
    CHECK(query(db.db(), "[:find ?b . :where [_ :balance ?b]]") == Value(120));

    auto basis = db.db().basis();
    auto refused = db.transact(R"([[:bank/deposit [:account/id "a1"] -500] {:log/entry "x"}])");
    REQUIRE(!refused.has_value());
    CHECK(refused.error().code == ErrorCode::TxCas);
    CHECK(refused.error().message.find("insufficient funds") != std::string::npos);
    CHECK(db.db().basis() == basis);

    auto unknown = db.transact("[[:bank/withdraw 1 2]]");
    REQUIRE(!unknown.has_value());
    CHECK(unknown.error().code == ErrorCode::TxFunction);

    // with() runs them too (a Db carries its Database's functions)
    auto spec = must(db.db().with(R"([[:bank/deposit [:account/id "a1"] 1]])"));
    CHECK(query(spec.db_after, "[:find ?b . :where [_ :balance ?b]]") == Value(121));
    CHECK(query(db.db(), "[:find ?b . :where [_ :balance ?b]]") == Value(120));
  }
}

TEST_CASE("registration rules; functions belong to their Database") {
  Stores s;
  CHECK(s.dbs[0].register_tx_function(kw("db/mine"), deposit).error().code == ErrorCode::InvalidArgument);
  CHECK(s.dbs[0].register_tx_function(kw("plain"), deposit).error().code == ErrorCode::InvalidArgument);
  CHECK(s.dbs[0].register_tx_function(kw("bank/x"), quarry::TxFunction{}).error().code == ErrorCode::InvalidArgument);
  auto other = must(Database::open(Options{.in_memory = true}));
  auto r = other.transact(R"([[:bank/deposit 1 1]])");
  REQUIRE(!r.has_value());
  CHECK(r.error().code == ErrorCode::TxFunction);
}

TEST_CASE("entity predicates see the database the transaction would leave") {
  Stores s;
  for (Database& db : s.dbs) {
    std::atomic<int> calls = 0;
    REQUIRE(db.register_entity_predicate(quarry::Value::symbol("bank/solvent?").as<quarry::Symbol>(),
                                         [&](const Db& after, EntityId e) -> quarry::Result<bool> {
                                           calls += 1;
                                           auto b = quarry::q("[:find ?b . :in $ ?e :where [?e :balance ?b]]",
                                                              {after, Value(static_cast<std::int64_t>(e.value))});
                                           if (!b) return std::unexpected(b.error());
                                           return b->value.is<std::int64_t>() && b->value.as<std::int64_t>() >= 0;
                                         }).has_value());
    must(db.transact(R"([{:db/ident :bank/account :db.entity/attrs [:account/id :balance] :db.entity/preds bank/solvent?}])"));
    must(db.transact(R"([{:account/id "a2" :balance 5 :db/ensure :bank/account}])"));
    CHECK(calls == 1);
    auto missing = db.transact(R"([{:account/id "a3" :db/ensure :bank/account}])");
    REQUIRE(!missing.has_value());
    CHECK(missing.error().code == ErrorCode::TxEntityAttrs);
    auto negative = db.transact(R"([{:account/id "a4" :balance -1 :db/ensure :bank/account}])");
    REQUIRE(!negative.has_value());
    CHECK(negative.error().code == ErrorCode::TxEntityPred);
  }
}

TEST_CASE("excise erases an entity from indexes, history and log, survives reopening, and is reported") {
  TempPath dir{"quarry-excise"};
  std::atomic<int> reports = 0;
  {
    auto db = must(Database::open(Options{.path = dir.str(), .sync_writes = false}));
    auto listener = db.listen([&](const quarry::TxReport&) { reports += 1; });
    must(db.declare_schema("{:name {:db/unique :db.unique/identity}}"));
    must(db.transact(R"([{:db/id 1 :name "Ann" :ssn "123"} {:db/id 2 :name "Bob"}])"));
    must(db.transact(R"([[:db/add 1 :ssn "456"]])"));
    auto r = must(db.excise(edn("[:name \"Ann\"]"), std::vector<quarry::Keyword>{kw("ssn")}));
    CHECK(query(r.db_after, "[:find ?s . :where [_ :ssn ?s]]").is_nil());
    CHECK(query(r.db_after.history(), "[:find (count ?s) . :where [_ :ssn ?s]]").is_nil());
    CHECK(query(r.db_after, "[:find ?n . :where [1 :name ?n]]") == Value("Ann"));
    CHECK(query(r.db_after, "[:find ?a . :where [?tx :db.excise/attrs ?a]]") == Value::keyword("ssn"));
    CHECK(db.excise(Value(99)).error().code == ErrorCode::InvalidArgument);
    // Listeners run on their own thread: wait (bounded) for the four reports.
    for (int i = 0; i < 1000 && reports < 4; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(reports == 4);
  }
  auto db = must(Database::open(Options{.path = dir.str()}));
  CHECK(query(db.db().history(), "[:find (count ?s) . :where [_ :ssn ?s]]").is_nil());
  auto log = must(db.db().tx_range(std::nullopt, std::nullopt));
  for (const auto& entry : log)
    for (const auto& d : entry.data) CHECK(d.a != *db.db().attribute(kw("ssn")));
  CHECK(query(db.db(), "[:find ?e . :where [?tx :db/excise ?e]]") == Value(1));
}

TEST_CASE("excision is tx-data: Db::with tries it without writing, and the entity API shows enum refs by ident") {
  TempPath dir{"quarry-excise-with"};
  auto db = must(Database::open(Options{.path = dir.str(), .sync_writes = false}));
  must(db.transact(R"([{:db/ident :color/red} {:db/ident :color :db/valueType :db.type/ref}])"));
  must(db.transact(R"([{:db/id 1 :name "Ann" :color :color/red} {:db/id 2 :name "Bob" :friend 1}])"));
  CHECK(must(db.db().entity(Value(1))) == edn("{:db/id 1 :name \"Ann\" :color :color/red}"));
  // pull shows {:db/id n}, as Datomic's pull does
  const Value red = query(db.db(), "[:find ?e . :where [?e :db/ident :color/red]]");
  CHECK(must(db.db().pull("[:color]", Value(1))) == edn("{:color {:db/id " + quarry::to_edn(red) + "}}"));
  const Db before = db.db();
  auto spec = must(before.with(R"([[:db/add "datomic.tx" :db/excise 1] [:db/add 2 :name "Bo"]])"));
  CHECK(query(spec.db_after, "[:find ?n . :where [1 :name ?n]]").is_nil());
  CHECK(query(spec.db_after, "[:find ?n . :where [2 :name ?n]]") == Value("Bo"));
  CHECK(query(spec.db_after.history(), "[:find (count ?a) . :where [1 ?a]]").is_nil());
  // with on the speculative value: entity 1 has nothing left to excise
  CHECK(spec.db_after.with(R"([[:db/add "datomic.tx" :db/excise 1]])").error().code == ErrorCode::InvalidArgument);
  // nothing was written
  CHECK(db.db().basis() == before.basis());
  CHECK(query(db.db(), "[:find ?n . :where [1 :name ?n]]") == Value("Ann"));
  // the same tx-data through transact() is a real excision
  must(db.transact(R"([[:db/add "datomic.tx" :db/excise 1]])"));
  CHECK(query(db.db().history(), "[:find (count ?a) . :where [1 ?a]]").is_nil());
  CHECK(query(db.db(), "[:find ?e . :where [?tx :db/excise ?e]]") == Value(1));
}

TEST_CASE("a renamed attribute answers to its old ident, in transactions and queries, after reopening too") {
  TempPath dir{"quarry-alias"};
  {
    auto db = must(Database::open(Options{.path = dir.str(), .sync_writes = false}));
    must(db.transact(R"([{:db/ident :user/nick :db/valueType :db.type/string}])"));
    must(db.transact(R"([{:db/id 1 :user/nick "ann"}])"));
    must(db.transact(R"([{:db/id :user/nick :db/ident :user/handle}])"));
    must(db.transact(R"([[:db/add 1 :user/nick "ann2"]])"));
    CHECK(query(db.db(), "[:find ?v . :where [1 :user/handle ?v]]") == Value("ann2"));
  }
  auto db = must(Database::open(Options{.path = dir.str()}));
  CHECK(query(db.db(), "[:find ?v . :where [1 :user/nick ?v]]") == Value("ann2"));
  CHECK(*db.db().attribute(kw("user/nick")) == *db.db().attribute(kw("user/handle")));
}

}  // namespace
