// Values too large for a key: stored once in the values space and referenced from every index,
// history and log entry, on both stores.
#include <doctest/doctest.h>

#include <algorithm>

#include "index/key_layout.hpp"
#include "support/index_check.hpp"
#include "support/index_stores.hpp"
#include "support/index_tx.hpp"

using namespace quarry;
using namespace quarry::testing;
using index::Db;
using index::ValueType;

#define STORES MemoryStoreKind, RocksStoreKind

namespace {


std::uint64_t count_keys(Store& store, std::string_view space) {
  auto snap = store.snapshot();
  REQUIRE(snap.has_value());
  auto c = (*snap)->cursor(*store.space(space));
  REQUIRE(c.has_value());
  std::uint64_t n = 0;
  for ((*c)->seek_to_first(); (*c)->valid(); (*c)->next()) ++n;
  return n;
}

std::string big(char fill, std::size_t n, std::string tail = "") { return std::string(n, fill) + tail; }

}  // namespace

TEST_CASE_TEMPLATE("large values read back whole from every order, the log and history", S, STORES) {
  TempDir dir;
  auto store = S::open(dir);
  IndexTx t(std::move(*index::Writer::open(store)));
  AttrId doc = t.define("doc", {.type = ValueType::String, .unique = index::Unique::Identity});
  AttrId blob = t.define("blob", {.type = ValueType::Bytes});
  AttrId pair = t.define("pair", {.type = ValueType::Tuple});
  const Value text(big('a', 100000, "!"));
  const Value bytes(Bytes{big('\0', 5000) + big('\xff', 5000)});
  const Value tuple(Vector{{Value(1), Value(big('t', 3000)), Value(kw("k"))}});
  TxId t1 = t.commit({add(1, doc, text), add(1, blob, bytes), add(1, pair, tuple), add(2, doc, "short")}).basis();
  Db db = t.db();

  auto e1 = all(db.datoms(IndexOrder::Eavt, {.e = EntityId{1}}));
  REQUIRE(e1.size() == 3);
  CHECK(e1[0].v == text);
  CHECK(e1[1].v == bytes);
  CHECK(e1[2].v == tuple);
  CHECK(all(db.datoms(IndexOrder::Aevt, {.a = doc}))[0].v == text);
  auto by_value = all(db.datoms(IndexOrder::Avet, {.a = doc, .v = text}));
  REQUIRE(by_value.size() == 1);
  CHECK(by_value[0].e == EntityId{1});
  CHECK(db.find_unique(doc, text)->value() == EntityId{1});
  CHECK(*db.has_datom(EntityId{1}, blob, bytes));
  CHECK(!*db.has_datom(EntityId{1}, blob, Value(Bytes{big('\0', 5000) + big('\xff', 4999)})));
  auto log = db.tx_log(t1, db.next_tx());
  REQUIRE(log.has_value());
  CHECK((*log)[0].v == text);
  // "short" sorts after the large "aaa…!" value, as the values do.
  CHECK(all(db.datoms(IndexOrder::Avet, {.a = doc}))[1].v == Value("short"));

  TxId t2 = t.commit({retract(1, doc, text), add(1, doc, "replaced")}).basis();
  db = t.db();
  CHECK(all(db.as_of(t1).datoms(IndexOrder::Eavt, {.e = EntityId{1}, .a = doc}))[0].v == text);
  auto h = all(db.history().datoms(IndexOrder::Avet, {.a = doc, .v = text}));
  REQUIRE(h.size() == 2);
  CHECK(h[1] == Datom{EntityId{1}, doc, text, t2, false});
  require_consistent(db);
}

TEST_CASE_TEMPLATE("a large value is stored once however many datoms hold it", S, STORES) {
  TempDir dir;
  auto store = S::open(dir);
  IndexTx t(std::move(*index::Writer::open(store)));
  AttrId doc = t.define("doc", {.type = ValueType::String});
  const std::string text = big('z', 4000);
  t.commit({add(1, doc, text), add(2, doc, text)});
  t.commit({add(3, doc, text)});
  CHECK(count_keys(*store, "values") == 1);
  CHECK(t.db().attr_stats(doc) == index::AttrStats{3, 1});
  // Large values sharing their first bytes are still distinct datoms and distinct values.
  t.commit({add(1, doc, text + "b"), add(1, doc, text + "a")});
  CHECK(count_keys(*store, "values") == 3);
  CHECK(t.db().attr_stats(doc) == index::AttrStats{5, 3});
  CHECK(t.db().attr_datoms(EntityId{1}, doc)->size() == 3);
  require_consistent(t.db());
}

TEST_CASE("large values survive a reopen of a RocksDB database") {
  TempDir dir;
  const Value text(big('q', 20000));
  AttrId doc;
  {
    IndexTx t(open_writer<RocksStoreKind>(dir));
    doc = t.define("doc", {.type = ValueType::String});
    t.commit({add(1, doc, text), add(doc.value, index::sys::kDoc, big('d', 2000))});
  }
  IndexTx t(open_writer<RocksStoreKind>(dir));
  CHECK(t.db().attr_datoms(EntityId{1}, doc)->at(0).v == text);
  CHECK(t.db().schema().find(doc)->doc == big('d', 2000));  // the schema loader reads them too
  require_consistent(t.db());
}

TEST_CASE_TEMPLATE("an inline value equal to a large value's stub is still its own value", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  AttrId doc = t.define("doc", {.type = ValueType::String, .many = true});
  const std::string stub(keys::kValueStubBytes, 'm');  // inline, and the stub of the large one
  const std::string large = stub + std::string(2000, 'm');
  t.commit({add(1, doc, stub), add(1, doc, large), add(2, doc, large), add(3, doc, stub)});
  Db db = t.db();
  auto exact = all(db.datoms(IndexOrder::Eavt, {.e = EntityId{1}, .a = doc, .v = Value(stub)}));
  REQUIRE(exact.size() == 1);
  CHECK(exact[0].v == Value(stub));
  auto holders = all(db.datoms(IndexOrder::Avet, {.a = doc, .v = Value(stub)}));
  CHECK(holders.size() == 2);
  for (const auto& d : holders) CHECK(d.v == Value(stub));
  CHECK(all(db.datoms(IndexOrder::Avet, {.a = doc, .v = Value(large)})).size() == 2);
  CHECK(db.attr_stats(doc) == index::AttrStats{4, 2});
  // Retracting every holder of the inline value leaves the large one counted.
  t.commit({retract(1, doc, stub), retract(3, doc, stub)});
  CHECK(t.db().attr_stats(doc) == index::AttrStats{2, 1});
  CHECK(all(t.db().history().datoms(IndexOrder::Avet, {.a = doc, .v = Value(stub)})).size() == 4);
  require_consistent(t.db());
}

TEST_CASE_TEMPLATE("a cursor's run of an inline value leaves out large values with that stub", S, STORES) {
  // A run is the keys that start with its prefix and do not continue it with 0xFF, the large-value
  // marker: the datoms of the large value sort right after the run of its stub.
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  AttrId doc = t.define("doc", {.type = ValueType::String, .many = true});
  const std::string stub(keys::kValueStubBytes, 'm');
  const std::string large = stub + std::string(2000, 'm');
  t.commit({add(1, doc, stub), add(1, doc, large), add(2, doc, large), add(3, doc, stub)});
  t.commit({retract(3, doc, stub)});
  for (Db db : {t.db(), t.db().history()}) {
    auto c = db.cursor(IndexOrder::Avet);
    REQUIRE(c.has_value());
    for (bool last : {false, true}) {
      CAPTURE(last);
      REQUIRE(c->seek_prefix({.a = doc, .v = Value(stub)}, last).has_value());
      std::vector<EntityId> es;
      for (; c->valid(); last ? c->prev() : c->next()) {
        CHECK(c->datom().v == Value(stub));
        es.push_back(c->e());
      }
      REQUIRE(c->status().has_value());
      if (last) std::reverse(es.begin(), es.end());
      // Current: entity 1 only; history: 1's assertion, 3's assertion and retraction.
      CHECK(es == (db.is_history() ? std::vector<EntityId>{EntityId{1}, EntityId{3}, EntityId{3}}
                                   : std::vector<EntityId>{EntityId{1}}));
    }
    REQUIRE(c->seek_prefix({.a = doc, .v = Value(large)}).has_value());
    std::size_t n = 0;
    for (; c->valid(); c->next()) n += c->datom().v == Value(large);
    CHECK(n == 2);
  }
}
