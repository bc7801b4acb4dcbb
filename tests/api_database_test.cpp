// The public facade, used only through <quarry/quarry.hpp> as an application would.
#include <doctest/doctest.h>

#include "support/edn_value.hpp"

#include "support/temp_path.hpp"

#include <quarry/quarry.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <unistd.h>

namespace {

using quarry::Database;
using quarry::EntityRef;
using quarry::Options;
using quarry::TxOp;
using quarry::Value;
using quarry::kw;

using quarry::testing::edn;

using quarry::testing::TempPath;

Database open_memory() {
  auto db = Database::open(Options{.in_memory = true});
  REQUIRE_MESSAGE(db.has_value(), (db ? "" : db.error().to_edn()));
  return std::move(*db);
}

quarry::TxReport ok(Database& db, std::string_view tx) {
  auto r = db.transact(tx);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  return std::move(*r);
}

constexpr std::string_view kSchema = R"({:person/name {:db/valueType :db.type/string :db/unique :db.unique/identity}
  :person/friends {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
  :person/address {:db/valueType :db.type/ref :db/isComponent true}})";

TEST_CASE("open in memory, declare a schema, transact EDN, read an entity") {
  auto db = open_memory();
  REQUIRE(db.declare_schema(kSchema).has_value());
  auto r = ok(db, R"([{:db/id "ann" :person/name "Ann" :age 41
                        :person/friends [{:person/name "Bob"}]
                        :person/address {:city "Oslo"}}])");
  auto ann = r.tempid(Value("ann"));
  REQUIRE(ann);
  // 6 datoms about the people, :db/ident and :db/cardinality of :age and :city (created on first
  // use), :db/txInstant
  CHECK(quarry::to_edn(r.summary()) == "{:datoms 11, :tempids {\"ann\" 1, :db/current-tx " +
                                          std::to_string(r.tx.value) + "}, :tx " + std::to_string(r.tx.value) + "}");

  auto entity = db.db().entity(Value(static_cast<std::int64_t>(ann->value)));
  REQUIRE(entity.has_value());
  // the component :person/address is expanded; the plain ref :person/friends is {:db/id n}
  CHECK(quarry::to_edn(*entity) ==
        R"({:age 41, :db/id 1, :person/address {:city "Oslo", :db/id 2}, :person/friends #{{:db/id 3}}, :person/name "Ann"})");
  // by lookup ref; missing lookup ref is nil; an id without datoms is just {:db/id n}
  auto by_name = db.db().entity(edn(R"([:person/name "Bob"])"));
  REQUIRE(by_name.has_value());
  CHECK(quarry::to_edn(*by_name) == R"({:db/id 3, :person/name "Bob"})");
  CHECK(db.db().entity(edn(R"([:person/name "Nobody"])"))->is_nil());
  CHECK(quarry::to_edn(*db.db().entity(Value(99))) == "{:db/id 99}");
  CHECK(!db.db().entity(edn("[:age 41]")).has_value());  // not unique
}

TEST_CASE("typed tx ops mean what their EDN forms mean") {
  auto db = open_memory();
  REQUIRE(db.declare_schema(kSchema).has_value());
  std::vector<TxOp> ops = {
      TxOp::entity(EntityRef::tempid("ann"), {{kw("person/name"), "Ann"}, {kw("age"), 41}}),
      TxOp::add(EntityRef::tempid("bob"), kw("person/name"), "Bob"),
      TxOp::add(EntityRef::tempid("bob"), kw("person/friends"), EntityRef::tempid("ann").value()),
      TxOp::add(EntityRef::current_tx(), kw("source"), "typed"),
  };
  auto r = db.transact(ops);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  CHECK(r->tempid(Value("ann")) == quarry::EntityId{1});
  CHECK(r->tempid(Value("bob")) == quarry::EntityId{2});

  std::vector<TxOp> more = {
      TxOp::cas(EntityRef::lookup(kw("person/name"), "Ann"), kw("age"), Value(41), Value(42)),
      TxOp::retract(quarry::EntityId{2}, kw("person/friends"), Value(quarry::EntityId{1})),
      TxOp::retract_attribute(EntityRef::lookup(kw("person/name"), "Ann"), kw("age")),
  };
  r = db.transact(more);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  CHECK(quarry::to_edn(*db.db().entity(Value(1))) == R"({:db/id 1, :person/name "Ann"})");

  std::vector<TxOp> gone = {TxOp::retract_entity(EntityRef::lookup(kw("person/name"), "Bob"))};
  REQUIRE(db.transact(gone).has_value());
  CHECK(quarry::to_edn(*db.db().entity(Value(2))) == "{:db/id 2}");

  std::vector<TxOp> bad = {TxOp::cas(quarry::EntityId{1}, kw("person/name"), Value("Bob"), Value("X"))};
  auto failed = db.transact(bad);
  REQUIRE(!failed.has_value());
  CHECK(failed.error().code == quarry::ErrorCode::TxCas);
  CHECK(quarry::error_code_name(failed.error().code) == "tx/cas");
}

TEST_CASE("errors come back as values and change nothing") {
  auto db = open_memory();
  ok(db, R"([{:db/ident :email :db/unique :db.unique/value}])");
  ok(db, R"([[:db/add 1 :email "a"]])");
  const auto basis = db.db().basis();
  auto syntax = db.transact("[[:db/add 1 :email");
  REQUIRE(!syntax.has_value());
  CHECK(syntax.error().code == quarry::ErrorCode::EdnSyntax);
  auto unique = db.transact(R"([[:db/add 2 :email "a"]])");
  REQUIRE(!unique.has_value());
  CHECK(unique.error().to_edn().starts_with("#error {:code :tx/unique"));
  CHECK(db.db().basis() == basis);
  CHECK(!Database::open(Options{}).has_value());  // no path, not in memory
}

TEST_CASE("datoms, entity history and time views") {
  auto db = open_memory();
  REQUIRE(db.declare_schema(kSchema).has_value());
  auto t1 = ok(db, R"([{:person/name "Ann" :age 40}])").tx;
  auto t2 = ok(db, R"([[:db/add 1 :age 41]])").tx;
  auto t3 = ok(db, R"([[:db/retract 1 :age 41]])").tx;
  const quarry::Db now = db.db();

  std::vector<Value> components{Value(1)};
  auto eavt = now.datoms(quarry::IndexOrder::Eavt, components);
  REQUIRE(eavt.has_value());
  REQUIRE(eavt->size() == 1);
  CHECK(quarry::to_edn(now.datom_value(eavt->front())) ==
        "[1 :person/name \"Ann\" " + std::to_string(t1.value) + " true]");

  std::vector<Value> by_attr{Value::keyword("person/name")};
  CHECK(now.datoms(quarry::IndexOrder::Aevt, by_attr)->size() == 1);
  CHECK(!now.datoms(quarry::IndexOrder::Eavt, std::vector<Value>{Value("bad")}).has_value());

  auto history = now.entity_history(Value(1));
  REQUIRE(history.has_value());
  std::vector<std::string> events;
  for (const auto& d : *history)
    if (d.a == *now.attribute(kw("age"))) events.push_back(quarry::to_edn(now.datom_value(d)));
  const auto s = [](quarry::TxId t) { return std::to_string(t.value); };
  CHECK(events == std::vector<std::string>{"[1 :age 40 " + s(t1) + " true]", "[1 :age 40 " + s(t2) + " false]",
                                           "[1 :age 41 " + s(t2) + " true]", "[1 :age 41 " + s(t3) + " false]"});

  CHECK(quarry::to_edn(*now.as_of(t2).entity(Value(1))) == R"({:age 41, :db/id 1, :person/name "Ann"})");
  CHECK(now.since(t1).datoms(quarry::IndexOrder::Eavt, components)->empty());
  CHECK(now.history().datoms(quarry::IndexOrder::Eavt, components)->size() == 5);
  CHECK(now.ident(*now.attribute(kw("person/name"))) == kw("person/name"));
}

TEST_CASE("a Db value stays consistent while other threads transact") {
  auto db = open_memory();
  ok(db, R"([{:db/ident :n :db/valueType :db.type/long}])");
  const quarry::Db before = db.db();
  std::atomic<bool> stop{false};
  std::atomic<int> problems{0};
  std::thread reader([&] {
    while (!stop) {
      auto all = before.datoms(quarry::IndexOrder::Aevt, std::vector<Value>{Value::keyword("n")});
      if (!all || !all->empty()) ++problems;
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w)
    writers.emplace_back([&] {
      for (int i = 0; i < 100; ++i)
        if (!db.transact(R"([{:n 1}])")) ++problems;
    });
  for (auto& t : writers) t.join();
  stop = true;
  reader.join();
  CHECK(problems == 0);
  CHECK(db.db().datoms(quarry::IndexOrder::Aevt, std::vector<Value>{Value::keyword("n")})->size() == 300);
}

TEST_CASE("a RocksDB database persists across close and reopen") {
  TempPath dir;
  quarry::TxId last{};
  {
    auto db = Database::open(Options{.path = dir.str(), .sync_writes = false});
    REQUIRE_MESSAGE(db.has_value(), (db ? "" : db.error().to_edn()));
    REQUIRE(db->declare_schema(kSchema).has_value());
    last = ok(*db, R"([{:person/name "Ann" :person/friends [{:person/name "Bob"}]}])").tx;
    // a second open of the same directory is refused while this one is open
    auto second = Database::open(Options{.path = dir.str()});
    REQUIRE(!second.has_value());
    CHECK(second.error().code == quarry::ErrorCode::StorageLocked);
  }
  auto db = Database::open(Options{.path = dir.str(), .sync_writes = false});
  REQUIRE_MESSAGE(db.has_value(), (db ? "" : db.error().to_edn()));
  CHECK(db->db().basis() == last);
  CHECK(quarry::to_edn(*db->db().entity(edn(R"([:person/name "Ann"])"))) ==
        R"({:db/id 1, :person/friends #{{:db/id 2}}, :person/name "Ann"})");
  auto r = ok(*db, R"([{:db/id "c" :person/name "Carl"} {:person/name "Ann" :age 5}])");
  CHECK(r.tx.value == last.value + 1);
  CHECK(r.tempid(Value("c")) == quarry::EntityId{3});
  CHECK(db->db().entid(edn(R"([:person/name "Ann"])"))->value() == quarry::EntityId{1});
}

TEST_CASE("strict schema through Options") {
  auto db = Database::open(Options{.in_memory = true, .strict_schema = true});
  REQUIRE(db.has_value());
  auto r = db->transact(R"([[:db/add 1 :undeclared 1]])");
  REQUIRE(!r.has_value());
  CHECK(r.error().code == quarry::ErrorCode::TxUnknownAttribute);
  REQUIRE(db->declare_schema("{:declared {:db/valueType :db.type/long}}").has_value());
  CHECK(db->transact(R"([[:db/add 1 :declared 1]])").has_value());
}

}  // namespace
