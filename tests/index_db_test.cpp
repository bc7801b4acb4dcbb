// Db and Writer: bootstrap, commit and read-back, raw index access, point helpers, statistics and
// the commit checks — each on MemoryStore and on RocksStore.
#include <doctest/doctest.h>

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


std::vector<std::uint64_t> entities(const std::vector<Datom>& ds) {
  std::vector<std::uint64_t> out;
  for (const auto& d : ds) out.push_back(d.e.value);
  return out;
}

}  // namespace

TEST_CASE_TEMPLATE("a new database holds the built-in attributes as transaction tx0", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  Db db = t.db();
  CHECK(db.basis() == TxId{kTx0});
  CHECK(db.next_tx() == TxId{kTx0 + 1});
  CHECK(db.max_eid() == 0);
  CHECK(db.next_system_id() == index::sys::kFirstUserSystemId);
  const index::AttrSchema* ident = db.schema().find(Keyword{"db", "ident"});
  REQUIRE(ident != nullptr);
  CHECK(ident->id == index::sys::kIdent);
  CHECK(ident->type == ValueType::Keyword);
  CHECK(ident->unique == index::Unique::Identity);
  CHECK(db.schema().find(index::sys::kTxInstant)->indexed);
  CHECK(db.schema().size() == 18);

  // [?a :db/ident ?i] finds them like any other datom.
  auto idents = all(db.datoms(IndexOrder::Aevt, {.a = index::sys::kIdent}));
  CHECK(idents.size() == 18);
  for (const auto& d : idents) CHECK(d.tx == TxId{kTx0});
  auto found = db.find_unique(index::sys::kIdent, kw("db/doc"));
  REQUIRE(found.has_value());
  CHECK(*found == std::optional<EntityId>(EntityId{index::sys::kDoc.value}));
  require_consistent(db);
}

TEST_CASE_TEMPLATE("committed datoms read back from every index order", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  AttrId name = t.define("person/name", {.type = ValueType::String, .unique = index::Unique::Identity});
  AttrId age = t.define("person/age", {.type = ValueType::Long});
  AttrId friends = t.define("person/friend", {.type = ValueType::Ref, .many = true});
  Db before = t.db();
  Db db = t.commit({add(1, name, "Ann"), add(1, age, 31), add(2, name, "Bob"), add(2, age, 27),
                    add(1, friends, ref(2)), add(3, name, "Cy"), add(3, friends, ref(2)), add(2, friends, ref(1))});
  CHECK(db.basis() == before.next_tx());
  CHECK(db.max_eid() == 3);

  auto e1 = all(db.datoms(IndexOrder::Eavt, {.e = EntityId{1}}));
  REQUIRE(e1.size() == 3);
  CHECK(e1[0] == Datom{EntityId{1}, name, "Ann", db.basis(), true});
  CHECK(e1[1] == Datom{EntityId{1}, age, 31, db.basis(), true});
  CHECK(e1[2] == Datom{EntityId{1}, friends, ref(2), db.basis(), true});

  CHECK(entities(all(db.datoms(IndexOrder::Aevt, {.a = name}))) == std::vector<std::uint64_t>{1, 2, 3});
  // AVET orders by value: "Ann" < "Bob" < "Cy"; ages 27 (Bob) < 31 (Ann).
  CHECK(entities(all(db.datoms(IndexOrder::Avet, {.a = age}))) == std::vector<std::uint64_t>{2, 1});
  CHECK(entities(all(db.datoms(IndexOrder::Avet, {.a = name, .v = Value("Bob")}))) == std::vector<std::uint64_t>{2});
  // VAET: who refers to 2?
  CHECK(entities(all(db.datoms(IndexOrder::Vaet, {.v = ref(2)}))) == std::vector<std::uint64_t>{1, 3});
  CHECK(entities(all(db.datoms(IndexOrder::Vaet, {.e = EntityId{3}, .a = friends, .v = ref(2)}))) ==
        std::vector<std::uint64_t>{3});
  // Non-ref attributes stay out of VAET.
  for (const auto& d : all(db.datoms(IndexOrder::Vaet))) CHECK(d.a == friends);

  // The previous value is untouched.
  CHECK(all(before.datoms(IndexOrder::Eavt, {.e = EntityId{1}})).empty());
  require_consistent(db);
}

TEST_CASE_TEMPLATE("seek_datoms runs to the end of the index and index_range is [start, end)", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  AttrId n = t.define("n", {.type = ValueType::Long});
  AttrId s = t.define("s", {.type = ValueType::String});
  std::vector<Datom> ds;
  for (int i = 1; i <= 10; ++i) {
    ds.push_back(add(static_cast<std::uint64_t>(i), n, i * 10));
    ds.push_back(add(static_cast<std::uint64_t>(i), s, std::string(1, static_cast<char>('a' + i))));
  }
  Db db = t.commit(ds);

  auto range = all(db.index_range(n, Value(30), Value(70)));
  CHECK(entities(range) == std::vector<std::uint64_t>{3, 4, 5, 6});
  CHECK(entities(all(db.index_range(n, Value(95)))) == std::vector<std::uint64_t>{10});
  CHECK(entities(all(db.index_range(n, std::nullopt, Value(25)))) == std::vector<std::uint64_t>{1, 2});
  // Doubles interleave with longs by value.
  CHECK(entities(all(db.index_range(n, Value(29.5), Value(40.5)))) == std::vector<std::uint64_t>{3, 4});

  auto seek = all(db.seek_datoms(IndexOrder::Eavt, {.e = EntityId{9}}));
  REQUIRE(seek.size() >= 4);
  CHECK(seek[0].e == EntityId{9});
  CHECK(seek[3].e == EntityId{10});
  // ... and on past user entities into tx and system entities.
  CHECK(seek.back().e.value >= kSystemBase);
  auto seek_avet = all(db.seek_datoms(IndexOrder::Avet, {.a = n, .v = Value(95)}));
  REQUIRE(!seek_avet.empty());
  CHECK(seek_avet[0] == Datom{EntityId{10}, n, 100, db.basis(), true});
  CHECK(seek_avet[1].a == s);
}

TEST_CASE_TEMPLATE("prefixes must lead the order and positional components are resolved", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  AttrId friends = t.define("friend", {.type = ValueType::Ref});
  Db db = t.commit({add(1, friends, ref(2))});

  auto bad = db.datoms(IndexOrder::Eavt, {.a = friends});
  REQUIRE(!bad.has_value());
  CHECK(bad.error().code == ErrorCode::InvalidArgument);
  CHECK(!db.datoms(IndexOrder::Vaet, {.v = Value(2)}).has_value());  // a long is not a ref here
  // An id below the system partition is no attribute: nothing matches.
  CHECK(all(db.datoms(IndexOrder::Aevt, {.a = AttrId{5}})).empty());

  std::vector<Value> comps{Value(1), kw("friend"), Value(2)};
  auto p = db.prefix(IndexOrder::Eavt, comps);
  REQUIRE(p.has_value());
  CHECK(p->e == EntityId{1});
  CHECK(p->a == friends);
  CHECK(*p->v == ref(2));  // a long in a ref attribute's v position means the entity
  CHECK(all(db.datoms(IndexOrder::Eavt, *p)).size() == 1);
  std::vector<Value> unknown{kw("nope")};
  CHECK(!db.prefix(IndexOrder::Aevt, unknown).has_value());
}

TEST_CASE_TEMPLATE("point helpers answer what the tx layer asks", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  AttrId email = t.define("email", {.type = ValueType::String, .unique = index::Unique::Identity});
  AttrId tags = t.define("tags", {.type = ValueType::Keyword, .many = true});
  AttrId parent = t.define("parent", {.type = ValueType::Ref});
  Db db = t.commit({add(1, email, "a@x"), add(1, tags, kw("x")), add(1, tags, kw("y")), add(2, email, "b@x"),
                    add(2, parent, ref(1)), add(3, parent, ref(1))});

  CHECK(*db.has_datom(EntityId{1}, tags, kw("y")));
  CHECK(!*db.has_datom(EntityId{1}, tags, kw("z")));
  CHECK(*db.entity_exists(EntityId{2}));
  CHECK(!*db.entity_exists(EntityId{4}));
  CHECK(db.find_unique(email, "b@x")->value() == EntityId{2});
  CHECK(!db.find_unique(email, "c@x")->has_value());
  CHECK(db.attr_datoms(EntityId{1}, tags)->size() == 2);
  CHECK(db.entity_datoms(EntityId{1})->size() == 3);
  auto refs = db.referencing_datoms(EntityId{1});
  REQUIRE(refs.has_value());
  CHECK(entities(*refs) == std::vector<std::uint64_t>{2, 3});
}

TEST_CASE_TEMPLATE("statistics count datoms and distinct values exactly", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  AttrId color = t.define("color", {.type = ValueType::Keyword});
  t.commit({add(1, color, kw("red")), add(2, color, kw("red")), add(3, color, kw("blue"))});
  CHECK(t.db().attr_stats(color) == index::AttrStats{3, 2});
  // Two entities take a new value in one transaction: one new distinct value.
  t.commit({add(4, color, kw("green")), add(5, color, kw("green"))});
  CHECK(t.db().attr_stats(color) == index::AttrStats{5, 3});
  // Retracting one holder of red keeps red; retracting both holders of green drops it.
  t.commit({retract(1, color, kw("red")), retract(4, color, kw("green")), retract(5, color, kw("green"))});
  CHECK(t.db().attr_stats(color) == index::AttrStats{2, 2});
  // Replace within one transaction: red moves from 2 to 6.
  t.commit({retract(2, color, kw("red")), add(6, color, kw("red"))});
  CHECK(t.db().attr_stats(color) == index::AttrStats{2, 2});
  t.commit({retract(6, color, kw("red")), retract(3, color, kw("blue"))});
  CHECK(t.db().attr_stats(color) == index::AttrStats{});
  CHECK(t.db().attr_stats(AttrId{kSystemBase + 999}) == index::AttrStats{});
  require_consistent(t.db());
}

TEST_CASE_TEMPLATE("a refused commit writes nothing and leaves the database unchanged", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  AttrId name = t.define("name", {.type = ValueType::String});
  AttrId friends = t.define("friend", {.type = ValueType::Ref});
  t.commit({add(1, name, "Ann")});
  Db before = t.db();

  auto expect_refused = [&](std::vector<Datom> ds, ErrorCode code, std::string_view fragment) {
    auto r = t.try_commit(std::move(ds));
    REQUIRE(!r.has_value());
    CHECK(r.error().code == code);
    CHECK_MESSAGE(r.error().message.find(fragment) != std::string::npos, r.error().message);
    Db after = t.db();
    CHECK(after.basis() == before.basis());
    CHECK(all(after.datoms(IndexOrder::Eavt)).size() == all(before.datoms(IndexOrder::Eavt)).size());
    CHECK(after.tx_log(before.next_tx(), TxId{kSystemBase - 1})->empty());
  };
  expect_refused({add(1, name, "Ann")}, ErrorCode::InvalidArgument, "already current");
  expect_refused({retract(1, name, "Zed")}, ErrorCode::InvalidArgument, "not current");
  expect_refused({add(2, name, "B"), add(2, name, "B")}, ErrorCode::InvalidArgument, "twice");
  expect_refused({add(2, AttrId{kSystemBase + 500}, "B")}, ErrorCode::InvalidArgument, "unknown attribute");
  expect_refused({add(2, friends, Value(7))}, ErrorCode::InvalidArgument, "entity id");
  expect_refused({add(2, name, Value(List{}))}, ErrorCode::CodecUnstorable, ":name");
  // A good datom in the same transaction is not written either.
  expect_refused({add(3, name, "C"), add(1, name, "Ann")}, ErrorCode::InvalidArgument, "already current");
  // Schema changes that would corrupt the indexes.
  t.commit({add(2, friends, ref(1))});
  before = t.db();
  expect_refused({retract(friends.value, index::sys::kValueType, kw("db.type/ref")),
                  add(friends.value, index::sys::kValueType, kw("db.type/long"))},
                 ErrorCode::TxSchema, "ref");
  expect_refused({retract(name.value, index::sys::kIdent, kw("name"))}, ErrorCode::TxSchema, "has datoms");
  expect_refused({add(kSystemBase + 100, index::sys::kValueType, kw("db.type/nope"))}, ErrorCode::TxSchema,
                 "valueType");

  // A stale basis or a tx id that does not advance is refused.
  Db stale = t.db();
  t.commit({add(4, name, "D")});
  auto r = t.writer().commit(stale, t.db().next_tx(), std::vector<Datom>{add(5, name, "E")});
  REQUIRE(!r.has_value());
  CHECK(r.error().message.find("latest") != std::string::npos);
  r = t.writer().commit(t.db(), t.db().basis(), std::vector<Datom>{add(5, name, "E")});
  REQUIRE(!r.has_value());
  require_consistent(t.db());
}

TEST_CASE_TEMPLATE("the tx log keeps each transaction's datoms in commit order", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  AttrId name = t.define("name", {.type = ValueType::String});
  Db d1 = t.commit({add(1, name, "a"), add(2, name, "b")});
  Db d2 = t.commit({retract(1, name, "a"), add(1, name, "c")});
  auto log = d2.tx_log(d1.basis(), d2.next_tx());
  REQUIRE(log.has_value());
  REQUIRE(log->size() == 6);  // each transaction also has its :db/txInstant
  CHECK((*log)[0] == Datom{EntityId{1}, name, "a", d1.basis(), true});
  CHECK((*log)[3] == Datom{EntityId{1}, name, "a", d2.basis(), false});
  CHECK((*log)[4] == Datom{EntityId{1}, name, "c", d2.basis(), true});
  CHECK(d2.tx_log(d2.basis(), d2.basis())->empty());

  auto at = d2.tx_at_or_before(instant_of(d1.basis()));
  REQUIRE(at.has_value());
  CHECK(*at == std::optional<TxId>(d1.basis()));
  CHECK(*d2.tx_at_or_before(Instant{instant_of(d2.basis()).millis + 500}) == std::optional<TxId>(d2.basis()));
  CHECK(*d2.tx_at_or_before(Instant{-1}) == std::optional<TxId>());
}

TEST_CASE_TEMPLATE("schema changes reach the schema cache of the next value", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  AttrId name = t.define("name");
  CHECK(t.db().schema().find(name)->type == ValueType::Any);
  Db before = t.db();
  t.commit({add(name.value, index::sys::kValueType, kw("db.type/string")),
            add(name.value, index::sys::kDoc, "A name."),
            retract(name.value, index::sys::kIdent, kw("name")), add(name.value, index::sys::kIdent, kw("person/name"))});
  const index::AttrSchema* s = t.db().schema().find(Keyword{"person", "name"});
  REQUIRE(s != nullptr);
  CHECK(s->id == name);
  CHECK(s->type == ValueType::String);
  CHECK(s->doc == "A name.");
  CHECK(t.db().schema().find(Keyword{"", "name"}) == s);  // the old ident is an alias (Datomic's rule)
  CHECK(before.schema().find(Keyword{"", "name"}) != nullptr);  // old values keep their schema
  // An attribute with no datoms may be dropped.
  t.commit({retract(name.value, index::sys::kIdent, kw("person/name"))});
  CHECK(t.db().schema().find(name) == nullptr);
  CHECK(t.db().schema().find(Keyword{"", "name"}) == nullptr);  // and so are its aliases
  require_consistent(t.db());
}
