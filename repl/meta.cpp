#include "meta.hpp"

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
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
  .stats all            also latencies, block cache, memtables, compaction (a table at a terminal)
  .format table|edn     how results print (tables by default at a terminal)
  .timer on|off         time each form (on standard error)
  .timeout MS|off       stop queries after MS milliseconds (:query/timeout); 0 or off: never
  .import FILE [:batch N]  load EDN tx-data: transaction vectors, or one large vector cut
                        into transactions of N operations (10000)
  .import FILE.csv [:batch N] [:separator C] [:value-separator C]
                        load CSV: a header row of attributes, one entity per row;
                        fields separated by C ("\t", ";"; a comma by default), values
                        in one cell by "|" (:value-separator "" for none)
  .import FILE.jsonl [:batch N]  load JSON Lines: one JSON object (an entity) per line
  .export FILE [:history]  write the database (or its whole history) for .import
  .backup DIR           a consistent copy that `quarry DIR` opens (DIR new or empty)
  .backup DIR :incremental  an incremental backup into the backup directory DIR
                        (quarry --restore-backup DIR NEWDIR writes the latest out as a database)
  .compact              compact the store; prints its bytes before and after
  .restore DIR          make this new database (e.g. --mem) a copy of the database in DIR
  .catch-up             (quarry DIR --secondary SDIR) read the writer's newer commits
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

namespace {

Value number(std::uint64_t n) { return Value(static_cast<std::int64_t>(n)); }
Value millis(double ms) { return Value(std::round(ms * 1000.0) / 1000.0); }

Value map_of(std::vector<std::pair<Value, Value>> entries) {
  Map out;
  (void)make_map(std::move(entries), out);  // callers give distinct keys
  return Value(std::move(out));
}

Value latency_map(const LatencySummary& l) {
  return map_of({{Value::keyword("count"), number(l.count)},
                 {Value::keyword("errors"), number(l.errors)},
                 {Value::keyword("p50-ms"), millis(l.p50_ms)},
                 {Value::keyword("p95-ms"), millis(l.p95_ms)},
                 {Value::keyword("p99-ms"), millis(l.p99_ms)},
                 {Value::keyword("max-ms"), millis(l.max_ms)}});
}

struct Operation {
  const char* name;
  const LatencySummary* summary;
};

std::vector<Operation> operations(const DatabaseStats& s) {
  return {{"transactions", &s.transactions}, {"queries", &s.queries}, {"pulls", &s.pulls}, {"scans", &s.scans}};
}

std::vector<std::pair<const char*, std::uint64_t>> storage_figures(const DatabaseStats& s) {
  return {{"block-cache-hits", s.block_cache_hits},
          {"block-cache-misses", s.block_cache_misses},
          {"block-cache-usage-bytes", s.block_cache_usage_bytes},
          {"block-cache-capacity-bytes", s.block_cache_capacity_bytes},
          {"memtable-bytes", s.memtable_bytes},
          {"sst-bytes", s.sst_bytes},
          {"pending-compaction-bytes", s.pending_compaction_bytes},
          {"write-stall-micros", s.write_stall_micros},
          {"background-errors", s.background_errors},
          {"range-cache-hits", s.range_cache_hits},
          {"range-cache-reads", s.range_cache_reads},
          {"range-cache-admitted", s.range_cache_admitted},
          {"range-cache-evicted", s.range_cache_evicted},
          {"range-cache-invalidated", s.range_cache_invalidated},
          {"range-cache-usage-bytes", s.range_cache_usage_bytes},
          {"range-cache-capacity-bytes", s.range_cache_capacity_bytes}};
}

}  // namespace

Result<Value> stats_all(const Database& database) {
  auto stats = database.stats();
  if (!stats) return std::unexpected(stats.error());
  const DatabaseStats& s = *stats;
  std::vector<std::pair<Value, Value>> ops;
  for (const auto& op : operations(s)) ops.emplace_back(Value::keyword(op.name), latency_map(*op.summary));
  std::vector<std::pair<Value, Value>> storage{
      {Value::keyword("block-cache-hit-ratio"), Value(std::round(s.block_cache_hit_ratio * 10000.0) / 10000.0)},
      {Value::keyword("block-cache-automatic"), Value(s.block_cache_automatic)}};
  for (const auto& [name, n] : storage_figures(s)) storage.emplace_back(Value::keyword(name), number(n));
  std::vector<std::pair<Value, Value>> spaces;
  for (const auto& space : s.spaces)
    spaces.emplace_back(Value(space.name), map_of({{Value::keyword("bytes"), number(space.bytes)},
                                                   {Value::keyword("memtable-bytes"), number(space.memtable_bytes)},
                                                   {Value::keyword("sst-bytes"), number(space.sst_bytes)}}));
  return map_of({{Value::keyword("basis-tx"), number(s.basis.value)},
                 {Value::keyword("datoms"), number(s.datoms)},
                 {Value::keyword("attributes"), number(s.attributes)},
                 {Value::keyword("storage-bytes"), number(s.storage_bytes)},
                 {Value::keyword("indexes"), map_of({{Value::keyword("eavt"), number(s.eavt_datoms)},
                                                     {Value::keyword("aevt"), number(s.aevt_datoms)},
                                                     {Value::keyword("avet"), number(s.avet_datoms)},
                                                     {Value::keyword("vaet"), number(s.vaet_datoms)}})},
                 {Value::keyword("operations"), map_of(std::move(ops))},
                 {Value::keyword("storage"), map_of(std::move(storage))},
                 {Value::keyword("spaces"), map_of(std::move(spaces))}});
}

Result<std::string> stats_table(const Database& database) {
  auto stats = database.stats();
  if (!stats) return std::unexpected(stats.error());
  const DatabaseStats& s = *stats;
  std::string out;
  char line[160];
  auto row = [&](const std::string& name, const std::string& value) {
    std::snprintf(line, sizeof line, " %-28s %16s\n", name.c_str(), value.c_str());
    out += line;
  };
  row("basis-tx", std::to_string(s.basis.value));
  row("attributes", std::to_string(s.attributes));
  row("datoms (eavt, aevt, avet)", std::to_string(s.datoms));
  row("datoms (vaet)", std::to_string(s.vaet_datoms));
  row("storage-bytes", std::to_string(s.storage_bytes));
  std::snprintf(line, sizeof line, "\n %-13s %8s %6s %9s %9s %9s %9s\n", "operation", "count", "errors", "p50 ms",
                "p95 ms", "p99 ms", "max ms");
  out += line;
  for (const auto& op : operations(s)) {
    const LatencySummary& l = *op.summary;
    std::snprintf(line, sizeof line, " %-13s %8llu %6llu %9.3f %9.3f %9.3f %9.3f\n", op.name,
                  static_cast<unsigned long long>(l.count), static_cast<unsigned long long>(l.errors), l.p50_ms,
                  l.p95_ms, l.p99_ms, l.max_ms);
    out += line;
  }
  out += "\n";
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.4f", s.block_cache_hit_ratio);
  row("block-cache-hit-ratio", ratio);
  for (const auto& [name, n] : storage_figures(s)) row(name, std::to_string(n));
  row("block-cache-automatic", s.block_cache_automatic ? "true" : "false");
  std::snprintf(line, sizeof line, "\n %-10s %14s %14s %14s\n", "space", "bytes", "memtable", "sst");
  out += line;
  for (const auto& space : s.spaces) {
    std::snprintf(line, sizeof line, " %-10s %14llu %14llu %14llu\n", space.name.c_str(),
                  static_cast<unsigned long long>(space.bytes), static_cast<unsigned long long>(space.memtable_bytes),
                  static_cast<unsigned long long>(space.sst_bytes));
    out += line;
  }
  return out;
}

}  // namespace quarry::repl
