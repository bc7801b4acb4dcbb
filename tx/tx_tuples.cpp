// TxBuilder, tuples: typed tuple values, composite tuples kept from their components, and upserts
// through unique composites (see tx/transactor.hpp and doc/transactions.md, "Tuples").
#include <algorithm>
#include <set>

#include "tx/form_text.hpp"
#include "tx/tx_builder.hpp"

namespace quarry::tx::detail {
namespace {

// Inside a tuple an entity is a long (the query layer's convention), so literal tuples such as
// ["x" 5] in queries and lookup refs match what the transactor stores.
Value tuple_element(const Value& v) {
  if (const auto* id = v.get_if<EntityId>()) return static_cast<std::int64_t>(id->value);
  return v;
}

bool element_has_type(const Value& v, index::ValueType t) {
  if (v.is_nil()) return true;
  if (t == index::ValueType::Ref) return v.is<EntityId>() || (v.is<std::int64_t>() && v.as<std::int64_t>() > 0);
  return index::value_has_type(v, t);
}

}  // namespace

Result<void> TxBuilder::check_tuple_value(const index::AttrSchema& a, const Value& v) {
  const auto* vec = v.get_if<Vector>();
  if (!vec) return error(ErrorCode::TxTuple, "value " + form_text(v) + " of tuple attribute " + form_text(a.ident) + " is not a vector");
  const auto& items = vec->items;
  if (!a.tuple_types.empty()) {
    if (items.size() != a.tuple_types.size())
      return error(ErrorCode::TxTuple, "tuple " + form_text(v) + " of " + form_text(a.ident) + " has " +
                                           std::to_string(items.size()) + " elements, but its :db/tupleTypes has " +
                                           std::to_string(a.tuple_types.size()));
    for (std::size_t i = 0; i < items.size(); ++i)
      if (!element_has_type(items[i], a.tuple_types[i]))
        return error(ErrorCode::TxTuple, "element " + std::to_string(i) + " of tuple " + form_text(v) + " is not a " +
                                             form_text(*index::value_type_keyword(a.tuple_types[i])) +
                                             " (:db/tupleTypes of " + form_text(a.ident) + ")");
  } else {
    if (items.size() < 2 || items.size() > 8)
      return error(ErrorCode::TxTuple, "tuple " + form_text(v) + " of " + form_text(a.ident) +
                                           " must have 2 to 8 elements (:db/tupleType)");
    for (const auto& x : items)
      if (!element_has_type(x, a.tuple_type))
        return error(ErrorCode::TxTuple, "element " + form_text(x) + " of tuple " + form_text(v) + " is not a " +
                                             form_text(*index::value_type_keyword(a.tuple_type)) +
                                             " (:db/tupleType of " + form_text(a.ident) + ")");
  }
  return {};
}

Result<Value> TxBuilder::composite_value(EntityId e, const index::AttrSchema& composite) {
  auto s = schema();
  if (!s) return std::unexpected(s.error());
  std::vector<Value> items;
  bool any = false;
  for (const auto& k : composite.tuple_attrs) {
    const index::AttrSchema* component = (*s)->find(k);
    Value element;
    if (component) {
      auto vs = overlay_.values(e, component->id);
      if (!vs) return std::unexpected(vs.error());
      if (!(*vs)->empty()) element = tuple_element((*vs)->front());
    }
    any = any || !element.is_nil();
    items.push_back(std::move(element));
  }
  if (!any) return Value{};
  return Value(Vector{std::move(items)});
}

Result<std::optional<Value>> TxBuilder::map_composite_value(const MapForm& m, const index::AttrSchema& composite) {
  std::vector<Value> items(composite.tuple_attrs.size());
  bool any = false;
  for (const auto& [a, v] : m.attrs) {
    if (a.reverse) continue;
    auto at = std::find(composite.tuple_attrs.begin(), composite.tuple_attrs.end(), a.ident);
    if (at == composite.tuple_attrs.end()) continue;
    auto attr = attribute(a.ident, false);
    if (!attr) return std::unexpected(attr.error());
    if (!*attr) return std::optional<Value>{};
    auto probed = probe(**attr, v);
    if (!probed) return std::unexpected(probed.error());
    if (!*probed) return std::optional<Value>{};
    items[static_cast<std::size_t>(at - composite.tuple_attrs.begin())] = tuple_element(**probed);
    any = true;
  }
  if (!any) return std::optional<Value>{};
  return std::optional<Value>(Value(Vector{std::move(items)}));
}

Result<void> TxBuilder::set_composite(EntityId e, const index::AttrSchema& composite) {
  auto v = composite_value(e, composite);
  if (!v) return std::unexpected(v.error());
  if (v->is_nil()) return overlay_.retract_all(e, composite.id);
  auto added = overlay_.add(e, composite, *v);
  if (!added) return std::unexpected(added.error());
  return {};
}

Result<void> TxBuilder::refresh_composites(EntityId e, AttrId component) {
  auto s = schema();
  if (!s) return std::unexpected(s.error());
  for (AttrId id : (*s)->composites_of(component))
    if (auto ok = set_composite(e, *(*s)->find(id)); !ok) return ok;
  return {};
}

Result<void> TxBuilder::add_composite_key(const TempId& t, const index::AttrSchema& composite, const Value& v) {
  auto given = value(composite, v, Role::Lookup);
  if (!given) return std::unexpected(given.error());
  if (composite.unique == index::Unique::Identity) {
    auto holder = overlay_.holder(composite.id, *given);
    if (!holder) return std::unexpected(holder.error());
    if (*holder) {
      if (auto bound = bind_upsert(t.name, **holder); !bound) return bound;
      entity_used_.insert(t.name);
      given_composites_.push_back(GivenComposite{**holder, composite.id, std::move(*given)});
      return {};
    }
  }
  // A new entity: its components must give this value by the end of the transaction.
  auto id = tempid(t, Role::AddEntity);
  if (!id) return std::unexpected(id.error());
  given_composites_.push_back(GivenComposite{*id, composite.id, std::move(*given)});
  return {};
}

Result<void> TxBuilder::upsert_by_composites() {
  if (!retries_.empty()) return {};  // this attempt is void anyway; the next one looks again
  auto s = schema();
  if (!s) return std::unexpected(s.error());
  std::vector<const index::AttrSchema*> keys;
  for (const auto& attr : (*s)->attrs())
    if (attr.is_composite() && attr.unique == index::Unique::Identity) keys.push_back(&attr);
  if (keys.empty()) return {};
  // Only tempids that got a new entity: one past the basis' max-eid (or a new system id). A tempid
  // bound to an existing entity keeps it; one whose composite only another new entity of this
  // transaction holds is :tx/unique at the end, as two such maps would not be (a map sees the
  // composites of the forms before it).
  std::vector<std::pair<Value, EntityId>> fresh;
  for (const auto& [name, id] : tempids_)
    if (!upserted_.contains(name) &&
        (is_user_entity(id.value) ? id.value > basis_.max_eid() : id.value >= basis_.next_system_id()))
      fresh.emplace_back(name, id);
  std::sort(fresh.begin(), fresh.end(), [](const auto& x, const auto& y) { return x.second < y.second; });
  for (const auto& [name, id] : fresh) {
    for (const index::AttrSchema* key : keys) {
      if (!overlay_.touched(id, key->id)) continue;  // a new entity has only what the forms gave it
      auto now = overlay_.values(id, key->id);
      if (!now) return std::unexpected(now.error());
      if ((*now)->empty()) continue;
      const Value v = (*now)->front();
      auto stored = basis_.find_unique(key->id, v);
      if (!stored) return std::unexpected(stored.error());
      if (!*stored || **stored == id) continue;
      auto theirs = overlay_.values(**stored, key->id);
      if (!theirs) return std::unexpected(theirs.error());
      if (std::find((*theirs)->begin(), (*theirs)->end(), v) == (*theirs)->end()) continue;
      if (auto bound = bind_upsert(name, **stored); !bound) return bound;
      break;
    }
  }
  return {};
}

Result<void> TxBuilder::update_composites() {
  auto s = schema();
  if (!s) return std::unexpected(s.error());
  std::vector<std::pair<EntityId, AttrId>> todo;
  std::set<std::pair<std::uint64_t, std::uint64_t>> seen;
  const auto attrs = (*s)->attrs();
  if (std::any_of(attrs.begin(), attrs.end(), [](const index::AttrSchema& a) { return a.is_composite(); }))
    for (const auto& [e, a] : overlay_.touched_keys())
      for (AttrId composite : (*s)->composites_of(a))
        if (seen.emplace(e.value, composite.value).second) todo.emplace_back(e, composite);
  for (const auto& [e, id] : todo)
    if (auto ok = set_composite(e, *(*s)->find(id)); !ok) return ok;
  for (const auto& given : given_composites_) {
    auto now = overlay_.values(given.e, given.a);
    if (!now) return std::unexpected(now.error());
    if ((*now)->size() != 1 || (*now)->front() != given.v) {
      const auto* attr = (*s)->find(given.a);
      return fail(ErrorCode::TxTuple, "entity " + std::to_string(given.e.value) + " is given " +
                                          form_text(attr->ident) + " " + form_text(given.v) + ", but its components give " +
                                          ((*now)->empty() ? std::string("no value") : form_text((*now)->front())) +
                                          " (a composite tuple is kept from its components; in a map it can only find an entity)");
    }
  }
  return {};
}

}  // namespace quarry::tx::detail
