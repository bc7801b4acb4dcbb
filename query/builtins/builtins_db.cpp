// Database functions: get-else get-some missing?. Each takes the source ($) first; the engine
// passes it as `source` and the rest as `args`.
//
// The entity is anything index::resolve_entity accepts (an entity id as a long, an ident, a
// lookup ref); one that does not exist, an id that is not positive, or a lookup ref that finds
// nothing, simply has no attributes. The attribute is its ident keyword; an unknown attribute has
// no values. A ref attribute's value comes back as a long (the query layer's convention). Values
// are read from the source's view (as-of, since); a history source is read as the same view
// without history.
//
// missing? also takes a reverse attribute (:_friend): true when no entity refers to e through
// the ref attribute :friend, as DataScript's entity lookup of a reverse attribute gives (an
// attribute whose name really starts with _ is taken as it is).
//
// For a cardinality-many attribute, get-else and get-some take the smallest value (the first
// in EAVT order), as DataScript 1.8 does (Datomic refuses cardinality-many in get-else).
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "index/entity_ref.hpp"
#include "query/builtins/builtin_families.hpp"

namespace quarry::query::builtins {
namespace {

// "get-else $": the call as written, for error messages (args exclude the source).
std::string with_source(std::string_view fn) { return std::string(fn) + " $"; }

// The entity `ref` names, nullopt for none. A long that is not positive names no entity, as in a
// data pattern ([?e :name ?n] with ?e 0 matches nothing): such ids come from arithmetic, (dec ?e),
// and since clause order is free a call may see rows that a pattern written before it would drop
// (DataScript, running clauses as written, refuses the id only when it reaches the call).
Result<std::optional<EntityId>> entity_of(const index::Db& db, const Value& ref) {
  if (const auto* n = ref.get_if<std::int64_t>(); n && *n <= 0) return std::nullopt;
  return index::resolve_entity(db, ref);
}

Value query_value(const Value& v) {
  if (auto id = v.get_if<EntityId>()) return Value(static_cast<std::int64_t>(id->value));
  return v;
}

// The first current value of attribute `attr` of entity `entity` in `db`, nullopt if none.
// Errors name the call `fn`.
Result<std::optional<Value>> first_value(std::string_view fn, const index::Db& db, std::span<const Value> args,
                                         const Value& entity, const Value& attr) {
  const auto* ident = attr.get_if<Keyword>();
  if (!ident) return call_fail(with_source(fn), args, "an attribute is a keyword, got " + abbreviated_edn(attr));
  auto e = entity_of(db, entity);
  if (!e) return call_fail(with_source(fn), args, e.error().message);
  if (!*e) return std::nullopt;
  const index::AttrSchema* schema = db.schema().find(*ident);
  if (!schema) return std::nullopt;
  auto datoms = db.attr_datoms(**e, schema->id);
  if (!datoms) return std::unexpected(datoms.error());
  if (datoms->empty()) return std::nullopt;
  return query_value(datoms->front().v);
}

// (get-else $ e attr default)
Result<Value> get_else(const index::Db* db, std::span<const Value> args) {
  if (args[2].is_nil()) return call_fail(with_source("get-else"), args, "nil default value is not supported");
  auto v = first_value("get-else", *db, args, args[0], args[1]);
  if (!v) return std::unexpected(v.error());
  return *v ? **v : args[2];
}

// (get-some $ e attr …): [attr value] for the first attribute that has a value, else nil.
Result<Value> get_some(const index::Db* db, std::span<const Value> args) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    auto v = first_value("get-some", *db, args, args[0], args[i]);
    if (!v) return std::unexpected(v.error());
    if (*v) return Value(Vector{{args[i], **v}});
  }
  return Value();
}

// The forward attribute of a reverse one (:_friend -> :friend, :a/_b -> :a/b), else nullopt.
std::optional<Keyword> forward_of_reverse(const Value& attr) {
  const auto* k = attr.get_if<Keyword>();
  if (!k || k->name.size() < 2 || k->name.front() != '_') return std::nullopt;
  return Keyword{k->ns, k->name.substr(1)};
}

// (missing? $ e :_attr): no entity refers to e through the ref attribute attr (VAET), as
// DataScript's entity lookup of a reverse attribute gives. A non-ref attribute refers to nothing.
Result<Value> missing_reverse(const index::Db& db, std::span<const Value> args, const Keyword& forward) {
  auto e = entity_of(db, args[0]);
  if (!e) return call_fail(with_source("missing?"), args, e.error().message);
  const index::AttrSchema* schema = db.schema().find(forward);
  if (!*e || !schema) return Value(true);
  if (db.is_history()) {  // read as the same view without history (referencing_datoms does)
    auto datoms = db.referencing_datoms(**e);
    if (!datoms) return std::unexpected(datoms.error());
    return Value(std::none_of(datoms->begin(), datoms->end(), [&](const Datom& d) { return d.a == schema->id; }));
  }
  auto cursor = db.datoms(IndexOrder::Vaet, {.a = schema->id, .v = Value(**e)});
  if (!cursor) return std::unexpected(cursor.error());
  const bool referenced = cursor->valid();
  if (auto s = cursor->status(); !s) return std::unexpected(s.error());
  return Value(!referenced);
}

// (missing? $ e attr), attr forward or reverse (:_friend)
Result<Value> missing_p(const index::Db* db, std::span<const Value> args) {
  if (auto forward = forward_of_reverse(args[1]); forward && !db->schema().find(*args[1].get_if<Keyword>()))
    return missing_reverse(*db, args, *forward);
  auto v = first_value("missing?", *db, args, args[0], args[1]);
  if (!v) return std::unexpected(v.error());
  return Value(!v->has_value());
}

constexpr std::array kTable{
    Builtin{"get-else", 3, 3, true, &get_else},
    Builtin{"get-some", 2, -1, true, &get_some},
    Builtin{"missing?", 2, 2, true, &missing_p},
};

}  // namespace

std::span<const Builtin> db_family() noexcept { return kTable; }

}  // namespace quarry::query::builtins
