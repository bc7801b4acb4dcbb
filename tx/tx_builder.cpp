#include "tx/tx_builder.hpp"

#include <algorithm>

#include "tx/form_text.hpp"
#include "tx/schema_change.hpp"

namespace quarry::tx::detail {
namespace {

namespace sys = index::sys;

bool is_ident_attr(const AttrRef& a) {
  return !a.reverse && a.ident.ns == "db" && a.ident.name == "ident";
}

void scan_map_for_ident_tempids(const MapForm& m, std::unordered_set<Value>& out);

void scan_value_for_ident_tempids(const Value& v, std::unordered_set<Value>& out) {
  if (v.is<Map>()) {
    auto parsed = parse_tx_form(v);
    if (parsed) scan_map_for_ident_tempids(std::get<MapForm>(parsed->body), out);
  } else if (auto vec = v.get_if<Vector>()) {
    for (const auto& x : vec->items)
      if (x.is<Map>()) scan_value_for_ident_tempids(x, out);
  }
}

void scan_map_for_ident_tempids(const MapForm& m, std::unordered_set<Value>& out) {
  bool has_ident = false;
  for (const auto& [a, v] : m.attrs) {
    has_ident = has_ident || is_ident_attr(a);
    scan_value_for_ident_tempids(v, out);
  }
  if (has_ident && m.id)
    if (auto t = std::get_if<TempId>(&*m.id)) out.insert(t->name);
}

bool map_has_ident(const MapForm& m) {
  return std::any_of(m.attrs.begin(), m.attrs.end(), [](const auto& kv) { return is_ident_attr(kv.first); });
}

std::string id_text(EntityId e) { return std::to_string(e.value); }

}  // namespace

std::unordered_set<Value> ident_tempids(std::span<const TxForm> forms) {
  std::unordered_set<Value> out;
  for (const auto& f : forms) {
    if (auto m = std::get_if<MapForm>(&f.body)) {
      scan_map_for_ident_tempids(*m, out);
    } else if (auto l_ptr = std::get_if<ListForm>(&f.body)) {
      const auto& l = *l_ptr;
      if (l.op == OpKind::Add && is_ident_attr(l.a))
        if (auto t = std::get_if<TempId>(&l.e)) out.insert(t->name);
    }
  }
  return out;
}

TxBuilder::TxBuilder(const index::Db& basis, const TxOptions& options, const TempidMap& prebound,
                     const std::unordered_set<Value>& ident_tempids)
    : basis_(basis),
      options_(options),
      ident_tempids_(ident_tempids),
      tx_(basis.next_tx()),
      next_eid_(basis.max_eid() + 1),
      next_system_id_(basis.next_system_id()),
      overlay_(basis, options.stored_max_eid.value_or(basis.max_eid())),
      tempids_(prebound),
      schema_(basis.schema_ptr()) {
  for (const auto& [name, id] : prebound) upserted_.insert(name);
}

// ---------------------------------------------------------------------------------------------
// Errors

std::unexpected<Error> TxBuilder::error(ErrorCode code, std::string what) const {
  if (form_) what += " in " + form_text(form_value(*form_));
  if (!calls_.empty()) what += " (returned by " + form_text(form_value(*calls_.front())) + ")";
  return fail(code, std::move(what));
}

std::string TxBuilder::datom_text(EntityId e, AttrId a, const Value& v) {
  Value attr = static_cast<std::int64_t>(a.value);
  if (auto s = schema(); s)
    if (auto found = (*s)->find(a)) attr = found->ident;
  return "[" + id_text(e) + " " + form_text(attr) + " " + form_text(v) + "]";
}

// ---------------------------------------------------------------------------------------------
// Schema

Result<const index::Schema*> TxBuilder::schema() {
  if (schema_dirty_) {
    auto changes = overlay_.changes_of(schema_slots_, tx_);
    auto next = basis_.schema().with(changes);
    if (!next) return error(ErrorCode::TxSchema, next.error().message);
    retired_.push_back(std::move(schema_));
    schema_ = std::move(*next);
    schema_dirty_ = false;
  }
  return schema_.get();
}

Result<const index::AttrSchema*> TxBuilder::attribute(const Keyword& ident, bool create) {
  auto s = schema();
  if (!s) return std::unexpected(s.error());
  if (*s != found_in_) {
    found_.clear();
    found_in_ = *s;
  }
  for (const auto& [known, attr] : found_)
    if (known.name == ident.name && known.ns == ident.ns) return attr;
  if (auto found = (*s)->find(ident)) {
    if (found_.size() < kFoundAttrs) found_.emplace_back(ident, found);
    return found;
  }
  if (!create) return nullptr;
  if (options_.strict_schema) {
    return error(ErrorCode::TxUnknownAttribute,
                 "unknown attribute " + form_text(ident) + " (strict schema: declare it first)");
  }
  if (ident.ns == "db" || ident.ns.starts_with("db.")) {
    return error(ErrorCode::TxUnknownAttribute, "unknown attribute " + form_text(ident) +
                                                    " (the :db namespaces are reserved)");
  }
  // An ident held by an ordinary entity (an enum value) is no attribute: say so, rather than fail
  // later on the ident's uniqueness.
  auto holder = overlay_.holder(sys::kIdent, Value(ident));
  if (!holder) return std::unexpected(holder.error());
  if (*holder)
    return error(ErrorCode::TxSchema, form_text(ident) + " names entity " + id_text(**holder) +
                                          ", which is not an attribute (attributes are entities of the "
                                          "system partition: declare one with a tempid or a map)");
  // Created on first use: cardinality one, no type (DataScript's behaviour).
  EntityId id = allocate(true);
  const index::AttrSchema* ident_attr = (*s)->find(sys::kIdent);
  auto added = add_datom(id, *ident_attr, Value(ident));
  if (!added) return std::unexpected(added.error());
  s = schema();
  if (!s) return std::unexpected(s.error());
  return (*s)->find(ident);
}

// Datoms about attributes: values must be valid schema values, built-ins are fixed, and schema
// attributes other than :db/ident only make sense on system entities.
Result<void> TxBuilder::guard_schema_datom(EntityId e, const index::AttrSchema& a, const Value* v) {
  if (!index::Schema::is_schema_attr(a.id)) return {};
  if (!is_system_entity(e.value)) {
    if (a.id == sys::kIdent) return {};  // an ident on a user entity (e.g. an enum value)
    return error(ErrorCode::TxSchema, form_text(a.ident) + " on entity " + id_text(e) +
                                          ": attributes are entities of the system partition "
                                          "(use a tempid with :db/ident)");
  }
  if (e.value < sys::kFirstUserSystemId)
    return error(ErrorCode::TxSchema, "the built-in attributes cannot be changed");
  if (v) {
    const auto* k = v->get_if<Keyword>();
    bool ok = true;
    if (a.id == sys::kValueType) ok = k && index::value_type_from_keyword(*k).has_value();
    if (a.id == sys::kCardinality) ok = k && index::cardinality_many_from_keyword(*k).has_value();
    if (a.id == sys::kUnique) ok = k && index::unique_from_keyword(*k).has_value();
    if (!ok) return error(ErrorCode::TxSchema, "invalid value " + form_text(*v) + " for " + form_text(a.ident));
  }
  schema_dirty_ = true;
  schema_slots_.emplace_back(e, a.id);
  return {};
}

// ---------------------------------------------------------------------------------------------
// Entities

EntityId TxBuilder::allocate(bool system) {
  if (system) return EntityId{next_system_id_++};
  if (next_eid_ <= kMaxUserEntity) return EntityId{next_eid_++};
  // Past max-eid the partition is used up — typically by an explicit id near its top. New entities
  // then take the lowest ids no entity has (scanning up from the last one taken), so that one such
  // id does not make every later new entity fail.
  for (; reuse_next_ <= kMaxUserEntity; ++reuse_next_) {
    const EntityId candidate{reuse_next_};
    auto attrs = overlay_.attributes(candidate);
    if (!attrs || !attrs->empty()) continue;
    auto referrers = overlay_.referrers(candidate);
    if (!referrers || !referrers->empty()) continue;
    ++reuse_next_;
    return candidate;
  }
  user_partition_full_ = true;  // reported by finish()
  return EntityId{next_eid_++};
}

Result<EntityId> TxBuilder::checked_id(EntityId id, Role role) {
  const auto n = id.value;
  if (is_user_entity(n)) return id;
  if (n >= kTx0 && n <= tx_.value) return id;
  if (is_system_entity(n) && n < next_system_id_) return id;
  if (is_system_entity(n) && role == Role::Value) return id;
  return error(ErrorCode::TxEntityId,
               "entity id " + id_text(id) + " is outside the user partition (1.." +
                   std::to_string(kMaxUserEntity) + "), not a past transaction and not an existing "
                   "system entity");
}

Result<EntityId> TxBuilder::tempid(const TempId& t, Role role) {
  if (role == Role::Entity || role == Role::Lookup) {
    return error(ErrorCode::TxTempid,
                 "tempid " + form_text(t.name) + " cannot be used here: tempids are allowed in "
                 ":db/add and map forms only");
  }
  (role == Role::Value ? value_used_ : entity_used_).insert(t.name);
  if (auto it = tempids_.find(t.name); it != tempids_.end()) return it->second;
  EntityId id = allocate(ident_tempids_.contains(t.name));
  tempids_.emplace(t.name, id);
  return id;
}

Result<EntityId> TxBuilder::lookup(const LookupRef& ref) {
  auto a = attribute(ref.attr, false);
  if (!a) return std::unexpected(a.error());
  Value shown = Vector{{Value(ref.attr), ref.value}};
  if (!*a || (*a)->unique == index::Unique::None) {
    return error(ErrorCode::TxLookupRef,
                 "lookup ref attribute should be marked as :db/unique: " + form_text(shown));
  }
  auto v = value(**a, ref.value, Role::Lookup);
  if (!v) return std::unexpected(v.error());
  auto holder = overlay_.holder((*a)->id, *v);
  if (!holder) return std::unexpected(holder.error());
  if (!*holder) return error(ErrorCode::TxLookupRef, "nothing found for lookup ref " + form_text(shown));
  return **holder;
}

Result<EntityId> TxBuilder::entity(const EntityRef& ref, Role role) {
  struct Visit {
    TxBuilder& b;
    Role role;
    Result<EntityId> operator()(EntityId id) const { return b.checked_id(id, role); }
    Result<EntityId> operator()(const TempId& t) const { return b.tempid(t, role); }
    Result<EntityId> operator()(const LookupRef& l) const { return b.lookup(l); }
    Result<EntityId> operator()(const CurrentTx& c) const {
      b.current_tx_names_.push_back(c.name);
      return EntityId{b.tx_.value};
    }
    Result<EntityId> operator()(const Ident& i) const {
      auto holder = b.overlay_.holder(index::sys::kIdent, Value(i.ident));
      if (!holder) return std::unexpected(holder.error());
      if (!*holder) return b.error(ErrorCode::TxEntityId, "unknown ident " + form_text(i.ident));
      return **holder;
    }
  };
  return std::visit(Visit{*this, role}, ref);
}

Result<void> TxBuilder::bind_upsert(const Value& t, EntityId id) {
  auto it = tempids_.find(t);
  if (it == tempids_.end()) {
    tempids_.emplace(t, id);
    upserted_.insert(t);
    return {};
  }
  if (it->second == id) return {};
  if (!upserted_.contains(t)) {
    // The tempid got a new id earlier in this attempt: the attempt must be re-run with it bound to
    // `id`. Go on with it re-bound to find other such tempids in the same pass.
    retries_.push_back(Retry{t, id});
    it->second = id;
    upserted_.insert(t);
    return {};
  }
  return error(ErrorCode::TxUpsert, "conflicting upsert: " + form_text(t) + " resolves both to " +
                                        id_text(it->second) + " and " + id_text(id));
}

// e of [:db/add e a v]: a tempid upserts through an identity attribute.
Result<EntityId> TxBuilder::add_entity(const EntityRef& ref, const index::AttrSchema& a,
                                       const Value& v) {
  const auto* t = std::get_if<TempId>(&ref);
  if (t && a.unique == index::Unique::Identity) {
    auto probed = probe(a, v);
    if (!probed) return std::unexpected(probed.error());
    if (*probed) {
      auto holder = overlay_.holder(a.id, **probed);
      if (!holder) return std::unexpected(holder.error());
      if (*holder) {
        auto bound = bind_upsert(t->name, **holder);
        if (!bound) return std::unexpected(bound.error());
        entity_used_.insert(t->name);
        return **holder;
      }
    }
  }
  return entity(ref, Role::AddEntity);
}

// ---------------------------------------------------------------------------------------------
// Values

// The form is only the context of an error's message: built then, not for every value (it was a
// tenth of an import's instructions).
Result<EntityRef> TxBuilder::entity_ref_in_form(const Value& v) const {
  auto ref = parse_entity_ref(v, v);
  if (ref || !form_) return ref;
  return parse_entity_ref(v, form_value(*form_));
}

Result<Value> TxBuilder::value(const index::AttrSchema& a, const Value& v, Role role) {
  if (a.is_ref()) {
    if (v.is<Map>()) return error(ErrorCode::TxType, "a nested map is only allowed in :db/add and map forms");
    auto ref = entity_ref_in_form(v);
    if (!ref) {
      return error(ErrorCode::TxType, "value " + form_text(v) + " of ref attribute " +
                                          form_text(a.ident) + " is not an entity id, tempid, ident or lookup ref");
    }
    auto id = entity(*ref, role);
    if (!id) return std::unexpected(id.error());
    return Value(*id);
  }
  if (!v.is_storable()) {
    return error(ErrorCode::TxType, "value " + form_text(v) + " of attribute " + form_text(a.ident) +
                                        " cannot be stored");
  }
  if (!a.tuple_types.empty() || a.tuple_type != index::ValueType::Any) {
    auto ok = check_tuple_value(a, v);
    if (!ok) return std::unexpected(ok.error());
  }
  if (!index::value_has_type(v, a.type)) {
    auto type = index::value_type_keyword(a.type);
    return error(ErrorCode::TxType, "value " + form_text(v) + " does not match " +
                                        (type ? form_text(*type) : std::string("the type")) +
                                        " of attribute " + form_text(a.ident));
  }
  return v;
}

Result<std::optional<Value>> TxBuilder::probe(const index::AttrSchema& a, const Value& v) {
  if (a.is_ref() && !v.is<Map>()) {
    auto ref = parse_entity_ref(v, v);
    if (ref) {
      if (auto t = std::get_if<TempId>(&*ref)) {
        auto it = tempids_.find(t->name);
        if (it == tempids_.end()) return std::nullopt;
        return Value(it->second);
      }
    }
  } else if (a.is_ref()) {
    return std::nullopt;
  }
  auto resolved = value(a, v, Role::Lookup);
  if (!resolved) return std::unexpected(resolved.error());
  return std::optional<Value>(std::move(*resolved));
}

// A map value or reverse-attribute value that stands for several values: a set, or a vector/list
// that is not a single lookup ref or tuple.
std::vector<Value> TxBuilder::values_of(const index::AttrSchema& a, const Value& v) const {
  if (!a.many) return {v};
  if (auto set = v.get_if<Set>()) return set->items;
  const std::vector<Value>* items = nullptr;
  if (auto vec = v.get_if<Vector>()) items = &vec->items;
  if (auto list = v.get_if<List>()) items = &list->items;
  if (!items) return {v};
  if (a.is_ref() && looks_like_lookup_ref(v)) return {v};
  if (a.type == index::ValueType::Tuple &&
      !std::all_of(items->begin(), items->end(), [](const Value& x) { return x.is<Vector>(); }))
    return {v};
  return *items;
}

// ---------------------------------------------------------------------------------------------
// Datoms

Result<void> TxBuilder::add_datom(EntityId e, const index::AttrSchema& a, const Value& v) {
  if (a.is_composite())
    return error(ErrorCode::TxTuple, "cannot assert the composite tuple " + form_text(a.ident) +
                                         " directly: the transactor keeps it from its :db/tupleAttrs");
  if (a.id == sys::kEnsure) {
    // Virtual: names the spec to check the entity against at the end; never stored.
    const auto* spec = v.get_if<EntityId>();
    if (!spec) return error(ErrorCode::TxType, ":db/ensure takes an entity spec (its ident)");
    ensures_.emplace_back(e, *spec);
    return {};
  }
  auto guarded = guard_schema_datom(e, a, &v);
  if (!guarded) return guarded;
  if (is_user_entity(e.value) && e.value >= next_eid_) next_eid_ = e.value + 1;
  // Two values of a cardinality-one attribute asserted for one entity by one transaction are a
  // conflict, as in Datomic (replacing a value the database had is not).
  if (!a.many)
    if (const Value* earlier = overlay_.asserted_other_than(e, a.id, v))
      return error(ErrorCode::TxConflict, "conflict: " + datom_text(e, a.id, *earlier) + " and " +
                                              datom_text(e, a.id, v) + " both asserted, but " +
                                              form_text(a.ident) + " has cardinality one");
  auto added = overlay_.add(e, a, v);
  if (!added) return std::unexpected(added.error());
  return refresh_composites(e, a.id);
}

Result<void> TxBuilder::assert_value(EntityId e, const index::AttrSchema& a, const Value& v) {
  Value resolved;
  if (a.is_ref() && v.is<Map>()) {
    auto nested = parse_tx_form(v, form_ ? form_->index : 0);
    if (!nested) return std::unexpected(nested.error());
    auto id = map_entity(std::get<MapForm>(nested->body));
    if (!id) return std::unexpected(id.error());
    resolved = Value(*id);
  } else {
    auto r = value(a, v, Role::Value);
    if (!r) return std::unexpected(r.error());
    resolved = std::move(*r);
  }
  return add_datom(e, a, resolved);
}

Result<void> TxBuilder::add(const EntityRef& e, const AttrRef& a, const Value& v) {
  auto attr = attribute(a.ident, true);
  if (!attr) return std::unexpected(attr.error());
  // [:db/add tempid composite v] finds (or makes) the entity, as the composite does in a map.
  if ((*attr)->is_composite() && !a.reverse)
    if (const auto* t = std::get_if<TempId>(&e)) return add_composite_key(*t, **attr, v);
  if (a.reverse) {
    // [:db/add e :_a v] is [:db/add v :a e].
    if (!(*attr)->is_ref()) {
      return error(ErrorCode::TxSyntax, "reverse attribute " + form_text(written_name(a)) +
                                            " requires " + form_text(a.ident) + " to be :db.type/ref");
    }
    auto target = entity(e, Role::Value);
    if (!target) return std::unexpected(target.error());
    if (v.is<Map>()) {
      auto nested = parse_tx_form(v, form_ ? form_->index : 0);
      if (!nested) return std::unexpected(nested.error());
      auto source = map_entity(std::get<MapForm>(nested->body));
      if (!source) return std::unexpected(source.error());
      return add_datom(*source, **attr, Value(*target));
    }
    auto source_ref = entity_ref_in_form(v);
    if (!source_ref) return std::unexpected(source_ref.error());
    auto source = entity(*source_ref, Role::AddEntity);
    if (!source) return std::unexpected(source.error());
    return add_datom(*source, **attr, Value(*target));
  }
  // A tempid value gets its id before a tempid entity, as in DataScript: [:db/add "x" :ref "y"]
  // allocates "y" first.
  if ((*attr)->is_ref() && (v.is<std::string>() || v.is<std::int64_t>())) {
    auto ref = parse_entity_ref(v, v);
    if (ref && std::holds_alternative<TempId>(*ref)) {
      auto allocated = entity(*ref, Role::Value);
      if (!allocated) return std::unexpected(allocated.error());
    }
  }
  auto id = add_entity(e, **attr, v);
  if (!id) return std::unexpected(id.error());
  return assert_value(*id, **attr, v);
}

Result<void> TxBuilder::map_entry(EntityId e, const AttrRef& a, const Value& v) {
  if (!a.reverse) {
    auto attr = attribute(a.ident, true);
    if (!attr) return std::unexpected(attr.error());
    if ((*attr)->is_composite()) {
      // Only as an upsert key (map_entity): it must match what the components give at the end.
      auto given = value(**attr, v, Role::Lookup);
      if (!given) return std::unexpected(given.error());
      given_composites_.push_back(GivenComposite{e, (*attr)->id, std::move(*given)});
      return {};
    }
    if (!(*attr)->many) return assert_value(e, **attr, v);  // values_of would copy v into a vector
    for (const auto& x : values_of(**attr, v)) {
      auto ok = assert_value(e, **attr, x);
      if (!ok) return ok;
    }
    return {};
  }
  // Reverse: each value is an entity (or nested map) that refers to e.
  std::vector<Value> sources;
  const std::vector<Value>* items = nullptr;
  if (auto vec = v.get_if<Vector>()) items = &vec->items;
  if (auto list = v.get_if<List>()) items = &list->items;
  if (items && !looks_like_lookup_ref(v)) sources = *items;
  else sources = {v};
  for (const auto& s : sources) {
    auto ok = add(EntityId{e}, a, s);
    if (!ok) return ok;
  }
  return {};
}

Result<EntityId> TxBuilder::map_entity(const MapForm& m) {
  std::optional<EntityId> explicit_id;
  const TempId* temp = nullptr;
  if (m.id) {
    if (auto t = std::get_if<TempId>(&*m.id)) {
      temp = t;
    } else {
      auto id = entity(*m.id, Role::AddEntity);
      if (!id) return std::unexpected(id.error());
      explicit_id = *id;
    }
  }

  // Upsert: the identity attributes of the map must agree on one existing entity.
  std::optional<EntityId> upserted;
  Value upsert_key;
  // Every upsert key of the map must find the same entity.
  auto agree = [&](EntityId holder, Value key) -> Result<void> {
    if (upserted && *upserted != holder)
      return error(ErrorCode::TxUpsert, "conflicting upserts: " + form_text(upsert_key) + " resolves to " +
                                            id_text(*upserted) + ", but " + form_text(key) + " resolves to " +
                                            id_text(holder));
    if (!upserted) {
      upserted = holder;
      upsert_key = std::move(key);
    }
    return {};
  };
  for (const auto& [a, v] : m.attrs) {
    if (a.reverse) continue;
    auto attr = attribute(a.ident, false);
    if (!attr) return std::unexpected(attr.error());
    if (!*attr || (*attr)->unique != index::Unique::Identity) continue;
    for (const auto& x : values_of(**attr, v)) {
      auto probed = probe(**attr, x);
      if (!probed) return std::unexpected(probed.error());
      if (!*probed) continue;
      auto holder = overlay_.holder((*attr)->id, **probed);
      if (!holder) return std::unexpected(holder.error());
      if (!*holder) continue;
      if (auto ok = agree(**holder, Vector{{Value(a.ident), x}}); !ok) return std::unexpected(ok.error());
    }
  }

  // Upsert through a unique identity composite whose components the map gives (only for a map
  // whose entity is not known otherwise: with an id, the other components are the entity's own).
  const bool unbound = !explicit_id && (!temp || !tempids_.contains(temp->name));
  if (unbound) {
    auto s = schema();
    if (!s) return std::unexpected(s.error());
    for (const auto& attr : (*s)->attrs()) {
      if (!attr.is_composite() || attr.unique != index::Unique::Identity) continue;
      auto tuple = map_composite_value(m, attr);
      if (!tuple) return std::unexpected(tuple.error());
      if (!*tuple) continue;
      auto holder = overlay_.holder(attr.id, **tuple);
      if (!holder) return std::unexpected(holder.error());
      if (!*holder) continue;
      if (auto ok = agree(**holder, Vector{{Value(attr.ident), **tuple}}); !ok) return std::unexpected(ok.error());
    }
  }

  EntityId e;
  if (upserted) {
    if (explicit_id && *explicit_id != *upserted) {
      return error(ErrorCode::TxUpsert, "conflicting upsert: " + form_text(upsert_key) + " resolves to " +
                                            id_text(*upserted) + ", but entity already has :db/id " +
                                            id_text(*explicit_id));
    }
    if (temp) {
      auto bound = bind_upsert(temp->name, *upserted);
      if (!bound) return std::unexpected(bound.error());
      entity_used_.insert(temp->name);
    }
    e = *upserted;
  } else if (explicit_id) {
    e = *explicit_id;
  } else if (temp) {
    auto id = tempid(*temp, Role::AddEntity);
    if (!id) return std::unexpected(id.error());
    e = *id;
  } else {
    e = allocate(map_has_ident(m));
  }

  for (const auto& [a, v] : m.attrs) {
    auto ok = map_entry(e, a, v);
    if (!ok) return std::unexpected(ok.error());
  }
  return e;
}

Result<void> TxBuilder::retract(const ListForm& f) {
  if (f.a.reverse) {
    // [:db/retract e :_a v] is [:db/retract v :a e].
    auto v_ref = entity_ref_in_form(f.v);
    if (!v_ref) return std::unexpected(v_ref.error());
    ListForm flipped{OpKind::Retract, *v_ref, AttrRef{f.a.ident, false}, entity_ref_value(f.e), {}};
    return retract(flipped);
  }
  auto e = entity(f.e, Role::Entity);
  if (!e) return std::unexpected(e.error());
  auto attr = attribute(f.a.ident, false);
  if (!attr) return std::unexpected(attr.error());
  if (!*attr) return {};  // an unknown attribute has nothing to retract
  if ((*attr)->is_composite())
    return error(ErrorCode::TxTuple, "cannot retract the composite tuple " + form_text((*attr)->ident) +
                                         " directly: retract its components");
  auto guarded = guard_schema_datom(*e, **attr, nullptr);
  if (!guarded) return guarded;
  if (f.op == OpKind::RetractAttribute) {
    if (auto ok = overlay_.retract_all(*e, (*attr)->id); !ok) return ok;
    return refresh_composites(*e, (*attr)->id);
  }
  auto v = value(**attr, f.v, Role::Lookup);
  if (!v) return std::unexpected(v.error());
  auto removed = overlay_.retract(*e, (*attr)->id, *v);
  if (!removed) return std::unexpected(removed.error());
  return refresh_composites(*e, (*attr)->id);
}

Result<void> TxBuilder::retract_entity(EntityId root) {
  std::vector<EntityId> pending{root};
  std::unordered_set<std::uint64_t> seen{root.value};
  while (!pending.empty()) {
    EntityId e = pending.back();
    pending.pop_back();
    auto attrs = overlay_.attributes(e);
    if (!attrs) return std::unexpected(attrs.error());
    for (AttrId a : *attrs) {
      auto s = schema();
      if (!s) return std::unexpected(s.error());
      const index::AttrSchema* attr = (*s)->find(a);
      if (attr) {
        auto guarded = guard_schema_datom(e, *attr, nullptr);
        if (!guarded) return guarded;
        if (attr->component) {
          auto vs = overlay_.values(e, a);
          if (!vs) return std::unexpected(vs.error());
          for (const auto& v : **vs)
            if (auto child = v.get_if<EntityId>(); child && seen.insert(child->value).second)
              pending.push_back(*child);
        }
      }
      auto cleared = overlay_.retract_all(e, a);
      if (!cleared) return cleared;
    }
    auto refs = overlay_.referrers(e);
    if (!refs) return std::unexpected(refs.error());
    for (const auto& [re, ra] : *refs) {
      auto removed = overlay_.retract(re, ra, Value(e));
      if (!removed) return std::unexpected(removed.error());
    }
  }
  return {};
}

Result<void> TxBuilder::cas(const ListForm& f) {
  auto e = entity(f.e, Role::Entity);
  if (!e) return std::unexpected(e.error());
  auto attr = attribute(f.a.ident, true);
  if (!attr) return std::unexpected(attr.error());
  std::optional<Value> expected;
  if (!f.v.is_nil()) {
    auto v = value(**attr, f.v, Role::Lookup);
    if (!v) return std::unexpected(v.error());
    expected = std::move(*v);
  }
  auto now = overlay_.values(*e, (*attr)->id);
  if (!now) return std::unexpected(now.error());
  const auto& current = **now;
  bool ok;
  if ((*attr)->many) {
    ok = expected ? std::find(current.begin(), current.end(), *expected) != current.end() : current.empty();
  } else {
    ok = expected ? (current.size() == 1 && current[0] == *expected) : current.empty();
  }
  if (!ok) {
    std::string found = current.empty() ? std::string("no value")
                                        : "datom " + datom_text(*e, (*attr)->id, current[0]);
    return error(ErrorCode::TxCas, ":db/cas failed on " + found + ", expected " +
                                       (expected ? form_text(*expected) : std::string("no value")));
  }
  auto v = value(**attr, f.new_v, Role::Lookup);
  if (!v) return std::unexpected(v.error());
  return add_datom(*e, **attr, *v);
}

Result<void> TxBuilder::list_form(const ListForm& f) {
  switch (f.op) {
    case OpKind::Add: return add(f.e, f.a, f.v);
    case OpKind::Retract:
    case OpKind::RetractAttribute: return retract(f);
    case OpKind::RetractEntity: {
      auto e = entity(f.e, Role::Entity);
      if (!e) return std::unexpected(e.error());
      return retract_entity(*e);
    }
    case OpKind::Cas: return cas(f);
  }
  return {};
}

Result<void> TxBuilder::run(std::span<const TxForm> forms) {
  if (auto ok = run_forms(forms, 0); !ok) return ok;
  return upsert_by_composites();
}

Result<void> TxBuilder::run_forms(std::span<const TxForm> forms, int depth) {
  // One slot per map entry or list form, and room for the few finish() adds (the tx instant, new
  // attributes' cardinalities): growing the slots past the estimate moves every slot once.
  std::size_t estimate = 64;
  for (const auto& f : forms)
    estimate += std::holds_alternative<MapForm>(f.body) ? std::get<MapForm>(f.body).attrs.size() : 1;
  if (depth == 0) overlay_.reserve(estimate);
  for (const auto& f : forms) {
    form_ = &f;
    Result<void> ok;
    if (auto m = std::get_if<MapForm>(&f.body)) {
      auto e = map_entity(*m);
      if (!e) ok = std::unexpected(e.error());
    } else if (auto c = std::get_if<CallForm>(&f.body)) {
      ok = call(*c, depth);
    } else {
      ok = list_form(std::get<ListForm>(f.body));
    }
    if (!ok) return ok;
  }
  form_ = nullptr;
  return {};
}

// A transaction function call: the function sees the database before the transaction; its tx-data
// runs here, in place of the call.
Result<void> TxBuilder::call(const CallForm& c, int depth) {
  const TxForm* call_form = form_;
  std::optional<Result<Value>> returned;
  if (options_.hooks && options_.hooks->call_function)
    returned = options_.hooks->call_function(c.fn, basis_, c.args);
  if (!returned)
    return error(ErrorCode::TxFunction, "unknown transaction function " + form_text(c.fn) +
                                            " (register it with Database::register_tx_function)");
  if (!*returned) {
    Error e = returned->error();
    e.message = "transaction function " + form_text(c.fn) + " failed: " + e.message;
    return std::unexpected(std::move(e));
  }
  if (depth + 1 >= kMaxCallDepth)
    return error(ErrorCode::TxFunction, "transaction function calls nest deeper than " +
                                            std::to_string(kMaxCallDepth));
  auto forms = parse_tx_data(**returned);
  if (!forms)
    return error(ErrorCode::TxFunction, "transaction function " + form_text(c.fn) +
                                            " returned what is not tx-data: " + forms.error().message);
  for (auto& name : ident_tempids(*forms)) ident_tempids_.insert(name);
  expansions_.push_back(std::move(*forms));
  calls_.push_back(call_form);
  auto ran = run_forms(expansions_.back(), depth + 1);
  calls_.pop_back();
  form_ = call_form;
  return ran;
}

// ---------------------------------------------------------------------------------------------
// Finishing

Result<void> TxBuilder::check_unique(const std::vector<Datom>& datoms) {
  auto s = schema();
  if (!s) return std::unexpected(s.error());
  std::unordered_map<std::pair<std::uint64_t, Value>, EntityId,
                     decltype([](const std::pair<std::uint64_t, Value>& k) {
                       return hash_value(k.second) ^ std::hash<std::uint64_t>{}(k.first);
                     })>
      asserted;
  // The schema's unique attributes (few), sorted: cheaper to search per datom than the schema.
  std::vector<AttrId> unique_attrs;
  for (const auto& a : (*s)->attrs())
    if (a.unique != index::Unique::None) unique_attrs.push_back(a.id);
  std::sort(unique_attrs.begin(), unique_attrs.end());
  for (const auto& d : datoms) {
    if (!d.added) continue;
    if (!std::binary_search(unique_attrs.begin(), unique_attrs.end(), d.a)) continue;
    auto [it, inserted] = asserted.emplace(std::pair{d.a.value, d.v}, d.e);
    if (!inserted && it->second != d.e) {
      return fail(ErrorCode::TxUnique, "cannot add " + datom_text(d.e, d.a, d.v) +
                                           " because of unique constraint: " +
                                           datom_text(it->second, d.a, d.v) + " is also asserted");
    }
    auto stored = basis_.find_unique(d.a, d.v);
    if (!stored) return std::unexpected(stored.error());
    if (*stored && **stored != d.e) {
      auto vs = overlay_.values(**stored, d.a);
      if (!vs) return std::unexpected(vs.error());
      if (std::find((*vs)->begin(), (*vs)->end(), d.v) != (*vs)->end()) {
        return fail(ErrorCode::TxUnique, "cannot add " + datom_text(d.e, d.a, d.v) +
                                             " because of unique constraint: " +
                                             datom_text(**stored, d.a, d.v) + " exists");
      }
    }
  }
  return {};
}

Result<PreparedTx> TxBuilder::finish() {
  form_ = nullptr;
  if (user_partition_full_) {
    return fail(ErrorCode::TxEntityId, "the user partition is full: new entities would get ids above " +
                                           std::to_string(kMaxUserEntity));
  }
  for (const auto& t : value_used_) {
    if (!entity_used_.contains(t)) {
      return fail(ErrorCode::TxTempid, "tempid " + form_text(t) +
                                           " is used only as a value: no form asserts anything "
                                           "about it");
    }
  }

  // Every attribute's cardinality as a datom (before the schema checks, which then see it).
  if (auto ok = add_default_cardinalities(); !ok) return std::unexpected(ok.error());

  // Schema changes, against the data at the end of the transaction.
  auto final_schema = schema();
  if (!final_schema) return std::unexpected(final_schema.error());
  if (!schema_slots_.empty()) {
    std::vector<AttrId> changed;
    for (const auto& [e, a] : schema_slots_) changed.push_back(AttrId{e.value});
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    std::erase_if(changed, [&](AttrId id) {
      const auto* before = basis_.schema().find(id);
      const auto* after = (*final_schema)->find(id);
      return (before && after && *before == *after) || (!before && !after);
    });
    auto ok = check_schema_changes(basis_, overlay_, basis_.schema(), **final_schema, changed);
    if (!ok) return std::unexpected(ok.error());
  }

  // Composite tuples, from the components as they end up.
  if (auto ok = update_composites(); !ok) return std::unexpected(ok.error());

  // :db/txInstant, unless the tx-data gave one.
  const EntityId tx_entity{tx_.value};
  auto instant = overlay_.values(tx_entity, sys::kTxInstant);
  if (!instant) return std::unexpected(instant.error());
  if ((*instant)->empty()) {
    const auto* attr = (*final_schema)->find(sys::kTxInstant);
    auto added = overlay_.add(tx_entity, *attr, Value(options_.tx_instant));
    if (!added) return std::unexpected(added.error());
  }

  PreparedTx out;
  out.tx = tx_;
  out.datoms = overlay_.changes(tx_);
  auto excision_request = excision(out.datoms);
  if (!excision_request) return std::unexpected(excision_request.error());
  out.excision = std::move(*excision_request);
  auto unique = check_unique(out.datoms);
  if (!unique) return std::unexpected(unique.error());
  if (auto ok = check_attr_preds(out.datoms); !ok) return std::unexpected(ok.error());
  if (auto ok = check_entity_specs(out.datoms); !ok) return std::unexpected(ok.error());

  for (const auto& [name, id] : tempids_) out.tempids.emplace_back(name, id);
  for (const auto& name : current_tx_names_) out.tempids.emplace_back(name, tx_entity);
  out.tempids.emplace_back(Value::keyword("db/current-tx"), tx_entity);
  if (!options_.sorted_tempids) return out;
  // Two strings (most tempids) compare as their bytes, as compare() orders them, without its
  // dispatch on kinds.
  std::sort(out.tempids.begin(), out.tempids.end(), [](const auto& x, const auto& y) {
    const auto* xs = x.first.template get_if<std::string>();
    const auto* ys = y.first.template get_if<std::string>();
    if (xs && ys) return *xs < *ys;
    return compare(x.first, y.first) < 0;
  });
  out.tempids.erase(std::unique(out.tempids.begin(), out.tempids.end(),
                                [](const auto& x, const auto& y) { return x.first == y.first; }),
                    out.tempids.end());
  return out;
}

}  // namespace quarry::tx::detail
