// The storage presets (storage/rocks_config.hpp, doc/operations.md "Configuration") side by side
// on one workload, through the public API: for each preset, a bulk load (unsynced transactions of
// 1,000 five-attribute entities), a full compaction, the size on disk against the raw bytes of
// the keys and values, single-datom transactions with sync on (latency percentiles), and random
// point reads of one entity's datoms.
//
//   bench_preset_bench [--entities N] [--txs N] [--reads N] [--presets a,b,...] [--dir DIR]
//                      [--memory-limit MIB]
//
// --memory-limit MIB: the transactions and reads run with less memory than the data: after the
// load and the compaction, the process moves into a memory cgroup (cgroup v1, memory controller,
// which charges the page cache too) limited to MIB, the database's files are dropped from the page
// cache (posix_fadvise), and the database is reopened with a 16 MiB block cache. Reads then come
// from the disk whenever the data outgrows what the limit leaves. Needs a writable
// /sys/fs/cgroup/memory (root in this container); the process moves back and removes the group
// when the phase ends.
//
// Prints one table (markdown) and the load average. Figures from a loaded machine are not evidence.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>
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
  double peak_mib = 0;  // with --memory-limit: the group's peak charge
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

// The process inside a cgroup v1 memory group limited to `mib`, for the object's lifetime.
class MemoryLimit {
 public:
  explicit MemoryLimit(std::size_t mib) {
    const fs::path root = "/sys/fs/cgroup/memory";
    // This process's group now: the "memory" line of /proc/self/cgroup ("4:memory:/a/b").
    std::ifstream self("/proc/self/cgroup");
    for (std::string line; std::getline(self, line);)
      if (auto at = line.find(":memory:"); at != std::string::npos) home_ = root / line.substr(at + 9);
    if (home_.empty()) fail("no memory cgroup in /proc/self/cgroup");
    group_ = home_ / ("quarry-preset-bench-" + std::to_string(getpid()));
    std::error_code ec;
    fs::create_directory(group_, ec);
    if (ec) fail("creating " + group_.string() + ": " + ec.message());
    write(group_ / "memory.limit_in_bytes", std::to_string(mib << 20));
    write(group_ / "cgroup.procs", std::to_string(getpid()));
  }
  ~MemoryLimit() {
    write(home_ / "cgroup.procs", std::to_string(getpid()));
    std::error_code ec;
    fs::remove(group_, ec);
  }
  MemoryLimit(const MemoryLimit&) = delete;
  MemoryLimit& operator=(const MemoryLimit&) = delete;
  // Peak memory charged to the group (page cache included), MiB.
  [[nodiscard]] double peak_mib() const {
    std::ifstream in(group_ / "memory.max_usage_in_bytes");
    double bytes = 0;
    in >> bytes;
    return bytes / (1 << 20);
  }

 private:
  [[noreturn]] static void fail(const std::string& what) {
    std::fprintf(stderr, "--memory-limit: %s\n", what.c_str());
    std::exit(1);
  }
  static void write(const fs::path& file, const std::string& text) {
    std::ofstream out(file);
    out << text << std::flush;
    if (!out) fail("writing " + text + " to " + file.string());
  }
  fs::path home_, group_;
};

// Drops the directory's files from the page cache, so that the next reads come from the disk.
void drop_from_page_cache(const std::string& dir) {
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const int fd = ::open(e.path().c_str(), O_RDONLY);
    if (fd < 0) continue;
    (void)::fdatasync(fd);
    (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
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
        std::size_t reads, std::size_t memory_limit_mib) {
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
  std::optional<MemoryLimit> limit;
  if (memory_limit_mib > 0) {
    limit.emplace(memory_limit_mib);
    drop_from_page_cache(dir);
    options.block_cache_bytes = std::size_t{16} << 20;
  }
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
  if (limit) row.peak_mib = limit->peak_mib();
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t entities = 100000, txs = 500, reads = 50000, memory_limit_mib = 0;
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
    else if (a == "--memory-limit") memory_limit_mib = std::stoul(next());
    else if (a == "--presets") {
      presets.clear();
      std::stringstream list(next());
      for (std::string p; std::getline(list, p, ',');) presets.push_back(p);
    } else {
      std::fprintf(stderr,
                   "usage: bench_preset_bench [--entities N] [--txs N] [--reads N] [--presets a,b] [--dir DIR] "
                   "[--memory-limit MIB]\n");
      return 2;
    }
  }
  bench::TempDir temp("quarry-presets");
  if (root.empty()) root = temp.path();
  std::printf("%zu entities x 5 attributes loaded in transactions of 1,000 (unsynced); %zu single-datom "
              "transactions with sync on; %zu random entity reads (EAVT). Load average %.2f at start.\n\n",
              entities, txs, reads, bench::load_average());
  if (memory_limit_mib > 0)
    std::printf("Transactions and reads in a memory cgroup of %zu MiB (page cache included), the files dropped "
                "from the page cache first, a 16 MiB block cache.\n\n",
                memory_limit_mib);
  const bool limited = memory_limit_mib > 0;
  std::printf("| preset | load datoms/s | compact s | tx p50 ms | tx p99 ms | tx max ms | reads/s | raw MiB | "
              "SST MiB | raw/SST |%s\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|%s\n",
              limited ? " peak MiB |" : "", limited ? "---:|" : "");
  for (const auto& p : presets) {
    Row r = run(p, root, entities, txs, reads, memory_limit_mib);
    std::printf("| %s | %.0f | %.2f | %.2f | %.2f | %.2f | %.0f | %.1f | %.1f | %.2f |", r.preset.c_str(),
                r.load_datoms_per_s, r.compact_s, r.tx_p50_ms, r.tx_p99_ms, r.tx_max_ms, r.reads_per_s, r.raw_mib,
                r.disk_mib, r.disk_mib > 0 ? r.raw_mib / r.disk_mib : 0.0);
    if (limited) std::printf(" %.0f |", r.peak_mib);
    std::printf("\n");
    std::fflush(stdout);
  }
  std::printf("\nLoad average %.2f at the end.\n", bench::load_average());
  return 0;
}
