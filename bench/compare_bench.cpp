// Quarry next to SQLite and DataScript on DataScript's benchmark workload, in one run on the same
// data: each query's median time per system and the ratios issue 9 sets targets for. Prints one
// table (and, with --orders, a second one); see bench/README.md ("Quarry vs SQLite vs DataScript").
//
//   bench_compare_bench [BENCH_DATA_DIR] [options]
//     BENCH_DATA_DIR     the benchmark data folder (schema.edn, people20k-*.edn, queries.edn, trees);
//                        default: $QUARRY_BENCH_DATA, else the repository's bench/data
//     --people N         instead of people20k, N generated people (bench/people_gen.hpp; 400000 gives
//                        2,000,000 core datoms); result counts are then checked across systems
//     --seed S           generator seed (default 20260101)
//     --runs N           timed runs per case after 2 warm-ups (default 7; 3 for cases over 1 s)
//     --only NAME        only the cases whose name contains NAME
//     --closure          also the unbounded :follows closure (reach-closure); DataScript never runs it
//     --orders           also every query's :where clauses in every order (up to 5 clauses; else the
//                        written and the reversed order) through Quarry: best and worst time per query
//     --order-runs N     timed rounds over a query's clause orders, each running every order once (default 5)
//     --no-datascript    leave DataScript out
//     --no-compact       leave the RocksDB stores as loaded (data still in memtables) instead of
//                        compacting them once loaded
//     --node PATH        the node binary (default: node on PATH)
//     --sqlite-memory    SQLite in memory instead of a temporary file
//     --sqlite-plans     print SQLite's EXPLAIN QUERY PLAN for each case before its row
//
// Systems:
//   Quarry memory / RocksDB   quarry::q through the public API; RocksDB in a temporary directory,
//                             unsynced writes, compacted once loaded (Database::compact); a 60 s deadline on each case's first run
//   Q-rows                    quarry::q_rows on the memory store: the same answer as rows of cells in one
//                             block (what a caller reading row by row needs; SQLite's rows are read so too)
//   SQLite                    bench/sqlite_eav.hpp (EAV table, EAVT/AEVT/AVET/VAET covering
//                             indexes, ANALYZE after loading) and the hand-written SQL of
//                             bench/sqlite_queries.hpp, prepared once and reused
//   DataScript                bench/datascript_bench.mjs under node, given a manifest of the same
//                             files (the generated data is written out as EDN for it); missing node
//                             or package: the column says so and the rest runs
//
// The analyze column is what quarry::explain with {:analyze true} costs over the plain query on
// the in-memory store (the two run alternately; its :rows must equal the result size).
//
// Every system's result size is checked against queries.edn's :expected-count (DataScript 1.8.1's),
// or in --people mode against Quarry memory's; the aggregates' values too (Quarry and SQLite). A
// mismatch aborts with status 2: a wrong answer fast is not a result.
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <quarry/quarry.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "bench/bench_edn.hpp"
#include "bench/bench_timing.hpp"
#include "bench/clause_orders.hpp"
#include "bench/datascript_runner.hpp"
#include "bench/people_gen.hpp"
#include "bench/sqlite_eav.hpp"
#include "bench/sqlite_queries.hpp"

#ifndef QUARRY_BENCH_SOURCE_DIR
#define QUARRY_BENCH_SOURCE_DIR "bench"
#endif

using namespace quarry;
using namespace quarry::bench;
namespace fs = std::filesystem;

namespace {

constexpr int kDeadlineSeconds = 60;

struct Settings {
  fs::path data_dir{};
  std::int64_t people = 0;  // 0: people20k from the data dir
  std::uint64_t seed = kPeopleSeed;
  int runs = 7;
  int order_runs = 5;
  std::string only{};
  bool closure = false;
  bool orders = false;
  bool datascript = true;
  std::string node = "node";
  bool sqlite_memory = false;
  bool sqlite_plans = false;
};

[[noreturn]] void mismatch(const std::string& name, const std::string& system, const std::string& what) {
  std::fflush(stdout);
  std::fprintf(stderr, "\n*** WRONG RESULT: %s on %s: %s\n", name.c_str(), system.c_str(), what.c_str());
  std::exit(2);
}

// ------------------------------------------------------------------------------------------------
// Data: named datasets, each a base dataset (or an empty database) plus transactions.

struct Dataset {
  std::string name{};
  std::string base{};          // "" = starts from an empty database with the schema
  std::vector<Value> txs{};    // each a vector of entity maps, transacted in order
  std::vector<fs::path> files{};  // the same tx-data as EDN files, for DataScript
};

struct Data {
  Value schema{};
  Value queries{};
  std::vector<Dataset> datasets{};  // core, full, then the trees; a base comes before its users
  bool people_generated = false;
  [[nodiscard]] const Dataset& get(const std::string& name) const {
    for (const Dataset& d : datasets)
      if (d.name == name) return d;
    std::fprintf(stderr, "no dataset %s\n", name.c_str());
    std::exit(1);
  }
};

void write_edn_vector(const fs::path& path, const std::vector<Value>& chunks) {
  std::ofstream out(path);
  out << "[";
  for (const Value& chunk : chunks)
    for (const Value& m : chunk.as<Vector>().items) out << to_edn(m) << "\n";
  out << "]\n";
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

Data read_data(const Settings& s, const fs::path& scratch) {
  Data data;
  const fs::path& dir = s.data_dir;
  data.schema = must(read_edn(read_file(dir / "schema.edn")), "schema.edn");
  data.queries = must(read_edn(read_file(dir / "queries.edn")), "queries.edn");
  if (s.people > 0) {
    auto start = Clock::now();
    PeopleData people = generate_people(s.people, s.seed);
    Dataset core{.name = "core", .txs = people_chunks(std::move(people.core)), .files = {scratch / "people-core.edn"}};
    Dataset full{.name = "full", .base = "core", .txs = people_chunks(std::move(people.extra)), .files = {scratch / "people-extra.edn"}};
    write_edn_vector(core.files[0], core.txs);
    write_edn_vector(full.files[0], full.txs);
    std::printf("(generated %lld people, seed %llu, and wrote them as EDN: %.0f ms)\n", static_cast<long long>(s.people),
                static_cast<unsigned long long>(s.seed), seconds_since(start) * 1000);
    data.datasets.push_back(std::move(core));
    data.datasets.push_back(std::move(full));
    data.people_generated = true;
  } else {
    for (const auto& [name, base, file] : {std::tuple{"core", "", "people20k-core.edn"}, std::tuple{"full", "core", "people20k-extra.edn"}})
      data.datasets.push_back({.name = name, .base = base, .txs = {must(read_edn(read_file(dir / file)), file)}, .files = {dir / file}});
  }
  const Value* follows = lookup(data.queries, "rules-follows");
  for (const Value& db : lookup(*follows, "dbs")->as<Vector>().items) {
    const std::string name = db.as<Keyword>().name;
    const fs::path file = dir / (name + ".edn");
    data.datasets.push_back({.name = name, .txs = {must(read_edn(read_file(file)), name.c_str())}, .files = {file}});
  }
  return data;
}

std::set<std::string> card_many_attributes(const Value& schema) {
  std::set<std::string> out;
  for (const auto& [attr, spec] : schema.as<Map>().entries) {
    const Value* card = lookup(spec, "db/cardinality");
    if (card && *card == Value::keyword("db.cardinality/many")) out.insert(attr.as<Keyword>().qualified());
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Cases: the queries of queries.edn, each with its SQL.

struct Case {
  std::string name{};
  std::string db{};
  Value query{};
  std::string query_text{};
  std::vector<Value> args{};      // the :in values after $, rules (%) included
  std::vector<Value> sql_args{};  // the same without the rules: :in1, :in2 ...
  std::string sql{};              // "" = no SQL for it
  std::optional<std::size_t> expected{};   // queries.edn's count (DataScript 1.8.1's)
  std::optional<Value> aggregate_rows{};   // queries.edn's :result
  bool closure = false;
};

std::vector<Case> build_cases(const Data& data, const Settings& s) {
  const auto& sql = sqlite_queries();
  std::vector<Case> out;
  auto add = [&](Case c) {
    c.query_text = to_edn(c.query);
    const bool generated_db = data.people_generated && (c.db == "core" || c.db == "full");
    if (generated_db) {
      c.expected.reset();
      c.aggregate_rows.reset();
    }
    if (!s.only.empty() && c.name.find(s.only) == std::string::npos) return;
    out.push_back(std::move(c));
  };
  for (const char* name : {"q1", "q2", "q2-switch", "q3", "q4", "q5-shortcircuit", "qpred1", "qpred2", "fof-1",
                           "hop2-join", "reach-3hop", "reach-depth4", "reach-depth6", "reach-closure",
                           "agg-by-sex", "agg-by-name"}) {
    const Value* spec = lookup(data.queries, name);
    if (!spec) {
      std::fprintf(stderr, "queries.edn has no %s\n", name);
      std::exit(1);
    }
    Case c{.name = name, .db = lookup(*spec, "db")->as<Keyword>().name, .query = *lookup(*spec, "query")};
    c.closure = c.name == "reach-closure";
    if (c.closure && !s.closure) continue;
    const Value* rules = lookup(*spec, "rules");
    for (const Value& a : lookup(*spec, "args")->as<Vector>().items) {
      if (a.is<Symbol>() && a.as<Symbol>().name == "%" && rules) {
        c.args.push_back(*rules);
      } else {
        c.args.push_back(a);
        c.sql_args.push_back(a);
      }
    }
    c.expected = static_cast<std::size_t>(lookup(*spec, "expected-count")->as<std::int64_t>());
    if (const Value* result = lookup(*spec, "result")) c.aggregate_rows = *result;
    if (auto it = sql.find(name); it != sql.end()) c.sql = it->second;
    add(std::move(c));
  }
  const Value* follows = lookup(data.queries, "rules-follows");
  for (const Value& db : lookup(*follows, "dbs")->as<Vector>().items) {
    const std::string tree = db.as<Keyword>().name;
    Case c{.name = "rules-follows " + tree, .db = tree, .query = *lookup(*follows, "query")};
    c.args.push_back(*lookup(*follows, "rules"));
    c.expected = static_cast<std::size_t>(lookup(*lookup(*follows, "expected-count"), tree)->as<std::int64_t>());
    c.sql = sql.at("rules-follows");
    add(std::move(c));
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Quarry: one store kind, one database per dataset (full is loaded as core + extra), as SQLite
// below. Each query runs on the latest state of its database, as an application's do
// (Database::db()); a Db value held from before later writes (core's, had full been written on
// top of it) reads around RocksStore's range cache (doc/operations.md, "Memory: the range cache").

struct QuarryStore {
  std::string name{};
  std::unique_ptr<TempDir> dir{};
  std::vector<Database> databases{};
  std::map<std::string, Db> dbs{};
};

// RocksDB stores are compacted after loading unless --no-compact.
bool compact_after_load = true;

void load(QuarryStore& store, const Data& data) {
  std::printf("(Quarry %s load:", store.name.c_str());
  for (const Dataset& ds : data.datasets) {
    std::vector<const Dataset*> chain{&ds};
    while (!chain.back()->base.empty()) chain.push_back(&data.get(chain.back()->base));
    const std::string path = store.dir ? store.dir->path() + "/db" + std::to_string(store.databases.size()) : "";
    Database& database = store.databases.emplace_back(
        must(Database::open(Options{.path = path, .in_memory = !store.dir, .sync_writes = false}), "open"));
    must(database.declare_schema(data.schema), "schema");
    auto start = Clock::now();
    for (auto it = chain.rbegin(); it != chain.rend(); ++it)
      for (const Value& tx : (*it)->txs) must(database.transact(tx), (*it)->name.c_str());
    if (ds.name == "core" || ds.name == "full")
      std::printf(" %s%s %.0f ms", ds.name.c_str(), ds.base.empty() ? "" : " (core + extra)", seconds_since(start) * 1000);
  }
  if (store.dir && compact_after_load) {
    // The state a database is in once RocksDB has flushed its memtables (after a reopen, or in
    // steady use): table files and the block cache, not the skip lists writes first land in.
    const auto start = Clock::now();
    for (Database& db : store.databases) must(db.compact(), "compact");
    std::printf("; compacted %.0f ms", seconds_since(start) * 1000);
  }
  for (std::size_t i = 0; i < data.datasets.size(); ++i) store.dbs.insert_or_assign(data.datasets[i].name, store.databases[i].db());
  std::printf(")\n");
  std::fflush(stdout);
}

// Quarry runs prepared queries (quarry::prepare), as SQLite runs prepared statements.
Result<Value> run_quarry(const Case& c, const Db& db, const PreparedQuery& query, const QueryOptions& options = {}) {
  std::vector<QueryInput> inputs{db};
  for (const Value& a : c.args) inputs.emplace_back(a);
  auto r = q(query, inputs, options);
  if (!r) return std::unexpected(r.error());
  return std::move(r->value);
}

// What explain {:analyze true} costs over the plain query (issue 9: < 10%), on one store: the plain
// query and quarry::explain with analyze run alternately, `runs` times each after a warm-up of
// each, so that a change in the machine's load hits both alike; the medians of each (per call). Nothing when
// explain fails or its :rows disagrees with the query's result size (said on stderr). Not run for
// the one-run closure.
struct AnalyzeCost {
  double plain_ms = 0;
  double analyze_ms = 0;
};

// explain's :plan of the query on db, printed (the clause-order table counts the distinct ones: a
// figure no load changes), or the error.
std::string plan_text(const Case& c, const Db& db, const Value& query) {
  std::vector<QueryInput> inputs{db};
  for (const Value& a : c.args) inputs.emplace_back(a);
  auto plan = quarry::explain(query, inputs);
  if (!plan) return "error " + plan.error().to_edn();
  const Value* steps = lookup(*plan, "plan");
  return steps ? to_edn(*steps) : to_edn(*plan);
}

std::optional<AnalyzeCost> analyze_cost(const Case& c, const Db& db, int runs, std::size_t rows) {
  std::vector<QueryInput> inputs{db};
  for (const Value& a : c.args) inputs.emplace_back(a);
  const ExplainOptions analyze{.analyze = true};
  auto prepared = prepare(c.query);
  if (!prepared) return std::nullopt;
  auto first = explain(*prepared, inputs, analyze);
  const Value* reported = first ? lookup(*first, "rows") : nullptr;
  if (!reported || !reported->is<std::int64_t>() || static_cast<std::size_t>(reported->as<std::int64_t>()) != rows) {
    std::fprintf(stderr, "(explain {:analyze true} on %s: %s)\n", c.name.c_str(),
                 !first ? first.error().to_edn().c_str()
                        : ("its :rows is " + (reported ? to_edn(*reported) : std::string("missing")) + ", the query returns " +
                           std::to_string(rows)).c_str());
    return std::nullopt;
  }
  std::vector<double> plain, analyzed;
  for (int i = -1; i < runs; ++i) {
    auto start = Clock::now();
    auto r = q(*prepared, inputs);
    const double plain_ms = seconds_since(start) * 1000;
    // Freed before explain runs, as explain's answer is before the next plain query: neither
    // allocates while the other's answer (100 MB at 200,000 rows) is still held.
    const bool plain_ok = r.has_value();
    if (plain_ok) r->value = Value();
    start = Clock::now();
    // The answer comes back to the caller (ExplainOptions::result) and is disposed of after the
    // timing, as the plain query's is.
    QueryResult answer;
    ExplainOptions with_answer = analyze;
    with_answer.result = &answer;
    auto e = explain(*prepared, inputs, with_answer);
    const double analyze_ms = seconds_since(start) * 1000;
    if (!plain_ok || !e) return std::nullopt;
    if (i < 0) continue;  // the warm-up
    plain.push_back(plain_ms);
    analyzed.push_back(analyze_ms);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  };
  return AnalyzeCost{.plain_ms = median(plain), .analyze_ms = median(analyzed)};
}

// ------------------------------------------------------------------------------------------------
// SQLite: one database per dataset (full is loaded as core + extra).

struct SqliteStores {
  std::unique_ptr<TempDir> dir{};
  std::map<std::string, std::unique_ptr<SqliteEav>> dbs{};
};

void load(SqliteStores& stores, const Data& data, bool in_memory) {
  const std::set<std::string> many = card_many_attributes(data.schema);
  std::printf("(SQLite load, %s:", in_memory ? "in memory" : "temporary file");
  for (const Dataset& ds : data.datasets) {
    std::vector<const Dataset*> chain{&ds};
    while (!chain.back()->base.empty()) chain.push_back(&data.get(chain.back()->base));
    auto db = std::make_unique<SqliteEav>(in_memory ? ":memory:" : stores.dir->path() + "/" + ds.name + ".sqlite", many);
    auto start = Clock::now();
    for (auto it = chain.rbegin(); it != chain.rend(); ++it)
      for (const Value& tx : (*it)->txs) db->load(tx.as<Vector>().items);
    const double load_ms = seconds_since(start) * 1000;
    start = Clock::now();
    db->analyze();
    if (ds.name == "core" || ds.name == "full")
      std::printf(" %s%s %.0f ms + ANALYZE %.0f ms", ds.name.c_str(), ds.base.empty() ? "" : " (core + extra)", load_ms,
                  seconds_since(start) * 1000);
    stores.dbs[ds.name] = std::move(db);
  }
  std::printf(")\n");
  std::fflush(stdout);
}

// ------------------------------------------------------------------------------------------------
// DataScript: the same datasets (as files) and query texts, through bench/datascript_runner.hpp.

DataScriptResults datascript_results(const Data& data, const std::vector<Case>& cases, const Settings& s, const fs::path& scratch) {
  DataScriptRun run{.node = s.node, .script = fs::path(QUARRY_BENCH_SOURCE_DIR) / "datascript_bench.mjs", .runs = s.runs,
                    .schema = s.data_dir / "schema.edn", .scratch = scratch};
  for (const Dataset& ds : data.datasets) run.datasets.push_back({.name = ds.name, .base = ds.base, .files = ds.files});
  for (const Case& c : cases) {
    if (c.closure) continue;  // did not finish in 600 s in DataScript (bench/data/README.md)
    DataScriptCase dc{.name = c.name, .db = c.db, .query_edn = c.query_text};
    for (const Value& a : c.args) dc.args_edn.push_back(to_edn(a));
    run.cases.push_back(std::move(dc));
  }
  return quarry::bench::run_datascript(run);
}

// ------------------------------------------------------------------------------------------------
// Running and checking one case.

struct Measure {
  std::optional<double> median_ms{};
  std::string note{};  // instead of a time: "timeout", "error", "-"
};

// The count every system must return: queries.edn's, else (generated data) the first system's.
struct CountCheck {
  std::optional<std::size_t> want{};
  std::string source{};
  void check(const Case& c, const std::string& system, std::size_t got) {
    if (!want) {
      want = got;
      source = system;
      return;
    }
    if (got != *want)
      mismatch(c.name, system, source + " returns " + std::to_string(*want) + " tuples, " + system + " " + std::to_string(got));
  }
};

// Aggregate queries' rows: against queries.edn's :result, or (generated data) the first system's.
struct AggregateCheck {
  bool aggregate = false;
  std::optional<Value> want{};
  std::string source = "queries.edn";
  void check(const Case& c, const std::string& system, const Value& rows) {
    if (!aggregate) return;
    if (!want) {
      want = rows;
      source = system;
      return;
    }
    const std::vector<Value>& got = rows.is<Set>() ? rows.as<Set>().items : rows.as<Vector>().items;
    for (const Value& row : want->is<Set>() ? want->as<Set>().items : want->as<Vector>().items) {
      bool found = false;
      for (const Value& r : got) found = found || close_rows(r, row);
      if (!found) mismatch(c.name, system, "no row " + to_edn(row) + " (" + source + ") in " + to_edn(rows).substr(0, 400));
    }
  }
};

struct Checks {
  CountCheck counts{};
  AggregateCheck aggregates{};
};

Checks checks_for(const Case& c) {
  Checks k;
  if (c.expected) k.counts = {.want = c.expected, .source = "DataScript 1.8.1 (queries.edn)"};
  k.aggregates.aggregate = c.name.starts_with("agg-");
  k.aggregates.want = c.aggregate_rows;
  return k;
}

// One Quarry store on one case through run(options) (q or q_rows of the prepared query): a first
// run with a deadline, its result checked by check(result), then the timed runs.
template <class Run, class Check>
Measure measure_runs(const Case& c, const std::string& system, int runs, Run run, Check check) {
  const QueryOptions options{.deadline = Clock::now() + std::chrono::seconds(kDeadlineSeconds)};
  auto start = Clock::now();
  auto r = run(options);
  const double first_ms = seconds_since(start) * 1000;
  if (!r && r.error().code == ErrorCode::QueryTimeout) return {.note = "timeout"};
  if (!r && r.error().code == ErrorCode::QueryLimit) return {.note = "row limit"};
  if (!r) return {.note = "error " + r.error().to_edn()};
  check(*r);
  if (c.closure) return {.median_ms = first_ms};
  const bool long_case = first_ms > 1000;
  const Timing t = time_runs(long_case ? 0 : 1, long_case ? 3 : runs, [&] {
    auto again = run(QueryOptions{});
    if (!again) mismatch(c.name, system, "error " + again.error().to_edn());
  });
  return {.median_ms = t.median_ms};
}

// quarry::q: the result's size and aggregates are checked.
Measure measure_quarry(const Case& c, const Db& db, const Value& query, const std::string& system, int runs, Checks& checks) {
  auto prepared = prepare(query);
  if (!prepared) return {.note = "error " + prepared.error().to_edn()};
  return measure_runs(
      c, system, runs, [&](const QueryOptions& options) { return run_quarry(c, db, *prepared, options); },
      [&](const Value& r) {
        const std::size_t n = result_size(r);
        if (n == SIZE_MAX) mismatch(c.name, system, "not a relation: " + to_edn(r).substr(0, 200));
        checks.counts.check(c, system, n);
        checks.aggregates.check(c, system, r);
      });
}

// The same case through quarry::q_rows (the answer as rows of cells in one block, no vector per
// row): its row count is checked like every system's result size.
Measure measure_rows(const Case& c, const Db& db, int runs, Checks& checks) {
  auto prepared = prepare(c.query);
  if (!prepared) return {.note = "error " + prepared.error().to_edn()};
  std::vector<QueryInput> inputs{db};
  for (const Value& a : c.args) inputs.emplace_back(a);
  const std::string system = "Quarry memory rows";
  return measure_runs(
      c, system, runs, [&](const QueryOptions& options) { return q_rows(*prepared, inputs, options); },
      [&](const QueryRows& r) { checks.counts.check(c, system, r.size()); });
}

// Every order of one case on one store, for the clause-order table: each order's first run is
// checked (count) with the deadline, then `runs` rounds each run every order once, so that a change
// in the machine's load hits all orders alike; each order's median over the rounds, in the
// thread's CPU time (a query runs on the calling thread): on a busy machine the wall clock of a
// 1 ms query moves several times over, its CPU time far less. Queries under a millisecond are
// timed in batches of about a millisecond (a run's figure is its batch's time / the batch size).
double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1000 + static_cast<double>(t.tv_nsec) / 1e6;
}

std::vector<Measure> measure_orders(const Case& c, const Db& db, const std::vector<Ordering>& orders,
                                    const std::string& system, int runs) {
  std::vector<Measure> out(orders.size());
  std::vector<std::optional<PreparedQuery>> prepared(orders.size());
  std::vector<std::vector<double>> ms(orders.size());
  Checks checks = checks_for(c);
  checks.aggregates.aggregate = false;  // the main table checked the values
  for (std::size_t k = 0; k < orders.size(); ++k) {
    auto p = prepare(orders[k].query);
    if (!p) {
      out[k].note = "error " + p.error().to_edn();
      continue;
    }
    const QueryOptions options{.deadline = Clock::now() + std::chrono::seconds(kDeadlineSeconds)};
    auto r = run_quarry(c, db, *p, options);
    if (!r) {
      out[k].note = r.error().code == ErrorCode::QueryTimeout ? "timeout" : "error " + r.error().to_edn();
      continue;
    }
    checks.counts.check(c, system, result_size(*r));
    prepared[k] = std::move(*p);
  }
  // A query of a few microseconds is timed in batches of about a millisecond, so that the clock's
  // grain and one interruption do not decide its figure.
  int batch = 1;
  for (std::size_t k = 0; k < orders.size(); ++k) {
    if (!prepared[k]) continue;
    const double start = thread_cpu_ms();
    (void)run_quarry(c, db, *prepared[k]);
    batch = static_cast<int>(std::clamp(1.0 / std::max(thread_cpu_ms() - start, 1e-4), 1.0, 1000.0));
    break;
  }
  for (int round = 0; round < runs; ++round)
    for (std::size_t k = 0; k < orders.size(); ++k) {
      if (!prepared[k]) continue;
      const double start = thread_cpu_ms();
      for (int b = 0; b < batch; ++b) {
        auto again = run_quarry(c, db, *prepared[k]);
        if (!again) mismatch(c.name, system, "error " + again.error().to_edn());
      }
      ms[k].push_back((thread_cpu_ms() - start) / batch);
    }
  for (std::size_t k = 0; k < orders.size(); ++k) {
    if (ms[k].empty()) continue;
    std::sort(ms[k].begin(), ms[k].end());
    const std::size_t n = ms[k].size();
    out[k].median_ms = n % 2 ? ms[k][n / 2] : (ms[k][n / 2 - 1] + ms[k][n / 2]) / 2;
  }
  return out;
}

void print_sqlite_plan(const Case& c, SqliteEav& db) {
  if (c.sql.empty()) return;
  Statement explain(db.handle(), "EXPLAIN QUERY PLAN " + c.sql, db.attrs());
  std::printf("  SQLite plan of %s:", c.name.c_str());
  const Value plan = explain.rows(c.sql_args);
  for (const Value& row : plan.as<Vector>().items) std::printf(" [%s]", row.as<Vector>().items.back().as<std::string>().c_str());
  std::printf("\n");
}

Measure measure_sqlite(const Case& c, SqliteEav& db, int runs, Checks& checks) {
  if (c.sql.empty()) return {.note = "-"};
  Statement statement(db.handle(), c.sql, db.attrs());
  auto start = Clock::now();
  const Value rows = statement.rows(c.sql_args);
  const double first_ms = seconds_since(start) * 1000;
  checks.counts.check(c, "SQLite", result_size(rows));
  checks.aggregates.check(c, "SQLite", rows);
  if (c.closure) return {.median_ms = first_ms};
  const bool long_case = first_ms > 1000;
  const Timing t = time_runs(long_case ? 0 : 1, long_case ? 3 : runs, [&] { (void)statement.run(c.sql_args); });
  return {.median_ms = t.median_ms};
}

std::string ms_text(const std::optional<double>& ms) {
  if (!ms) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, *ms < 0.1 ? "%.3f" : *ms < 10 ? "%.2f" : *ms < 1000 ? "%.1f" : "%.0f", *ms);
  return buf;
}

std::string ratio_text(const std::optional<double>& a, const std::optional<double>& b) {
  if (!a || !b || *b <= 0) return "-";
  char buf[32];
  const double r = *a / *b;
  std::snprintf(buf, sizeof buf, r < 10 ? "%.2f" : r < 100 ? "%.1f" : "%.0f", r);
  return buf;
}

std::string cell(const Measure& m) { return m.median_ms ? ms_text(m.median_ms) : m.note; }

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  if (const char* env = std::getenv("QUARRY_BENCH_DATA")) s.data_dir = env;
  else s.data_dir = QUARRY_BENCH_DATA_DIR;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--people" && has_value) s.people = std::max<std::int64_t>(1, std::atoll(argv[++i]));
    else if (a == "--seed" && has_value) s.seed = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--runs" && has_value) s.runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--order-runs" && has_value) s.order_runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--only" && has_value) s.only = argv[++i];
    else if (a == "--node" && has_value) s.node = argv[++i];
    else if (a == "--closure") s.closure = true;
    else if (a == "--orders") s.orders = true;
    else if (a == "--no-datascript") s.datascript = false;
    else if (a == "--no-compact") compact_after_load = false;
    else if (a == "--sqlite-memory") s.sqlite_memory = true;
    else if (a == "--sqlite-plans") s.sqlite_plans = true;
    else if (a.starts_with("--")) {
      std::fprintf(stderr, "unknown option %s (see the comment at the top of bench/compare_bench.cpp)\n", argv[i]);
      return 1;
    } else s.data_dir = argv[i];
  }
  if (!fs::exists(s.data_dir / "queries.edn")) {
    std::fprintf(stderr, "no queries.edn in %s: give the benchmark data folder as the first argument\n", s.data_dir.c_str());
    return 1;
  }

  std::printf("load average (1 min) at start: %.2f\n", load_average());
  TempDir scratch("quarry-compare-bench");
  auto start = Clock::now();
  const Data data = read_data(s, scratch.path());
  std::printf("(read the bench data: %.0f ms)\n", seconds_since(start) * 1000);
  const std::vector<Case> cases = build_cases(data, s);

  QuarryStore memory{.name = "memory"};
  QuarryStore rocks{.name = "RocksDB", .dir = std::make_unique<TempDir>("quarry-compare-rocks")};
  SqliteStores sqlite{.dir = std::make_unique<TempDir>("quarry-compare-sqlite")};
  load(memory, data);
  load(rocks, data);
  load(sqlite, data, s.sqlite_memory);

  DataScriptResults ds;
  if (s.datascript) ds = datascript_results(data, cases, s, scratch.path());
  else ds.note = "DataScript left out (--no-datascript)";
  if (ds.ran) {
    std::printf("(DataScript load:");
    for (const char* name : {"core", "full"})
      if (ds.load_ms.contains(name)) std::printf(" %s %.0f ms", name, ds.load_ms[name]);
    std::printf(")\n");
  }

  const std::size_t core_datoms = data.people_generated ? static_cast<std::size_t>(s.people) * 5 : 100'000;
  std::printf("\n%s: %zu core datoms (:core), plus :follows%s (:full); rules-follows on bench-data's trees\n",
              data.people_generated ? "generated people" : "people20k", core_datoms,
              data.people_generated ? "" : ", :alias and :full-name");
  std::printf("median ms of %d timed runs after warm-ups (3 runs for cases over 1 s; reach-closure: one run)\n", s.runs);
  std::printf("%s; SQLite %s (%s)\n", ds.note.c_str(), sqlite3_libversion(), s.sqlite_memory ? "in memory" : "temporary file");
  std::printf("ratios: mem/SQL = Quarry memory / SQLite, rocks/SQL = Quarry RocksDB / SQLite, DS/mem = DataScript / Quarry memory\n");
  std::printf("Q-rows = quarry::q_rows on Quarry memory (the answer as rows of cells, no vector per row); rows/SQL = Q-rows / SQLite\n");
  std::printf("analyze = explain {:analyze true} over the plain query on Quarry memory (run alternately with it, "
              "%d runs each, or up to 2,000 for a query under ~3 ms: about 20 ms of plain runs)\n\n", s.runs);
  std::printf("| query                   |   rows |  SQLite | Q-memory | Q-RocksDB | DataScript | mem/SQL | rocks/SQL | DS/mem | analyze | Q-rows | rows/SQL |\n");
  std::printf("|-------------------------|-------:|--------:|---------:|----------:|-----------:|--------:|----------:|-------:|--------:|-------:|---------:|\n");
  std::fflush(stdout);

  struct Row {
    std::string name{};
    Measure sql{}, mem{}, rocks{}, rows{};
    std::optional<double> ds{};
    std::optional<double> analyze_overhead{};  // explain {:analyze true} / plain - 1, Quarry memory
  };
  std::vector<Row> rows;
  for (const Case& c : cases) {
    Checks checks = checks_for(c);
    if (s.sqlite_plans) print_sqlite_plan(c, *sqlite.dbs.at(c.db));
    Row row{.name = c.name};
    row.mem = measure_quarry(c, memory.dbs.at(c.db), c.query, "Quarry memory", s.runs, checks);
    row.rocks = measure_quarry(c, rocks.dbs.at(c.db), c.query, "Quarry RocksDB", s.runs, checks);
    row.rows = measure_rows(c, memory.dbs.at(c.db), s.runs, checks);
    for (const Measure* m : {&row.mem, &row.rocks, &row.rows})
      if (m->note.starts_with("error")) mismatch(c.name, "Quarry", m->note);
    row.sql = measure_sqlite(c, *sqlite.dbs.at(c.db), s.runs, checks);
    std::string ds_cell = "-";
    if (c.closure) {
      ds_cell = "not run";
    } else if (ds.ran && ds.error.contains(c.name)) {
      ds_cell = "error";
      std::fprintf(stderr, "(DataScript error on %s: %s)\n", c.name.c_str(), ds.error[c.name].c_str());
    } else if (ds.ran) {
      checks.counts.check(c, "DataScript", ds.count.at(c.name));
      row.ds = ds.median_ms.at(c.name);
      ds_cell = ms_text(row.ds);
    }
    std::string analyze_cell = "-";
    if (row.mem.median_ms && checks.counts.want && !c.closure) {
      // A query of a few microseconds is run alternately more often, up to ~20 ms of plain runs and
      // at most 2,000 times: with --runs' 7, the median overhead of q5-shortcircuit (3 µs) moved
      // between +24% and +42% from one run of the same build to the next.
      const int analyze_runs = std::max(s.runs, static_cast<int>(std::min(2000.0, 20.0 / *row.mem.median_ms)));
      if (const auto cost = analyze_cost(c, memory.dbs.at(c.db), analyze_runs, *checks.counts.want)) {
        row.analyze_overhead = cost->analyze_ms / cost->plain_ms - 1;
        char buf[32];
        std::snprintf(buf, sizeof buf, "%+.0f%%", *row.analyze_overhead * 100);
        analyze_cell = buf;
      } else {
        analyze_cell = "failed";
      }
    }
    std::printf("| %-23s | %6s | %7s | %8s | %9s | %10s | %7s | %9s | %6s | %7s | %6s | %8s |\n", c.name.c_str(),
                checks.counts.want ? std::to_string(*checks.counts.want).c_str() : "?", cell(row.sql).c_str(),
                cell(row.mem).c_str(), cell(row.rocks).c_str(), ds_cell.c_str(),
                ratio_text(row.mem.median_ms, row.sql.median_ms).c_str(),
                ratio_text(row.rocks.median_ms, row.sql.median_ms).c_str(), ratio_text(row.ds, row.mem.median_ms).c_str(),
                analyze_cell.c_str(), cell(row.rows).c_str(), ratio_text(row.rows.median_ms, row.sql.median_ms).c_str());
    std::fflush(stdout);
    rows.push_back(std::move(row));
  }
  std::printf("\nload average (1 min) with the table: %.2f\n", load_average());

  // Issue 9's targets, read off the table.
  auto tally = [&](const char* what, auto&& value, auto&& meets) {
    int met = 0, total = 0;
    std::string misses;
    for (const Row& r : rows) {
      const std::optional<double> v = value(r);
      if (!v) continue;
      ++total;
      if (meets(*v)) ++met;
      else {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%s%s %.2f", misses.empty() ? "" : ", ", r.name.c_str(), *v);
        misses += buf;
      }
    }
    std::printf("- %s: %d of %d%s%s\n", what, met, total, misses.empty() ? "" : "; misses: ", misses.c_str());
  };
  auto ratio = [](const std::optional<double>& a, const std::optional<double>& b) -> std::optional<double> {
    if (!a || !b || *b <= 0) return std::nullopt;
    return *a / *b;
  };
  std::printf("\ntargets (issue 9):\n");
  tally("Quarry memory within 1.0x of SQLite", [&](const Row& r) { return ratio(r.mem.median_ms, r.sql.median_ms); },
        [](double x) { return x <= 1.0; });
  tally("Quarry RocksDB within 2.0x of SQLite", [&](const Row& r) { return ratio(r.rocks.median_ms, r.sql.median_ms); },
        [](double x) { return x <= 2.0; });
  tally("Quarry memory >= 20x faster than DataScript", [&](const Row& r) { return ratio(r.ds, r.mem.median_ms); },
        [](double x) { return x >= 20.0; });
  tally("(beside the targets) Quarry memory through q_rows within 1.0x of SQLite",
        [&](const Row& r) { return ratio(r.rows.median_ms, r.sql.median_ms); }, [](double x) { return x <= 1.0; });
  tally("explain {:analyze true} < 10% over the plain query (Quarry memory; overhead as a fraction)",
        [&](const Row& r) { return r.analyze_overhead; }, [](double x) { return x < 0.10; });
  std::fflush(stdout);

  if (!s.orders) return 0;

  // Every query in its clause orders, through Quarry: best and worst order's median.
  std::printf("\nclause orders: every order of the :where clauses (written and reversed above 5 clauses), "
              "%d rounds each running every order once, each order's median thread CPU time (ms); worst/best per store\n\n", s.order_runs);
  std::printf("| query                   | clauses | orders | plans | mem best | mem worst | worst/best | worst order (mem) | rocks best | rocks worst | worst/best | failed |\n");
  std::printf("|-------------------------|--------:|-------:|------:|---------:|----------:|-----------:|-------------------|-----------:|------------:|-----------:|-------:|\n");
  std::fflush(stdout);
  int orders_met = 0, orders_total = 0, one_plan = 0;
  std::string orders_misses;
  for (const Case& c : cases) {
    if (c.closure) continue;
    const std::vector<Ordering> orders = clause_orders(c.query);
    if (orders.empty()) continue;
    struct Extremes {
      std::optional<double> best, worst;
      std::vector<std::size_t> worst_order;
    } ext[2];
    int failed = 0;
    std::string first_failure;
    QuarryStore* stores[2] = {&memory, &rocks};
    std::set<std::string> plans;  // explain's :plan of every order, on the memory store
    for (const Ordering& o : orders) plans.insert(plan_text(c, memory.dbs.at(c.db), o.query));
    for (int k = 0; k < 2; ++k) {
      const std::vector<Measure> times = measure_orders(c, stores[k]->dbs.at(c.db), orders, stores[k]->name, s.order_runs);
      for (std::size_t i = 0; i < orders.size(); ++i) {
        const Measure& m = times[i];
        if (!m.median_ms) {
          ++failed;
          if (first_failure.empty()) first_failure = order_text(orders[i].order) + " on " + stores[k]->name + ": " + m.note;
          continue;
        }
        Extremes& e = ext[k];
        if (!e.best || *m.median_ms < *e.best) e.best = m.median_ms;
        if (!e.worst || *m.median_ms > *e.worst) {
          e.worst = m.median_ms;
          e.worst_order = orders[i].order;
        }
      }
    }
    one_plan += plans.size() == 1 ? 1 : 0;
    std::printf("| %-23s | %7zu | %6zu | %5zu | %8s | %9s | %10s | %-17s | %10s | %11s | %10s | %6d |\n", c.name.c_str(),
                orders.front().order.size(), orders.size(), plans.size(), ms_text(ext[0].best).c_str(), ms_text(ext[0].worst).c_str(),
                ratio_text(ext[0].worst, ext[0].best).c_str(), order_text(ext[0].worst_order).c_str(),
                ms_text(ext[1].best).c_str(), ms_text(ext[1].worst).c_str(), ratio_text(ext[1].worst, ext[1].best).c_str(),
                failed);
    if (!first_failure.empty()) std::printf("  (first failed order of %s: %s)\n", c.name.c_str(), first_failure.c_str());
    std::fflush(stdout);
    ++orders_total;
    const std::optional<double> r = ratio(ext[0].worst, ext[0].best);
    if (failed == 0 && r && *r <= 1.2) ++orders_met;
    else orders_misses += (orders_misses.empty() ? "" : ", ") + c.name;
  }
  std::printf("\n- one plan for every clause order (explain's :plan, memory store): %d of %d\n", one_plan, orders_total);
  std::printf("- worst clause order within 1.2x of the best (Quarry memory, no failed order): %d of %d%s%s\n", orders_met,
              orders_total, orders_misses.empty() ? "" : "; misses: ", orders_misses.c_str());
  std::printf("load average (1 min) after the clause orders: %.2f\n", load_average());
  return 0;
}
