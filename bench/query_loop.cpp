// One DataScript benchmark query in a loop, for profiling: loads people20k (core, or core + extra)
// into one store and runs the query for a given time, printing the mean per run. Run it under
// `perf record -g` to see where a query's time goes without the loading and the other systems of
// bench_compare_bench in the profile (bench/README.md, "Profiling one query").
//
//   bench_query_loop QUERY [BENCH_DATA_DIR] [--rocks] [--range-cache-off] [--held-db] [--seconds S | --runs N] [--explain] [--analyze] [--rows] [--query EDN] [--open DIR]
//     QUERY           a name from queries.edn (q1, q2, ..., qpred1, hop2-join, agg-by-sex, ...)
//     BENCH_DATA_DIR  default $QUARRY_BENCH_DATA, else the repository's bench/data
//     --rocks         RocksDB in a temporary directory (unsynced writes, compacted once loaded)
//                     instead of memory
//     --range-cache-off  RocksDB without its range cache (Options::range_cache_bytes 0)
//     --held-db       query a Db value taken before one more transaction is committed (a Db held
//                     across writes, which reads around the range cache)
//     --seconds S     how long to loop (default 5)
//     --runs N        exactly N runs instead; with valgrind --tool=callgrind --collect-atstart=no
//                     --toggle-collect='quarry::q(*' this counts the instructions of N queries, a
//                     figure a busy machine does not change
//     --explain       print (explain {:analyze true} ...) of the query once before the loop
//     --analyze       loop over quarry::explain with {:analyze true} instead of quarry::q
//     --vs-analyze    alternate calls of quarry::q and of quarry::explain with {:analyze true}, each
//                     timed, and print the medians and the overhead of analyze: what issue 9 bounds
//                     (< 10%) and bench_compare_bench's analyze column measures, here with enough
//                     calls for a 3 µs query (disposing of the answers timed apart)
//     --rows          loop over quarry::q_rows (the answer as rows of cells) instead of quarry::q
//     --query EDN     run this query text instead of QUERY's (QUERY still names the data set and
//                     the arguments), e.g. to time one clause of a query on its own
//     --people N      instead of people20k, N people generated as bench_compare_bench --people
//                     generates them (bench/people_gen.hpp, its default seed): 400000 is 2M datoms
//     --db NAME       for a query over several data sets (rules-follows: wide-3x3, long-10x3, ...),
//                     the one to load (NAME.edn in BENCH_DATA_DIR); default the first listed
//     --open DIR      load nothing: query the RocksDB database in DIR (e.g. the quarry-bulk/ that
//                     bench_scale_bench --keep left: its people and schema are the benchmark's)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <quarry/quarry.hpp>
#include <string>
#include <vector>

#include "bench/bench_edn.hpp"
#include "bench/bench_timing.hpp"
#include "bench/people_gen.hpp"

using namespace quarry;
using namespace quarry::bench;

int main(int argc, char** argv) {
  std::string name;
  std::string query_text, db_name;
  std::filesystem::path dir = std::getenv("QUARRY_BENCH_DATA") ? std::getenv("QUARRY_BENCH_DATA") : QUARRY_BENCH_DATA_DIR;
  bool rocks = false, explain_first = false, analyze = false, as_rows = false, vs_analyze = false;
  std::size_t range_cache_bytes = Options{}.range_cache_bytes;
  bool held_db = false;
  double seconds = 5;
  std::size_t fixed_runs = 0;
  std::int64_t people = 0;
  std::string open_dir;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--rocks")) rocks = true;
    else if (!std::strcmp(argv[i], "--range-cache-off")) range_cache_bytes = 0;
    else if (!std::strcmp(argv[i], "--held-db")) held_db = true;
    else if (!std::strcmp(argv[i], "--explain")) explain_first = true;
    else if (!std::strcmp(argv[i], "--analyze")) analyze = true;
    else if (!std::strcmp(argv[i], "--vs-analyze")) vs_analyze = true;
    else if (!std::strcmp(argv[i], "--rows")) as_rows = true;
    else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) fixed_runs = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--query") && i + 1 < argc) query_text = argv[++i];
    else if (!std::strcmp(argv[i], "--db") && i + 1 < argc) db_name = argv[++i];
    else if (!std::strcmp(argv[i], "--people") && i + 1 < argc) people = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--open") && i + 1 < argc) open_dir = argv[++i], rocks = true;
    else if (name.empty()) name = argv[i];
    else dir = argv[i];
  }
  if (name.empty()) {
    std::fprintf(stderr, "usage: bench_query_loop QUERY [BENCH_DATA_DIR] [--rocks] [--range-cache-off] [--held-db] [--seconds S | --runs N] [--explain] [--analyze | --vs-analyze] [--rows] [--query EDN] [--db NAME] [--people N] [--open DIR]\n");
    return 1;
  }
  const Value queries = must(read_edn(read_file(dir / "queries.edn")), "queries.edn");
  const Value* spec = lookup(queries, name);
  if (!spec || !lookup(*spec, "query")) {
    std::fprintf(stderr, "queries.edn has no query named %s\n", name.c_str());
    return 1;
  }
  std::unique_ptr<TempDir> tmp = rocks && open_dir.empty() ? std::make_unique<TempDir>("quarry-query-loop") : nullptr;
  const std::string path = !open_dir.empty() ? open_dir : tmp ? tmp->path() + "/db" : "";
  Database database = must(Database::open(Options{.path = path, .in_memory = !rocks, .sync_writes = false,
                                                  .range_cache_bytes = range_cache_bytes}),
                           "open");
  if (open_dir.empty())
    must(database.declare_schema(must(read_edn(read_file(dir / "schema.edn")), "schema.edn")), "schema");
  if (!open_dir.empty()) {
    // The database as it is.
  } else if (const Value* dbs = lookup(*spec, "dbs")) {  // a data set of its own (rules-follows)
    if (db_name.empty()) db_name = dbs->as<Vector>().items.at(0).as<Keyword>().name;
    must(database.transact(must(read_edn(read_file(dir / (db_name + ".edn"))), db_name.c_str())), db_name.c_str());
  } else if (people > 0) {
    PeopleData data = generate_people(people, kPeopleSeed);
    const bool full = lookup(*spec, "db")->as<Keyword>().name == "full";
    for (const Value& tx : people_chunks(std::move(data.core))) must(database.transact(tx), "core");
    if (full)
      for (const Value& tx : people_chunks(std::move(data.extra))) must(database.transact(tx), "extra");
  } else {
    must(database.transact(must(read_edn(read_file(dir / "people20k-core.edn")), "core")), "core");
    if (lookup(*spec, "db")->as<Keyword>().name == "full")
      must(database.transact(must(read_edn(read_file(dir / "people20k-extra.edn")), "extra")), "extra");
  }

  if (rocks && open_dir.empty()) must(database.compact(), "compact");
  std::vector<QueryInput> inputs{database.db()};
  if (held_db) must(database.transact(must(read_edn("[{:name \"held-db\"}]"), "tx")), "transact");
  const Value* rules = lookup(*spec, "rules");
  if (const Value* args = lookup(*spec, "args")) {
    for (const Value& a : args->as<Vector>().items)
      inputs.emplace_back(a.is<Symbol>() && a.as<Symbol>().name == "%" && rules ? *rules : a);
  } else if (rules) {  // rules-follows: [:find ... :in $ % ...] with the rules as its one argument
    inputs.emplace_back(*rules);
  }
  // Prepared once, as compare_bench runs it (and as SQLite runs prepared statements).
  const PreparedQuery query =
      must(prepare(query_text.empty() ? *lookup(*spec, "query") : must(read_edn(query_text), "--query")), "prepare");
  if (explain_first)
    std::printf("%s\n", to_edn(must(quarry::explain(query, inputs, ExplainOptions{.analyze = true}), "explain")).c_str());

  // Thread CPU time too: on a busy machine it moves far less than the wall clock.
  auto cpu_ms = [] {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1000 + static_cast<double>(t.tv_nsec) / 1e6;
  };
  if (vs_analyze) {
    // As bench_compare_bench's analyze column measures it (one call of each, alternately, the
    // answer disposed of after the timing), with as many calls as --runs or --seconds allow rather
    // than its 7, so that a 3 µs query gets a stable median. Disposing of each answer is timed apart.
    std::vector<double> plain_us, plain_free_us, analyze_us, analyze_free_us;
    auto us_since = [](Clock::time_point t) { return std::chrono::duration<double, std::micro>(Clock::now() - t).count(); };
    const auto start = Clock::now();
    for (int i = -100; fixed_runs ? plain_us.size() < fixed_runs : seconds_since(start) < seconds; ++i) {
      auto t = Clock::now();
      std::optional<QueryResult> answer = must(quarry::q(query, inputs), "q");
      const double plain = us_since(t);
      t = Clock::now();
      answer.reset();
      const double plain_free = us_since(t);
      t = Clock::now();
      // The answer comes back to the caller (ExplainOptions::result), as bench_compare_bench has it.
      std::optional<QueryResult> analyzed_answer(std::in_place);
      std::optional<Value> plan = must(
          quarry::explain(query, inputs, ExplainOptions{.analyze = true, .result = &*analyzed_answer}), "explain");
      const double analyzed = us_since(t);
      t = Clock::now();
      plan.reset();
      analyzed_answer.reset();
      const double analyze_free = us_since(t);
      if (i < 0) continue;  // the warm-up
      plain_us.push_back(plain);
      plain_free_us.push_back(plain_free);
      analyze_us.push_back(analyzed);
      analyze_free_us.push_back(analyze_free);
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    };
    const double p = median(plain_us), pf = median(plain_free_us), a = median(analyze_us), af = median(analyze_free_us);
    std::printf("%s on %s, %zu calls of each (medians): q %.3f µs + %.3f to dispose of the answer, explain "
                "{:analyze true} %.3f + %.3f: analyze %+.1f%% (%+.1f%% with disposing), load average %.2f\n",
                name.c_str(), rocks ? "RocksDB" : "memory", plain_us.size(), p, pf, a, af, (a / p - 1) * 100,
                ((a + af) / (p + pf) - 1) * 100, load_average());
    return 0;
  }
  std::size_t runs = 0, rows = 0;
  const auto start = Clock::now();
  const double cpu_start = cpu_ms();
  while (fixed_runs ? runs < fixed_runs : seconds_since(start) < seconds) {
    if (analyze) {
      const Value plan = must(quarry::explain(query, inputs, ExplainOptions{.analyze = true}), "explain");
      rows = static_cast<std::size_t>(lookup(plan, "rows")->as<std::int64_t>());
    } else if (as_rows) {
      rows = must(quarry::q_rows(query, inputs), "q_rows").size();
    } else {
      rows = result_size(must(quarry::q(query, inputs), "q").value);
    }
    ++runs;
  }
  const auto n = static_cast<double>(runs);
  std::printf("%s on %s: %zu runs, %.4f ms per run (thread CPU %.4f ms), %zu rows, load average %.2f\n", name.c_str(),
              rocks ? "RocksDB" : "memory", runs, seconds_since(start) * 1000 / n, (cpu_ms() - cpu_start) / n, rows,
              load_average());
  if (rocks && range_cache_bytes > 0) {
    const DatabaseStats stats = must(database.stats(), "stats");
    std::printf("range cache: %llu hits, %llu ranges read, %llu admitted, %llu bytes in use\n",
                static_cast<unsigned long long>(stats.range_cache_hits),
                static_cast<unsigned long long>(stats.range_cache_reads),
                static_cast<unsigned long long>(stats.range_cache_admitted),
                static_cast<unsigned long long>(stats.range_cache_usage_bytes));
  }
  return 0;
}
