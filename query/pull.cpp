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
#include "query/pull.hpp"

#include <algorithm>
#include <unordered_set>
#include <utility>
#include <vector>

#include "query/pull_pattern.hpp"
#include "query/pull_plan.hpp"

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

struct Frame {
  EntityId e;
  const PullPlanPattern* pattern = nullptr;
  RecursionLimits limits;
  bool in_seen = false;  // e was added to `seen` when this frame was pushed
  std::vector<std::pair<Value, Value>> entries;
  std::vector<Slot> slots;
  std::size_t slot = 0;  // the slot being filled
};

class Puller {
 public:
  Puller(const index::Db& db, const PullPlan& plan, PullShape shape) : db_(db), plan_(plan), shape_(shape) {}

  Result<Value> pull(EntityId e) {
    stack_.clear();
    seen_.clear();
    if (auto r = push(e, plan_.root, {}, false); !r) return std::unexpected(r.error());
    for (;;) {
      Frame& f = stack_.back();
      if (f.slot < f.slots.size()) {
        Slot& s = f.slots[f.slot];
        if (s.next < s.targets.size()) {
          if (auto r = follow(f, *s.attr, s.targets[s.next++]); !r) return std::unexpected(r.error());
          continue;
        }
        Value v = s.attr->multival ? collection(std::move(s.values))
                  : s.values.empty() ? Value{}
                                     : std::move(s.values.front());
        if (!v.is_nil()) f.entries.emplace_back(s.attr->key, std::move(v));
        ++f.slot;
        continue;
      }
      auto result = finish(f);
      if (!result) return result;
      if (f.in_seen) seen_.erase(f.e.value);
      stack_.pop_back();
      if (stack_.empty()) return result;
      if (!result->is_nil()) {
        Frame& parent = stack_.back();
        parent.slots[parent.slot].values.push_back(std::move(*result));
      }
    }
  }

 private:
  const index::Db& db_;
  const PullPlan& plan_;
  PullShape shape_;
  std::vector<Frame> stack_;
  std::unordered_set<std::uint64_t> seen_;
  std::vector<Value> group_;  // the values of one attribute while scanning an entity

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

  // ref-frame: pull `target` of ref attribute `a` from frame `from` (the stack top).
  Result<void> follow(const Frame& from, const PullPlanAttr& a, EntityId target) {
    if (!a.auto_expanding) return push(target, a.pattern, from.limits, false);
    Slot& slot = stack_.back().slots[stack_.back().slot];
    if (seen_.contains(target.value)) {
      slot.values.push_back(ref_map(target));
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

  // Pushes a frame for e and reads its datoms.
  Result<void> push(EntityId e, const PullPlanPattern* pattern, RecursionLimits limits, bool in_seen) {
    Frame& f = stack_.emplace_back();
    f.e = e;
    f.pattern = pattern;
    f.limits = std::move(limits);
    f.in_seen = in_seen;
    for (const PullPlanAttr& a : pattern->db_ids) f.entries.emplace_back(a.key, id_value(e));
    if (auto r = read_forward(f); !r) return r;
    return read_reverse(f);
  }

  // Puts the values of one attribute into the frame: directly, or as a slot to pull from.
  void emit(Frame& f, const PullPlanAttr& a, std::vector<Value> values) {
    if (values.size() > limit_of(a)) values.resize(limit_of(a));
    if (a.ref && a.pattern) {
      Slot& s = f.slots.emplace_back();
      s.attr = &a;
      s.targets.reserve(values.size());
      for (const Value& v : values)
        if (const auto* id = v.get_if<EntityId>()) s.targets.push_back(*id);
      if (!a.multival && s.targets.size() > 1) s.targets.resize(1);
      return;
    }
    if (a.ref)
      for (Value& v : values)
        if (const auto* id = v.get_if<EntityId>()) v = ref_map(*id);
    if (a.multival) f.entries.emplace_back(a.key, collection(std::move(values)));
    else f.entries.emplace_back(a.key, std::move(values.front()));
  }

  void emit_default(Frame& f, const PullPlanAttr& a) {
    if (a.default_value) f.entries.emplace_back(a.key, *a.default_value);
  }

  // One attribute's datoms have been gathered in group_: hand them to every spec for it.
  void flush_group(Frame& f, AttrId a, std::size_t& next_spec) {
    const auto& forward = f.pattern->forward;
    while (next_spec < forward.size() && forward[next_spec].attr->id < a) emit_default(f, forward[next_spec++]);
    if (next_spec < forward.size() && forward[next_spec].attr->id == a) {
      std::size_t end = next_spec;
      while (end < forward.size() && forward[end].attr->id == a) ++end;
      for (; next_spec < end; ++next_spec) {
        if (next_spec + 1 == end) emit(f, forward[next_spec], std::move(group_));
        else emit(f, forward[next_spec], group_);
      }
    } else if (f.pattern->wildcard) {
      // Every datom's attribute is in the schema (the index layer refuses others).
      if (const PullPlanAttr* w = plan_.wildcard_attr(a)) emit(f, *w, std::move(group_));
    }
    group_.clear();
  }

  Result<void> read_forward(Frame& f) {
    const PullPlanPattern& p = *f.pattern;
    std::size_t next_spec = 0;
    if (p.wildcard || !p.forward.empty()) {
      const bool one_attr = !p.wildcard && p.forward.front().attr->id == p.forward.back().attr->id;
      const AttrId last = p.wildcard ? AttrId{} : p.forward.back().attr->id;
      auto cursor = p.wildcard  ? db_.datoms(IndexOrder::Eavt, {.e = f.e})
                    : one_attr ? db_.datoms(IndexOrder::Eavt, {.e = f.e, .a = last})
                               : db_.seek_datoms(IndexOrder::Eavt, {.e = f.e, .a = p.forward.front().attr->id});
      if (!cursor) return std::unexpected(cursor.error());
      AttrId current{};
      for (; cursor->valid(); cursor->next()) {
        const Datom& d = cursor->datom();
        if (d.e != f.e || (!p.wildcard && d.a > last)) break;
        if (d.a != current && !group_.empty()) flush_group(f, current, next_spec);
        current = d.a;
        group_.push_back(d.v);
      }
      if (auto s = cursor->status(); !s) return std::unexpected(s.error());
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
      else emit(f, a, std::move(group_));
      group_.clear();
    }
    return {};
  }

  // The frame's map, keys sorted (a later entry wins over an earlier one with the same key), or
  // nil when it is empty.
  Result<Value> finish(Frame& f) {
    if (f.entries.empty()) return Value{};
    auto& entries = f.entries;
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& x, const auto& y) { return compare(x.first, y.first) < 0; });
    std::size_t out = 0;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (out > 0 && entries[out - 1].first == entries[i].first) entries[out - 1] = std::move(entries[i]);
      else if (out++ != i) entries[out - 1] = std::move(entries[i]);
    }
    entries.resize(out);
    Map m;
    m.entries = std::move(entries);
    return Value(std::move(m));
  }
};

}  // namespace

Result<void> execute_pull(const index::Db& db, const PullPlan& plan, std::span<const EntityId> entities,
                          PullShape shape, std::vector<Value>& out) {
  if (db.is_history())
    return fail(ErrorCode::InvalidArgument, "pull and entity read a database value, not a history database");
  Puller puller(db, plan, shape);
  out.reserve(out.size() + entities.size());
  for (EntityId e : entities) {
    auto v = puller.pull(e);
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
