// Views over time: as-of, since, history and entity history, after assertions, retractions,
// cardinality-one replacement (an explicit retraction + assertion) and re-assertion.
#include <doctest/doctest.h>

#include "support/index_check.hpp"
#include "support/index_stores.hpp"
#include "support/index_tx.hpp"

using namespace quarry;
using namespace quarry::testing;
using index::Db;
using index::ValueType;

#define STORES MemoryStoreKind, RocksStoreKind

namespace {


std::vector<Datom> without_tx_instants(std::vector<Datom> ds) {
  std::erase_if(ds, [](const Datom& d) { return d.a == index::sys::kTxInstant; });
  return ds;
}

// The story every test below reads:
//   t1  1 :name "Ann"   1 :age 30
//   t2  1 :age 30 -> 31 (retract + assert)        2 :name "Bob"
//   t3  retract 2 :name "Bob"
//   t4  2 :name "Bob" again (re-assertion)          1 :age 31 -> 32
struct Story {
  AttrId name, age;
  TxId t1, t2, t3, t4;
};

Story tell(IndexTx& t) {
  Story s;
  s.name = t.define("name", {.type = ValueType::String});
  s.age = t.define("age", {.type = ValueType::Long});
  s.t1 = t.commit({add(1, s.name, "Ann"), add(1, s.age, 30)}).basis();
  s.t2 = t.commit({retract(1, s.age, 30), add(1, s.age, 31), add(2, s.name, "Bob")}).basis();
  s.t3 = t.commit({retract(2, s.name, "Bob")}).basis();
  s.t4 = t.commit({add(2, s.name, "Bob"), retract(1, s.age, 31), add(1, s.age, 32)}).basis();
  return s;
}

}  // namespace

TEST_CASE_TEMPLATE("the current view sees only what is true now", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  Story s = tell(t);
  Db db = t.db();
  auto e1 = all(db.datoms(IndexOrder::Eavt, {.e = EntityId{1}}));
  REQUIRE(e1.size() == 2);
  CHECK(e1[0] == Datom{EntityId{1}, s.name, "Ann", s.t1, true});
  CHECK(e1[1] == Datom{EntityId{1}, s.age, 32, s.t4, true});
  auto names = all(db.datoms(IndexOrder::Aevt, {.a = s.name}));
  REQUIRE(names.size() == 2);
  CHECK(names[1] == Datom{EntityId{2}, s.name, "Bob", s.t4, true});  // the re-assertion's tx
  require_consistent(db);
}

TEST_CASE_TEMPLATE("as-of sees exactly what was true after a transaction", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  Story s = tell(t);
  Db db = t.db();

  auto at = [&](TxId tx, IndexOrder order, index::DatomPrefix p) { return all(db.as_of(tx).datoms(order, p)); };
  CHECK(at(s.t1, IndexOrder::Eavt, {.e = EntityId{1}}) ==
        std::vector<Datom>{{EntityId{1}, s.name, "Ann", s.t1, true}, {EntityId{1}, s.age, 30, s.t1, true}});
  CHECK(at(s.t2, IndexOrder::Eavt, {.e = EntityId{1}, .a = s.age}) ==
        std::vector<Datom>{{EntityId{1}, s.age, 31, s.t2, true}});
  CHECK(at(s.t2, IndexOrder::Avet, {.a = s.name, .v = Value("Bob")}) ==
        std::vector<Datom>{{EntityId{2}, s.name, "Bob", s.t2, true}});
  CHECK(at(s.t3, IndexOrder::Avet, {.a = s.name, .v = Value("Bob")}).empty());
  CHECK(at(s.t4, IndexOrder::Avet, {.a = s.name, .v = Value("Bob")}) ==
        std::vector<Datom>{{EntityId{2}, s.name, "Bob", s.t4, true}});
  // Before the attributes existed there was nothing of them; bootstrap was already there.
  CHECK(at(TxId{kTx0}, IndexOrder::Aevt, {.a = s.name}).empty());
  CHECK(all(db.as_of(TxId{kTx0}).datoms(IndexOrder::Aevt, {.a = index::sys::kIdent})).size() == 18);

  // Views keep the basis and answer the point helpers in their own time.
  Db then = db.as_of(s.t3);
  CHECK(then.basis() == db.basis());
  CHECK(then.as_of_t() == std::optional<TxId>(s.t3));
  CHECK(!*then.has_datom(EntityId{2}, s.name, "Bob"));
  CHECK(*then.has_datom(EntityId{1}, s.age, 31));
  CHECK(!*then.find_unique(s.name, "Bob"));
  // as_of of an as-of view keeps the earlier time; a time past the basis is the basis.
  CHECK(db.as_of(s.t2).as_of(s.t4).as_of_t() == std::optional<TxId>(s.t2));
  CHECK(db.as_of(TxId{kTx0 + 1000}).as_of_t() == std::optional<TxId>(db.basis()));
  // index_range honours the view.
  CHECK(all(db.as_of(s.t1).index_range(s.age, Value(0), Value(100))).size() == 1);
  CHECK(all(db.as_of(s.t1).index_range(s.age, Value(0), Value(100)))[0].v == Value(30));
}

TEST_CASE_TEMPLATE("since sees current datoms asserted after a transaction", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  Story s = tell(t);
  Db db = t.db();
  auto since_t1 = without_tx_instants(all(db.since(s.t1).datoms(IndexOrder::Eavt)));
  CHECK(since_t1 == std::vector<Datom>{{EntityId{1}, s.age, 32, s.t4, true}, {EntityId{2}, s.name, "Bob", s.t4, true}});
  CHECK(without_tx_instants(all(db.since(s.t4).datoms(IndexOrder::Eavt))).empty());
  // since + as-of: what was true at t2 and asserted after t1.
  auto window = without_tx_instants(all(db.as_of(s.t2).since(s.t1).datoms(IndexOrder::Eavt)));
  CHECK(window == std::vector<Datom>{{EntityId{1}, s.age, 31, s.t2, true}, {EntityId{2}, s.name, "Bob", s.t2, true}});
}

TEST_CASE_TEMPLATE("history holds every assertion and retraction in index order, then tx", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  Story s = tell(t);
  Db db = t.db();
  auto ages = all(db.history().datoms(IndexOrder::Aevt, {.a = s.age}));
  CHECK(ages == std::vector<Datom>{
                    {EntityId{1}, s.age, 30, s.t1, true},
                    {EntityId{1}, s.age, 30, s.t2, false},
                    {EntityId{1}, s.age, 31, s.t2, true},
                    {EntityId{1}, s.age, 31, s.t4, false},
                    {EntityId{1}, s.age, 32, s.t4, true},
                });
  auto bob = all(db.history().datoms(IndexOrder::Avet, {.a = s.name, .v = Value("Bob")}));
  CHECK(bob == std::vector<Datom>{
                   {EntityId{2}, s.name, "Bob", s.t2, true},
                   {EntityId{2}, s.name, "Bob", s.t3, false},
                   {EntityId{2}, s.name, "Bob", s.t4, true},
               });
  // History within a window: events with since < tx <= as-of.
  auto window = all(db.history().as_of(s.t3).since(s.t1).datoms(IndexOrder::Aevt, {.a = s.name}));
  CHECK(window == std::vector<Datom>{{EntityId{2}, s.name, "Bob", s.t2, true}, {EntityId{2}, s.name, "Bob", s.t3, false}});
  require_consistent(db);
}

TEST_CASE_TEMPLATE("entity history lists one entity's changes in tx order", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  Story s = tell(t);
  Db db = t.db();
  auto h = db.entity_history(EntityId{1});
  REQUIRE(h.has_value());
  CHECK(*h == std::vector<Datom>{
                  {EntityId{1}, s.name, "Ann", s.t1, true},
                  {EntityId{1}, s.age, 30, s.t1, true},
                  {EntityId{1}, s.age, 30, s.t2, false},
                  {EntityId{1}, s.age, 31, s.t2, true},
                  {EntityId{1}, s.age, 31, s.t4, false},
                  {EntityId{1}, s.age, 32, s.t4, true},
              });
  auto h2 = db.as_of(s.t3).entity_history(EntityId{2});
  REQUIRE(h2.has_value());
  CHECK(*h2 == std::vector<Datom>{{EntityId{2}, s.name, "Bob", s.t2, true}, {EntityId{2}, s.name, "Bob", s.t3, false}});
}

TEST_CASE_TEMPLATE("noHistory attributes forget retracted values", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  AttrId counter = t.define("counter", {.type = ValueType::Long, .no_history = true});
  TxId t1 = t.commit({add(1, counter, 1)}).basis();
  TxId t2 = t.commit({retract(1, counter, 1), add(1, counter, 2)}).basis();
  Db db = t.db();
  CHECK(all(db.history().datoms(IndexOrder::Eavt, {.e = EntityId{1}})) ==
        std::vector<Datom>{{EntityId{1}, counter, 2, t2, true}});
  CHECK(all(db.as_of(t1).datoms(IndexOrder::Eavt, {.e = EntityId{1}})).empty());
  CHECK(db.tx_log(t1, db.next_tx())->size() == 5);  // the log still records every change
  require_consistent(db);
}

TEST_CASE_TEMPLATE("ref retractions move VAET entries to history too", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  AttrId parent = t.define("parent", {.type = ValueType::Ref});
  TxId t1 = t.commit({add(2, parent, ref(1)), add(3, parent, ref(1))}).basis();
  TxId t2 = t.commit({retract(2, parent, ref(1))}).basis();
  Db db = t.db();
  CHECK(db.referencing_datoms(EntityId{1})->size() == 1);
  CHECK(db.as_of(t1).referencing_datoms(EntityId{1})->size() == 2);
  CHECK(all(db.history().datoms(IndexOrder::Vaet, {.v = ref(1)})) ==
        std::vector<Datom>{{EntityId{2}, parent, ref(1), t1, true},
                           {EntityId{2}, parent, ref(1), t2, false},
                           {EntityId{3}, parent, ref(1), t1, true}});
  require_consistent(db);
}
