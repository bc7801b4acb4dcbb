// Quarry at scale next to SQLite, in one run on the same generated data (issue 13): for each size,
// loading (rate, peak RSS, on-disk size, bytes per datom, the largest the WAL got) and a set of
// queries, each system's median time and the ratio.
//
//   bench_scale_bench [options]
//     --datoms N[,N...]  sizes in datoms (default 100000,1000000); --big adds 10000000
//     --big              also 10,000,000 datoms (several GB of disk, long)
//     --seed S           generator seed (default 20260101)
//     --runs N           timed runs per query after one warm-up (default 5)
//     --batch N          ImportOptions::batch_size (default 10000)
//     --lookups N        entities per pull / entity-lookup run (default 1000)
//     --paths P[,P]      import paths to load Quarry by, in order: ordinary (ImportOptions::bulk
//                        Never) and/or bulk (Always); default ordinary,bulk; the last one's
//                        database is queried
//     --block-cache SIZE Options::block_cache_bytes in MiB for Quarry, fixed, or auto (default: the
//                        Options default, automatic: sized to the data); 64 is the fixed default
//                        of before, 256 holds the blocks the 10M queries read (bench/README.md)
//     --range-cache SIZE Options::range_cache_bytes in MiB for Quarry (default: the Options default);
//                        0 turns the range cache off
//     --keep DIR         work in DIR (created; it must not exist) instead of a temporary directory,
//                        and leave it: people.edn, sqlite.db, quarry-PATH/ and scale.info for
//                        profiling afterwards (e.g. `quarry DIR/quarry-bulk`); one size only
//     --reuse DIR        load nothing: run the queries on what --keep DIR left (sqlite.db and the
//                        last path's quarry-PATH/, with the people count and transactions recorded
//                        in DIR/scale.info); the options that set Quarry's caches apply
//     --only Q[,Q...]    run only these queries (names as in the table: q1, q2, qpred1, agg-by-sex,
//                        pull, entity, ...)
//
// Data: bench/people_gen.hpp's people (5 core datoms each, and :follows refs to ~2.5 random others
// on average), about datoms / 7.5 people. Written as one EDN file: the schema, one vector of the
// core maps with string tempids ({:db/id "p17" ...}), one vector of {:db/id "p17" :follows ["p3"
// ...]} — so every :follows reference goes through the import's file-wide tempids.
//
// Systems:
//   Quarry   RocksDB in a temporary directory, default options (synced writes), loaded with
//            Database::import from the file, then compacted (Database::compact); queries through
//            quarry::q and the public Db API. Row "Quarry": the ordinary path; "Q bulk": the bulk
//            path (sorted table files ingested; doc/transactions.md, "Importing")
//   SQLite   bench/sqlite_eav.hpp in a temporary file (EAVT table, AEVT/AVET/VAET covering
//            indexes, journal off), loaded in transactions of the same size from the same people
//
// Peak RSS: how far the process's high-water mark (VmHWM, reset through /proc/self/clear_refs)
// rose above its resident set at the start of each load. SQLite's load starts with the generated
// people in memory (they are its input; Quarry reads the file), Quarry's with SQLite's open
// database (its page cache) — neither counts against the other. On-disk size: every file of the
// directory after compaction and a reopen (Quarry; the figures before the reopen and of the table
// files alone are printed too) / the database file (SQLite). WAL MiB: the most the
// directory's *.log files held during the import, sampled after each transaction.
//
// Queries: q1-q4 and qpred1 (DataScript's benchmark), hop2-join (a join through two :follows
// refs), agg-by-sex (an aggregate), pull (N entities with their follows' names), entity (N
// entities by id, every attribute), asof-q2 (q2 as of the middle of the core load: SQLite filters
// on its tx column). Result sizes are checked between the systems (a mismatch exits with status 2).
// The Datalog queries are also timed through quarry::q_rows (q_rows ms): the same answer as rows
// of cells in one block, as a caller reading a large result row by row would take it.
#include <malloc.h>
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <quarry/quarry.hpp>

#include "bench/bench_timing.hpp"
#include "bench/people_gen.hpp"
#include "bench/sqlite_eav.hpp"
#include "bench/sqlite_queries.hpp"

namespace {

using namespace quarry;
using namespace quarry::bench;
namespace fs = std::filesystem;

struct Settings {
  std::vector<std::int64_t> sizes{100'000, 1'000'000};
  std::uint64_t seed = 20260101;
  int runs = 5;
  std::size_t batch = 10'000;
  int lookups = 1000;
  std::vector<std::string> paths{"ordinary", "bulk"};  // import paths, in order; the last is queried
  std::string keep;   // --keep DIR: work there and leave it
  std::string reuse;  // --reuse DIR: query what --keep DIR left
  std::set<std::string> only;  // --only: the queries to run (empty: all)
  std::optional<std::size_t> block_cache_bytes = Options{}.block_cache_bytes;
  std::size_t range_cache_bytes = Options{}.range_cache_bytes;
};

// A field of /proc/self/status in MiB (VmRSS: now; VmHWM: the peak since the last reset).
double status_mib(std::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with(field)) return std::stod(line.substr(field.size())) / 1024.0;
  return -1;
}
// Resets the peak to the current resident set and returns that (the baseline).
double reset_peak_rss() {
  {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
  }
  return status_mib("VmRSS:");
}
double peak_rss_mib() { return status_mib("VmHWM:"); }

std::uint64_t directory_bytes(const fs::path& dir, const char* suffix = nullptr) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(dir, ec)) {
    if (!f.is_regular_file(ec)) continue;
    if (suffix && f.path().extension() != suffix) continue;
    total += f.file_size(ec);
  }
  return total;
}

// The generated people as an import file (see the file comment).
void write_import_file(const PeopleData& people, const std::string& path) {
  std::ofstream out(path);
  out << "[{:db/ident :name :db/valueType :db.type/string :db/index true}\n"
         " {:db/ident :last-name :db/valueType :db.type/string}\n"
         " {:db/ident :sex :db/valueType :db.type/keyword}\n"
         " {:db/ident :age :db/valueType :db.type/long}\n"
         " {:db/ident :salary :db/valueType :db.type/long}\n"
         " {:db/ident :follows :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}]\n[";
  auto tempid = [](const Value& id) { return "\"p" + std::to_string(id.as<std::int64_t>()) + "\""; };
  for (const Value& m : people.core) {
    out << "{:db/id " << tempid(*lookup(m, "db/id"));
    for (const auto& [k, v] : m.as<Map>().entries)
      if (k.as<Keyword>().name != "id") out << " " << to_edn(k) << " " << to_edn(v);
    out << "}\n";
  }
  out << "]\n[";
  for (const Value& m : people.extra) {
    out << "{:db/id " << tempid(*lookup(m, "db/id")) << " :follows [";
    for (const Value& t : lookup(m, "follows")->as<Vector>().items) out << tempid(t) << " ";
    out << "]}\n";
  }
  out << "]\n";
}

struct Load {
  double seconds = 0;
  std::uint64_t datoms = 0;
  double peak_mib = 0;
  std::uint64_t disk_bytes = 0;
  std::uint64_t max_wal_bytes = 0;
};

void print_load(const char* system, const Load& l) {
  std::printf("| %-7s | %10llu | %8.1f | %10.0f | %8.0f | %8.1f | %7.1f | %8s |\n", system,
              static_cast<unsigned long long>(l.datoms), l.seconds, l.datoms / l.seconds, l.peak_mib,
              l.disk_bytes / 1048576.0, static_cast<double>(l.disk_bytes) / static_cast<double>(l.datoms),
              l.max_wal_bytes ? std::to_string(l.max_wal_bytes >> 20).c_str() : "-");
}

struct Row {
  std::string name;
  std::size_t rows = 0;
  double sqlite_ms = 0, quarry_ms = 0;
  double misses = -1;  // Quarry's block-cache misses per timed run (the warm-up's left out)
  // Quarry's range cache per timed run: ranges read from RocksDB, segments evicted for room
  double range_reads = -1, range_evicted = -1;
  double rows_ms = -1;  // quarry::q_rows, the answer as rows of cells (Datalog queries only)
};

// The query table: each query on both systems (see the file comment).
void run_queries(Database& db, SqliteEav& sqlite, std::int64_t n, TxId first_tx, std::int64_t sqlite_mid_tx,
                 const Settings& s) {
  auto wanted = [&](const std::string& name) { return s.only.empty() || s.only.contains(name); };
  Db now = db.db();
  // Quarry's ids: tempid "p<e>" -> e, as they were allocated in file order; checked below.
  const TxId quarry_mid{first_tx.value + static_cast<std::uint64_t>(sqlite_mid_tx)};  // first_tx is the schema's
  const auto& sql = sqlite_queries();
  std::vector<Row> rows;
  auto compare = [&](const std::string& name, const std::string& datalog, const std::string& sql_text,
                     std::vector<Value> sql_args = {}, std::optional<Db> view = std::nullopt) {
    if (!wanted(name)) return;
    Statement st(sqlite.handle(), sql_text, sqlite.attrs());
    std::size_t sql_rows = 0, quarry_rows = 0, rows_rows = 0;
    Db on = view.value_or(now);
    std::vector<QueryInput> inputs{on};
    Timing ts = time_runs(1, s.runs, [&] { sql_rows = st.run(sql_args); });
    auto run_quarry = [&] {
      auto r = must(q(datalog, inputs), name.c_str());
      quarry_rows = r.value.is<Set>() ? r.value.as<Set>().items.size() : 1;
    };
    run_quarry();  // the warm-up, before the misses are counted
    const DatabaseStats before = must(db.stats(), "stats");
    Timing tq = time_runs(0, s.runs, run_quarry);
    const DatabaseStats after = must(db.stats(), "stats");
    auto per_run = [&](std::uint64_t a, std::uint64_t b) { return static_cast<double>(b - a) / s.runs; };
    const double misses = per_run(before.block_cache_misses, after.block_cache_misses);
    // The same answer as rows of cells (quarry::q_rows), after the figures above were taken.
    Timing tr = time_runs(1, s.runs, [&] { rows_rows = must(q_rows(datalog, inputs), name.c_str()).size(); });
    if (sql_rows != quarry_rows || rows_rows != quarry_rows) {
      std::fprintf(stderr, "%s: SQLite %zu rows, Quarry %zu, Quarry q_rows %zu\n", name.c_str(), sql_rows, quarry_rows,
                   rows_rows);
      std::exit(2);
    }
    rows.push_back({name, quarry_rows, ts.median_ms, tq.median_ms, misses,
                    per_run(before.range_cache_reads, after.range_cache_reads),
                    per_run(before.range_cache_evicted, after.range_cache_evicted), tr.median_ms});
  };
  compare("q1", "[:find ?e :where [?e :name \"Ivan\"]]", sql.at("q1"));
  compare("q2", "[:find ?e ?a :where [?e :name \"Ivan\"] [?e :age ?a]]", sql.at("q2"));
  compare("q3", "[:find ?e ?a :where [?e :name \"Ivan\"] [?e :age ?a] [?e :sex :male]]", sql.at("q3"));
  compare("q4", "[:find ?e ?l ?a :where [?e :name \"Ivan\"] [?e :last-name ?l] [?e :age ?a] [?e :sex :male]]",
          sql.at("q4"));
  compare("qpred1", "[:find ?e ?s :where [?e :salary ?s] [(> ?s 50000)]]", sql.at("qpred1"));
  compare("hop2-join",
          "[:find ?a ?c :where [?a :name \"Ivan\"] [?a :follows ?b] [?b :follows ?c] [?c :last-name \"Petrov\"]]",
          sql.at("hop2-join"));
  compare("agg-by-sex", "[:find ?s (count ?e) (avg ?sal) :where [?e :sex ?s] [?e :salary ?sal]]", sql.at("agg-by-sex"));
  compare("asof-q2", "[:find ?e ?a :where [?e :name \"Ivan\"] [?e :age ?a]]",
          "SELECT n.e, g.v FROM datoms n JOIN datoms g ON g.e = n.e AND g.a = @age "
          "WHERE n.a = @name AND n.v = 'Ivan' AND n.tx <= :in1 AND g.tx <= :in1",
          {Value(sqlite_mid_tx)}, now.as_of(quarry_mid));

  // Entities by id: the same random people on both sides.
  SplitMix64 pick(s.seed + 1);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < s.lookups; ++i) ids.push_back(1 + pick.below(n));
  if (wanted("pull") || wanted("entity")) {
    Statement names(sqlite.handle(), "SELECT v FROM datoms WHERE e = :in1 AND a = @name", sqlite.attrs());
    std::size_t mismatches = 0;
    for (std::int64_t e : ids) {
      Value expected = names.rows({Value(e)}).as<Vector>().items.at(0).as<Vector>().items.at(0);
      auto got = must(now.pull("[:name]", Value(e)), "pull");
      if (got.is_nil() || *lookup(got, "name") != expected) ++mismatches;
    }
    if (mismatches) {
      std::fprintf(stderr, "entity ids differ between the systems for %zu of %zu people\n", mismatches, ids.size());
      std::exit(2);
    }
  }
  {
    Statement attrs(sqlite.handle(), "SELECT a, v FROM datoms WHERE e = :in1", sqlite.attrs());
    Statement follows(sqlite.handle(),
                      "SELECT n.v FROM datoms f JOIN datoms n ON n.e = f.v AND n.a = @name "
                      "WHERE f.e = :in1 AND f.a = @follows",
                      sqlite.attrs());
    std::size_t sink = 0;
    if (wanted("pull")) {
      Timing ts = time_runs(1, s.runs, [&] {
        for (std::int64_t e : ids) sink += attrs.run({Value(e)}) + follows.run({Value(e)});
      });
      Timing tq = time_runs(1, s.runs, [&] {
        for (std::int64_t e : ids) {
          auto p = must(now.pull("[:name :last-name :sex :age :salary {:follows [:name]}]", Value(e)), "pull");
          sink += p.is<Map>() ? p.as<Map>().entries.size() : 0;
        }
      });
      rows.push_back({"pull x" + std::to_string(ids.size()), ids.size(), ts.median_ms, tq.median_ms});
    }
    if (wanted("entity")) {
      Timing te = time_runs(1, s.runs, [&] {
        for (std::int64_t e : ids) sink += attrs.run({Value(e)});
      });
      Timing tqe = time_runs(1, s.runs, [&] {
        for (std::int64_t e : ids) {
          auto m = must(now.entity(Value(e)), "entity");
          sink += m.as<Map>().entries.size();
        }
      });
      rows.push_back({"entity x" + std::to_string(ids.size()), ids.size(), te.median_ms, tqe.median_ms});
    }
    if (sink == 0) std::printf("(nothing read)\n");
  }

  auto count = [](double x) { return x < 0 ? std::string("-") : std::to_string(static_cast<long long>(x + 0.5)); };
  auto ms = [](double x, double sqlite_ms) {
    if (x < 0) return std::pair<std::string, std::string>{"-", "-"};
    char a[32], b[32];
    std::snprintf(a, sizeof a, "%.2f", x);
    std::snprintf(b, sizeof b, "%.2f", x / sqlite_ms);
    return std::pair<std::string, std::string>{a, b};
  };
  std::printf("\n| query          |    rows | SQLite ms | Quarry ms | Quarry/SQLite | q_rows ms | q_rows/SQLite | cache misses/run | ranges read/run | evicted/run |\n");
  std::printf("|----------------|--------:|----------:|----------:|--------------:|----------:|--------------:|-----------------:|----------------:|------------:|\n");
  for (const Row& r : rows) {
    const auto [rows_ms, rows_ratio] = ms(r.rows_ms, r.sqlite_ms);
    std::printf("| %-14s | %7zu | %9.2f | %9.2f | %13.2f | %9s | %13s | %16s | %15s | %11s |\n", r.name.c_str(), r.rows,
                r.sqlite_ms, r.quarry_ms, r.quarry_ms / r.sqlite_ms, rows_ms.c_str(), rows_ratio.c_str(),
                count(r.misses).c_str(), count(r.range_reads).c_str(), count(r.range_evicted).c_str());
  }
  const DatabaseStats st = must(db.stats(), "stats");
  std::printf("\nQuarry's block cache: capacity %llu MiB%s, %.0f MiB in use after the queries (load avg %.2f)\n",
              static_cast<unsigned long long>(st.block_cache_capacity_bytes >> 20),
              st.block_cache_automatic ? " (automatic)" : "", st.block_cache_usage_bytes / 1048576.0, load_average());
  std::printf("Quarry's range cache: capacity %llu MiB, %.0f MiB in use, %llu segments admitted, %llu evicted\n",
              static_cast<unsigned long long>(st.range_cache_capacity_bytes >> 20),
              st.range_cache_usage_bytes / 1048576.0, static_cast<unsigned long long>(st.range_cache_admitted),
              static_cast<unsigned long long>(st.range_cache_evicted));
  std::fflush(stdout);
}

void run_size(std::int64_t target, const Settings& s) {
  const std::int64_t n = std::max<std::int64_t>(1, target * 2 / 15);  // ~7.5 datoms a person
  std::optional<TempDir> temporary;
  std::string work = s.keep;
  if (work.empty()) {
    temporary.emplace("quarry-scale");
    work = temporary->path();
  } else if (std::error_code ec; !fs::create_directories(work, ec)) {
    std::fprintf(stderr, "--keep %s: cannot create it, or it exists already\n", work.c_str());
    std::exit(1);
  }
  const std::string file = work + "/people.edn";
  const std::string sqlite_file = work + "/sqlite.db";

  // SQLite first, from the generated values, in transactions of `batch` maps: its tx k is the
  // k-th batch of the core (then the follows).
  std::int64_t sqlite_mid_tx = 0;
  Load sq;
  std::unique_ptr<SqliteEav> sqlite;
  {
    PeopleData people = generate_people(n, s.seed);
    write_import_file(people, file);
    malloc_trim(0);
    const double baseline = reset_peak_rss();
    sqlite = std::make_unique<SqliteEav>(sqlite_file, std::set<std::string>{"follows"});
    auto start = Clock::now();
    std::int64_t tx = 0;
    for (const auto* part : {&people.core, &people.extra}) {
      for (std::size_t i = 0; i < part->size(); i += s.batch) {
        std::vector<Value> chunk(part->begin() + static_cast<std::ptrdiff_t>(i),
                                 part->begin() + static_cast<std::ptrdiff_t>(std::min(part->size(), i + s.batch)));
        sq.datoms += sqlite->load(chunk);
        ++tx;
        if (part == &people.core && i + s.batch >= part->size() / 2 && sqlite_mid_tx == 0) sqlite_mid_tx = tx;
      }
    }
    sqlite->analyze();
    sq.seconds = seconds_since(start);
    sq.peak_mib = peak_rss_mib() - baseline;
  }
  malloc_trim(0);
  sq.disk_bytes = fs::file_size(sqlite_file);

  // Quarry: Database::import of the file, by each path asked for (the last one's database is
  // queried); the WAL's size sampled after each transaction.
  std::vector<std::pair<std::string, Load>> quarry_loads;
  std::optional<Database> qdb;
  TxId first_tx{0};  // the import's first transaction (the schema's): transaction k is first_tx + k
  for (const std::string& path : s.paths) {
    const bool bulk = path == "bulk";
    const std::string rocks_dir = work + "/quarry-" + path;
    Load qu;
    qdb.reset();
    malloc_trim(0);
    const double baseline = reset_peak_rss();
    Options open_options{.path = rocks_dir};
    open_options.block_cache_bytes = s.block_cache_bytes;
    open_options.range_cache_bytes = s.range_cache_bytes;
    qdb.emplace(must(Database::open(open_options), "open"));
    Database& db = *qdb;
    first_tx = TxId{db.db().basis().value + 1};
    auto start = Clock::now();
    ImportOptions options{.batch_size = s.batch, .progress = [&](const ImportProgress& p) {
                            qu.max_wal_bytes = std::max(qu.max_wal_bytes, directory_bytes(rocks_dir, ".log"));
                            if (p.transactions % 50 == 0)  // a sign of life on long loads
                              std::fprintf(stderr, "  import (%s): %llu transactions, %llu datoms, %.0f s\n",
                                           path.c_str(), static_cast<unsigned long long>(p.transactions),
                                           static_cast<unsigned long long>(p.datoms), seconds_since(start));
                          }};
    options.bulk = bulk ? ImportOptions::Bulk::Always : ImportOptions::Bulk::Never;
    ImportSummary summary = must(db.import(file, options), "import");
    qu.seconds = seconds_since(start);
    qu.datoms = summary.datoms - summary.transactions;  // the :db/txInstant datoms aside (the schema's are in)
    qu.peak_mib = peak_rss_mib() - baseline;
    std::printf("  (%s import: %llu transactions (%llu through the bulk path, %llu ingests, %llu sorted runs, "
                "%.0f MiB sort buffer), at most %llu forms held, %llu tempids)\n",
                path.c_str(), static_cast<unsigned long long>(summary.transactions),
                static_cast<unsigned long long>(summary.bulk_transactions),
                static_cast<unsigned long long>(summary.bulk_ingests),
                static_cast<unsigned long long>(summary.bulk_runs), summary.bulk_max_sort_bytes / 1048576.0,
                static_cast<unsigned long long>(summary.max_held_operations),
                static_cast<unsigned long long>(summary.tempids));
    {
      const DatabaseStats st = must(db.stats(), "stats");
      std::printf("  (%s: after the import: block cache capacity %llu MiB%s, %.0f MiB in use; range cache %.0f MiB "
                  "in use, %llu ranges read)\n",
                  path.c_str(), static_cast<unsigned long long>(st.block_cache_capacity_bytes >> 20),
                  st.block_cache_automatic ? " (automatic)" : "", st.block_cache_usage_bytes / 1048576.0,
                  st.range_cache_usage_bytes / 1048576.0, static_cast<unsigned long long>(st.range_cache_reads));
    }
    must(db.compact(), "compact");
    const std::uint64_t before_reopen = directory_bytes(rocks_dir);
    // Closed and opened again, so that log files the compaction made obsolete are gone.
    qdb.reset();
    qdb.emplace(must(Database::open(open_options), "reopen"));
    qu.disk_bytes = directory_bytes(rocks_dir);
    std::printf("  (%s: on disk after compaction: %.1f MiB, after a reopen %.1f MiB, of which table files %.1f MiB)\n",
                path.c_str(), before_reopen / 1048576.0, qu.disk_bytes / 1048576.0,
                directory_bytes(rocks_dir, ".sst") / 1048576.0);
    quarry_loads.emplace_back(bulk ? "Q bulk" : "Quarry", qu);
  }

  std::printf("\n%lld people, %llu datoms (load avg %.2f)\n\n", static_cast<long long>(n),
              static_cast<unsigned long long>(sq.datoms), load_average());
  std::printf("| system  |     datoms |   load s |   datoms/s | peak MiB | disk MiB |  B/datom | WAL MiB |\n");
  std::printf("|---------|-----------:|---------:|-----------:|---------:|---------:|--------:|---------:|\n");
  print_load("SQLite", sq);
  for (const auto& [name, l] : quarry_loads) print_load(name.c_str(), l);
  Database db = std::move(*qdb);
  if (!s.keep.empty()) {
    std::ofstream info(work + "/scale.info");
    info << n << " " << first_tx.value << " " << sqlite_mid_tx << " " << s.paths.back() << "\n";
  }
  run_queries(db, *sqlite, n, first_tx, sqlite_mid_tx, s);
}

// Runs the queries on what --keep DIR left (see the file comment).
void reuse_kept(const Settings& s) {
  std::ifstream info(s.reuse + "/scale.info");
  std::int64_t n = 0, sqlite_mid_tx = 0;
  std::uint64_t first_tx = 0;
  std::string path;
  if (!(info >> n >> first_tx >> sqlite_mid_tx >> path)) {
    std::fprintf(stderr, "--reuse %s: no scale.info there (made by --keep)\n", s.reuse.c_str());
    std::exit(1);
  }
  SqliteEav sqlite(s.reuse + "/sqlite.db", std::set<std::string>{"follows"}, SqliteEav::Existing{});
  Options open_options{.path = s.reuse + "/quarry-" + path};
  open_options.block_cache_bytes = s.block_cache_bytes;
  open_options.range_cache_bytes = s.range_cache_bytes;
  Database db = must(Database::open(open_options), "open");
  std::printf("\n%lld people (reused from %s, quarry-%s; load avg %.2f)\n", static_cast<long long>(n), s.reuse.c_str(),
              path.c_str(), load_average());
  run_queries(db, sqlite, n, TxId{first_tx}, sqlite_mid_tx, s);
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(1);
      }
      return argv[++i];
    };
    if (a == "--datoms") {
      s.sizes.clear();
      std::string list = next();
      for (std::size_t at = 0; at < list.size();) {
        std::size_t comma = list.find(',', at);
        s.sizes.push_back(std::stoll(list.substr(at, comma - at)));
        at = comma == std::string::npos ? list.size() : comma + 1;
      }
    } else if (a == "--big") {
      s.sizes.push_back(10'000'000);
    } else if (a == "--seed") {
      s.seed = std::stoull(next());
    } else if (a == "--runs") {
      s.runs = std::max(1, std::stoi(next()));
    } else if (a == "--batch") {
      s.batch = std::max<std::size_t>(1, std::stoull(next()));
    } else if (a == "--paths") {
      s.paths.clear();
      std::string list = next();
      for (std::size_t at = 0; at < list.size();) {
        std::size_t comma = list.find(',', at);
        std::string p = list.substr(at, comma - at);
        if (p != "ordinary" && p != "bulk") {
          std::fprintf(stderr, "--paths takes ordinary and/or bulk\n");
          return 1;
        }
        s.paths.push_back(p);
        at = comma == std::string::npos ? list.size() : comma + 1;
      }
      if (s.paths.empty()) return 1;
    } else if (a == "--block-cache") {
      const std::string v = next();
      if (v == "auto") s.block_cache_bytes.reset();
      else s.block_cache_bytes = std::stoull(v) << 20;
    } else if (a == "--range-cache") {
      s.range_cache_bytes = std::stoull(next()) << 20;
    } else if (a == "--keep") {
      s.keep = next();
    } else if (a == "--reuse") {
      s.reuse = next();
    } else if (a == "--only") {
      std::string list = next();
      for (std::size_t at = 0; at < list.size();) {
        std::size_t comma = list.find(',', at);
        s.only.insert(list.substr(at, comma - at));
        at = comma == std::string::npos ? list.size() : comma + 1;
      }
    } else if (a == "--lookups") {
      s.lookups = std::max(1, std::stoi(next()));
    } else {
      std::fprintf(stderr, "unknown option %s (see the comment at the top of bench/scale_bench.cpp)\n", a.c_str());
      return 1;
    }
  }
  const std::string cache = s.block_cache_bytes ? std::to_string(*s.block_cache_bytes >> 20) + " MiB" : "auto";
  std::printf("bench_scale_bench: Quarry (RocksDB, Database::import) next to SQLite; seed %llu, %d runs, batch %zu, "
              "block cache %s, range cache %zu MiB\n",
              static_cast<unsigned long long>(s.seed), s.runs, s.batch, cache.c_str(), s.range_cache_bytes >> 20);
  if (!s.keep.empty() && s.sizes.size() != 1) {
    std::fprintf(stderr, "--keep takes one size (--datoms N)\n");
    return 1;
  }
  if (!s.reuse.empty()) {
    reuse_kept(s);
    return 0;
  }
  for (std::int64_t size : s.sizes) run_size(size, s);
  return 0;
}
