#include "meta.hpp"

#include <vector>

namespace quarry::repl {

std::string help_text() {
  return R"(Quarry: an embedded Datalog database. Type EDN forms; each prints its result.
A form may span lines (the prompt becomes ...> until it is complete). Ctrl-C drops the
unfinished form, or cancels a running query; Ctrl-D quits.

Schema and transactions
  (schema! {:person/name   {:db/unique :db.unique/identity}
            :person/age    {:db/valueType :db.type/long}
            :person/friend {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}})
  (transact! [{:person/name "Ann" :person/age 41}
              {:db/id "bob" :person/name "Bob" :person/friend [:person/name "Ann"]}
              [:db/add "bob" :person/age 27]])
  (transact! [[:db/retract [:person/name "Bob"] :person/age 27]])
  Composite tuples, attribute predicates and entity specs are schema (doc/transactions.md):
  (schema! {:person/first+last {:db/valueType :db.type/tuple :db/tupleAttrs [:person/first :person/last]
                                :db/unique :db.unique/identity}
            :person/age {:db.attr/preds [pos?]}})
  (excise! [:person/name "Bob"])          erase an entity's datoms from indexes, history and log
  (excise! [:person/name "Bob"] [:person/age])                  ... or only some attributes'

Queries: (q QUERY INPUT...), on $ when there are no inputs
  (q [:find ?name ?age :where [?p :person/name ?name] [?p :person/age ?age]])
  (q [:find [?name ...] :in $ ?min
      :where [?p :person/age ?a] [(>= ?a ?min)] [?p :person/name ?name]]
     $ 30)
  (q [:find (count ?p) . :where [?p :person/name]])
  A rule, passed as the % input; rules may be recursive:
  (q [:find [?who ...] :in $ %
      :where [?me :person/name "Bob"] (knows ?me ?f) [?f :person/name ?who]]
     $ [[(knows ?a ?b) [?a :person/friend ?b]]
        [(knows ?a ?b) [?a :person/friend ?x] (knows ?x ?b)]])
  (explain [:find ?n :where [?p :person/name ?n]])       the plan that runs, as EDN
  (explain {:analyze true} [:find ?n :where [?p :person/name ?n]])
                                                          the plan, run: rows and ms per step

Entities and pull
  (entity $ [:person/name "Bob"])                         every attribute, with :db/id
  (pull $ [:person/name {:person/friend [:person/name]}] [:person/name "Bob"])
  (pull-many $ [:person/name :person/age] [1 2])

Time travel: a database is $, (as-of $ T), (since $ T), (history $) or (with $ TX-DATA);
T is a tx id or #inst; they nest
  (q [:find ?age . :where [?p :person/name "Bob"] [?p :person/age ?age]] (as-of $ 536870914))
  (history $ [:person/name "Bob"])                        every assertion and retraction
  (q [:find ?age ?tx ?added :where [?p :person/age ?age ?tx ?added]] (history $))
  (q [:find [?n ...] :where [_ :person/name ?n]] (with $ [{:person/name "Dee"}]))
                        what if: a transaction that is never written
  (with $ [[:db/retractEntity [:person/name "Bob"]]])    its {:tx :tempids :datoms}

Raw index access (:eavt :aevt :avet :vaet; entities as ids, lookup refs or idents)
  (datoms $ :eavt [:person/name "Bob"] :person/age)      datoms with these leading components
  (seek-datoms $ :avet :person/name "B")                  from a position to the end of the index
  (index-range $ :person/age 30 nil)                      one attribute's values in [START, END)
  (tx-range nil nil)                                      the log: [{:t T :data [[e a v tx added]...]}...]
  (tx-range #inst "2026-01-01" nil)                       ... of the transactions since a time

Meta commands (on a line of their own)
  .help                 this text
  .schema  .stats       the declared attributes; counts and size
  .format table|edn     how results print (tables by default at a terminal)
  .timer on|off         time each form (on standard error)
  .timeout MS|off       stop queries after MS milliseconds (:query/timeout); 0 or off: never
  .import FILE [:batch N]  load EDN tx-data: transaction vectors, or one large vector cut
                        into transactions of N operations (10000)
  .import FILE.csv [:batch N]  load CSV: a header row of attributes, one entity per row
  .export FILE [:history]  write the database (or its whole history) for .import
  .backup DIR           a consistent copy that `quarry DIR` opens (DIR new or empty)
  .compact              compact the store; prints its bytes before and after
  .quit                 leave (so does Ctrl-D)
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

Result<Value> stats_summary(const Database& database) {
  auto stats = database.stats();
  if (!stats) return std::unexpected(stats.error());
  Map out;
  bool ok = make_map({{Value::keyword("basis-tx"), Value(static_cast<std::int64_t>(stats->basis.value))},
                      {Value::keyword("datoms"), Value(static_cast<std::int64_t>(stats->datoms))},
                      {Value::keyword("attributes"), Value(static_cast<std::int64_t>(stats->attributes))},
                      {Value::keyword("storage-bytes"), Value(static_cast<std::int64_t>(stats->storage_bytes))}},
                     out);
  if (!ok) return fail(ErrorCode::Internal, "stats keys collide");
  return Value(std::move(out));
}

}  // namespace quarry::repl
