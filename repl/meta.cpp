#include "meta.hpp"

#include <vector>

namespace quarry::repl {

std::string help_text() {
  return R"(Quarry: an embedded Datalog database. Input is EDN forms, one result per form.

  (schema! {:person/name {:db/unique :db.unique/identity}
            :person/friend {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}})
  (transact! [{:person/name "Ann" :person/age 41}
              {:person/name "Bob" :person/friend [:person/name "Ann"]}])
  (datoms $ :avet :person/name)           every datom of an index, or those with a given prefix
  (entity $ [:person/name "Bob"])         all attributes of an entity (id, lookup ref or ident)
  (history $ [:person/name "Ann"])        every assertion and retraction about an entity
  (datoms (as-of $ 536870914) :eavt 1)    databases: $, (as-of $ T), (since $ T), (history $)

Queries (q, pull, pull-many, explain) are not built yet and answer :repl/unsupported.

Meta commands: .help  .schema  .stats  .timer on|off  .format edn  .quit
)";
}

Result<Value> schema_summary(const Db& db) {
  Value ident = Value::keyword("db/ident");
  auto idents = db.datoms(IndexOrder::Aevt, std::span<const Value>(&ident, 1));
  if (!idents) return std::unexpected(idents.error());
  std::vector<std::pair<Value, Value>> entries;
  for (const Datom& d : *idents) {
    const Keyword& name = d.v.as<Keyword>();
    if (name.ns == "db" || name.ns.starts_with("db.")) continue;
    auto entity = db.entity(Value(static_cast<std::int64_t>(d.e.value)));
    if (!entity) return std::unexpected(entity.error());
    std::vector<std::pair<Value, Value>> attrs;
    for (const auto& [k, v] : entity->as<Map>().entries) {
      auto key = k.get_if<Keyword>();
      if (key && key->ns == "db" && key->name != "id" && key->name != "ident") attrs.emplace_back(k, v);
    }
    Map attr_map;
    if (!make_map(std::move(attrs), attr_map)) continue;
    entries.emplace_back(d.v, Value(std::move(attr_map)));
  }
  Map out;
  if (!make_map(std::move(entries), out)) return fail(ErrorCode::Internal, "duplicate attribute ident");
  return Value(std::move(out));
}

Result<Value> stats_summary(const Db& db) {
  auto all = db.datoms(IndexOrder::Eavt);
  if (!all) return std::unexpected(all.error());
  Value ident = Value::keyword("db/ident");
  auto idents = db.datoms(IndexOrder::Aevt, std::span<const Value>(&ident, 1));
  if (!idents) return std::unexpected(idents.error());
  Map out;
  bool ok = make_map({{Value::keyword("basis-tx"), Value(static_cast<std::int64_t>(db.basis().value))},
                      {Value::keyword("datoms"), Value(static_cast<std::int64_t>(all->size()))},
                      {Value::keyword("attributes"), Value(static_cast<std::int64_t>(idents->size()))}},
                     out);
  if (!ok) return fail(ErrorCode::Internal, "stats keys collide");
  return Value(std::move(out));
}

}  // namespace quarry::repl
