// apply_pattern (query/plan/pattern.hpp): reading the index for a data pattern and joining the matches
// into the bindings, by scan + hash join or by one index lookup per distinct binding.
#include <algorithm>
#include <optional>
#include <unordered_map>
#include <utility>

#include <boost/container/static_vector.hpp>

#include "index/entity_ref.hpp"
#include "query/builtins/builtin_families.hpp"
#include "query/exec/pattern_scan.hpp"
#include "query/plan/range_filter.hpp"

namespace quarry::query {
namespace {

constexpr int kE = 0, kA = 1, kV = 2, kTx = 3, kAdded = 4;

// AttrId -> its ident as a keyword Value, cached (scans see long runs of one attribute).
//
// With entities_as_idents (the pattern's e variable is also an attribute variable somewhere in the
// query), an attribute entity in e position is given as its ident too, so that [?a :db/ident ?n]
// joins with [?e ?a _] whichever runs first.
class AttrNames {
 public:
  explicit AttrNames(const index::Schema& schema, bool entities_as_idents = false)
      : schema_(schema), entities_as_idents_(entities_as_idents) {}
  // The e position's value: an entity id, or an attribute's ident (see above).
  Value entity(EntityId e) {
    if (entities_as_idents_)
      if (const index::AttrSchema* s = schema_.find(AttrId{e.value})) return Value(s->ident);
    return Value(static_cast<std::int64_t>(e.value));
  }
  [[nodiscard]] bool entities_as_idents() const noexcept { return entities_as_idents_; }
  // Whether x names attribute a: its ident, or its id as a long.
  bool names(AttrId a, const Value& x) {
    if (const auto* n = x.get_if<std::int64_t>()) return *n > 0 && static_cast<std::uint64_t>(*n) == a.value;
    return get(a) == x;
  }
  const Value& get(AttrId a) {
    if (a == last_id_ && has_last_) return *last_;
    auto it = cache_.find(a.value);
    if (it == cache_.end()) {
      const index::AttrSchema* s = schema_.find(a);
      Value name = s ? Value(s->ident) : Value(static_cast<std::int64_t>(a.value));
      it = cache_.emplace(a.value, std::move(name)).first;
    }
    last_id_ = a;
    has_last_ = true;
    last_ = &it->second;
    return *last_;
  }

 private:
  const index::Schema& schema_;
  bool entities_as_idents_ = false;
  std::unordered_map<std::uint64_t, Value> cache_;
  AttrId last_id_{};
  bool has_last_ = false;
  const Value* last_ = nullptr;
};

Value datom_value(int pos, const Datom& d, AttrNames& names) {
  switch (pos) {
    case kE: return names.entity(d.e);
    case kA: return names.get(d.a);
    case kV:
      if (const EntityId* id = d.v.get_if<EntityId>()) return Value(static_cast<std::int64_t>(id->value));
      return d.v;
    case kTx: return Value(static_cast<std::int64_t>(d.tx.value));
    default: return Value(d.added);
  }
}

// out.push(datom_value(pos, d, names)), with the common kinds built in place in the relation's
// cells (no temporary Value to copy, move and destroy).
void push_datom_value(Relation& out, int pos, const Datom& d, AttrNames& names) {
  switch (pos) {
    case kE:
      if (!names.entities_as_idents()) return out.emplace(static_cast<std::int64_t>(d.e.value));
      break;
    case kV:
      if (const auto* n = d.v.get_if<std::int64_t>()) return out.emplace(*n);
      if (const EntityId* id = d.v.get_if<EntityId>()) return out.emplace(static_cast<std::int64_t>(id->value));
      return out.push(d.v);
    case kTx: return out.emplace(static_cast<std::int64_t>(d.tx.value));
    default: break;
  }
  out.push(datom_value(pos, d, names));
}

// datom_value(pos, d) == x, without building the value.
bool datom_equals(int pos, const Datom& d, const Value& x, AttrNames& names) {
  switch (pos) {
    case kE: {
      if (x.is<Keyword>()) return names.entity(d.e) == x;
      const auto* n = x.get_if<std::int64_t>();
      return n && static_cast<std::uint64_t>(*n) == d.e.value && *n > 0;
    }
    case kA: return names.names(d.a, x);
    case kV:
      if (const EntityId* id = d.v.get_if<EntityId>()) {
        const auto* n = x.get_if<std::int64_t>();
        return n && *n > 0 && static_cast<std::uint64_t>(*n) == id->value;
      }
      return same_value(d.v, x);
    case kTx: {
      const auto* n = x.get_if<std::int64_t>();
      return n && *n > 0 && static_cast<std::uint64_t>(*n) == d.tx.value;
    }
    default: {
      const bool* b = x.get_if<bool>();
      return b && *b == d.added;
    }
  }
}

// Values that name entities indirectly (an ident keyword, a lookup ref): bound values like these
// in e position, or in v position of a ref attribute, are resolved per binding.
bool names_entity_indirectly(const Value& v) { return v.is<Keyword>() || index::is_lookup_ref(v); }

// The entity a bound ident or lookup ref names. A keyword that is no ident names nothing and
// matches nothing, as it would had the plan scanned and hash-joined instead (the answer must not
// depend on the plan: [?a :db/valueType ?t] [?t :db/ident ?n] binds ?t to :db.type/string, which
// is a value here, not an entity); a lookup ref that names nothing is :query/invalid, as DataScript.
Result<std::optional<EntityId>> resolve_bound_entity(const index::Db& db, const Value& v) {
  if (v.is<Keyword>()) return index::resolve_entity(db, v);
  return resolve_entity_ref(db, v);
}

// Reads the datoms of a cursor for a matcher. need_v false: the ids and the added flag come from
// the key and v is nil; no value is decoded. Otherwise, with `reuse`, a value whose encoding equals
// the previous datom's is not decoded again but copied: scans of an attribute with few distinct
// values (:sex, a status keyword) meet the same few encodings over and over. Encodings longer than
// kMaxReusedBytes (which include every large value's stub and hash) are always decoded, and a read
// whose first kProbation changes of value saw few repeats stops looking (lookups, which read a
// datom or two per probe, do not look at all).
class DatomReader {
 public:
  DatomReader(bool need_v, bool reuse) : need_v_(need_v), reuse_(reuse) {}

  // The datom at the cursor; valid until the cursor moves or the next call.
  const Datom& at(const index::DatomCursor& cursor) {
    if (!need_v_) return ids(cursor);
    if (!reuse_) return cursor.datom();
    const std::string_view v = cursor.encoded_v();
    if (has_last_ && v == last_v_) {
      ++repeats_;
      return ids(cursor);  // datom_.v is that value
    }
    const Datom& d = cursor.datom();
    if (++changes_ == kProbation && repeats_ < kProbation / 4) {
      reuse_ = false;
      datom_.v = Value();
      return d;
    }
    has_last_ = v.size() <= kMaxReusedBytes;
    if (has_last_) {
      last_v_.assign(v);
      datom_.v = d.v;
    }
    return d;
  }

 private:
  static constexpr std::size_t kMaxReusedBytes = 64;
  static constexpr std::size_t kProbation = 64;

  const Datom& ids(const index::DatomCursor& cursor) {
    cursor.ids_into(datom_);
    return datom_;
  }

  bool need_v_;
  bool reuse_;
  bool has_last_ = false;
  std::string last_v_;
  std::size_t repeats_ = 0, changes_ = 0;
  Datom datom_;
};

// Calls f(datom) for each datom of the index read; f returns false to stop early. need_v: f
// reads the datom's value (else it gets a nil v, see DatomReader).
template <class F>
Result<void> read_index(Context& ctx, Result<index::DatomCursor> cursor, bool need_v, F&& f) {
  if (!cursor) return std::unexpected(cursor.error());
  std::size_t n = 0;
  DatomReader reader(need_v, true);
  for (; cursor->valid(); cursor->next()) {
    if (!f(reader.at(*cursor))) break;
    if (++n == 1024) {
      n = 0;
      if (auto t = ctx.tick(1024); !t) return std::unexpected(t.error());
    }
  }
  if (auto t = ctx.tick(n); !t) return std::unexpected(t.error());
  return cursor->status();
}

// Calls f(datom) for each datom of the cursor's current run (after a seek_prefix), read through
// `reader` (one for all the runs of a lookup join); f returns false to stop early. Leaves status()
// to the caller (the cursor is reused for the next probe).
template <class F>
Result<void> read_run(Context& ctx, index::DatomCursor& cursor, DatomReader& reader, F&& f) {
  std::size_t n = 0;
  for (; cursor.valid(); cursor.next()) {
    if (!f(reader.at(cursor))) break;
    ++n;
  }
  if (auto t = ctx.tick(n); !t) return std::unexpected(t.error());
  return cursor.status();
}

// The order of two lookup prefixes in `order`'s component order (absent components first).
int prefix_order(IndexOrder order, const index::DatomPrefix& x, const index::DatomPrefix& y) {
  auto ids = [](const auto& p, const auto& q) -> int {
    if (p.has_value() != q.has_value()) return p.has_value() ? 1 : -1;
    if (!p) return 0;
    return p->value < q->value ? -1 : (q->value < p->value ? 1 : 0);
  };
  auto vals = [](const std::optional<Value>& p, const std::optional<Value>& q) -> int {
    if (p.has_value() != q.has_value()) return p.has_value() ? 1 : -1;
    if (!p) return 0;
    // Refs (the v of a Vaet probe) compared as their ids, without the general comparison.
    if (const EntityId *x = p->get_if<EntityId>(), *y = q->get_if<EntityId>(); x && y)
      return x->value < y->value ? -1 : (y->value < x->value ? 1 : 0);
    return compare(*p, *q);
  };
  const int e = ids(x.e, y.e), a = ids(x.a, y.a), v = vals(x.v, y.v);
  switch (order) {
    case IndexOrder::Eavt: return e ? e : (a ? a : v);
    case IndexOrder::Aevt: return a ? a : (e ? e : v);
    case IndexOrder::Avet: return a ? a : (v ? v : e);
    case IndexOrder::Vaet: return v ? v : (a ? a : e);
  }
  return 0;
}

// How the datoms of one read are checked and turned into new columns.
// At most one entry per position of a datom in each list: held in place, no allocation.
struct Matcher {
  template <class T>
  using PerPosition = boost::container::static_vector<T, 5>;
  PerPosition<std::pair<int, const Value*>> consts;  // positions checked against constants
  PerPosition<std::pair<int, int>> same;             // (pos, earlier pos of the same variable)
  PerPosition<int> new_pos;                          // first positions of the new variables
  std::vector<std::string> new_vars;
  PerPosition<std::pair<int, int>> row_check;  // (pos, column of the bound relation)
  PerPosition<std::pair<int, int>> key;        // (pos, column): the hash-join key (scan mode)

  // Whether any check or new column reads the datom's value (else it need not be decoded).
  bool uses_v() const {
    auto is_v = [](int pos) { return pos == 2; };
    for (const auto& [pos, c] : consts)
      if (is_v(pos)) return true;
    for (const auto& [pos, earlier] : same)
      if (is_v(pos) || is_v(earlier)) return true;
    for (int pos : new_pos)
      if (is_v(pos)) return true;
    for (const auto& [pos, col] : row_check)
      if (is_v(pos)) return true;
    for (const auto& [pos, col] : key)
      if (is_v(pos)) return true;
    return false;
  }
  // Whether d passes the checks; inline for the common read that has none (a call per datom
  // cost more than the empty loops).
  bool datom_ok(const Datom& d, AttrNames& names) const {
    return (consts.empty() && same.empty()) || checks_hold(d, names);
  }
  bool checks_hold(const Datom& d, AttrNames& names) const {
    for (const auto& [pos, c] : consts)
      if (!datom_equals(pos, d, *c, names)) return false;
    for (const auto& [pos, earlier] : same)
      if (!(datom_value(pos, d, names) == datom_value(earlier, d, names))) return false;
    return true;
  }
  // Appends d's values of the new columns to the row being built (in place: no temporary cells).
  void push_new_columns(Relation& out, const Datom& d, AttrNames& names) const {
    for (int pos : new_pos) push_datom_value(out, pos, d, names);
  }
  // The new columns' values of d, in `fresh`: what a step streaming into a RowSink hands it.
  void fill_fresh(const Datom& d, AttrNames& names) {
    fresh.resize(new_pos.size());
    for (std::size_t i = 0; i < new_pos.size(); ++i) fresh[i] = datom_value(new_pos[i], d, names);
  }
  std::vector<Value> fresh;
};

// The positions a read's prefix guarantees (so their constants need no check).
struct PrefixCover {
  bool e = false, a = false, v = false;
};

Matcher make_matcher(const ResolvedPattern& rp, const Relation* bound, const Access& access, PrefixCover cover) {
  Matcher m;
  // The first position of s.var before `pos`, or -1.
  auto earlier = [&](int pos, const PatternSlot& s) {
    for (int p = 0; p < pos; ++p) {
      const PatternSlot& e = rp.slots[static_cast<std::size_t>(p)];
      if (e.kind == PatternSlot::Kind::Var && e.var == s.var) return p;
    }
    return -1;
  };
  for (int pos = 0; pos < 5; ++pos) {
    const PatternSlot& s = rp.slots[static_cast<std::size_t>(pos)];
    if (s.kind == PatternSlot::Kind::Const) {
      const bool covered = (pos == kE && cover.e) || (pos == kA && cover.a) || (pos == kV && cover.v);
      if (!covered) m.consts.emplace_back(pos, &s.value);
      continue;
    }
    if (s.kind != PatternSlot::Kind::Var) continue;
    if (const int first = earlier(pos, s); first >= 0) {
      m.same.emplace_back(pos, first);
      continue;
    }
    const int col = bound ? bound->column(s.var) : -1;
    if (col < 0) {
      m.new_pos.push_back(pos);
      m.new_vars.push_back(s.var);
    } else if (access.probe) {
      const bool probed =
          std::find(access.probe_vars.begin(), access.probe_vars.end(), s.var) != access.probe_vars.end();
      if (!probed) m.row_check.emplace_back(pos, col);
    } else {
      m.key.emplace_back(pos, col);
    }
  }
  return m;
}

// True when distinct datoms always give distinct rows: no position of the datom's identity
// ([e a v], and tx and added on a history view) is left blank.
bool distinct_matches(const ResolvedPattern& rp) {
  const int identity = rp.source->db->is_history() ? 5 : 3;
  for (int pos = 0; pos < identity; ++pos)
    if (rp.slots[static_cast<std::size_t>(pos)].kind == PatternSlot::Kind::Blank) return false;
  return true;
}

// The sink the step's rows go to instead of `out` (Context::sink), or nullptr: only when the rows
// need no dedup afterwards and are exactly the ones the sink wants (RowSink::open).
RowSink* open_sink(RowSink* sink, const ResolvedPattern& rp, const Relation& out) {
  return sink && distinct_matches(rp) && sink->open(out.vars()) ? sink : nullptr;
}

// The range predicates a plan gave the pattern's reads (ValueRange::tests; their filter steps do
// not run: plan.cpp), on datom d: v as the query sees it (a ref as its id), compared as the
// built-ins compare. Every read of the pattern applies them, whichever access runs it.
bool tests_hold(const std::vector<RangeTest>& tests, const Datom& d) {
  const EntityId* id = d.v.get_if<EntityId>();
  const Value ref = id ? Value(static_cast<std::int64_t>(id->value)) : Value();
  const Value& v = id ? ref : d.v;
  return std::all_of(tests.begin(), tests.end(),
                     [&](const RangeTest& t) { return t.holds(builtins::query_compare(v, t.bound)); });
}
// Inline for the common read that has none.
bool passes_tests(const std::vector<RangeTest>& tests, const Datom& d) {
  return tests.empty() || tests_hold(tests, d);
}

// Reads every datom of a scan (constants only) and calls f(datom) for those the matcher accepts;
// f returns false to stop (the row limit was reached).
template <class F>
Result<void> scan(Context& ctx, const ResolvedPattern& rp, const Access& access, const ValueRange& logical_range,
                  const Matcher& m, AttrNames& names, F&& f) {
  const index::Db& db = *rp.source->db;
  const ValueRange range = scan_range(logical_range);
  const std::vector<RangeTest>& tests = logical_range.tests;
  const bool need_v = m.uses_v() || range.last.has_value() || !tests.empty();
  auto each = [&](const Datom& d) {
    if (range.last && rp.attr && compare(datom_value(kV, d, names), *range.last) > 0) return false;
    if (!passes_tests(tests, d)) return true;
    return !m.datom_ok(d, names) || f(d);
  };
  if (access.per_attribute) {
    const Value& qv = rp.slots[kV].value;
    for (const index::AttrSchema& attr : db.schema().attrs()) {
      auto v = index_value(attr, qv);
      if (!v) continue;
      if (auto r = read_index(ctx, db.datoms(IndexOrder::Avet, {.a = attr.id, .v = std::move(*v)}), need_v, each); !r)
        return r;
    }
    return {};
  }
  if (access.range) {
    std::optional<Value> start = range.start, end = range.end;
    if (start && rp.attr->is_ref()) start = index_value(*rp.attr, *start);
    if (end && rp.attr->is_ref()) end = index_value(*rp.attr, *end);
    return read_index(ctx, db.index_range(rp.attr->id, start, end), need_v, each);
  }
  index::DatomPrefix prefix;
  if (rp.e) prefix.e = rp.e;
  if (rp.attr && (access.order != IndexOrder::Eavt || rp.e)) prefix.a = rp.attr->id;
  if (rp.v && prefix.a && (access.order == IndexOrder::Avet || (access.order == IndexOrder::Eavt && rp.e)))
    prefix.v = rp.v;
  if (access.order == IndexOrder::Aevt && prefix.v) prefix.v.reset();
  return read_index(ctx, db.datoms(access.order, prefix), need_v, each);
}

PrefixCover scan_cover(const ResolvedPattern& rp, const Access& access) {
  PrefixCover c;
  if (access.per_attribute) return {false, false, true};
  c.e = rp.e.has_value();
  c.a = rp.attr && (access.order != IndexOrder::Eavt || rp.e);
  c.v = rp.v && c.a && !access.range && (access.order == IndexOrder::Avet || access.order == IndexOrder::Eavt);
  return c;
}

// Room for the rows a read is expected to produce (Access::rows), so that its cells are not moved
// (and their new pages touched) on every doubling: a 200,000-row range scan grew from 65,536 rows
// twice. An estimate below two rows reserves nothing, and a wrong large one reserves at most
// kMaxReservedBytes of cells (address space: pages no row reaches are never touched), and none
// past the query's own limits (a relation that large fails the query anyway). The bound was
// 64 MiB: at 10M datoms agg-by-sex's 1.33M-row scans (80 and 120 bytes a row) outgrew it and
// were moved once and twice, every move a copy of each cell into freshly faulted pages
// (bench/README.md, "Round 31").
// `at_least` rows are reserved whatever the estimate (one allocation for both).
void reserve_expected(const Context& ctx, Relation& out, const Access& access, std::size_t at_least = 0) {
  constexpr double kMaxReservedBytes = 512.0 * 1024 * 1024;
  std::size_t rows = at_least;
  if (access.rows >= 2) {
    const std::size_t arity = std::max<std::size_t>(1, out.arity());
    const double row_bytes = static_cast<double>(sizeof(Value) * arity);
    const auto expected = static_cast<std::size_t>(std::min(access.rows, kMaxReservedBytes / row_bytes));
    if (ctx.fits(expected, arity)) rows = std::max(rows, expected);
  }
  if (rows > 0) out.reserve(rows);
}

// No bound variable: the matches form a new relation.
Result<void> scan_new(Context& ctx, Bindings& bindings, const ResolvedPattern& rp, const Access& access,
                      const ValueRange& range, RowSink* sink) {
  AttrNames names(rp.source->db->schema(), rp.e_is_attribute);
  Matcher m = make_matcher(rp, nullptr, access, scan_cover(rp, access));
  Relation out(m.new_vars);
  RowSink* const into = open_sink(sink, rp, out);
  if (!into) reserve_expected(ctx, out, access);
  auto r = scan(ctx, rp, access, range, m, names, [&](const Datom& d) {
    if (into) {
      m.fill_fresh(d, names);
      into->add({}, m.fresh);
      return true;
    }
    m.push_new_columns(out, d, names);
    out.end_row();
    return ctx.fits(out.size(), out.arity());
  });
  if (!r) return r;
  if (auto c = ctx.check_rows(out.size(), out.arity()); !c) return c;
  if (!distinct_matches(rp)) out.dedup();
  return bindings.join(ctx, std::move(out));
}

// The bound relation's join column as entity ids, when a scan can be merge-joined with it: the
// only key is the pattern's e, the index is read in e order (EAVT, or AEVT of one attribute; any
// view keeps that order), and the column holds positive longs in non-decreasing order (a relation
// left by an earlier such scan does). Empty otherwise: the scan is hash-joined.
std::vector<std::uint64_t> merge_keys(const Relation& bound, const ResolvedPattern& rp, const Access& access,
                                      const Matcher& m) {
  if (m.key.size() != 1 || m.key[0].first != kE || rp.e_is_attribute || access.per_attribute || access.range ||
      bound.empty())
    return {};
  if (access.order != IndexOrder::Eavt && !(access.order == IndexOrder::Aevt && rp.attr)) return {};
  const auto col = static_cast<std::size_t>(m.key[0].second);
  std::vector<std::uint64_t> keys(bound.size());
  for (std::size_t r = 0; r < bound.size(); ++r) {
    const auto* n = bound.at(r, col).get_if<std::int64_t>();
    if (!n || *n <= 0) return {};
    keys[r] = static_cast<std::uint64_t>(*n);
    if (r > 0 && keys[r] < keys[r - 1]) return {};
  }
  return keys;
}

// Bound variables, scan of the constants' prefix joined with the bound relation: merged when both
// are in entity order on the one join variable (merge_keys), hash-joined otherwise.
Result<Relation> scan_join(Context& ctx, const Relation& bound, const ResolvedPattern& rp, const Access& access,
                           const ValueRange& range, RowSink* sink) {
  AttrNames names(rp.source->db->schema(), rp.e_is_attribute);
  Matcher m = make_matcher(rp, &bound, access, scan_cover(rp, access));
  std::vector<std::string> vars = bound.vars();
  vars.insert(vars.end(), m.new_vars.begin(), m.new_vars.end());
  Relation out(std::move(vars));
  RowSink* const into = open_sink(sink, rp, out);
  if (!into) reserve_expected(ctx, out, access);
  auto emit = [&](const Datom& d, std::size_t row) {
    if (into) {
      m.fill_fresh(d, names);
      return into->add(bound.row(row), m.fresh);
    }
    for (const Value& v : bound.row(row)) out.push(v);
    m.push_new_columns(out, d, names);
    out.end_row();
  };
  if (const std::vector<std::uint64_t> keys = merge_keys(bound, rp, access, m); !keys.empty()) {
    std::size_t next = 0;  // the first bound row whose key is not below the datoms read so far
    auto r = scan(ctx, rp, access, range, m, names, [&](const Datom& d) {
      const std::uint64_t e = d.e.value;
      while (next < keys.size() && keys[next] < e) ++next;
      if (next == keys.size()) return false;  // no bound row is left for the rest of the scan
      for (std::size_t row = next; row < keys.size() && keys[row] == e; ++row) emit(d, row);
      return ctx.fits(out.size(), out.arity());
    });
    if (!r) return std::unexpected(r.error());
    if (auto c = ctx.check_rows(out.size(), out.arity()); !c) return std::unexpected(c.error());
    if (!distinct_matches(rp)) out.dedup();
    return out;
  }
  std::vector<int> key_cols;
  for (const auto& [pos, col] : m.key) key_cols.push_back(col);
  RowIndex index(bound, key_cols);
  std::vector<Value> key(m.key.size());
  auto r = scan(ctx, rp, access, range, m, names, [&](const Datom& d) {
    for (std::size_t k = 0; k < m.key.size(); ++k) key[k] = datom_value(m.key[k].first, d, names);
    index.for_each_match(key, hash_values(key), [&](std::size_t row) { emit(d, row); });
    return ctx.fits(out.size(), out.arity());
  });
  if (!r) return std::unexpected(r.error());
  if (auto c = ctx.check_rows(out.size(), out.arity()); !c) return std::unexpected(c.error());
  if (!distinct_matches(rp)) out.dedup();
  return out;
}

// The rows of a bound relation grouped by their binding of the probe columns, one lookup per
// group. A single column of strictly increasing longs — entity ids out of a scan or a lookup in
// entity order, the common probe — is one row per group, found without hashing the rows.
class ProbeGroups {
 public:
  ProbeGroups(const Relation& bound, std::vector<int> cols) {
    if (cols.size() == 1 && increasing_longs(bound, static_cast<std::size_t>(cols[0]))) {
      rows_.resize(bound.size());
      for (std::size_t i = 0; i < rows_.size(); ++i) rows_[i] = static_cast<std::uint32_t>(i);
    } else {
      index_.emplace(bound, std::move(cols));
    }
  }
  // The first row of each group, in row order.
  [[nodiscard]] const std::vector<std::uint32_t>& leaders() const noexcept {
    return index_ ? index_->group_leaders() : rows_;
  }
  // Calls f(row) for each row of leader's group, in row order.
  template <class F>
  void for_each_in_group(std::size_t leader, F&& f) const {
    if (index_) index_->for_each_in_group(leader, f);
    else f(leader);
  }

 private:
  static bool increasing_longs(const Relation& r, std::size_t col) {
    const std::int64_t* last = nullptr;
    for (std::size_t i = 0; i < r.size(); ++i) {
      const auto* n = r.at(i, col).get_if<std::int64_t>();
      if (!n || (last && *n <= *last)) return false;
      last = n;
    }
    return true;
  }
  std::optional<RowIndex> index_;
  std::vector<std::uint32_t> rows_;  // every row, when no index is needed
};

// Bound variables, one index read per distinct binding of access.probe_vars.
Result<Relation> probe_join(Context& ctx, const Relation& bound, const ResolvedPattern& rp, const Access& access,
                            const std::vector<RangeTest>& tests, RowSink* sink) {
  const index::Db& db = *rp.source->db;
  AttrNames names(db.schema(), rp.e_is_attribute);
  const PatternSlot& es = rp.slots[kE];
  const PatternSlot& as = rp.slots[kA];
  const PatternSlot& vs = rp.slots[kV];
  auto col_of = [&](const PatternSlot& s) {
    return s.kind == PatternSlot::Kind::Var ? bound.column(s.var) : -1;
  };
  const int e_col = col_of(es), a_col = col_of(as), v_col = col_of(vs);
  auto probed = [&](const PatternSlot& s) {
    return s.kind == PatternSlot::Kind::Var &&
           std::find(access.probe_vars.begin(), access.probe_vars.end(), s.var) != access.probe_vars.end();
  };
  const bool e_p = probed(es), a_p = probed(as), v_p = probed(vs);
  // Which positions the lookups' prefixes fix.
  PrefixCover cover;
  if (access.per_attribute) {
    cover.v = true;
  } else if (access.order == IndexOrder::Eavt || (access.order == IndexOrder::Aevt && (e_p || rp.e))) {
    cover.e = true;
    cover.a = rp.attr || a_p;
    cover.v = cover.a && (rp.v.has_value() || v_p || (vs.kind == PatternSlot::Kind::Const && a_p));
  } else {
    cover.a = true;
    cover.v = access.order == IndexOrder::Avet;
  }
  Matcher m = make_matcher(rp, &bound, access, cover);
  const bool need_v = m.uses_v() || !tests.empty();
  std::vector<std::string> vars = bound.vars();
  vars.insert(vars.end(), m.new_vars.begin(), m.new_vars.end());
  Relation out(std::move(vars));
  RowSink* const into = open_sink(sink, rp, out);
  std::vector<int> probe_cols;
  for (const std::string& v : access.probe_vars) probe_cols.push_back(bound.column(v));
  const ProbeGroups groups(bound, std::move(probe_cols));

  // One lookup per distinct binding: its prefix from constants and the binding. A binding that
  // cannot be an index term (a string bound in e position, an unknown attribute) matches nothing.
  struct Probe {
    std::uint32_t leader = 0;
    index::DatomPrefix prefix;
    const index::AttrSchema* attr = nullptr;
    const Value* v_query = nullptr;  // per_attribute: the value looked up under each attribute
  };
  std::vector<Probe> probes;
  probes.reserve(groups.leaders().size());
  for (std::uint32_t leader : groups.leaders()) {
    auto lrow = bound.row(leader);
    Probe probe{.leader = leader, .prefix = {}, .attr = rp.attr, .v_query = nullptr};
    index::DatomPrefix& prefix = probe.prefix;
    if (e_p) {
      const Value& ev = lrow[static_cast<std::size_t>(e_col)];
      auto e = as_entity(ev);
      if (!e && names_entity_indirectly(ev)) {
        auto resolved = resolve_bound_entity(db, ev);
        if (!resolved) return std::unexpected(resolved.error());
        e = *resolved;
      }
      if (!e) continue;
      prefix.e = e;
    } else if (rp.e) {
      prefix.e = rp.e;
    }
    if (a_p) {
      // An attribute variable holds an ident, or an attribute's entity id (bound in e position).
      const Value& av = lrow[static_cast<std::size_t>(a_col)];
      probe.attr = nullptr;
      if (const Keyword* k = av.get_if<Keyword>()) probe.attr = db.schema().find(*k);
      else if (const auto* n = av.get_if<std::int64_t>(); n && *n > 0)
        probe.attr = db.schema().find(AttrId{static_cast<std::uint64_t>(*n)});
      if (!probe.attr) continue;
    }
    probe.v_query = v_p ? &lrow[static_cast<std::size_t>(v_col)]
                        : (vs.kind == PatternSlot::Kind::Const ? &vs.value : nullptr);
    if (!access.per_attribute) {
      if (cover.a) prefix.a = probe.attr->id;
      if (cover.v && probe.v_query) {
        auto v = index_value(*probe.attr, *probe.v_query);
        if (!v && probe.attr->is_ref() && names_entity_indirectly(*probe.v_query)) {
          auto resolved = resolve_bound_entity(db, *probe.v_query);
          if (!resolved) return std::unexpected(resolved.error());
          if (*resolved) v = Value(**resolved);
        }
        if (!v) continue;
        prefix.v = std::move(*v);
      }
    }
    probes.push_back(std::move(probe));
  }
  // In index order, so that the one cursor's re-seeks all move forward. Probes taken from a scan
  // often arrive in that order already (entity ids out of an AVET or AEVT scan): checked first.
  // Otherwise pointers are sorted, not the probes (each holds a Value: a move is a visit).
  std::vector<const Probe*> sorted;
  if (!access.per_attribute) {
    auto before = [&](const Probe& x, const Probe& y) { return prefix_order(access.order, x.prefix, y.prefix) < 0; };
    if (!std::is_sorted(probes.begin(), probes.end(), before)) {
      sorted.reserve(probes.size());
      for (const Probe& probe : probes) sorted.push_back(&probe);
      std::sort(sorted.begin(), sorted.end(), [&](const Probe* x, const Probe* y) { return before(*x, *y); });
    }
  }
  // A lookup whose prefix fixes e and a of a cardinality-one attribute finds at most one datom in
  // a current view (the transactor replaces the value; making an attribute cardinality one
  // requires that no entity holds two), so the cursor is not stepped past it to find the end of
  // the run. Not on history or as-of views: a past state may hold values from before such a change.
  const bool single_datom_runs = !access.per_attribute && cover.e && cover.a && !db.is_history() && !db.as_of_t();

  // Room for the rows expected at once rather than growing the cells vector step by step: at least
  // one per bound row (a cardinality-one attribute), more when the plan expects a fan-out.
  if (!into) reserve_expected(ctx, out, access, bound.size());
  std::optional<index::DatomCursor> cursor;
  DatomReader reader(need_v, false);
  if (!access.per_attribute) {
    auto c = db.cursor(access.order);
    if (!c) return std::unexpected(c.error());
    cursor.emplace(std::move(*c));
  }
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const Probe& probe = sorted.empty() ? probes[i] : *sorted[i];
    const std::uint32_t leader = probe.leader;
    const bool single = single_datom_runs && probe.attr && !probe.attr->many;
    auto each = [&](const Datom& d) {
      if (!passes_tests(tests, d) || !m.datom_ok(d, names)) return !single;
      groups.for_each_in_group(leader, [&](std::size_t row) {
        auto brow = bound.row(row);
        for (const auto& [pos, col] : m.row_check)
          if (!datom_equals(pos, d, brow[static_cast<std::size_t>(col)], names)) return;
        if (into) {
          m.fill_fresh(d, names);
          return into->add(brow, m.fresh);
        }
        for (const Value& v : brow) out.push(v);
        m.push_new_columns(out, d, names);
        out.end_row();
      });
      return !single && ctx.fits(out.size(), out.arity());
    };
    Result<void> r;
    if (access.per_attribute) {
      for (const index::AttrSchema& a : db.schema().attrs()) {
        auto v = index_value(a, *probe.v_query);
        if (!v) continue;
        r = read_index(ctx, db.datoms(IndexOrder::Avet, {.a = a.id, .v = std::move(*v)}), need_v, each);
        if (!r) break;
      }
    } else {
      r = cursor->seek_prefix(probe.prefix);
      if (r) r = read_run(ctx, *cursor, reader, each);
    }
    if (!r) return std::unexpected(r.error());
    if (auto t = ctx.tick(static_cast<std::size_t>(cost::kLookupCost)); !t) return std::unexpected(t.error());
    if (auto c = ctx.check_rows(out.size(), out.arity()); !c) return std::unexpected(c.error());
  }
  if (cursor)
    if (auto st = cursor->status(); !st) return std::unexpected(st.error());
  if (!distinct_matches(rp)) out.dedup();
  return out;
}

// True when the relation binds the pattern's e variable (or the v variable of a ref attribute)
// to some ident or lookup ref: those must be looked up one by one.
bool needs_resolution(const ResolvedPattern& rp, const Relation& r) {
  auto check = [&](const PatternSlot& s) {
    if (s.kind != PatternSlot::Kind::Var) return false;
    const int col = r.column(s.var);
    if (col < 0) return false;
    for (std::size_t i = 0; i < r.size(); ++i)
      if (names_entity_indirectly(r.at(i, static_cast<std::size_t>(col)))) return true;
    return false;
  };
  return check(rp.slots[kE]) || (rp.attr && rp.attr->is_ref() && check(rp.slots[kV]));
}

// A pattern over a collection of tuples: each element is matched position by position.
Result<void> apply_tuples(Context& ctx, Bindings& bindings, const ResolvedPattern& rp) {
  const Value& coll = *rp.source->tuples;
  const std::vector<Value>* items = nullptr;
  if (const auto* v = coll.get_if<Vector>()) items = &v->items;
  else if (const auto* l = coll.get_if<List>()) items = &l->items;
  else if (const auto* s = coll.get_if<Set>()) items = &s->items;
  if (!items) return fail(ErrorCode::QueryInput, "a source that is not a database must be a collection of tuples");
  const std::size_t n = rp.pattern->terms.size();
  Relation out(rp.vars);
  std::vector<int> first(rp.vars.size(), -1);
  for (const Value& item : *items) {
    const std::vector<Value>* tuple = nullptr;
    if (const auto* v = item.get_if<Vector>()) tuple = &v->items;
    else if (const auto* l = item.get_if<List>()) tuple = &l->items;
    if (!tuple || tuple->size() < n) continue;
    bool ok = true;
    std::fill(first.begin(), first.end(), -1);
    for (std::size_t i = 0; i < n && ok; ++i) {
      const PatternSlot& s = rp.slots[i];
      const Value& x = (*tuple)[i];
      if (s.kind == PatternSlot::Kind::Const) ok = s.value == x;
      if (s.kind != PatternSlot::Kind::Var) continue;
      const auto k = static_cast<std::size_t>(out.column(s.var));
      if (first[k] >= 0) ok = (*tuple)[static_cast<std::size_t>(first[k])] == x;
      else first[k] = static_cast<int>(i);
    }
    if (!ok) continue;
    for (int f : first) {
      const Value& x = (*tuple)[static_cast<std::size_t>(f)];
      if (const EntityId* id = x.get_if<EntityId>()) out.push(Value(static_cast<std::int64_t>(id->value)));
      else out.push(x);
    }
    out.end_row();
  }
  if (auto t = ctx.tick(items->size()); !t) return t;
  out.dedup();
  return bindings.join(ctx, std::move(out));
}

}  // namespace

Result<void> apply_pattern(Context& ctx, Bindings& bindings, const ResolvedPattern& rp, const ValueRange& range,
                           const Access& planned) {
  RowSink* const sink = std::exchange(ctx.sink, nullptr);
  if (!rp.source->db) return apply_tuples(ctx, bindings, rp);
  if (rp.impossible) {
    bindings.mark_empty();
    return {};
  }
  // The relations binding the pattern's variables. The pattern is joined with one of them (the
  // primary); the others join the result afterwards on their shared variables (merging them
  // first would build their product).
  std::vector<int> touched;
  for (const std::string& v : rp.vars) {
    const int i = bindings.find(v);
    if (i >= 0 && std::find(touched.begin(), touched.end(), i) == touched.end()) touched.push_back(i);
  }
  if (touched.empty()) {
    Access access = planned;
    access.probe = false;
    return scan_new(ctx, bindings, rp, access, range, sink);
  }
  const auto& rels = bindings.relations();
  auto holds_all = [&](int i, const std::vector<std::string>& vars) {
    const Relation& r = rels[static_cast<std::size_t>(i)];
    return std::all_of(vars.begin(), vars.end(), [&](const std::string& v) { return r.has(v); });
  };
  int primary = -1;
  Access access;
  if (planned.probe) {
    for (int i : touched)
      if (holds_all(i, planned.probe_vars)) primary = i;
    if (primary >= 0) access = planned;
  } else {
    for (int i : touched)
      if (primary < 0 || rels[static_cast<std::size_t>(i)].size() < rels[static_cast<std::size_t>(primary)].size())
        primary = i;
    access = planned;
  }
  if (primary >= 0 && !access.probe && needs_resolution(rp, rels[static_cast<std::size_t>(primary)])) primary = -1;
  // Rule bodies plan their order once from estimates, but their relations change size from one
  // iteration to the next: the access is chosen from the real sizes each time.
  if (ctx.static_plans) primary = -1;
  if (primary < 0) {
    // The plan's access does not fit what is bound: choose per relation, as the cost model would.
    for (int i : touched) {
      const Relation& r = rels[static_cast<std::size_t>(i)];
      auto rows_of = [&](const std::string& var) -> std::optional<double> {
        if (!r.has(var)) return std::nullopt;
        return static_cast<double>(r.size());
      };
      Access a = choose_access(rp, rows_of, range, needs_resolution(rp, r));
      if (primary < 0 || a.cost < access.cost) {
        primary = i;
        access = std::move(a);
      }
    }
  }
  const Relation& bound = rels[static_cast<std::size_t>(primary)];
  // Rows joined with further relations afterwards are not the final ones: they cannot stream.
  RowSink* const into = touched.size() == 1 ? sink : nullptr;
  auto out = access.probe ? probe_join(ctx, bound, rp, access, range.tests, into)
                          : scan_join(ctx, bound, rp, access, range, into);
  if (!out) return std::unexpected(out.error());
  if (touched.size() == 1) {
    bindings.replace(primary, std::move(*out));
    return {};
  }
  bindings.relations().erase(bindings.relations().begin() + primary);
  return bindings.join(ctx, std::move(*out));
}

}  // namespace quarry::query
