// Cross-index consistency check of a database value, for index and tx tests:
//
//   CHECK_MESSAGE(quarry::testing::check_index(writer->db()).empty(), quarry::testing::check_index(db));
//   or simply: quarry::testing::require_consistent(db);
//
// It checks, through the public index API only:
//  - every current datom is in EAVT, AEVT and AVET (same tx), and in VAET exactly when its
//    attribute is a ref; each order's scan is sorted by that order;
//  - replaying the tx log from the start gives exactly the current indexes, and exactly the
//    history view's events in each of the four orders (retractions of :db/noHistory attributes
//    excepted — judged by the attribute's current flag);
//  - attr_stats equal counts recomputed from EAVT, for every attribute;
//  - max_eid and next_system_id agree with the log; the schema equals one rebuilt from the
//    current datoms of system entities.
// Cost: reads the whole database several times. For tests only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "codec/value_codec.hpp"
#include "index/db.hpp"
#include "index/key_layout.hpp"

namespace quarry::testing {

namespace index_check_detail {

// (e, a, encoded v, tx, added): a datom with its value as the index keys hold it, so that rows
// sort as keys do (large values: by stub, then hash).
using Row = std::tuple<std::uint64_t, std::uint64_t, std::string, std::uint64_t, bool>;

inline Row row(const Datom& d) {
  std::string v;
  if (!keys::append_value_component(v, d.v)) v = "<unstorable>";
  return {d.e.value, d.a.value, v, d.tx.value, d.added};
}

// The order's sort key of a row: its components in the order's order, then tx.
inline auto order_key(IndexOrder order, const Row& r) {
  const auto& [e, a, v, tx, added] = r;
  // ids as big-endian strings so that every part compares as bytes, as the keys do
  auto be = [](std::uint64_t n) {
    std::string s(8, '\0');
    for (int i = 7; i >= 0; --i, n >>= 8) s[i] = static_cast<char>(n & 0xff);
    return s;
  };
  switch (order) {
    case IndexOrder::Eavt: return std::make_tuple(be(e), be(a), v, tx);
    case IndexOrder::Aevt: return std::make_tuple(be(a), be(e), v, tx);
    case IndexOrder::Avet: return std::make_tuple(be(a), v, be(e), tx);
    case IndexOrder::Vaet: return std::make_tuple(v, be(a), be(e), tx);
  }
  return std::make_tuple(be(e), be(a), v, tx);
}

inline std::string show(const Row& r) {
  std::ostringstream out;
  out << "[" << std::get<0>(r) << " " << std::get<1>(r) << " <" << std::get<2>(r).size() << "B> "
      << std::get<3>(r) << " " << (std::get<4>(r) ? "true" : "false") << "]";
  return out.str();
}

}  // namespace index_check_detail

// "" when consistent; otherwise one line per problem found (at most a few per kind).
inline std::string check_index(const index::Db& db_in) {
  using namespace index_check_detail;
  const index::Db db = db_in.current();
  std::ostringstream problems;
  int reported = 0;
  auto problem = [&](const std::string& what) {
    if (++reported <= 40) problems << what << "\n";
  };
  constexpr IndexOrder kOrders[] = {IndexOrder::Eavt, IndexOrder::Aevt, IndexOrder::Avet, IndexOrder::Vaet};

  auto scan = [&](const index::Db& view, IndexOrder order, const char* what) {
    std::vector<Row> rows;
    auto c = view.datoms(order);
    if (!c) {
      problem(std::string(what) + " " + std::string(index_order_name(order)) + ": " + c.error().message);
      return rows;
    }
    for (; c->valid(); c->next()) rows.push_back(row(c->datom()));
    if (auto s = c->status(); !s) problem(std::string(what) + " scan failed: " + s.error().message);
    for (std::size_t i = 1; i < rows.size(); ++i)
      if (order_key(order, rows[i]) < order_key(order, rows[i - 1]))
        problem(std::string(what) + " " + std::string(index_order_name(order)) + " out of order at " + show(rows[i]));
    return rows;
  };
  auto is_ref = [&](std::uint64_t a) {
    const index::AttrSchema* s = db.schema().find(AttrId{a});
    return s && s->is_ref();
  };
  auto no_history = [&](std::uint64_t a) {
    const index::AttrSchema* s = db.schema().find(AttrId{a});
    return s && s->no_history;
  };

  // 1. The four current orders hold the same datoms.
  std::vector<Row> eavt = scan(db, IndexOrder::Eavt, "current");
  std::set<Row> current(eavt.begin(), eavt.end());
  if (current.size() != eavt.size()) problem("current eavt has duplicates");
  std::set<Row> refs;
  for (const Row& r : current)
    if (is_ref(std::get<1>(r))) refs.insert(r);
  for (IndexOrder order : {IndexOrder::Aevt, IndexOrder::Avet, IndexOrder::Vaet}) {
    auto rows = scan(db, order, "current");
    std::set<Row> got(rows.begin(), rows.end());
    const std::set<Row>& want = order == IndexOrder::Vaet ? refs : current;
    if (got != want || rows.size() != want.size())
      problem("current " + std::string(index_order_name(order)) + " holds " + std::to_string(rows.size()) +
              " datoms, eavt implies " + std::to_string(want.size()));
    for (const Row& r : want)
      if (!got.contains(r)) {
        problem("missing from " + std::string(index_order_name(order)) + ": " + show(r));
        break;
      }
  }

  // 2. Replay the log.
  auto log = db.tx_log(TxId{0}, db.next_tx());
  if (!log) {
    problem("tx_log: " + log.error().message);
    return problems.str();
  }
  std::map<std::tuple<std::uint64_t, std::uint64_t, std::string>, std::uint64_t> live;
  std::multiset<Row> events;
  std::uint64_t max_eid = 0, next_system = index::sys::kFirstUserSystemId;
  for (const Datom& d : *log) {
    Row r = row(d);
    auto key = std::make_tuple(std::get<0>(r), std::get<1>(r), std::get<2>(r));
    if (is_user_entity(d.e.value)) max_eid = std::max(max_eid, d.e.value);
    // An excised entity's datoms leave the log, but max_eid does not go back: its id stays in the
    // excision's record, [tx :db/excise e].
    if (d.a == index::sys::kExcise && d.added)
      if (const auto* e = d.v.get_if<EntityId>(); e && is_user_entity(e->value)) max_eid = std::max(max_eid, e->value);
    if (is_system_entity(d.e.value)) next_system = std::max(next_system, d.e.value + 1);
    if (d.added) {
      if (live.contains(key)) problem("log asserts a current datom: " + show(r));
      live[key] = d.tx.value;
    } else {
      auto it = live.find(key);
      if (it == live.end()) {
        problem("log retracts a datom that is not current: " + show(r));
        continue;
      }
      if (!no_history(d.a.value)) {
        events.insert({std::get<0>(r), std::get<1>(r), std::get<2>(r), it->second, true});
        events.insert({std::get<0>(r), std::get<1>(r), std::get<2>(r), d.tx.value, false});
      }
      live.erase(it);
    }
  }
  std::set<Row> replayed;
  for (const auto& [k, tx] : live) {
    replayed.insert({std::get<0>(k), std::get<1>(k), std::get<2>(k), tx, true});
    events.insert({std::get<0>(k), std::get<1>(k), std::get<2>(k), tx, true});
  }
  if (replayed != current)
    problem("replaying the log gives " + std::to_string(replayed.size()) + " current datoms, eavt holds " +
            std::to_string(current.size()));
  const index::Db history = db.history();
  for (IndexOrder order : kOrders) {
    auto rows = scan(history, order, "history");
    std::multiset<Row> got(rows.begin(), rows.end());
    std::multiset<Row> want;
    for (const Row& r : events)
      if (order != IndexOrder::Vaet || is_ref(std::get<1>(r))) want.insert(r);
    if (got != want)
      problem("history " + std::string(index_order_name(order)) + " has " + std::to_string(got.size()) +
              " events, the log implies " + std::to_string(want.size()));
  }
  if (db.max_eid() != max_eid)
    problem("max_eid " + std::to_string(db.max_eid()) + ", log implies " + std::to_string(max_eid));
  if (db.next_system_id() != next_system)
    problem("next_system_id " + std::to_string(db.next_system_id()) + ", log implies " + std::to_string(next_system));

  // 3. Statistics.
  std::map<std::uint64_t, std::pair<std::uint64_t, std::set<std::string>>> recount;
  for (const Row& r : current) {
    auto& [n, values] = recount[std::get<1>(r)];
    ++n;
    values.insert(std::get<2>(r));
  }
  std::set<std::uint64_t> attrs;
  for (const auto& s : db.schema().attrs()) attrs.insert(s.id.value);
  for (const auto& [a, _] : recount) attrs.insert(a);
  for (std::uint64_t a : attrs) {
    index::AttrStats want{};
    if (auto it = recount.find(a); it != recount.end()) want = {it->second.first, it->second.second.size()};
    index::AttrStats got = db.attr_stats(AttrId{a});
    if (got != want)
      problem("stats of attribute " + std::to_string(a) + ": " + std::to_string(got.datoms) + " datoms / " +
              std::to_string(got.distinct_values) + " distinct, recount " + std::to_string(want.datoms) +
              " / " + std::to_string(want.distinct_values));
  }

  // 4. Schema.
  std::vector<Datom> system;
  auto all = index::collect(db.seek_datoms(IndexOrder::Eavt, {.e = EntityId{kSystemBase}}));
  if (!all) problem("scan of system entities: " + all.error().message);
  else
    for (const Datom& d : *all)
      if (index::Schema::is_schema_attr(d.a)) system.push_back(d);
  auto rebuilt = index::Schema::from_datoms(system);
  if (!rebuilt) problem("schema does not rebuild: " + rebuilt.error().message);
  else if (!std::equal((*rebuilt)->attrs().begin(), (*rebuilt)->attrs().end(), db.schema().attrs().begin(),
                       db.schema().attrs().end()))
    problem("schema differs from one rebuilt from the current datoms");

  if (reported > 40) problems << "... " << (reported - 40) << " more\n";
  return problems.str();
}

// doctest helper: fails the current test with the problems found.
#ifdef DOCTEST_VERSION
inline void require_consistent(const index::Db& db) {
  std::string problems = check_index(db);
  CHECK_MESSAGE(problems.empty(), problems);
}
#endif

}  // namespace quarry::testing
