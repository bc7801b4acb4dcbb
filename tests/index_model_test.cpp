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

// The datom key of d in `order` (no tx), as the index stores it.
std::string key_of(IndexOrder order, const Datom& d) {
  std::string k;
  REQUIRE(keys::append_datom_key(k, order, d.e, d.a, d.v).has_value());
  return k;
}

// The prefix of d's key holding its first n components in `order`, as a DatomPrefix and as bytes.
std::pair<index::DatomPrefix, std::string> prefix_of(IndexOrder order, const Datom& d, int n) {
  index::DatomPrefix p;
  std::string bytes;
  for (int i = 0; i < n; ++i) {
    int part = order == IndexOrder::Eavt ? i : order == IndexOrder::Aevt ? (i == 0 ? 1 : i == 1 ? 0 : 2)
               : order == IndexOrder::Avet ? (i == 0 ? 1 : i == 1 ? 2 : 0) : (i == 0 ? 2 : i == 1 ? 1 : 0);
    if (part == 0) {
      p.e = d.e;
      keys::append_entity(bytes, d.e);
    } else if (part == 1) {
      p.a = d.a;
      keys::append_attr(bytes, d.a);
    } else {
      p.v = d.v;
      if (order == IndexOrder::Vaet) keys::append_entity(bytes, d.v.as<EntityId>());
      else REQUIRE(keys::append_value_component(bytes, d.v).has_value());
    }
  }
  return {p, bytes};
}

// Re-seeks (forward and backward, plain and within a run, typed and encoded) and steps both ways,
// all on ONE cursor of the view, against `all`: the view's full forward scan (checked against the
// model separately). Also the reverse scan, and a cursor over a one-component range.
void check_moves(const Db& view, IndexOrder order, const std::vector<Datom>& all, std::mt19937_64& rng) {
  CAPTURE(index_order_name(order));
  std::vector<std::string> keyset;
  for (const Datom& d : all) keyset.push_back(key_of(order, d));

  auto c = view.cursor(order);
  REQUIRE(c.has_value());
  CHECK_FALSE(c->valid());
  c->seek_to_last();
  std::vector<Datom> backward;
  for (; c->valid(); c->prev()) backward.push_back(c->datom());
  REQUIRE(c->status().has_value());
  std::reverse(backward.begin(), backward.end());
  CHECK(backward == all);
  if (all.empty()) return;

  // Checks the cursor against all[at] (at == -1 or all.size(): invalid), then walks a few steps
  // either way, never past [lo, hi) when in a run.
  auto walk = [&](std::ptrdiff_t at, std::ptrdiff_t lo, std::ptrdiff_t hi) {
    for (int step = 0; step < 8; ++step) {
      const bool inside = at >= lo && at < hi;
      REQUIRE(c->valid() == inside);
      REQUIRE(c->status().has_value());
      if (!inside) return;
      const Datom& want = all[static_cast<std::size_t>(at)];
      REQUIRE(c->datom() == want);
      REQUIRE(c->e() == want.e);
      REQUIRE(c->a() == want.a);
      REQUIRE(c->tx() == want.tx);
      REQUIRE(c->added() == want.added);
      REQUIRE(c->encoded_key() == keyset[static_cast<std::size_t>(at)]);
      std::string parts;
      for (std::string_view part : {c->encoded_e(), c->encoded_a(), c->encoded_v()}) parts += part;
      REQUIRE(parts.size() == keyset[static_cast<std::size_t>(at)].size());
      std::string tx;
      keys::append_tx(tx, want.tx);
      REQUIRE(c->encoded_tx() == tx);
      if (rng() % 2 == 0) {
        c->next();
        ++at;
      } else {
        c->prev();
        --at;
      }
    }
  };
  const auto n = static_cast<std::ptrdiff_t>(all.size());
  auto first_at_or_after = [&](const std::string& k) {
    return std::lower_bound(keyset.begin(), keyset.end(), k) - keyset.begin();
  };
  for (int round = 0; round < 12; ++round) {
    const Datom& d = all[rng() % all.size()];
    const int ncomp = 1 + static_cast<int>(rng() % 3);
    auto [prefix, bytes] = prefix_of(order, d, ncomp);
    CAPTURE(ncomp);
    const std::string end = bytes + '\xff';
    const bool encoded = rng() % 2 == 0;
    switch (rng() % 4) {
      case 0:  // seek
        if (encoded) c->seek_encoded(bytes);
        else REQUIRE(c->seek(prefix).has_value());
        walk(first_at_or_after(bytes), 0, n);
        break;
      case 1:  // seek_for_prev
        if (encoded) c->seek_for_prev_encoded(bytes);
        else REQUIRE(c->seek_for_prev(prefix).has_value());
        walk(first_at_or_after(end) - 1, 0, n);
        break;
      default: {  // seek_prefix, first or last
        const bool last = rng() % 2 == 0;
        if (encoded) c->seek_prefix_encoded(bytes, last);
        else REQUIRE(c->seek_prefix(prefix, last).has_value());
        const auto lo = first_at_or_after(bytes), hi = first_at_or_after(end);
        REQUIRE(lo < hi);  // d is in it
        walk(last ? hi - 1 : lo, lo, hi);
      }
    }
  }

  // A cursor over the datoms with d's first component: the same walks, clamped to that range.
  const Datom& d = all[rng() % all.size()];
  auto [range, range_bytes] = prefix_of(order, d, 1);
  const std::string range_end = range_bytes + '\xff';
  auto r = view.cursor(order, range);
  REQUIRE(r.has_value());
  c = std::move(r);
  const auto lo = first_at_or_after(range_bytes), hi = first_at_or_after(range_end);
  c->seek_to_first();
  walk(lo, lo, hi);
  c->seek_to_last();
  walk(hi - 1, lo, hi);
  c->seek_for_prev_encoded({});  // the empty prefix: the end of the whole range
  walk(hi - 1, lo, hi);
  const Datom& inside = all[static_cast<std::size_t>(lo + static_cast<std::ptrdiff_t>(rng() % (hi - lo)))];
  auto [p2, b2] = prefix_of(order, inside, 2);
  REQUIRE(c->seek_prefix(p2).has_value());
  walk(first_at_or_after(b2), first_at_or_after(b2), first_at_or_after(b2 + '\xff'));
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
        if (probe % 4 == 0) check_moves(view, order, all(view.datoms(order)), rng);
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
