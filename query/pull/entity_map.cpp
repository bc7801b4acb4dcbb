#include "query/pull/entity_map.hpp"

#include <memory>
#include <vector>

#include "query/pull/pull.hpp"
#include "query/pull/pull_pattern.hpp"
#include "query/pull/pull_plan.hpp"

namespace quarry::query {
namespace {

// The :db/ident of e in db's view, if it has one.
Result<std::optional<Keyword>> ident_of(const index::Db& db, EntityId e) {
  auto cursor = db.datoms(IndexOrder::Eavt, {.e = e, .a = index::sys::kIdent});
  if (!cursor) return std::unexpected(cursor.error());
  std::optional<Keyword> out;
  if (cursor->valid())
    if (const auto* k = cursor->datom().v.get_if<Keyword>()) out = *k;
  if (auto s = cursor->status(); !s) return std::unexpected(s.error());
  return out;
}

// `entity` (pull's [*] map) with every {:db/id n} under a ref attribute replaced by n's ident when
// n has one, in component maps too.
Result<Value> refs_as_idents(const index::Db& db, const Value& entity) {
  const auto* m = entity.get_if<Map>();
  if (!m) return entity;
  const Value db_id = Value::keyword("db/id");
  const auto shown = [&](const Value& v) -> Result<Value> {
    const auto* target = v.get_if<Map>();
    if (!target) return v;
    if (target->entries.size() != 1 || target->entries.front().first != db_id) return refs_as_idents(db, v);
    const auto* id = target->entries.front().second.get_if<std::int64_t>();
    if (!id || *id <= 0) return v;
    auto ident = ident_of(db, EntityId{static_cast<std::uint64_t>(*id)});
    if (!ident) return std::unexpected(ident.error());
    return *ident ? Value(**ident) : v;
  };
  std::vector<std::pair<Value, Value>> entries;
  entries.reserve(m->entries.size());
  for (const auto& [key, value] : m->entries) {
    const auto* k = key.get_if<Keyword>();
    const index::AttrSchema* attr = k ? db.schema().find(*k) : nullptr;
    if (!attr || !attr->is_ref()) {
      entries.emplace_back(key, value);
      continue;
    }
    if (const auto* set = value.get_if<Set>()) {
      std::vector<Value> items;
      items.reserve(set->items.size());
      for (const Value& item : set->items) {
        auto v = shown(item);
        if (!v) return std::unexpected(v.error());
        items.push_back(std::move(*v));
      }
      Set out;
      if (!make_set(std::move(items), out))
        return fail(ErrorCode::Internal, "query/pull/entity_map.cpp: two refs of one set show as one ident");
      entries.emplace_back(key, Value(std::move(out)));
      continue;
    }
    auto v = shown(value);
    if (!v) return std::unexpected(v.error());
    entries.emplace_back(key, std::move(*v));
  }
  Map out;
  if (!make_map(std::move(entries), out)) return fail(ErrorCode::Internal, "query/pull/entity_map.cpp: a key twice");
  return Value(std::move(out));
}

}  // namespace

Result<Value> entity_map(const index::Db& db, EntityId e) {
  // [*], parsed once; its plan is cached per schema on the pattern.
  static const std::shared_ptr<const PullPattern> wildcard = [] {
    auto p = parse_pull_pattern(Value(Vector{{Value::symbol("*")}}));
    return p ? *p : nullptr;
  }();
  if (!wildcard) return fail(ErrorCode::Internal, "query/pull/entity_map.cpp: [*] does not parse");
  auto plan = plan_pull(*wildcard, db.schema_ptr());
  if (!plan) return std::unexpected(plan.error());
  std::vector<Value> out;
  if (auto r = execute_pull(db, **plan, std::span(&e, 1), PullShape{.many_as_sets = true, .unlimited = true}, out); !r)
    return std::unexpected(r.error());
  return refs_as_idents(db, out.front());
}

}  // namespace quarry::query
