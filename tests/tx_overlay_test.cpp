// The transaction's overlay (tx/overlay.hpp) against a plain model: random assertions and
// retractions on new entities, with the lookups by entity and by ref target asked for at random
// points (they are made on first use, then kept up to date), and enough slots to grow the slot
// table many times. Seeds are fixed and printed.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "support/tx_harness.hpp"
#include "tx/overlay.hpp"

namespace quarry::testing {
namespace {

index::AttrSchema attr(std::uint64_t id, bool ref, bool many, index::Unique unique = index::Unique::None) {
  index::AttrSchema a;
  a.id = AttrId{id};
  a.ident = Keyword{"test", "a" + std::to_string(id)};
  a.type = ref ? index::ValueType::Ref : index::ValueType::Long;
  a.many = many;
  a.unique = unique;
  return a;
}

// What the overlay should hold: each slot's values now, and the slots in first-touch order.
struct Model {
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::vector<Value>> now;
  std::vector<std::pair<EntityId, AttrId>> order;

  std::vector<Value>& slot(EntityId e, AttrId a) {
    auto [it, inserted] = now.try_emplace({e.value, a.value});
    if (inserted) order.emplace_back(e, a);
    return it->second;
  }
  bool add(EntityId e, const index::AttrSchema& a, const Value& v) {
    auto& vs = slot(e, a.id);
    if (std::find(vs.begin(), vs.end(), v) != vs.end()) return false;
    if (!a.many) vs.clear();
    vs.push_back(v);
    return true;
  }
  bool retract(EntityId e, AttrId a, const Value& v) {
    auto& vs = slot(e, a);
    auto it = std::find(vs.begin(), vs.end(), v);
    if (it == vs.end()) return false;
    vs.erase(it);
    return true;
  }
  std::vector<AttrId> attributes(EntityId e) const {
    std::vector<AttrId> out;
    for (const auto& [key, vs] : now)
      if (key.first == e.value && !vs.empty()) out.push_back(AttrId{key.second});
    return out;
  }
  std::vector<std::pair<EntityId, AttrId>> referrers(EntityId target) const {
    std::vector<std::pair<EntityId, AttrId>> out;
    for (const auto& [key, vs] : now)
      if (std::find(vs.begin(), vs.end(), Value(target)) != vs.end())
        out.emplace_back(EntityId{key.first}, AttrId{key.second});
    return out;
  }
  std::vector<Datom> changes(TxId tx) const {
    std::vector<Datom> out;
    for (const auto& [e, a] : order)
      for (const Value& v : now.at({e.value, a.value})) out.push_back(Datom{e, a, v, tx, true});
    return out;
  }
};

std::vector<Value> values_of(tx::Overlay& overlay, EntityId e, AttrId a) {
  auto vs = overlay.values(e, a);
  REQUIRE(vs.has_value());
  return std::vector<Value>((*vs)->begin(), (*vs)->end());
}

TEST_CASE("random assertions and retractions on an overlay agree with a model") {
  TxHarness<MemoryStoreKind> h;
  const index::Db basis = h.db();
  const auto one_ref = attr(1000, true, false);
  const auto many_ref = attr(1001, true, true);
  const auto one_long = attr(1002, false, false);
  const auto unique_long = attr(1003, false, false, index::Unique::Identity);
  const index::AttrSchema* attrs[] = {&one_ref, &many_ref, &one_long, &unique_long};

  for (std::uint32_t seed : {1u, 2u, 3u, 4u}) {
    CAPTURE(seed);
    std::mt19937 rng(seed);
    const std::uint64_t entities = seed == 4 ? 2000 : 40;  // seed 4: thousands of slots
    auto pick = [&](std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng); };
    tx::Overlay overlay(basis);
    Model model;
    for (int step = 0; step < 6000; ++step) {
      const EntityId e{1 + pick(entities)};
      const index::AttrSchema& a = *attrs[pick(4)];
      const Value v = a.is_ref() ? Value(EntityId{1 + pick(entities)})
                                 : Value(static_cast<std::int64_t>(pick(entities)));
      switch (pick(10)) {
        case 0: {
          auto removed = overlay.retract(e, a.id, v);
          REQUIRE(removed.has_value());
          CHECK(*removed == model.retract(e, a.id, v));
          break;
        }
        case 1: {
          REQUIRE(overlay.retract_all(e, a.id).has_value());
          model.slot(e, a.id).clear();
          break;
        }
        case 2: {
          auto found = overlay.attributes(e);
          REQUIRE(found.has_value());
          CHECK(*found == model.attributes(e));
          break;
        }
        case 3: {
          auto found = overlay.referrers(e);
          REQUIRE(found.has_value());
          CHECK(*found == model.referrers(e));
          break;
        }
        case 4:
          CHECK(values_of(overlay, e, a.id) == model.slot(e, a.id));
          break;
        default: {
          if (a.unique != index::Unique::None) {
            // Keep the unique attribute unique, as the transactor does: holder() is exact then.
            auto held = overlay.holder(a.id, v);
            REQUIRE(held.has_value());
            if (*held && **held != e) break;
          }
          auto added = overlay.add(e, a, v);
          REQUIRE(added.has_value());
          CHECK(*added == model.add(e, a, v));
          break;
        }
      }
    }
    CHECK(overlay.slot_count() == model.order.size());
    CHECK(overlay.touched_keys() == model.order);
    CHECK(overlay.changes(TxId{kTx0 + 1}) == model.changes(TxId{kTx0 + 1}));
    for (const auto& [key, vs] : model.now) {
      CHECK(overlay.touched(EntityId{key.first}, AttrId{key.second}));
      CHECK(overlay.asserted_values(EntityId{key.first}, AttrId{key.second}) == vs);
    }
    CHECK_FALSE(overlay.touched(EntityId{entities + 1}, one_ref.id));
    for (std::uint64_t e = 1; e <= entities; ++e) {
      auto found = overlay.referrers(EntityId{e});
      REQUIRE(found.has_value());
      CHECK(*found == model.referrers(EntityId{e}));
    }
    // Every unique value asserted is found on the entity that holds it now.
    for (const auto& [key, vs] : model.now) {
      if (key.second != unique_long.id.value) continue;
      for (const Value& v : vs) {
        auto held = overlay.holder(unique_long.id, v);
        REQUIRE(held.has_value());
        CHECK(*held == std::optional<EntityId>(EntityId{key.first}));
      }
    }
  }
}

TEST_CASE("the overlay's lookups by entity and by ref target see slots touched before and after their first use") {
  TxHarness<MemoryStoreKind> h;
  const index::Db basis = h.db();
  const auto friend_ = attr(1000, true, true);
  const auto name = attr(1001, false, false);
  tx::Overlay overlay(basis);
  REQUIRE(overlay.add(EntityId{1}, name, Value(std::int64_t{1})).has_value());
  REQUIRE(overlay.add(EntityId{1}, friend_, Value(EntityId{2})).has_value());
  REQUIRE(overlay.add(EntityId{3}, friend_, Value(EntityId{2})).has_value());

  auto attrs = overlay.attributes(EntityId{1});
  REQUIRE(attrs.has_value());
  CHECK(*attrs == std::vector<AttrId>{friend_.id, name.id});
  auto refs = overlay.referrers(EntityId{2});
  REQUIRE(refs.has_value());
  CHECK(*refs == std::vector<std::pair<EntityId, AttrId>>{{EntityId{1}, friend_.id}, {EntityId{3}, friend_.id}});

  // After their first use: a new entity's slots, a new ref, a retracted one.
  REQUIRE(overlay.add(EntityId{4}, name, Value(std::int64_t{4})).has_value());
  REQUIRE(overlay.add(EntityId{4}, friend_, Value(EntityId{2})).has_value());
  REQUIRE(overlay.retract(EntityId{1}, friend_.id, Value(EntityId{2})).has_value());
  REQUIRE(overlay.retract_all(EntityId{1}, name.id).has_value());

  attrs = overlay.attributes(EntityId{4});
  REQUIRE(attrs.has_value());
  CHECK(*attrs == std::vector<AttrId>{friend_.id, name.id});
  attrs = overlay.attributes(EntityId{1});
  REQUIRE(attrs.has_value());
  CHECK(attrs->empty());
  refs = overlay.referrers(EntityId{2});
  REQUIRE(refs.has_value());
  CHECK(*refs == std::vector<std::pair<EntityId, AttrId>>{{EntityId{3}, friend_.id}, {EntityId{4}, friend_.id}});
}

TEST_CASE("a transaction's retractEntity finds what the transaction's own maps asserted, in a large transaction") {
  TxHarness<MemoryStoreKind> h;
  h.ok(R"([{:db/ident :name} {:db/ident :friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}])");
  // 3,000 new people, each a friend of the one before; the last form retracts person 1500, whose
  // name and friend go, and so do the refs to it (from person 1501).
  std::string forms = "[";
  for (int i = 1; i <= 3000; ++i) {
    forms += "{:db/id \"p" + std::to_string(i) + "\" :name \"P" + std::to_string(i) + "\"";
    if (i > 1) forms += " :friend \"p" + std::to_string(i - 1) + "\"";
    forms += "}";
  }
  forms += "[:db/retractEntity [:name \"P1500\"]]]";
  // :name is not unique: the lookup ref fails; with a unique name it works.
  auto failed = h.transact(forms);
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().code == ErrorCode::TxLookupRef);
  h.ok("[{:db/id :name :db/unique :db.unique/identity}]");
  auto r = h.ok(forms);
  std::size_t names = 0, friends = 0;
  for (const auto& d : r.datoms) {
    CHECK(d.added);
    if (d.v == Value("P1500")) FAIL("the retracted entity's name was asserted");
    names += d.a != index::sys::kTxInstant && d.v.is<std::string>();
    friends += d.v.is<EntityId>();
  }
  CHECK(names == 2999);
  CHECK(friends == 2999 - 2);  // 1500 -> 1499 and 1501 -> 1500 are gone
}

}  // namespace
}  // namespace quarry::testing
