// Pull execution: DataScript 1.8's pull_api.cljc on Quarry's indexes.
//
// An entity is pulled in a Frame: its forward datoms (one EAVT scan: the whole entity for a
// wildcard, else from the pattern's first attribute to its last) and reverse datoms (VAET per
// reverse attribute) are read when the frame opens. Plain values and refs printed as {:db/id n}
// go straight into the frame's entries; refs that lead to a nested pull become Slots whose
// targets are pulled one by one in child frames. Frames live on an explicit stack, so arbitrarily
// deep recursion ({:friend ...} along a long chain) does not use the C++ stack.
//
// Cycles: as in DataScript, an auto-expanding attribute (recursive, or a component pulled with a
// wildcard) does not expand an entity that is already expanded on the path from the root (the
// `seen` set holds exactly the auto-expanded entities on the stack); it gives {:db/id n} instead.
// Recursion limits ({:friend 2}) are per attribute and per path too, carried down in each frame.
#include "query/pull/pull.hpp"

#include <algorithm>
#include <optional>
#include <unordered_set>
#include <utility>
#include <vector>

#include "query/pull/pull_pattern.hpp"
#include "query/pull/pull_plan.hpp"
#include "query/pull/pull_prefetch.hpp"

namespace quarry::query {
namespace {

const Value& db_id_key() {
  static const Value key = Value::keyword("db/id");
  return key;
}

Value id_value(EntityId e) { return Value(static_cast<std::int64_t>(e.value)); }

Value ref_map(EntityId e) {
  Map m;
  m.entries.emplace_back(db_id_key(), id_value(e));
  return Value(std::move(m));
}

// Remaining depth of a depth-limited recursive attribute on the current path.
using RecursionLimits = std::vector<std::pair<const PullPlanAttr*, std::int64_t>>;

// A ref attribute whose targets are pulled with a nested pattern.
struct Slot {
  const PullPlanAttr* attr = nullptr;
  std::vector<EntityId> targets;
  std::size_t next = 0;
  std::vector<Value> values;  // non-nil results so far
};

// One key and value of a result map; the key lives in the plan.
struct Entry {
  std::uint32_t rank;
  const Value* key;
  Value value;
};

// Frames are reused from one entity to the next (their vectors keep their capacity), so a
// pull-many allocates little beyond the results themselves.
struct Frame {
  EntityId e;
  const PullPlanPattern* pattern = nullptr;
  RecursionLimits limits;
  bool in_seen = false;  // e was added to `seen` when this frame was pushed
  std::vector<Entry> entries;
  std::vector<Slot> slots;  // the first slot_count are in use
  std::size_t slot_count = 0;
  std::size_t slot = 0;  // the slot being filled

  void reset(EntityId id, const PullPlanPattern* p, RecursionLimits l, bool seen) {
    e = id;
    pattern = p;
    limits = std::move(l);
    in_seen = seen;
    entries.clear();
    slot_count = 0;
    slot = 0;
  }
  Slot& add_slot(const PullPlanAttr& a) {
    if (slot_count == slots.size()) slots.emplace_back();
    Slot& s = slots[slot_count++];
    s.attr = &a;
    s.targets.clear();
    s.next = 0;
    s.values.clear();
    return s;
  }
  void add(const PullPlanAttr& a, Value v) { entries.push_back(Entry{a.key_rank, &a.key, std::move(v)}); }
};

class Puller {
 public:
  Puller(const index::Db& db, const PullPlan& plan, PullShape shape) : db_(db), plan_(plan), shape_(shape) {}

  // `datoms`: e's datoms if they were prefetched.
  Result<Value> pull(EntityId e, std::optional<std::span<const Datom>> datoms) {
    depth_ = 0;
    seen_.clear();
    if (auto r = push(e, plan_.root, {}, false, datoms); !r) return std::unexpected(r.error());
    for (;;) {
      Frame& f = frames_[depth_ - 1];
      if (f.slot < f.slot_count) {
        Slot& s = f.slots[f.slot];
        if (s.next < s.targets.size()) {
          if (auto r = follow(f, *s.attr, s.targets[s.next++]); !r) return std::unexpected(r.error());
          continue;
        }
        Value v = s.attr->multival ? collection(std::move(s.values))
                  : s.values.empty() ? Value{}
                                     : std::move(s.values.front());
        if (!v.is_nil()) f.add(*s.attr, std::move(v));
        ++f.slot;
        continue;
      }
      Value result = finish(f);
      if (f.in_seen) seen_.erase(f.e.value);
      if (--depth_ == 0) {
        if (failed_) return std::unexpected(*std::exchange(failed_, std::nullopt));
        return result;
      }
      if (!result.is_nil()) {
        Frame& parent = frames_[depth_ - 1];
        parent.slots[parent.slot].values.push_back(std::move(result));
      }
    }
  }

 private:
  const index::Db& db_;
  const PullPlan& plan_;
  PullShape shape_;
  std::vector<Frame> frames_;  // the first depth_ are the stack, root first
  std::size_t depth_ = 0;
  std::unordered_set<std::uint64_t> seen_;
  std::vector<Value> group_;           // the values of one attribute while scanning an entity
  std::vector<std::uint64_t> order_;   // finish(): entries sorted by (rank, position)
  std::optional<Error> failed_;        // a read error met where no Result could carry it (ref_value)

  std::size_t limit_of(const PullPlanAttr& a) const { return shape_.unlimited ? kNoLimit : a.limit; }

  // A vector (pull) or a set (entity API); nil when empty, as DataScript leaves empty
  // collections out.
  Value collection(std::vector<Value> values) const {
    if (values.empty()) return Value{};
    if (!shape_.many_as_sets) return Value(Vector{std::move(values)});
    Set set;
    if (!make_set(std::move(values), set)) return Value{};  // unreachable: datom values are distinct
    return Value(std::move(set));
  }

  // A ref without a nested pull: {:db/id n}, or, for the entity API, n's :db/ident if it has one.
  // A read error is kept in failed_ (pull() returns it).
  Value ref_value(EntityId e) {
    if (!shape_.refs_as_idents) return ref_map(e);
    auto cursor = db_.datoms(IndexOrder::Eavt, {.e = e, .a = index::sys::kIdent});
    if (!cursor) {
      failed_ = cursor.error();
      return ref_map(e);
    }
    if (cursor->valid())
      if (const Value& v = cursor->datom().v; v.is<Keyword>()) return v;
    if (auto s = cursor->status(); !s) failed_ = s.error();
    return ref_map(e);
  }

  // ref-frame: pull `target` of ref attribute `a` from frame `from` (the stack top).
  Result<void> follow(Frame& from, const PullPlanAttr& a, EntityId target) {
    if (!a.auto_expanding) return push(target, a.pattern, from.limits, false);
    if (seen_.contains(target.value)) {
      from.slots[from.slot].values.push_back(ref_map(target));
      return {};
    }
    auto lim = std::ranges::find(from.limits, &a, &RecursionLimits::value_type::first);
    if (lim != from.limits.end() && lim->second <= 0) return {};  // depth reached: nothing
    RecursionLimits limits = from.limits;
    if (lim != from.limits.end()) {
      limits[static_cast<std::size_t>(lim - from.limits.begin())].second -= 1;
    } else if (a.recursion_limit) {
      limits.emplace_back(&a, *a.recursion_limit - 1);
    }
    seen_.insert(target.value);
    return push(target, a.pattern, std::move(limits), true);
  }

  // Pushes a frame for e and reads its datoms (from `datoms` if given, else from the index).
  // Invalidates references to frames.
  Result<void> push(EntityId e, const PullPlanPattern* pattern, RecursionLimits limits, bool in_seen,
                    std::optional<std::span<const Datom>> datoms = std::nullopt) {
    if (depth_ == frames_.size()) frames_.emplace_back();
    Frame& f = frames_[depth_++];
    f.reset(e, pattern, std::move(limits), in_seen);
    for (const PullPlanAttr& a : pattern->db_ids) f.add(a, id_value(e));
    if (auto r = read_forward(f, datoms); !r) return r;
    return read_reverse(f);
  }

  // Puts the values of one attribute into the frame: directly, or as a slot to pull from.
  // Moves out of `values` when `take` (the caller's last use of them).
  void emit(Frame& f, const PullPlanAttr& a, std::vector<Value>& values, bool take) {
    const std::size_t n = std::min(values.size(), limit_of(a));
    if (a.ref && a.pattern) {
      Slot& s = f.add_slot(a);
      const std::size_t count = a.multival ? n : std::min<std::size_t>(n, 1);
      for (std::size_t i = 0; i < count; ++i)
        if (const auto* id = values[i].get_if<EntityId>()) s.targets.push_back(*id);
      return;
    }
    const auto value = [&](std::size_t i) -> Value {
      if (a.ref)
        if (const auto* id = values[i].get_if<EntityId>()) return ref_value(*id);
      return take ? std::move(values[i]) : values[i];
    };
    if (!a.multival) {
      f.add(a, value(0));
      return;
    }
    std::vector<Value> items;
    items.reserve(n);
    for (std::size_t i = 0; i < n; ++i) items.push_back(value(i));
    f.add(a, collection(std::move(items)));
  }

  void emit_default(Frame& f, const PullPlanAttr& a) {
    if (a.default_value) f.add(a, *a.default_value);
  }

  // One attribute's datoms have been gathered in group_: hand them to every spec for it.
  void flush_group(Frame& f, AttrId a, std::size_t& next_spec) {
    const auto& forward = f.pattern->forward;
    while (next_spec < forward.size() && forward[next_spec].attr->id < a) emit_default(f, forward[next_spec++]);
    if (next_spec < forward.size() && forward[next_spec].attr->id == a) {
      std::size_t end = next_spec;
      while (end < forward.size() && forward[end].attr->id == a) ++end;
      for (; next_spec < end; ++next_spec) emit(f, forward[next_spec], group_, next_spec + 1 == end);
    } else if (f.pattern->wildcard) {
      // Every datom's attribute is in the schema (the index layer refuses others).
      if (const PullPlanAttr* w = plan_.wildcard_attr(a)) emit(f, *w, group_, true);
    }
    group_.clear();
  }

  // Reads the frame's forward attributes: one EAVT scan of the entity (of the pattern's
  // attribute range unless it has a wildcard), or the prefetched datoms.
  Result<void> read_forward(Frame& f, std::optional<std::span<const Datom>> prefetched) {
    const PullPlanPattern& p = *f.pattern;
    std::size_t next_spec = 0;
    if (p.wildcard || !p.forward.empty()) {
      const AttrId first = p.wildcard ? AttrId{} : p.forward.front().attr->id;
      const AttrId last = p.wildcard ? AttrId{} : p.forward.back().attr->id;
      AttrId current{};
      // Feeds one datom of f.e in EAVT order; false once past the pattern's last attribute.
      const auto feed = [&](const Datom& d) {
        if (!p.wildcard && d.a > last) return false;
        if (d.a != current && !group_.empty()) flush_group(f, current, next_spec);
        current = d.a;
        group_.push_back(d.v);
        return true;
      };
      if (prefetched) {
        for (const Datom& d : *prefetched)
          if ((p.wildcard || d.a >= first) && !feed(d)) break;
      } else {
        auto cursor = p.wildcard       ? db_.datoms(IndexOrder::Eavt, {.e = f.e})
                      : first == last ? db_.datoms(IndexOrder::Eavt, {.e = f.e, .a = last})
                                      : db_.seek_datoms(IndexOrder::Eavt, {.e = f.e, .a = first});
        if (!cursor) return std::unexpected(cursor.error());
        for (; cursor->valid(); cursor->next())
          if (cursor->datom().e != f.e || !feed(cursor->datom())) break;
        if (auto s = cursor->status(); !s) return std::unexpected(s.error());
      }
      if (!group_.empty()) flush_group(f, current, next_spec);
    }
    for (; next_spec < p.forward.size(); ++next_spec) emit_default(f, p.forward[next_spec]);
    for (const PullPlanAttr& a : p.absent) emit_default(f, a);
    return {};
  }

  Result<void> read_reverse(Frame& f) {
    for (const PullPlanAttr& a : f.pattern->reverse) {
      auto cursor = db_.datoms(IndexOrder::Vaet, {.a = a.attr->id, .v = Value(f.e)});
      if (!cursor) return std::unexpected(cursor.error());
      const std::size_t limit = a.multival ? limit_of(a) : 1;
      for (; cursor->valid() && group_.size() < limit; cursor->next()) group_.emplace_back(cursor->datom().e);
      if (auto s = cursor->status(); !s) return std::unexpected(s.error());
      if (group_.empty()) emit_default(f, a);
      else emit(f, a, group_, true);
      group_.clear();
    }
    return {};
  }

  // The frame's map (keys in Value order; of two entries with one key, the later wins), or nil
  // when it is empty.
  Value finish(Frame& f) {
    auto& entries = f.entries;
    if (entries.empty()) return Value{};
    order_.clear();
    for (std::size_t i = 0; i < entries.size(); ++i)
      order_.push_back(std::uint64_t{entries[i].rank} << 32 | static_cast<std::uint32_t>(i));
    std::ranges::sort(order_);
    Map m;
    m.entries.reserve(order_.size());
    for (std::size_t i = 0; i < order_.size(); ++i) {
      if (i + 1 < order_.size() && order_[i] >> 32 == order_[i + 1] >> 32) continue;
      Entry& entry = entries[order_[i] & 0xffffffffu];
      m.entries.emplace_back(*entry.key, std::move(entry.value));
    }
    return Value(std::move(m));
  }
};

}  // namespace

Result<void> execute_pull(const index::Db& db, const PullPlan& plan, std::span<const EntityId> entities,
                          PullShape shape, std::vector<Value>& out) {
  if (db.is_history())
    return fail(ErrorCode::InvalidArgument, "pull and entity read a database value, not a history database");
  Puller puller(db, plan, shape);
  const bool reads_forward = plan.root->wildcard || !plan.root->forward.empty();
  auto prefetch = reads_forward ? EntityPrefetch::read(db, entities) : EntityPrefetch{};
  if (!prefetch) return std::unexpected(prefetch.error());
  out.reserve(out.size() + entities.size());
  for (EntityId e : entities) {
    auto v = puller.pull(e, prefetch->datoms_of(e));
    if (!v) return std::unexpected(v.error());
    out.push_back(std::move(*v));
  }
  return {};
}

Result<Value> pull(const index::Db& db, const PullPattern& pattern, EntityId e) {
  auto plan = plan_pull(pattern, db.schema_ptr());
  if (!plan) return std::unexpected(plan.error());
  std::vector<Value> out;
  if (auto r = execute_pull(db, **plan, std::span(&e, 1), {}, out); !r) return std::unexpected(r.error());
  return std::move(out.front());
}

Result<Value> pull_many(const index::Db& db, const PullPattern& pattern, std::span<const EntityId> entities) {
  auto plan = plan_pull(pattern, db.schema_ptr());
  if (!plan) return std::unexpected(plan.error());
  Vector out;
  if (auto r = execute_pull(db, **plan, entities, {}, out.items); !r) return std::unexpected(r.error());
  return Value(std::move(out));
}

}  // namespace quarry::query
