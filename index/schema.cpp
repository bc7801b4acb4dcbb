#include "index/schema.hpp"

#include <algorithm>
#include <map>

namespace quarry::index {
namespace {

struct TypeName {
  ValueType type;
  const char* name;
};
constexpr TypeName kTypeNames[] = {
    {ValueType::Boolean, "boolean"}, {ValueType::Long, "long"},       {ValueType::Double, "double"},
    {ValueType::String, "string"},   {ValueType::Keyword, "keyword"}, {ValueType::Symbol, "symbol"},
    {ValueType::Instant, "instant"}, {ValueType::Uuid, "uuid"},       {ValueType::Ref, "ref"},
    {ValueType::Bytes, "bytes"},     {ValueType::Tuple, "tuple"},
};

std::unexpected<Error> schema_error(const Datom& d, std::string_view why) {
  return fail(ErrorCode::TxSchema, "schema datom [" + std::to_string(d.e.value) + " " +
                                       std::to_string(d.a.value) + " ...]: " + std::string(why));
}

// True when the attribute entity carries nothing but its id.
bool is_blank(const AttrSchema& s) { return s == AttrSchema{.id = s.id}; }

// Applies one schema datom to s. Retractions reset a field only if it holds the retracted value.
Result<void> apply(AttrSchema& s, const Datom& d) {
  const Value& v = d.v;
  auto want_keyword = [&]() -> const Keyword* { return v.get_if<Keyword>(); };
  auto flag = [&](bool& field) -> Result<void> {
    if (!v.is<bool>()) return schema_error(d, "value must be a boolean");
    if (d.added) field = v.as<bool>();
    else if (field == v.as<bool>()) field = false;
    return {};
  };
  if (d.a == sys::kIdent) {
    const Keyword* k = want_keyword();
    if (!k || k->name.empty()) return schema_error(d, ":db/ident must be a keyword");
    if (d.added) s.ident = *k;
    else if (s.ident == *k) s.ident = {};
  } else if (d.a == sys::kValueType) {
    const Keyword* k = want_keyword();
    auto t = k ? value_type_from_keyword(*k) : std::nullopt;
    if (!t) return schema_error(d, ":db/valueType must be a :db.type/* keyword");
    if (d.added) s.type = *t;
    else if (s.type == *t) s.type = ValueType::Any;
  } else if (d.a == sys::kCardinality) {
    const Keyword* k = want_keyword();
    auto many = k ? cardinality_many_from_keyword(*k) : std::nullopt;
    if (!many) return schema_error(d, ":db/cardinality must be :db.cardinality/one or /many");
    if (d.added) s.many = *many;
    else if (s.many == *many) s.many = false;
  } else if (d.a == sys::kUnique) {
    const Keyword* k = want_keyword();
    auto u = k ? unique_from_keyword(*k) : std::nullopt;
    if (!u) return schema_error(d, ":db/unique must be :db.unique/value or /identity");
    if (d.added) s.unique = *u;
    else if (s.unique == *u) s.unique = Unique::None;
  } else if (d.a == sys::kIndex) {
    return flag(s.indexed);
  } else if (d.a == sys::kIsComponent) {
    return flag(s.component);
  } else if (d.a == sys::kNoHistory) {
    return flag(s.no_history);
  } else if (d.a == sys::kTupleAttrs) {
    const auto* vec = v.get_if<Vector>();
    std::vector<Keyword> attrs;
    if (vec)
      for (const Value& x : vec->items)
        if (const auto* k = x.get_if<Keyword>()) attrs.push_back(*k);
    if (!vec || attrs.size() != vec->items.size() || attrs.size() < 2 || attrs.size() > 8)
      return schema_error(d, ":db/tupleAttrs must be a vector of 2 to 8 attribute keywords");
    if (d.added) s.tuple_attrs = std::move(attrs);
    else if (s.tuple_attrs == attrs) s.tuple_attrs.clear();
  } else if (d.a == sys::kTupleTypes) {
    const auto* vec = v.get_if<Vector>();
    std::vector<ValueType> types;
    if (vec)
      for (const Value& x : vec->items)
        if (const auto* k = x.get_if<Keyword>())
          if (auto t = value_type_from_keyword(*k); t && *t != ValueType::Tuple) types.push_back(*t);
    if (!vec || types.size() != vec->items.size() || types.size() < 2 || types.size() > 8)
      return schema_error(d, ":db/tupleTypes must be a vector of 2 to 8 :db.type/* keywords (not tuple)");
    if (d.added) s.tuple_types = std::move(types);
    else if (s.tuple_types == types) s.tuple_types.clear();
  } else if (d.a == sys::kTupleType) {
    const Keyword* k = want_keyword();
    auto t = k ? value_type_from_keyword(*k) : std::nullopt;
    if (!t || *t == ValueType::Tuple) return schema_error(d, ":db/tupleType must be a :db.type/* keyword (not tuple)");
    if (d.added) s.tuple_type = *t;
    else if (s.tuple_type == *t) s.tuple_type = ValueType::Any;
  } else if (d.a == sys::kAttrPreds) {
    const auto* sym = v.get_if<Symbol>();
    if (!sym) return schema_error(d, ":db.attr/preds must be a symbol");
    auto it = std::find(s.preds.begin(), s.preds.end(), *sym);
    if (d.added && it == s.preds.end()) s.preds.push_back(*sym);
    if (!d.added && it != s.preds.end()) s.preds.erase(it);
  } else if (d.a == sys::kDoc) {
    if (!v.is<std::string>()) return schema_error(d, ":db/doc must be a string");
    if (d.added) s.doc = v.as<std::string>();
    else if (s.doc == v.as<std::string>()) s.doc.clear();
  }
  return {};
}

}  // namespace

std::optional<ValueType> value_type_from_keyword(const Keyword& k) noexcept {
  if (k.ns != "db.type") return std::nullopt;
  for (const auto& t : kTypeNames)
    if (k.name == t.name) return t.type;
  return std::nullopt;
}

std::optional<Keyword> value_type_keyword(ValueType type) {
  for (const auto& t : kTypeNames)
    if (t.type == type) return Keyword{"db.type", t.name};
  return std::nullopt;
}

std::optional<bool> cardinality_many_from_keyword(const Keyword& k) noexcept {
  if (k.ns != "db.cardinality") return std::nullopt;
  if (k.name == "one") return false;
  if (k.name == "many") return true;
  return std::nullopt;
}

Keyword cardinality_keyword(bool many) { return Keyword{"db.cardinality", many ? "many" : "one"}; }

std::optional<Unique> unique_from_keyword(const Keyword& k) noexcept {
  if (k.ns != "db.unique") return std::nullopt;
  if (k.name == "value") return Unique::Value;
  if (k.name == "identity") return Unique::Identity;
  return std::nullopt;
}

std::optional<Keyword> unique_keyword(Unique u) {
  switch (u) {
    case Unique::None: return std::nullopt;
    case Unique::Value: return Keyword{"db.unique", "value"};
    case Unique::Identity: return Keyword{"db.unique", "identity"};
  }
  return std::nullopt;
}

bool value_has_type(const Value& v, ValueType t) noexcept {
  switch (t) {
    case ValueType::Any: return v.is_storable();
    case ValueType::Boolean: return v.is<bool>();
    case ValueType::Long: return v.is<std::int64_t>();
    case ValueType::Double: return v.is<double>();
    case ValueType::String: return v.is<std::string>();
    case ValueType::Keyword: return v.is<Keyword>();
    case ValueType::Symbol: return v.is<Symbol>();
    case ValueType::Instant: return v.is<Instant>();
    case ValueType::Uuid: return v.is<Uuid>();
    case ValueType::Ref: return v.is<EntityId>();
    case ValueType::Bytes: return v.is<Bytes>();
    case ValueType::Tuple: return v.is<Vector>() && v.is_storable();
  }
  return false;
}

bool Schema::is_schema_attr(AttrId a) noexcept {
  return (a.value >= sys::kIdent.value && a.value <= sys::kNoHistory.value) ||
         (a.value >= sys::kTupleAttrs.value && a.value <= sys::kAttrPreds.value);
}

std::span<const AttrId> Schema::composites_of(AttrId component) const noexcept {
  auto lo = std::lower_bound(composites_.begin(), composites_.end(), std::pair{component, AttrId{0}});
  auto hi = lo;
  while (hi != composites_.end() && hi->first == component) ++hi;
  return {composite_ids_.data() + (lo - composites_.begin()), static_cast<std::size_t>(hi - lo)};
}

std::shared_ptr<const Schema> Schema::with_missing_builtins() const {
  auto builtins = bootstrap();
  bool missing = false;
  for (const auto& b : builtins->attrs()) missing = missing || !find(b.id);
  if (!missing) return std::make_shared<const Schema>(*this);
  auto out = std::make_shared<Schema>(*this);
  for (const auto& b : builtins->attrs())
    if (!find(b.id)) out->attrs_.push_back(b);
  std::sort(out->attrs_.begin(), out->attrs_.end(), [](const auto& x, const auto& y) { return x.id < y.id; });
  out->reindex();
  return out;
}

const AttrSchema* Schema::find(AttrId id) const noexcept {
  auto it = std::lower_bound(attrs_.begin(), attrs_.end(), id,
                             [](const AttrSchema& s, AttrId x) { return s.id < x; });
  return it != attrs_.end() && it->id == id ? &*it : nullptr;
}

const AttrSchema* Schema::find(const Keyword& ident) const noexcept {
  auto it = std::lower_bound(by_ident_.begin(), by_ident_.end(), ident,
                             [&](std::size_t i, const Keyword& k) { return attrs_[i].ident < k; });
  if (it != by_ident_.end() && attrs_[*it].ident == ident) return &attrs_[*it];
  auto alias = std::lower_bound(aliases_.begin(), aliases_.end(), ident,
                                [](const auto& a, const Keyword& k) { return a.first < k; });
  return alias != aliases_.end() && alias->first == ident ? find(alias->second) : nullptr;
}

void Schema::reindex() {
  by_ident_.resize(attrs_.size());
  for (std::size_t i = 0; i < attrs_.size(); ++i) by_ident_[i] = i;
  std::sort(by_ident_.begin(), by_ident_.end(),
            [&](std::size_t x, std::size_t y) { return attrs_[x].ident < attrs_[y].ident; });
  composites_.clear();
  for (const auto& s : attrs_)
    for (const auto& k : s.tuple_attrs)
      if (const AttrSchema* component = find(k)) composites_.emplace_back(component->id, s.id);
  std::sort(composites_.begin(), composites_.end());
  composites_.erase(std::unique(composites_.begin(), composites_.end()), composites_.end());
  composite_ids_.clear();
  for (const auto& [component, composite] : composites_) composite_ids_.push_back(composite);
}

Result<std::shared_ptr<const Schema>> Schema::with(std::span<const Datom> datoms) const {
  std::map<std::uint64_t, AttrSchema> work;
  bool touched = false;
  for (bool pass_added : {false, true}) {
    for (const Datom& d : datoms) {
      if (d.added != pass_added || !is_system_entity(d.e.value) || !is_schema_attr(d.a)) continue;
      if (!touched) {
        for (const auto& s : attrs_) work.emplace(s.id.value, s);
        for (const auto& s : orphans_) work.emplace(s.id.value, s);
        touched = true;
      }
      auto [it, inserted] = work.try_emplace(d.e.value, AttrSchema{.id = AttrId{d.e.value}});
      if (auto r = apply(it->second, d); !r) return std::unexpected(r.error());
    }
  }
  auto out = std::make_shared<Schema>(*this);
  if (!touched) return out;
  out->attrs_.clear();
  out->orphans_.clear();
  for (auto& [id, s] : work) {
    if (!s.ident.name.empty()) out->attrs_.push_back(std::move(s));
    else if (!is_blank(s)) out->orphans_.push_back(std::move(s));
  }
  out->reindex();
  // Renames: a retracted ident of an entity that is still an attribute is an alias of it.
  std::vector<std::pair<Keyword, AttrId>> former;
  for (const Datom& d : datoms)
    if (!d.added && d.a == sys::kIdent && is_system_entity(d.e.value))
      if (const auto* k = d.v.get_if<Keyword>()) former.emplace_back(*k, AttrId{d.e.value});
  out->add_aliases(former);
  for (std::size_t i = 1; i < out->by_ident_.size(); ++i) {
    const AttrSchema& a = out->attrs_[out->by_ident_[i - 1]];
    const AttrSchema& b = out->attrs_[out->by_ident_[i]];
    if (a.ident == b.ident)
      return fail(ErrorCode::TxSchema, "two attributes named :" + a.ident.qualified() + " (" +
                                           std::to_string(a.id.value) + " and " +
                                           std::to_string(b.id.value) + ")");
  }
  return std::shared_ptr<const Schema>(std::move(out));
}

void Schema::add_aliases(std::span<const std::pair<Keyword, AttrId>> former) {
  aliases_.insert(aliases_.end(), former.begin(), former.end());
  // Later entries win: keep the last alias of each ident.
  std::stable_sort(aliases_.begin(), aliases_.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::pair<Keyword, AttrId>> kept;
  for (std::size_t i = 0; i < aliases_.size(); ++i) {
    if (i + 1 < aliases_.size() && aliases_[i + 1].first == aliases_[i].first) continue;
    const auto& [ident, id] = aliases_[i];
    const AttrSchema* target = find(id);
    auto named = std::lower_bound(by_ident_.begin(), by_ident_.end(), ident,
                                  [&](std::size_t j, const Keyword& k) { return attrs_[j].ident < k; });
    const bool taken = named != by_ident_.end() && attrs_[*named].ident == ident;
    if (target && target->ident != ident && !taken) kept.push_back(aliases_[i]);
  }
  aliases_ = std::move(kept);
}

std::shared_ptr<const Schema> Schema::with_aliases(std::span<const std::pair<Keyword, AttrId>> former) const {
  auto out = std::make_shared<Schema>(*this);
  out->add_aliases(former);
  return out;
}

Result<std::shared_ptr<const Schema>> Schema::from_datoms(std::span<const Datom> datoms) {
  return Schema().with(datoms);
}

std::vector<Datom> Schema::bootstrap_datoms() {
  struct Builtin {
    AttrId id;
    const char* ident;  // "ns/name"
    ValueType type;
    Unique unique;
    bool indexed;
    bool many;
    const char* doc;
  };
  const Builtin builtins[] = {
      {sys::kIdent, "db/ident", ValueType::Keyword, Unique::Identity, false, false,
       "The unique name of an entity; every attribute has one."},
      {sys::kValueType, "db/valueType", ValueType::Keyword, Unique::None, false, false,
       "The type of an attribute's values, a :db.type/* keyword; none means untyped."},
      {sys::kCardinality, "db/cardinality", ValueType::Keyword, Unique::None, false, false,
       ":db.cardinality/one (the default) or :db.cardinality/many."},
      {sys::kUnique, "db/unique", ValueType::Keyword, Unique::None, false, false,
       ":db.unique/value or :db.unique/identity."},
      {sys::kIndex, "db/index", ValueType::Boolean, Unique::None, false, false,
       "Whether the attribute is meant for value lookups (AVET is kept for every attribute)."},
      {sys::kIsComponent, "db/isComponent", ValueType::Boolean, Unique::None, false, false,
       "Whether a ref attribute's values are components of the entity."},
      {sys::kDoc, "db/doc", ValueType::String, Unique::None, false, false, "Documentation."},
      {sys::kNoHistory, "db/noHistory", ValueType::Boolean, Unique::None, false, false,
       "Whether retracted values of the attribute are forgotten."},
      {sys::kTxInstant, "db/txInstant", ValueType::Instant, Unique::None, true, false,
       "The time a transaction was committed."},
      {sys::kTupleAttrs, "db/tupleAttrs", ValueType::Tuple, Unique::None, false, false,
       "The attributes of a composite tuple, which the transactor keeps."},
      {sys::kTupleTypes, "db/tupleTypes", ValueType::Tuple, Unique::None, false, false,
       "The value types of a fixed-length tuple's positions."},
      {sys::kTupleType, "db/tupleType", ValueType::Keyword, Unique::None, false, false,
       "The value type of every element of a variable-length tuple."},
      {sys::kAttrPreds, "db.attr/preds", ValueType::Symbol, Unique::None, false, true,
       "Predicates every asserted value of the attribute must satisfy."},
      {sys::kEnsure, "db/ensure", ValueType::Ref, Unique::None, false, true,
       "Names an entity spec the transaction checks the entity against; never stored."},
      {sys::kEntityAttrs, "db.entity/attrs", ValueType::Keyword, Unique::None, false, true,
       "The attributes an entity spec requires."},
      {sys::kEntityPreds, "db.entity/preds", ValueType::Symbol, Unique::None, false, true,
       "The predicates of an entity spec, called with the database after the transaction and the entity."},
      {sys::kExcise, "db/excise", ValueType::Ref, Unique::None, false, false,
       "On an excising transaction: the entity whose datoms it removed."},
      {sys::kExciseAttrs, "db.excise/attrs", ValueType::Keyword, Unique::None, false, true,
       "On an excising transaction: the only attributes it removed."},
  };
  const TxId tx{kTx0};
  std::vector<Datom> out;
  auto add = [&](AttrId e, AttrId a, Value v) { out.push_back(Datom{EntityId{e.value}, a, std::move(v), tx, true}); };
  for (const Builtin& b : builtins) {
    add(b.id, sys::kIdent, Value::keyword(b.ident));
    add(b.id, sys::kValueType, *value_type_keyword(b.type));
    add(b.id, sys::kCardinality, cardinality_keyword(b.many));
    if (auto u = unique_keyword(b.unique)) add(b.id, sys::kUnique, *u);
    if (b.indexed) add(b.id, sys::kIndex, true);
    add(b.id, sys::kDoc, std::string(b.doc));
  }
  out.push_back(Datom{EntityId{kTx0}, sys::kTxInstant, Instant{0}, tx, true});
  return out;
}

std::shared_ptr<const Schema> Schema::bootstrap() {
  static const std::shared_ptr<const Schema> schema = [] {
    auto datoms = bootstrap_datoms();
    auto s = from_datoms(datoms);
    return s ? *s : std::make_shared<const Schema>();
  }();
  return schema;
}

}  // namespace quarry::index
