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
  return a.value >= sys::kIdent.value && a.value <= sys::kNoHistory.value;
}

const AttrSchema* Schema::find(AttrId id) const noexcept {
  auto it = std::lower_bound(attrs_.begin(), attrs_.end(), id,
                             [](const AttrSchema& s, AttrId x) { return s.id < x; });
  return it != attrs_.end() && it->id == id ? &*it : nullptr;
}

const AttrSchema* Schema::find(const Keyword& ident) const noexcept {
  auto it = std::lower_bound(by_ident_.begin(), by_ident_.end(), ident,
                             [&](std::size_t i, const Keyword& k) { return attrs_[i].ident < k; });
  return it != by_ident_.end() && attrs_[*it].ident == ident ? &attrs_[*it] : nullptr;
}

void Schema::reindex() {
  by_ident_.resize(attrs_.size());
  for (std::size_t i = 0; i < attrs_.size(); ++i) by_ident_[i] = i;
  std::sort(by_ident_.begin(), by_ident_.end(),
            [&](std::size_t x, std::size_t y) { return attrs_[x].ident < attrs_[y].ident; });
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

Result<std::shared_ptr<const Schema>> Schema::from_datoms(std::span<const Datom> datoms) {
  return Schema().with(datoms);
}

std::vector<Datom> Schema::bootstrap_datoms() {
  struct Builtin {
    AttrId id;
    const char* name;
    ValueType type;
    Unique unique;
    bool indexed;
    const char* doc;
  };
  const Builtin builtins[] = {
      {sys::kIdent, "ident", ValueType::Keyword, Unique::Identity, false,
       "The unique name of an entity; every attribute has one."},
      {sys::kValueType, "valueType", ValueType::Keyword, Unique::None, false,
       "The type of an attribute's values, a :db.type/* keyword; none means untyped."},
      {sys::kCardinality, "cardinality", ValueType::Keyword, Unique::None, false,
       ":db.cardinality/one (the default) or :db.cardinality/many."},
      {sys::kUnique, "unique", ValueType::Keyword, Unique::None, false,
       ":db.unique/value or :db.unique/identity."},
      {sys::kIndex, "index", ValueType::Boolean, Unique::None, false,
       "Whether the attribute is meant for value lookups (AVET is kept for every attribute)."},
      {sys::kIsComponent, "isComponent", ValueType::Boolean, Unique::None, false,
       "Whether a ref attribute's values are components of the entity."},
      {sys::kDoc, "doc", ValueType::String, Unique::None, false, "Documentation."},
      {sys::kNoHistory, "noHistory", ValueType::Boolean, Unique::None, false,
       "Whether retracted values of the attribute are forgotten."},
      {sys::kTxInstant, "txInstant", ValueType::Instant, Unique::None, true,
       "The time a transaction was committed."},
  };
  const TxId tx{kTx0};
  std::vector<Datom> out;
  auto add = [&](AttrId e, AttrId a, Value v) { out.push_back(Datom{EntityId{e.value}, a, std::move(v), tx, true}); };
  for (const Builtin& b : builtins) {
    add(b.id, sys::kIdent, Keyword{"db", b.name});
    add(b.id, sys::kValueType, *value_type_keyword(b.type));
    add(b.id, sys::kCardinality, cardinality_keyword(false));
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
