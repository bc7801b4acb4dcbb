// The consistency checker itself: it passes a healthy database and reports each kind of damage
// written behind the index layer's back.
#include <doctest/doctest.h>

#include <functional>

#include "storage/write_batch.hpp"
#include "support/index_check.hpp"
#include "support/index_stores.hpp"
#include "support/index_tx.hpp"

using namespace quarry;
using namespace quarry::testing;

namespace {

struct Damaged {
  TempDir dir;
  std::shared_ptr<Store> store = MemoryStoreKind::open(dir);
  AttrId name, parent;
  Damaged() {
    auto w = index::Writer::open(store);
    REQUIRE(w.has_value());
    IndexTx t(std::move(*w));
    name = t.define("name", {.type = index::ValueType::String});
    parent = t.define("parent", {.type = index::ValueType::Ref});
    t.commit({add(1, name, "Ann"), add(2, parent, ref(1))});
    t.commit({retract(1, name, "Ann"), add(1, name, "Anne")});
    REQUIRE(check_index(t.db()).empty());
  }
  // Applies the damage, then opens a new writer (which reads the store afresh) and checks.
  std::string check_after(const std::function<void(WriteBatch&)>& damage) {
    WriteBatch batch;
    damage(batch);
    REQUIRE(store->write(batch).has_value());
    auto w = index::Writer::open(store);
    REQUIRE(w.has_value());
    return check_index((*w)->db());
  }
  std::string key(IndexOrder order, std::uint64_t e, AttrId a, const Value& v) {
    std::string k;
    REQUIRE(keys::append_datom_key(k, order, EntityId{e}, a, v).has_value());
    return k;
  }
  SpaceId space(std::string_view n) { return *store->space(n); }
};

}  // namespace

TEST_CASE("the checker reports an entry missing from one order") {
  Damaged d;
  auto problems = d.check_after([&](WriteBatch& b) { b.del(d.space("aevt"), d.key(IndexOrder::Aevt, 1, d.name, "Anne")); });
  CHECK(problems.find("aevt") != std::string::npos);
}

TEST_CASE("the checker reports a VAET entry missing for a ref") {
  Damaged d;
  auto problems = d.check_after([&](WriteBatch& b) { b.del(d.space("vaet"), d.key(IndexOrder::Vaet, 2, d.parent, ref(1))); });
  CHECK(problems.find("vaet") != std::string::npos);
}

TEST_CASE("the checker reports a lost history entry") {
  Damaged d;
  auto problems = d.check_after([&](WriteBatch& b) {
    std::string k = d.key(IndexOrder::Avet, 1, d.name, "Ann");  // history keys extend it with T+
    auto snap = *d.store->snapshot();
    auto c = *snap->cursor(d.space("havet"));
    c->seek(k);
    REQUIRE(c->valid());
    b.del(d.space("havet"), c->key());
  });
  CHECK(problems.find("history avet") != std::string::npos);
}

TEST_CASE("the checker reports wrong statistics and counters") {
  Damaged d;
  auto problems = d.check_after([&](WriteBatch& b) {
    b.put(d.space("meta"), keys::stats_key(d.name), std::string(15, '\0') + "\x07");
    std::string eid;
    codec::append_uint_fixed(eid, 99);
    b.put(d.space("meta"), keys::kMetaMaxEid, eid);
  });
  CHECK(problems.find("stats of attribute") != std::string::npos);
  CHECK(problems.find("max_eid 99") != std::string::npos);
}
