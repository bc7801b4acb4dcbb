// Persistence: a RocksStore database reopens with the same datoms, history, schema, statistics and
// counters, and commits continue from where they stopped. Also: what Writer::open refuses.
#include <doctest/doctest.h>

#include "storage/write_batch.hpp"
#include "support/index_check.hpp"
#include "support/index_stores.hpp"
#include "support/index_tx.hpp"

using namespace quarry;
using namespace quarry::testing;
using index::Db;
using index::ValueType;

namespace {


struct Saved {
  std::vector<Datom> current, history;
  std::vector<index::AttrSchema> schema;
  TxId basis;
  std::uint64_t max_eid = 0, next_system = 0;
  index::AttrStats name_stats;
};

Saved save(const Db& db, AttrId name) {
  Saved s;
  s.current = all(db.datoms(IndexOrder::Eavt));
  s.history = all(db.history().datoms(IndexOrder::Avet));
  s.schema.assign(db.schema().attrs().begin(), db.schema().attrs().end());
  s.basis = db.basis();
  s.max_eid = db.max_eid();
  s.next_system = db.next_system_id();
  s.name_stats = db.attr_stats(name);
  return s;
}

}  // namespace

TEST_CASE("a reopened RocksDB database has the same datoms, schema and counters") {
  TempDir dir;
  Saved before;
  AttrId name, friends;
  {
    IndexTx t(open_writer<RocksStoreKind>(dir));
    name = t.define("person/name", {.type = ValueType::String, .unique = index::Unique::Identity});
    friends = t.define("person/friend", {.type = ValueType::Ref, .many = true});
    t.commit({add(1, name, "Ann"), add(2, name, "Bob"), add(1, friends, ref(2))});
    t.commit({retract(2, name, "Bob"), add(2, name, "Robert"), add(7, name, "Eve")});
    before = save(t.db(), name);
    CHECK(before.max_eid == 7);
  }  // the writer, its store and every Db are gone: the directory is closed

  IndexTx t(open_writer<RocksStoreKind>(dir));
  Db db = t.db();
  Saved after = save(db, name);
  CHECK(after.current == before.current);
  CHECK(after.history == before.history);
  CHECK(after.schema == before.schema);
  CHECK(after.basis == before.basis);
  CHECK(after.max_eid == before.max_eid);
  CHECK(after.next_system == before.next_system);
  CHECK(after.name_stats == before.name_stats);
  CHECK(db.schema().find(Keyword{"person", "friend"})->is_ref());
  require_consistent(db);

  // Counters continue: the next tx and the next attribute id follow the old ones.
  CHECK(db.next_tx() == TxId{before.basis.value + 1});
  AttrId age = t.define("person/age", {.type = ValueType::Long});
  CHECK(age.value == before.next_system);
  Db next = t.commit({add(8, age, 40), retract(7, name, "Eve")});
  CHECK(next.basis() == TxId{before.basis.value + 2});
  CHECK(next.max_eid() == 8);
  CHECK(all(next.as_of(before.basis).datoms(IndexOrder::Avet, {.a = name, .v = Value("Eve")})).size() == 1);
  require_consistent(next);
}

TEST_CASE_TEMPLATE("open refuses a store that holds data but no index marker", S, MemoryStoreKind, RocksStoreKind) {
  TempDir dir;
  auto store = S::open(dir);
  WriteBatch batch;
  batch.put(*store->space("eavt"), "stray", "x");
  REQUIRE(store->write(batch).has_value());
  auto w = index::Writer::open(store);
  REQUIRE(!w.has_value());
  CHECK(w.error().code == ErrorCode::StorageVersion);
}

TEST_CASE_TEMPLATE("open refuses another index format version", S, MemoryStoreKind, RocksStoreKind) {
  TempDir dir;
  auto store = S::open(dir);
  {
    auto w = index::Writer::open(store);
    REQUIRE(w.has_value());
  }
  WriteBatch batch;
  batch.put(*store->space("meta"), keys::kMetaFormat, "2");
  REQUIRE(store->write(batch).has_value());
  auto w = index::Writer::open(store);
  REQUIRE(!w.has_value());
  CHECK(w.error().code == ErrorCode::StorageVersion);
  CHECK(w.error().message.find("'2'") != std::string::npos);
}

TEST_CASE("open needs every index space") {
  auto store = MemoryStore::open({"eavt", "aevt", "meta"});
  REQUIRE(store.has_value());
  auto w = index::Writer::open(std::shared_ptr<Store>(std::move(*store)));
  REQUIRE(!w.has_value());
  CHECK(w.error().code == ErrorCode::StorageUnknownSpace);
}

TEST_CASE_TEMPLATE("a second writer on the same store continues from the stored state", S, MemoryStoreKind,
                   RocksStoreKind) {
  TempDir dir;
  auto store = S::open(dir);
  AttrId name;
  {
    auto w = index::Writer::open(store);
    REQUIRE(w.has_value());
    IndexTx t(std::move(*w));
    name = t.define("name");
    t.commit({add(1, name, "x")});
  }
  auto w = index::Writer::open(store);
  REQUIRE(w.has_value());
  Db db = (*w)->db();
  CHECK(db.attr_stats(name) == index::AttrStats{1, 1});
  CHECK(db.schema().find(name) != nullptr);
  require_consistent(db);
}
