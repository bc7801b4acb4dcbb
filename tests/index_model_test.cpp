// Model-based randomized test: random transactions of assertions, retractions and re-assertions,
// then every view (as-of, since, history, windows, entity history) in every order at many times is
// compared with what a trivially correct model — the list of intervals each datom was true —
// says. Fixed, printed seeds.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>

#include "support/index_check.hpp"
#include "support/index_stores.hpp"
#include "support/index_tx.hpp"

using namespace quarry;
using namespace quarry::testing;
using index::Db;
using index::ValueType;
using index_check_detail::order_key;
using index_check_detail::Row;

namespace {

struct Interval {
  std::uint64_t asserted;
  std::uint64_t retracted;  // 0: still current
};

struct Model {
  // (e, a, v) -> its intervals, in order
  std::map<std::tuple<std::uint64_t, std::uint64_t, std::string>, std::vector<Interval>> datoms;
  std::map<std::tuple<std::uint64_t, std::uint64_t, std::string>, Value> values;
  std::set<std::uint64_t> no_history, refs;

  // What a view over (lo, hi] must return, sorted in `order`.
  std::vector<Row> expect(IndexOrder order, std::uint64_t lo, std::uint64_t hi, bool history,
                          std::optional<std::uint64_t> only_e = std::nullopt) const {
    std::vector<Row> out;
    for (const auto& [k, intervals] : datoms) {
      const auto& [e, a, v] = k;
      if (order == IndexOrder::Vaet && !refs.contains(a)) continue;
      if (only_e && *only_e != e) continue;
      for (const Interval& iv : intervals) {
        if (iv.retracted != 0 && no_history.contains(a)) continue;
        if (history) {
          if (iv.asserted > lo && iv.asserted <= hi) out.emplace_back(e, a, v, iv.asserted, true);
          if (iv.retracted != 0 && iv.retracted > lo && iv.retracted <= hi) out.emplace_back(e, a, v, iv.retracted, false);
        } else if (iv.asserted <= hi && (iv.retracted == 0 || hi < iv.retracted) && iv.asserted > lo) {
          out.emplace_back(e, a, v, iv.asserted, true);
        }
      }
    }
    std::sort(out.begin(), out.end(), [&](const Row& x, const Row& y) { return order_key(order, x) < order_key(order, y); });
    return out;
  }
};

std::vector<Row> rows(Result<index::DatomCursor> c) {
  std::vector<Row> out;
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().message));
  for (; c->valid(); c->next())
    if (c->datom().a != index::sys::kTxInstant && c->datom().e.value < kSystemBase)
      out.push_back(index_check_detail::row(c->datom()));
  REQUIRE(c->status().has_value());
  return out;
}

template <class S>
void run_model(std::uint64_t seed) {
  std::printf("index model seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  Model model;
  std::vector<AttrId> attrs{t.define("s", {.type = ValueType::String}), t.define("n", {.type = ValueType::Long}),
                            t.define("r", {.type = ValueType::Ref, .many = true}),
                            t.define("h", {.type = ValueType::Long, .no_history = true})};
  model.refs.insert(attrs[2].value);
  model.no_history.insert(attrs[3].value);
  auto random_value = [&](AttrId a) -> Value {
    std::uint64_t k = rng() % 6;
    // Strings 4 and 5 are large values sharing one stub (stored out of line).
    if (a == attrs[0]) return Value(k >= 4 ? std::string(3000, 'x') + std::to_string(k) : std::string(1, static_cast<char>('a' + k)));
    if (a == attrs[2]) return Value(EntityId{1 + k});
    return Value(static_cast<std::int64_t>(k));
  };

  const TxId first = t.db().next_tx();
  for (int round = 0; round < 60; ++round) {
    Db basis = t.db();
    TxId tx = basis.next_tx();
    std::vector<Datom> ds;
    std::set<std::tuple<std::uint64_t, std::uint64_t, std::string>> touched;
    int ops = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < ops; ++i) {
      std::vector<std::tuple<std::uint64_t, std::uint64_t, std::string>> live;
      for (const auto& [k, iv] : model.datoms)
        if (!iv.empty() && iv.back().retracted == 0 && !touched.contains(k)) live.push_back(k);
      if (!live.empty() && rng() % 2 == 0) {
        auto k = live[rng() % live.size()];
        touched.insert(k);
        ds.push_back(retract(std::get<0>(k), AttrId{std::get<1>(k)}, model.values[k]));
      } else {
        AttrId a = attrs[rng() % attrs.size()];
        std::uint64_t e = 1 + rng() % 8;
        Value v = random_value(a);
        std::string venc;
        REQUIRE(keys::append_value_component(venc, v).has_value());
        auto k = std::make_tuple(e, a.value, venc);
        auto it = model.datoms.find(k);
        bool current = it != model.datoms.end() && !it->second.empty() && it->second.back().retracted == 0;
        if (current || touched.contains(k)) continue;
        touched.insert(k);
        model.values[k] = v;
        ds.push_back(add(e, a, v));
      }
    }
    t.commit(ds);
    for (const Datom& d : ds) {
      std::string venc;
      REQUIRE(keys::append_value_component(venc, d.v).has_value());
      auto k = std::make_tuple(d.e.value, d.a.value, venc);
      if (d.added) model.datoms[k].push_back({tx.value, 0});
      else model.datoms[k].back().retracted = tx.value;
    }
  }

  Db db = t.db();
  require_consistent(db);
  const std::uint64_t last = db.basis().value;
  for (int probe = 0; probe < 40; ++probe) {
    std::uint64_t hi = first.value - 1 + rng() % (last - first.value + 2);
    std::uint64_t lo = rng() % 3 == 0 ? first.value - 1 + rng() % (hi - first.value + 2) : 0;
    for (bool history : {false, true}) {
      Db view = db.as_of(TxId{hi});
      if (lo != 0) view = view.since(TxId{lo});
      if (history) view = view.history();
      for (IndexOrder order : {IndexOrder::Eavt, IndexOrder::Aevt, IndexOrder::Avet, IndexOrder::Vaet}) {
        auto got = rows(view.datoms(order));
        auto want = model.expect(order, lo, hi, history);
        CHECK_MESSAGE(got == want, "order " << index_order_name(order) << " window (" << lo << ", " << hi
                                            << "] history " << history << ": got " << got.size() << " want "
                                            << want.size());
      }
      // Entity history of one entity within the window.
      std::uint64_t e = 1 + rng() % 8;
      auto h = view.entity_history(EntityId{e});
      REQUIRE(h.has_value());
      auto want = model.expect(IndexOrder::Eavt, lo, hi, true, e);
      std::stable_sort(want.begin(), want.end(), [](const Row& x, const Row& y) {
        return std::make_tuple(std::get<3>(x), std::get<4>(x)) < std::make_tuple(std::get<3>(y), std::get<4>(y));
      });
      std::vector<Row> got;
      for (const Datom& d : *h) got.push_back(index_check_detail::row(d));
      CHECK(got == want);
    }
  }
}

}  // namespace

TEST_CASE_TEMPLATE("random transactions: every view agrees with the interval model", S, MemoryStoreKind,
                   RocksStoreKind) {
  for (std::uint64_t seed : {1u, 2u, 3u}) run_model<S>(seed);
}
