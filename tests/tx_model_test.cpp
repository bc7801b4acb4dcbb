// Randomized transactions checked against a trivially correct model: a map from (entity,
// attribute) to a set of values, updated form by form. Fixed, printed seeds.
//
// Each transaction is 1-6 random forms over entities 1-6 and four attributes: :one (long, card
// one), :many (long, card many), :ref (ref, card many), :uniq (long, :db.unique/value). The
// model applies them in order; if a form asserts a second value of a card-one attribute (:one,
// :uniq) for an entity that the transaction already asserted another value for, the transaction
// must fail with :tx/conflict; else if its final state has two entities with one :uniq value it
// must fail with :tx/unique; either way changing nothing. Otherwise it must succeed, the database
// must equal the model, and the report must hold exactly the model's net change. The composite
// tuple :one+uniq ([:one :uniq]) is part of both: the model derives it from the entity's values.
//
// Every transaction also runs speculatively first (tx::speculate, Datomic's `with`), on the latest
// database and on a speculative one holding the previous transaction's forms again: it must give
// the same outcome and net change as the real one would, leave its db_after equal to the model,
// and write nothing.
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "support/tx_harness.hpp"

namespace quarry::testing {
namespace {

using Model = std::map<std::pair<std::int64_t, std::string>, std::set<std::int64_t>>;

constexpr const char* kAttrs[] = {"one", "many", "ref", "uniq"};

struct Form {
  std::string edn;
  // Applies the form to `m`, the state so far of a transaction on `before`; sets `conflict` for a
  // second card-one value asserted by the transaction.
  std::function<void(Model& m, const Model& before, bool& conflict)> apply;
};

Form random_form(std::mt19937_64& rng) {
  auto pick = [&](int n) { return static_cast<std::int64_t>(rng() % n); };
  const std::int64_t e = 1 + pick(6);
  const std::string a = kAttrs[pick(4)];
  const std::int64_t v = a == "ref" ? 1 + pick(6) : pick(4);
  const std::string es = std::to_string(e), vs = std::to_string(v);
  switch (pick(10)) {
    case 0:
      return {"[:db/retract " + es + " :" + a + "]", [=](Model& m, const Model&, bool&) { m.erase({e, a}); }};
    case 1:
      return {"[:db/retractEntity " + es + "]", [=](Model& m, const Model&, bool&) {
                for (auto it = m.begin(); it != m.end();) it = it->first.first == e ? m.erase(it) : std::next(it);
                for (auto& [k, values] : m)
                  if (k.second == "ref") values.erase(e);
              }};
    case 2:
    case 3:
      return {"[:db/retract " + es + " :" + a + " " + vs + "]",
              [=](Model& m, const Model&, bool&) { m[{e, a}].erase(v); }};
    default:
      return {"[:db/add " + es + " :" + a + " " + vs + "]", [=](Model& m, const Model& before, bool& conflict) {
                auto& values = m[{e, a}];
                if (a == "one" || a == "uniq") {
                  auto had = before.find({e, a});
                  for (auto w : values)
                    if (w != v && (had == before.end() || !had->second.contains(w))) conflict = true;
                  values.clear();
                }
                values.insert(v);
              }};
  }
}

void normalize(Model& m) {
  for (auto it = m.begin(); it != m.end();) it = it->second.empty() ? m.erase(it) : std::next(it);
}

bool unique_ok(const Model& m) {
  std::set<std::int64_t> seen;
  for (const auto& [k, values] : m)
    if (k.second == "uniq")
      for (auto v : values)
        if (!seen.insert(v).second) return false;
  return true;
}

// Every datom the model implies, as [e :attr v]: its values, and the composite tuple :one+uniq
// ([one uniq], nil for a missing one) of every entity that has :one or :uniq.
std::set<Value> datoms_of(const Model& m) {
  std::set<Value> out;
  std::map<std::int64_t, std::pair<Value, Value>> tuples;
  for (const auto& [k, values] : m)
    for (auto v : values) {
      out.insert(Vector{{Value(k.first), Value::keyword(k.second), Value(v)}});
      if (k.second == "one") tuples[k.first].first = Value(v);
      if (k.second == "uniq") tuples[k.first].second = Value(v);
    }
  for (const auto& [e, t] : tuples)
    out.insert(Vector{{Value(e), Value::keyword("one+uniq"), Value(Vector{{t.first, t.second}})}});
  return out;
}

Value model_edn(const Model& m) {
  auto datoms = datoms_of(m);
  return Vector{std::vector<Value>(datoms.begin(), datoms.end())};
}

// The net change between two models, as report_edn prints it.
Value diff_edn(const Model& before, const Model& after) {
  std::vector<Value> out;
  auto x = datoms_of(before), y = datoms_of(after);
  auto side = [&](const std::set<Value>& from, const std::set<Value>& to, bool added) {
    for (const auto& d : from)
      if (!to.contains(d)) {
        auto items = d.as<Vector>().items;
        items.emplace_back(added);
        out.emplace_back(Vector{std::move(items)});
      }
  };
  side(x, y, false);
  side(y, x, true);
  std::sort(out.begin(), out.end());
  return Vector{std::move(out)};
}

template <class Kind>
void run_seed(std::uint64_t seed, int transactions) {
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  TxHarness<Kind> h;
  h.ok(R"([{:db/ident :one :db/valueType :db.type/long}
          {:db/ident :many :db/valueType :db.type/long :db/cardinality :db.cardinality/many}
          {:db/ident :ref :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
          {:db/ident :uniq :db/valueType :db.type/long :db/unique :db.unique/value}
          {:db/ident :one+uniq :db/valueType :db.type/tuple :db/tupleAttrs [:one :uniq]}])");
  Model model;
  for (int t = 0; t < transactions; ++t) {
    const int n = 1 + static_cast<int>(rng() % 6);
    std::string tx = "[";
    Model next = model;
    bool conflict = false;
    std::vector<Form> forms;
    for (int i = 0; i < n; ++i) {
      Form f = random_form(rng);
      tx += f.edn;
      f.apply(next, model, conflict);
      forms.push_back(std::move(f));
    }
    tx += "]";
    normalize(next);
    INFO("tx " << t << ": " << tx);
    {
      auto tx_data = read_edn(tx);
      REQUIRE(tx_data.has_value());
      const auto before = dump_store(h.store());
      auto spec = tx::speculate(h.db(), *tx_data, h.connection().options());
      if (conflict || !unique_ok(next)) {
        REQUIRE_MESSAGE(!spec.has_value(), "with: expected an error for " << tx);
        CHECK(spec.error().code == (conflict ? ErrorCode::TxConflict : ErrorCode::TxUnique));
      } else {
        REQUIRE_MESSAGE(spec.has_value(), spec.error().to_edn());
        CHECK(to_edn(report_edn(spec->db_after, spec->datoms)) == to_edn(diff_edn(model, next)));
        CHECK(to_edn(user_state_edn(spec->db_after)) == to_edn(model_edn(next)));
        CHECK(spec->db_after.basis().value == h.db().basis().value + 1);
        // with on a with: the same forms again, on the speculative database
        Model twice = next;
        bool conflict_twice = false;
        for (const auto& f : forms) f.apply(twice, next, conflict_twice);
        normalize(twice);
        auto again = tx::speculate(spec->db_after, *tx_data, h.connection().options());
        if (conflict_twice || !unique_ok(twice)) {
          CHECK(!again.has_value());
        } else {
          REQUIRE_MESSAGE(again.has_value(), again.error().to_edn());
          CHECK(to_edn(report_edn(again->db_after, again->datoms)) == to_edn(diff_edn(next, twice)));
          CHECK(to_edn(user_state_edn(again->db_after)) == to_edn(model_edn(twice)));
        }
      }
      CHECK(dump_store(h.store()) == before);
    }
    if (conflict) {
      h.err(tx, ErrorCode::TxConflict);
      continue;
    }
    if (!unique_ok(next)) {
      h.err(tx, ErrorCode::TxUnique);
      continue;
    }
    auto r = h.ok(tx);
    CHECK(to_edn(report_edn(r.db_after, r.datoms)) == to_edn(diff_edn(model, next)));
    model = std::move(next);
    CHECK(to_edn(user_state_edn(h.db())) == to_edn(model_edn(model)));
  }
  require_consistent(h.db());
}

TEST_CASE_TEMPLATE("random transactions agree with a set model", Kind, MemoryStoreKind, RocksStoreKind) {
  for (std::uint64_t seed : {1, 2, 3, 42, 1234}) run_seed<Kind>(seed, 150);
}

}  // namespace
}  // namespace quarry::testing
