// The storage presets (storage/rocks_config.hpp, doc/operations.md "Configuration") side by side
// on one workload, through the public API: for each preset, a bulk load (unsynced transactions of
// 1,000 five-attribute entities), a full compaction, the size on disk against the raw bytes of
// the keys and values, single-datom transactions with sync on (latency percentiles), and random
// point reads of one entity's datoms.
//
//   bench_preset_bench [--entities N] [--txs N] [--reads N] [--presets a,b,...] [--dir DIR]
//
// Prints one table (markdown) and the load average. Figures from a loaded machine are not evidence.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <quarry/config.hpp>
#include <quarry/quarry.hpp>

#include "bench/bench_timing.hpp"
#include "index/key_layout.hpp"
#include "storage/rocks_store.hpp"

namespace fs = std::filesystem;
using namespace quarry;
using bench::Clock;
using bench::must;
using bench::seconds_since;

namespace {

struct Row {
  std::string preset;
  double load_datoms_per_s = 0;
  double compact_s = 0;
  double tx_p50_ms = 0, tx_p99_ms = 0, tx_max_ms = 0;
  double reads_per_s = 0;
  double raw_mib = 0, disk_mib = 0;
};

std::string entity_tx(std::size_t first, std::size_t count, std::mt19937_64& rng) {
  static const char* kCities[] = {"Oslo", "Lima", "Pune", "Kyiv", "Graz", "Cork", "Nara", "Fez"};
  std::ostringstream out;
  out << '[';
  for (std::size_t i = first; i < first + count; ++i) {
    out << "{:p/email \"person" << i << "@example.org\" :p/name \"Person " << i << ' ' << (rng() % 100000)
        << "\" :p/age " << (rng() % 90) << " :p/city \"" << kCities[rng() % 8] << "\" :p/score "
        << (rng() % 1000000) << '}';
  }
  out << ']';
  return out.str();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// Bytes of table files (*.sst) under dir.
double sst_mib(const std::string& dir) {
  std::uintmax_t bytes = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".sst") bytes += e.file_size();
  return static_cast<double>(bytes) / (1 << 20);
}

// Keys and values of every space, read back with a read-only RocksStore.
double raw_mib(const std::string& dir) {
  RocksOptions o;
  o.path = dir;
  o.read_only = true;
  auto store = must(RocksStore::open(o, keys::all_spaces()), "opening the store read-only");
  auto snap = must(store->snapshot(), "snapshot");
  std::uint64_t bytes = 0;
  for (std::uint32_t i = 0; i < store->space_names().size(); ++i) {
    auto cursor = must(snap->cursor(SpaceId{i}), "cursor");
    for (cursor->seek_to_first(); cursor->valid(); cursor->next()) bytes += cursor->key().size() + cursor->value().size();
  }
  return static_cast<double>(bytes) / (1 << 20);
}

Row run(const std::string& preset_name, const std::string& root, std::size_t entities, std::size_t txs,
        std::size_t reads) {
  Row row{.preset = preset_name};
  std::string dir = (fs::path(root) / preset_name).string();
  Options options{.path = dir, .sync_writes = false};
  options.tuning = must(preset(preset_name), "preset");
  std::vector<std::int64_t> ids;
  {
    auto db = must(Database::open(options), "open");
    must(db.transact(R"([{:db/ident :p/email :db/valueType :db.type/string :db/unique :db.unique/identity}
                        {:db/ident :p/name :db/valueType :db.type/string}
                        {:db/ident :p/age :db/valueType :db.type/long :db/index true}
                        {:db/ident :p/city :db/valueType :db.type/string :db/index true}
                        {:db/ident :p/score :db/valueType :db.type/long}])"),
         "schema");
    std::mt19937_64 rng(42);
    constexpr std::size_t kBatch = 1000;
    auto start = Clock::now();
    for (std::size_t first = 0; first < entities; first += kBatch)
      must(db.transact(entity_tx(first, std::min(kBatch, entities - first), rng)), "load");
    row.load_datoms_per_s = static_cast<double>(entities * 5) / seconds_since(start);
    start = Clock::now();
    must(db.compact(), "compact");
    row.compact_s = seconds_since(start);
    auto found = must(q("[:find [?e ...] :where [?e :p/email]]", {db.db()}), "ids");
    for (const auto& v : found.value.as<Vector>().items)
      ids.push_back(v.is<std::int64_t>() ? v.as<std::int64_t>() : static_cast<std::int64_t>(v.as<EntityId>().value));
  }
  row.raw_mib = raw_mib(dir);
  row.disk_mib = sst_mib(dir);

  options.sync_writes = true;  // the preset as an application would run it: durable commits
  auto db = must(Database::open(options), "reopen");
  std::mt19937_64 rng(7);
  std::vector<double> ms;
  for (std::size_t i = 0; i < txs; ++i) {
    std::string tx = "[[:db/add " + std::to_string(ids[rng() % ids.size()]) + " :p/score " + std::to_string(i) + "]]";
    auto start = Clock::now();
    must(db.transact(tx), "single-datom transaction");
    ms.push_back(seconds_since(start) * 1000);
  }
  row.tx_p50_ms = percentile(ms, 0.50);
  row.tx_p99_ms = percentile(ms, 0.99);
  row.tx_max_ms = percentile(ms, 1.0);

  Db now = db.db();
  auto start = Clock::now();
  std::size_t seen = 0;
  for (std::size_t i = 0; i < reads; ++i) {
    Value e(ids[rng() % ids.size()]);
    seen += must(now.datoms(IndexOrder::Eavt, std::span<const Value>(&e, 1)), "read").size();
  }
  row.reads_per_s = static_cast<double>(reads) / seconds_since(start);
  if (seen < reads) std::fprintf(stderr, "warning: %zu datoms for %zu reads\n", seen, reads);
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t entities = 100000, txs = 500, reads = 50000;
  std::vector<std::string> presets = preset_names();
  std::string root;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--entities") entities = std::stoul(next());
    else if (a == "--txs") txs = std::stoul(next());
    else if (a == "--reads") reads = std::stoul(next());
    else if (a == "--dir") root = next();
    else if (a == "--presets") {
      presets.clear();
      std::stringstream list(next());
      for (std::string p; std::getline(list, p, ',');) presets.push_back(p);
    } else {
      std::fprintf(stderr,
                   "usage: bench_preset_bench [--entities N] [--txs N] [--reads N] [--presets a,b] [--dir DIR]\n");
      return 2;
    }
  }
  bench::TempDir temp("quarry-presets");
  if (root.empty()) root = temp.path();
  std::printf("%zu entities x 5 attributes loaded in transactions of 1,000 (unsynced); %zu single-datom "
              "transactions with sync on; %zu random entity reads (EAVT). Load average %.2f at start.\n\n",
              entities, txs, reads, bench::load_average());
  std::printf("| preset | load datoms/s | compact s | tx p50 ms | tx p99 ms | tx max ms | reads/s | raw MiB | "
              "SST MiB | raw/SST |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& p : presets) {
    Row r = run(p, root, entities, txs, reads);
    std::printf("| %s | %.0f | %.2f | %.2f | %.2f | %.2f | %.0f | %.1f | %.1f | %.2f |\n", r.preset.c_str(),
                r.load_datoms_per_s, r.compact_s, r.tx_p50_ms, r.tx_p99_ms, r.tx_max_ms, r.reads_per_s, r.raw_mib,
                r.disk_mib, r.disk_mib > 0 ? r.raw_mib / r.disk_mib : 0.0);
    std::fflush(stdout);
  }
  std::printf("\nLoad average %.2f at the end.\n", bench::load_average());
  return 0;
}
