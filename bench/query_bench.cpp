// Query benchmark: DataScript's benchmark queries (bench/data/queries.edn) through quarry::q and
// Db::pull/pull_many on the in-memory store and on RocksDB, next to DataScript's figures on this
// machine. Prints one table; see bench/README.md ("Queries").
//
//   bench_query_bench [BENCH_DATA_DIR] [--runs N] [--only NAME] [--closure]
//       BENCH_DATA_DIR  default: the repository's bench/data
//       --runs N        timed runs per case after 2 warm-ups (default 7; cases slower than 1 s: 3)
//       --only NAME     run only the cases whose name contains NAME
//       --closure       also run reach-closure (the unbounded :follows closure DataScript did not
//                       finish in 600 s): one run per store
// Every case's first run has a 60 s deadline: past it the table says "timeout" and moves on.
//
// Data: schema.edn, then people20k-core.edn as one transaction (the :core database), then
// people20k-extra.edn as a second one (:full); each wide-*/long-* tree in a database of its own.
// RocksDB stores live in temporary directories with unsynced writes.
//
// Every case checks its result against DataScript 1.8.1's: the number of result tuples (and for
// the aggregate queries the values); pulls check that every entity came back (for the recursive
// pulls, that the nested :follows maps cover the whole tree). A mismatch aborts with status 2:
// a wrong answer fast is not a result.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <quarry/quarry.hpp>
#include <set>
#include <string>
#include <vector>

#include "bench/bench_edn.hpp"
#include "bench/bench_timing.hpp"

using namespace quarry;
using namespace quarry::bench;
namespace fs = std::filesystem;

namespace {

// DataScript 1.8.1 under node on this machine, median ms (bench/data/README.md).
const std::map<std::string, double> kDataScriptMs = {
    {"q1", 12.8},     {"q2", 24.8},     {"q2-switch", 29.4},           {"q3", 35.6},
    {"q4", 45.8},     {"qpred1", 80.0}, {"qpred2", 83.8},              {"rules-follows wide-5x3", 27.9},
    {"pull-1000-wildcard", 91.2},
};

constexpr int kDeadlineSeconds = 60;

[[noreturn]] void mismatch(const std::string& name, const std::string& store, const std::string& what) {
  std::fflush(stdout);
  std::fprintf(stderr, "\n*** WRONG RESULT: %s on %s: %s\n", name.c_str(), store.c_str(), what.c_str());
  std::exit(2);
}

// One database per dataset, on one kind of store.
struct Store {
  std::string name{};
  std::unique_ptr<TempDir> dir{};
  std::vector<Database> databases{};  // kept open: the Db values below read them
  std::map<std::string, Db> dbs{};    // "core", "full", "wide-3x3", ...
};

Database open_database(Store& store) {
  const std::string path = store.dir ? store.dir->path() + "/db" + std::to_string(store.databases.size()) : "";
  return must(Database::open(Options{.path = path, .in_memory = !store.dir, .sync_writes = false}), "open");
}

struct Data {
  Value schema;
  Value core, extra;
  std::map<std::string, Value> trees;  // name -> tx-data
};

void load(Store& store, const Data& data) {
  {
    Database db = open_database(store);
    must(db.declare_schema(data.schema), "schema");
    auto start = Clock::now();
    must(db.transact(data.core), "people20k-core");
    std::printf("(%s: people20k-core as one tx: %.0f ms", store.name.c_str(), seconds_since(start) * 1000);
    store.dbs.insert_or_assign("core", db.db());
    start = Clock::now();
    must(db.transact(data.extra), "people20k-extra");
    std::printf("; people20k-extra: %.0f ms)\n", seconds_since(start) * 1000);
    std::fflush(stdout);
    store.dbs.insert_or_assign("full", db.db());
    store.databases.push_back(std::move(db));
  }
  for (const auto& [name, tx] : data.trees) {
    Database db = open_database(store);
    must(db.declare_schema(data.schema), "schema");
    must(db.transact(tx), name.c_str());
    store.dbs.insert_or_assign(name, db.db());
    store.databases.push_back(std::move(db));
  }
}

// What a case checks its result against.
struct Expect {
  std::optional<std::size_t> count{};    // result tuples / pulled entities
  std::optional<Value> aggregate_rows{};  // :result of the aggregate queries (a vector of rows)
};

struct Case {
  std::string name{};
  std::string db{};
  // A query, or a pull (pattern + eids; one eid means Db::pull, several Db::pull_many).
  std::optional<Value> query{};
  std::vector<Value> args{};  // after the database, in :in order
  std::optional<Value> pull_pattern{};
  std::vector<Value> pull_eids{};
  Expect expect{};
  bool slow = false;  // reach-closure: one run, with a deadline
};

// Counts the maps in a pull result, following nested maps and collections.
std::size_t count_maps(const Value& v) {
  std::size_t n = 0;
  if (const Map* m = v.get_if<Map>()) {
    n = 1;
    for (const auto& [k, x] : m->entries) n += count_maps(x);
  } else if (const Vector* vec = v.get_if<Vector>()) {
    for (const auto& x : vec->items) n += count_maps(x);
  } else if (const Set* s = v.get_if<Set>()) {
    for (const auto& x : s->items) n += count_maps(x);
  }
  return n;
}

void check(const Case& c, const std::string& store, const Value& result) {
  if (c.query) {
    std::size_t n = 0;
    if (const Set* s = result.get_if<Set>()) n = s->items.size();
    else if (const Vector* v = result.get_if<Vector>()) n = v->items.size();
    else mismatch(c.name, store, "not a relation: " + to_edn(result).substr(0, 200));
    if (c.expect.count && n != *c.expect.count)
      mismatch(c.name, store, "DataScript returns " + std::to_string(*c.expect.count) + " tuples, Quarry " + std::to_string(n));
    if (c.expect.aggregate_rows) {
      for (const Value& want : c.expect.aggregate_rows->as<Vector>().items) {
        bool found = false;
        for (const Value& row : result.as<Set>().items) found = found || close_rows(row, want);
        if (!found) mismatch(c.name, store, "no row " + to_edn(want) + " in " + to_edn(result));
      }
    }
    return;
  }
  std::size_t n = 0;
  if (c.pull_eids.size() == 1) {
    n = count_maps(result);
  } else {
    for (const Value& one : result.as<Vector>().items) {
      if (!one.is<Map>()) mismatch(c.name, store, "an entity pulled as " + to_edn(one));
      ++n;
    }
  }
  if (c.expect.count && n != *c.expect.count)
    mismatch(c.name, store, "expected " + std::to_string(*c.expect.count) + " entities, got " + std::to_string(n));
}

Result<Value> run(const Case& c, const Db& db, const QueryOptions& options = {}) {
  if (c.query) {
    std::vector<QueryInput> inputs{db};
    for (const Value& a : c.args) inputs.emplace_back(a);
    auto r = q(*c.query, inputs, options);
    if (!r) return std::unexpected(r.error());
    return std::move(r->value);
  }
  if (c.pull_eids.size() == 1) return db.pull(*c.pull_pattern, c.pull_eids.front());
  return db.pull_many(*c.pull_pattern, c.pull_eids);
}

// The entities of a tree's tx-data (the maps' :db/id and :follows targets).
std::size_t tree_entities(const Value& tx) {
  std::set<std::int64_t> ids;
  for (const Value& m : tx.as<Vector>().items) {
    if (const Value* id = lookup(m, "db/id")) ids.insert(id->as<std::int64_t>());
    if (const Value* f = lookup(m, "follows"))
      for (const Value& t : f->as<Vector>().items) ids.insert(t.as<std::int64_t>());
  }
  return ids.size();
}

std::vector<Case> cases_from(const Value& queries, const Data& data, bool closure) {
  std::vector<Case> out;
  for (const char* name : {"q1", "q2", "q2-switch", "q3", "q4", "q5-shortcircuit", "qpred1", "qpred2", "fof-1",
                           "hop2-join", "reach-3hop", "reach-depth4", "reach-depth6", "reach-closure",
                           "agg-by-sex", "agg-by-name"}) {
    const Value* spec = lookup(queries, name);
    if (!spec) {
      std::fprintf(stderr, "queries.edn has no %s\n", name);
      std::exit(1);
    }
    if (std::string_view(name) == "reach-closure" && !closure) continue;
    Case c{.name = name, .db = lookup(*spec, "db")->as<Keyword>().name, .query = *lookup(*spec, "query")};
    const Value* rules = lookup(*spec, "rules");
    for (const Value& a : lookup(*spec, "args")->as<Vector>().items)
      c.args.push_back(a.is<Symbol>() && a.as<Symbol>().name == "%" && rules ? *rules : a);
    c.expect.count = static_cast<std::size_t>(lookup(*spec, "expected-count")->as<std::int64_t>());
    if (const Value* result = lookup(*spec, "result")) c.expect.aggregate_rows = *result;
    c.slow = std::string_view(name) == "reach-closure";
    out.push_back(std::move(c));
  }
  const Value* follows = lookup(queries, "rules-follows");
  for (const Value& db : lookup(*follows, "dbs")->as<Vector>().items) {
    const std::string tree = db.as<Keyword>().name;
    Case c{.name = "rules-follows " + tree, .db = tree, .query = *lookup(*follows, "query")};
    c.args.push_back(*lookup(*follows, "rules"));
    c.expect.count = static_cast<std::size_t>(lookup(*lookup(*follows, "expected-count"), tree)->as<std::int64_t>());
    out.push_back(std::move(c));
  }
  std::vector<Value> thousand;
  for (std::int64_t e = 1; e <= 1000; ++e) thousand.emplace_back(e);
  for (const char* name : {"pull-1000-attrs", "pull-1000-wildcard", "pull-one", "pull-many", "pull-wildcard"}) {
    const Value* spec = lookup(queries, name);
    Case c{.name = name, .db = lookup(*spec, "db")->as<Keyword>().name, .pull_pattern = *lookup(*spec, "pull")};
    if (c.db == "full") {
      c.pull_eids = thousand;
      c.expect.count = 1000;
    } else {
      c.pull_eids = {Value(std::int64_t{1})};
      c.expect.count = tree_entities(data.trees.at(c.db));
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string ms_text(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, ms < 10 ? "%.2f" : "%.1f", ms);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = QUARRY_BENCH_DATA_DIR;
  int runs = 7;
  std::string only;
  bool closure = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
    else if (!std::strcmp(argv[i], "--closure")) closure = true;
    else dir = argv[i];
  }

  auto start = Clock::now();
  Data data;
  data.schema = must(read_edn(read_file(dir / "schema.edn")), "schema.edn");
  data.core = must(read_edn(read_file(dir / "people20k-core.edn")), "people20k-core.edn");
  data.extra = must(read_edn(read_file(dir / "people20k-extra.edn")), "people20k-extra.edn");
  const Value queries = must(read_edn(read_file(dir / "queries.edn")), "queries.edn");
  for (const Value& db : lookup(*lookup(queries, "rules-follows"), "dbs")->as<Vector>().items) {
    const std::string name = db.as<Keyword>().name;
    data.trees[name] = must(read_edn(read_file(dir / (name + ".edn"))), name.c_str());
  }
  data.trees["wide-4x5"] = must(read_edn(read_file(dir / "wide-4x5.edn")), "wide-4x5.edn");
  std::printf("(read the bench data as EDN: %.0f ms)\n", seconds_since(start) * 1000);

  Store memory{.name = "memory"};
  Store rocks{.name = "RocksDB", .dir = std::make_unique<TempDir>("quarry-query-bench")};
  load(memory, data);
  load(rocks, data);

  std::printf("\n%d timed runs after 2 warm-ups (3 runs for cases over 1 s); ms = median / min\n\n", runs);
  std::printf("| query                   |   rows | DataScript ms |   memory ms (med / min) |  RocksDB ms (med / min) | mem / DS | rocks / DS |\n");
  std::printf("|-------------------------|-------:|--------------:|------------------------:|------------------------:|---------:|-----------:|\n");
  std::fflush(stdout);
  for (const Case& c : cases_from(queries, data, closure)) {
    if (!only.empty() && c.name.find(only) == std::string::npos) continue;
    Timing t[2];
    std::string cell[2];
    Store* stores[2] = {&memory, &rocks};
    for (int s = 0; s < 2; ++s) {
      const Db& db = stores[s]->dbs.at(c.db);
      // The first run has a deadline, so that a pathological plan shows up as a timeout in the
      // table instead of hanging the benchmark; it also serves as the first warm-up.
      const QueryOptions options{.deadline = Clock::now() + std::chrono::seconds(kDeadlineSeconds)};
      auto first = Clock::now();
      auto r = run(c, db, options);
      const double first_ms = seconds_since(first) * 1000;
      if (!r && (r.error().code == ErrorCode::QueryTimeout || r.error().code == ErrorCode::QueryLimit)) {
        cell[s] = r.error().code == ErrorCode::QueryTimeout ? "timeout (> 60 s)" : "row limit";
        continue;
      }
      if (!r) mismatch(c.name, stores[s]->name, "error " + r.error().to_edn());
      check(c, stores[s]->name, *r);
      if (c.slow) {
        t[s] = {first_ms, first_ms};
      } else {
        const bool long_case = first_ms > 1000;
        t[s] = time_runs(long_case ? 0 : 1, long_case ? 3 : runs, [&] {
          auto again = run(c, db);
          if (!again) mismatch(c.name, stores[s]->name, "error " + again.error().to_edn());
        });
      }
      cell[s] = ms_text(t[s].median_ms) + " / " + ms_text(t[s].min_ms);
    }
    auto ds = kDataScriptMs.find(c.name);
    std::string ds_cell = ds == kDataScriptMs.end() ? (c.slow ? "> 600000" : "-") : ms_text(ds->second);
    std::string ratio[2];
    for (int s = 0; s < 2; ++s) {
      char buf[32] = "-";
      if (ds != kDataScriptMs.end() && t[s].median_ms > 0) std::snprintf(buf, sizeof buf, "%.2f", t[s].median_ms / ds->second);
      ratio[s] = buf;
    }
    std::printf("| %-23s | %6zu | %13s | %23s | %23s | %8s | %10s |\n", c.name.c_str(), c.expect.count.value_or(0),
                ds_cell.c_str(), cell[0].c_str(), cell[1].c_str(), ratio[0].c_str(), ratio[1].c_str());
    std::fflush(stdout);
  }
  return 0;
}
