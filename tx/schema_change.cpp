#include "tx/schema_change.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "tx/form_text.hpp"

namespace quarry::tx {
namespace {

std::string type_name(index::ValueType t) {
  auto k = index::value_type_keyword(t);
  return k ? form_text(*k) : std::string("untyped");
}

std::string entity_text(EntityId e) { return std::to_string(e.value); }

// The values of attribute `a` at the end of the transaction, entity by entity.
Result<std::vector<std::pair<EntityId, std::vector<Value>>>> final_values(const index::Db& basis,
                                                                          Overlay& overlay,
                                                                          AttrId a) {
  std::vector<std::pair<EntityId, std::vector<Value>>> out;
  if (basis.attr_stats(a).datoms > 0) {
    auto cursor = basis.datoms(IndexOrder::Aevt, index::DatomPrefix{.a = a});
    if (!cursor) return std::unexpected(cursor.error());
    for (; cursor->valid(); cursor->next()) {
      const Datom& d = cursor->datom();
      if (overlay.touched(d.e, a)) continue;
      if (out.empty() || out.back().first != d.e) out.emplace_back(d.e, std::vector<Value>{});
      out.back().second.push_back(d.v);
    }
    if (auto s = cursor->status(); !s) return std::unexpected(s.error());
  }
  for (const auto& slot : overlay.touched_slots(a))
    if (!slot.now->empty()) out.emplace_back(slot.e, std::vector<Value>(slot.now->begin(), slot.now->end()));
  return out;
}

std::size_t count_values(const std::vector<std::pair<EntityId, std::vector<Value>>>& values) {
  std::size_t n = 0;
  for (const auto& [e, vs] : values) n += vs.size();
  return n;
}

// Tuple attributes: one of :db/tupleAttrs, :db/tupleTypes, :db/tupleType, on a tuple attribute;
// a composite is cardinality one, over existing cardinality-one attributes that are not tuples, and
// never made of an attribute that has datoms (there is no backfill, as in Datomic). A component
// stays cardinality one and keeps its name while a composite uses it.
Result<void> check_tuples(const index::Db& basis, const index::Schema& before, const index::Schema& after,
                          const index::AttrSchema* old, const index::AttrSchema& neu) {
  const std::string name = form_text(neu.ident);
  const int kinds = (neu.is_composite() ? 1 : 0) + (neu.tuple_types.empty() ? 0 : 1) +
                    (neu.tuple_type != index::ValueType::Any ? 1 : 0);
  if (kinds > 1)
    return fail(ErrorCode::TxSchema, name + " may have only one of :db/tupleAttrs, :db/tupleTypes and :db/tupleType");
  if (kinds == 1 && neu.type != index::ValueType::Tuple && neu.type != index::ValueType::Any)
    return fail(ErrorCode::TxSchema, name + " has tuple schema but is " + type_name(neu.type) +
                                         " (use :db.type/tuple)");
  if (neu.is_composite()) {
    if (neu.many) return fail(ErrorCode::TxSchema, "the composite tuple " + name + " must be :db.cardinality/one");
    for (const auto& k : neu.tuple_attrs) {
      const index::AttrSchema* c = after.find(k);
      if (!c) return fail(ErrorCode::TxSchema, ":db/tupleAttrs of " + name + " names " + form_text(k) + ", which is not an attribute");
      if (c->many)
        return fail(ErrorCode::TxSchema, ":db/tupleAttrs of " + name + " names " + form_text(k) + ", which is :db.cardinality/many");
      if (c->type == index::ValueType::Tuple || c->is_composite())
        return fail(ErrorCode::TxSchema, ":db/tupleAttrs of " + name + " names " + form_text(k) + ", a tuple attribute");
    }
    if ((!old || !old->is_composite()) && basis.attr_stats(neu.id).datoms > 0)
      return fail(ErrorCode::TxSchema, "cannot make " + name + " a composite tuple while it has datoms");
  }
  if (neu.many && !after.composites_of(neu.id).empty())
    return fail(ErrorCode::TxSchema, "cannot make " + name + " :db.cardinality/many: a composite tuple uses it");
  if (old && old->ident != neu.ident && !before.composites_of(neu.id).empty())
    return fail(ErrorCode::TxSchema, "cannot rename " + form_text(old->ident) + ": a composite tuple names it in :db/tupleAttrs");
  return {};
}

Result<void> check_one(const index::Db& basis, Overlay& overlay, const index::Schema& before,
                       const index::Schema& after, const index::AttrSchema* old,
                       const index::AttrSchema* neu, AttrId id) {
  if (!neu) {
    // The attribute lost its :db/ident.
    if (!old) return {};
    auto values = final_values(basis, overlay, id);
    if (!values) return std::unexpected(values.error());
    if (!values->empty()) {
      return fail(ErrorCode::TxSchema, "cannot retract :db/ident of " + form_text(old->ident) +
                                           ": it still has " + std::to_string(count_values(*values)) +
                                           " datoms");
    }
    return {};
  }
  const std::string name = form_text(neu->ident);
  if (auto ok = check_tuples(basis, before, after, old, *neu); !ok) return ok;
  if (neu->component && !neu->is_ref()) {
    return fail(ErrorCode::TxSchema,
                ":db/isComponent requires :db.type/ref, but " + name + " is " + type_name(neu->type));
  }
  const bool type_changed = !old || old->type != neu->type;
  const bool to_one = old && old->many && !neu->many;
  const bool to_unique = neu->unique != index::Unique::None &&
                         (!old || old->unique == index::Unique::None);
  // Values asserted in this transaction before the declaration must also obey a new attribute.
  const bool check_cardinality = to_one || (!old && !neu->many);
  if (!type_changed && !check_cardinality && !to_unique) return {};

  auto values = final_values(basis, overlay, id);
  if (!values) return std::unexpected(values.error());
  if (values->empty()) return {};

  if (type_changed) {
    if (old && old->type != index::ValueType::Any && basis.attr_stats(id).datoms > 0) {
      return fail(ErrorCode::TxSchema, "cannot change :db/valueType of " + name + " from " +
                                           type_name(old->type) + " to " + type_name(neu->type) +
                                           " while it has datoms");
    }
    for (const auto& [e, vs] : *values) {
      for (const auto& v : vs) {
        if (!index::value_has_type(v, neu->type)) {
          return fail(ErrorCode::TxSchema, "cannot make " + name + " " + type_name(neu->type) +
                                               ": entity " + entity_text(e) + " has value " +
                                               form_text(v));
        }
      }
    }
  }
  if (check_cardinality) {
    for (const auto& [e, vs] : *values) {
      if (vs.size() > 1) {
        return fail(ErrorCode::TxSchema, "cannot make " + name +
                                             " :db.cardinality/one: entity " + entity_text(e) +
                                             " has " + std::to_string(vs.size()) + " values");
      }
    }
  }
  if (to_unique) {
    std::unordered_map<Value, EntityId> seen;
    for (const auto& [e, vs] : *values) {
      for (const auto& v : vs) {
        auto [it, inserted] = seen.emplace(v, e);
        if (!inserted && it->second != e) {
          return fail(ErrorCode::TxSchema, "cannot make " + name + " unique: entities " +
                                               entity_text(it->second) + " and " + entity_text(e) +
                                               " both have value " + form_text(v));
        }
      }
    }
  }
  return {};
}

}  // namespace

Result<void> check_schema_changes(const index::Db& basis, Overlay& overlay,
                                  const index::Schema& before, const index::Schema& after,
                                  std::span<const AttrId> changed) {
  for (AttrId id : changed) {
    auto ok = check_one(basis, overlay, before, after, before.find(id), after.find(id), id);
    if (!ok) return ok;
  }
  return {};
}

}  // namespace quarry::tx
