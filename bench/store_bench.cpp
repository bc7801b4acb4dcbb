// Store benchmark: write and read throughput of MemoryStore, RocksStore and raw RocksDB (the
// rocksdb::DB API driven directly, with RocksStore's exact options from tune_rocksdb) on the same
// index-like keys, in one run. Prints a table; see bench/README.md ("Store") for figures.
//
//   bench_store_bench            the main table
//   bench_store_bench --options  RocksStore under alternative options (compression, bloom filter)
//
// Workload: each datom becomes 4 keys of 21-29 bytes, one in each of eavt/aevt/avet/vaet (e·a·v,
// a·e·v, a·v·e, v·a·e with 8-byte e, 4-byte a, a tagged 8-16 byte v), value 8 bytes (the tx).
// Entities are sequential, 8 attributes each, values random: eavt/aevt grow at the end, avet/vaet
// take keys all over. Writes go to a fresh store per batch size, unsynced (WriteOptions::sync =
// false; one synced row shows the fsync cost). Reads run on the store loaded by the 10,000-datom
// batches, after a flush (RocksDB reads then come from table files through the block cache).
// Fixed seeds; single-threaded.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_timing.hpp"
#include "storage/memory_store.hpp"
#include "storage/rocks_store.hpp"
#include "storage/rocks_tuning.hpp"
#include "storage/write_batch.hpp"

using namespace quarry;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kDatoms = 200'000;
constexpr std::size_t kSingleDatoms = 20'000;  // for batch size 1
constexpr std::size_t kSyncedDatoms = 300;     // for batch size 1, synced
constexpr std::size_t kReads = 200'000;
const std::vector<std::string> kSpaces{"eavt", "aevt", "avet", "vaet"};

// The 4 index keys of every datom, and the value (tx) of each.
struct Workload {
  std::vector<std::array<std::string, 4>> keys;
  std::vector<std::string> values;
};

void put_be(std::string& out, std::uint64_t x, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(x >> (8 * i)));
}

Workload make_workload() {
  std::mt19937_64 rng(42);
  Workload w;
  w.keys.reserve(kDatoms);
  for (std::size_t i = 0; i < kDatoms; ++i) {
    std::string e, a, v;
    put_be(e, 1 + i / 8, 8);
    put_be(a, 100 + i % 8, 4);
    v.push_back(static_cast<char>(0x10 + (i % 8) % 3));  // a value tag
    put_be(v, rng(), 8);
    v.append(rng() % 9, 'x');  // 0-8 more bytes: keys of 21-29 bytes
    w.keys.push_back({e + a + v, a + e + v, a + v + e, v + a + e});
    std::string tx;
    put_be(tx, 0x20000001 + i / 100, 8);
    w.values.push_back(std::move(tx));
  }
  return w;
}

using bench::must;
using bench::TempDir;

// Bytes in the directory's table files (.sst).
std::uint64_t bytes_on_disk(const TempDir& dir) {
  std::uint64_t total = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    if (e.path().extension() == ".sst") total += e.file_size();
  }
  return total;
}

double seconds_of(const std::function<void()>& run) {
  auto start = std::chrono::steady_clock::now();
  run();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void row(const char* store, const std::string& test, std::size_t ops, const char* unit, double s) {
  std::printf("| %-12s | %-28s | %12.0f %-8s | %8.3f s |\n", store, test.c_str(), ops / s, unit, s);
  std::fflush(stdout);
}

// The operations the benchmark needs, over a Store or over raw RocksDB.
struct Target {
  std::function<void(std::size_t first, std::size_t count)> write;  // datoms [first, first+count)
  std::function<void()> flush;
  std::function<std::size_t(const std::vector<std::string>& keys)> get;   // hits
  std::function<std::size_t(const std::vector<std::string>& keys)> seek;  // valid positions
  std::function<std::size_t()> scan;                                     // keys in all spaces
};

Target store_target(Store& store, const Workload& w, bool sync) {
  std::vector<SpaceId> ids;
  for (const auto& name : kSpaces) ids.push_back(must(store.space(name), "space"));
  Target t;
  t.write = [&store, &w, ids, sync](std::size_t first, std::size_t count) {
    WriteBatch batch;
    batch.reserve(4 * count, 4 * count * 36);
    for (std::size_t i = first; i < first + count; ++i) {
      for (int s = 0; s < 4; ++s) batch.put(ids[s], w.keys[i][s], w.values[i]);
    }
    must(store.write(batch, WriteOptions{.sync = sync}), "write");
  };
  t.flush = [&store] { must(store.flush(), "flush"); };
  t.get = [&store, ids](const std::vector<std::string>& keys) {
    auto snap = must(store.snapshot(), "snapshot");
    std::size_t hits = 0;
    for (const auto& k : keys) hits += must(snap->get(ids[0], k), "get").has_value();
    return hits;
  };
  t.seek = [&store, ids](const std::vector<std::string>& keys) {
    auto snap = must(store.snapshot(), "snapshot");
    auto cursor = must(snap->cursor(ids[2]), "cursor");
    std::size_t found = 0;
    for (const auto& k : keys) {
      cursor->seek(k);
      found += cursor->valid() && !cursor->value().empty();
    }
    must(cursor->status(), "seek");
    return found;
  };
  t.scan = [&store, ids] {
    auto snap = must(store.snapshot(), "snapshot");
    std::size_t n = 0;
    for (SpaceId id : ids) {
      auto cursor = must(snap->cursor(id), "cursor");
      for (cursor->seek_to_first(); cursor->valid(); cursor->next()) n += cursor->key().size() > 0;
      must(cursor->status(), "scan");
    }
    return n;
  };
  return t;
}

// Raw RocksDB with RocksStore's options: the physical limit the store layer is measured against.
struct RawRocks {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // default, then kSpaces
  RawRocks(const std::string& path) {
    RocksOptions o;
    o.path = path;
    rocksdb::DBOptions db_options;
    rocksdb::ColumnFamilyOptions cf;
    must(tune_rocksdb(o, db_options, cf), "tune");
    db_options.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> families{{rocksdb::kDefaultColumnFamilyName, cf}};
    for (const auto& name : kSpaces) families.emplace_back(name, cf);
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(db_options, path, families, &handles, &raw);
    if (!s.ok()) {
      std::fprintf(stderr, "raw open: %s\n", s.ToString().c_str());
      std::exit(1);
    }
    db.reset(raw);
  }
  ~RawRocks() {
    for (auto* h : handles) (void)db->DestroyColumnFamilyHandle(h);
    (void)db->Close();
  }
  static void check(const rocksdb::Status& s) {
    if (!s.ok()) {
      std::fprintf(stderr, "raw: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  }
  Target target(const Workload& w, bool sync) {
    Target t;
    t.write = [this, &w, sync](std::size_t first, std::size_t count) {
      rocksdb::WriteBatch batch;
      for (std::size_t i = first; i < first + count; ++i) {
        for (int s = 0; s < 4; ++s) check(batch.Put(handles[1 + s], w.keys[i][s], w.values[i]));
      }
      rocksdb::WriteOptions wo;
      wo.sync = sync;
      check(db->Write(wo, &batch));
    };
    t.flush = [this] { check(db->Flush(rocksdb::FlushOptions(), handles)); };
    t.get = [this](const std::vector<std::string>& keys) {
      rocksdb::ReadOptions ro;
      ro.snapshot = db->GetSnapshot();
      std::size_t hits = 0;
      rocksdb::PinnableSlice value;
      for (const auto& k : keys) {
        value.Reset();
        rocksdb::Status s = db->Get(ro, handles[1], k, &value);
        if (!s.IsNotFound()) check(s);
        hits += s.ok();
      }
      db->ReleaseSnapshot(ro.snapshot);
      return hits;
    };
    t.seek = [this](const std::vector<std::string>& keys) {
      rocksdb::ReadOptions ro;
      ro.snapshot = db->GetSnapshot();
      std::size_t found = 0;
      {
        std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, handles[3]));
        for (const auto& k : keys) {
          it->Seek(k);
          found += it->Valid() && !it->value().empty();
        }
        check(it->status());
      }
      db->ReleaseSnapshot(ro.snapshot);
      return found;
    };
    t.scan = [this] {
      rocksdb::ReadOptions ro;
      ro.snapshot = db->GetSnapshot();
      std::size_t n = 0;
      for (int s = 1; s <= 4; ++s) {
        std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, handles[s]));
        for (it->SeekToFirst(); it->Valid(); it->Next()) n += it->key().size() > 0;
        check(it->status());
      }
      db->ReleaseSnapshot(ro.snapshot);
      return n;
    };
    return t;
  }
};

// Random existing eavt keys (gets), absent ones, and random avet seek targets.
struct ReadKeys {
  std::vector<std::string> present, absent, seeks;
};

ReadKeys make_read_keys(const Workload& w) {
  std::mt19937_64 rng(7);
  ReadKeys r;
  for (std::size_t i = 0; i < kReads; ++i) {
    r.present.push_back(w.keys[rng() % kDatoms][0]);
    std::string missing = w.keys[rng() % kDatoms][0];
    missing.back() ^= 0x55;  // same shape, absent (up to rare collisions)
    r.absent.push_back(std::move(missing));
    std::string target = w.keys[rng() % kDatoms][2];
    target.resize(4 + rng() % 9);  // a prefix: a·v…
    r.seeks.push_back(std::move(target));
  }
  return r;
}

// Runs every write and read test against stores made by `open` (one per batch size).
void run_all(const char* name, const std::function<Target(bool fresh, bool sync)>& open,
             const ReadKeys& reads, bool with_sync_row) {
  struct Batching {
    std::size_t batch, datoms;
  };
  for (Batching b : {Batching{1, kSingleDatoms}, Batching{100, kDatoms}, Batching{10'000, kDatoms}}) {
    Target t = open(true, false);
    double s = seconds_of([&] {
      for (std::size_t i = 0; i < b.datoms; i += b.batch) t.write(i, std::min(b.batch, b.datoms - i));
    });
    row(name, "write, " + std::to_string(b.batch) + (b.batch == 1 ? " datom" : " datoms") + "/batch",
        b.datoms, "datoms/s", s);
    if (b.batch != 10'000) continue;
    t.flush();
    std::size_t hits = 0;
    s = seconds_of([&] { hits = t.get(reads.present); });
    row(name, "get (present)", kReads, "ops/s", s);
    if (hits != kReads) std::fprintf(stderr, "%s: only %zu of %zu gets found\n", name, hits, kReads);
    s = seconds_of([&] { hits = t.get(reads.absent); });
    row(name, "get (absent)", kReads, "ops/s", s);
    s = seconds_of([&] { hits = t.seek(reads.seeks); });
    row(name, "seek + read", kReads, "ops/s", s);
    std::size_t keys = 0;
    s = seconds_of([&] { keys = t.scan(); });
    row(name, "full scan, 4 spaces", keys, "keys/s", s);
    if (keys != 4 * kDatoms) std::fprintf(stderr, "%s: scan saw %zu keys\n", name, keys);
  }
  if (with_sync_row) {
    Target t = open(true, true);
    double s = seconds_of([&] {
      for (std::size_t i = 0; i < kSyncedDatoms; ++i) t.write(i, 1);
    });
    row(name, "write, 1 datom/batch, synced", kSyncedDatoms, "datoms/s", s);
  }
}

void header() {
  std::printf("| %-12s | %-28s | %21s | %10s |\n", "store", "test", "throughput", "time");
  std::printf("|--------------|------------------------------|-----------------------|------------|\n");
}

void main_table(const Workload& w, const ReadKeys& reads) {
  header();
  {
    std::unique_ptr<MemoryStore> store;
    run_all("MemoryStore", [&](bool, bool) {
      store = must(MemoryStore::open(kSpaces), "open");
      return store_target(*store, w, false);
    }, reads, false);
  }
  {
    std::unique_ptr<TempDir> dir;
    std::unique_ptr<RocksStore> store;
    run_all("RocksStore", [&](bool, bool sync) {
      store.reset();
      dir = std::make_unique<TempDir>();
      RocksOptions o;
      o.path = dir->path();
      store = must(RocksStore::open(o, kSpaces), "open");
      return store_target(*store, w, sync);
    }, reads, true);
    store.reset();
  }
  {
    std::unique_ptr<TempDir> dir;
    std::unique_ptr<RawRocks> raw;
    run_all("raw RocksDB", [&](bool, bool sync) {
      raw.reset();
      dir = std::make_unique<TempDir>();
      raw = std::make_unique<RawRocks>(dir->path());
      return raw->target(w, sync);
    }, reads, true);
    raw.reset();
  }
}

// RocksStore under alternative options: 10,000-datom batches, then flush + full compaction, then
// reads; reports table-file bytes.
void options_table(const Workload& w, const ReadKeys& reads) {
  struct Variant {
    const char* name;
    RocksCompression upper, bottom;
    int bloom;
  };
  std::printf("| %-22s | %9s | %9s | %9s | %9s | %9s | %8s |\n", "options", "write d/s",
              "get/s", "absent/s", "seek/s", "scan k/s", "SST MiB");
  std::printf("|------------------------|-----------|-----------|-----------|-----------|-----------|----------|\n");
  for (Variant v : {Variant{"none, bloom 10", RocksCompression::None, RocksCompression::None, 10},
                    Variant{"lz4+zstd, bloom 10", RocksCompression::Lz4, RocksCompression::Zstd, 10},
                    Variant{"lz4, bloom 10", RocksCompression::Lz4, RocksCompression::Lz4, 10},
                    Variant{"zstd, bloom 10", RocksCompression::Zstd, RocksCompression::Zstd, 10},
                    Variant{"snappy, bloom 10", RocksCompression::Snappy, RocksCompression::Snappy, 10},
                    Variant{"lz4+zstd, no bloom", RocksCompression::Lz4, RocksCompression::Zstd, 0}}) {
    TempDir dir;
    RocksOptions o;
    o.path = dir.path();
    o.compression = v.upper;
    o.bottommost_compression = v.bottom;
    o.bloom_bits_per_key = v.bloom;
    auto store = must(RocksStore::open(o, kSpaces), "open");
    Target t = store_target(*store, w, false);
    double write = seconds_of([&] {
      for (std::size_t i = 0; i < kDatoms; i += 10'000) t.write(i, 10'000);
    });
    t.flush();
    for (std::size_t s = 0; s < kSpaces.size(); ++s) {
      must(store->compact(SpaceId{static_cast<std::uint32_t>(s)}), "compact");
    }
    double get = seconds_of([&] { (void)t.get(reads.present); });
    double absent = seconds_of([&] { (void)t.get(reads.absent); });
    double seek = seconds_of([&] { (void)t.seek(reads.seeks); });
    std::size_t keys = 0;
    double scan = seconds_of([&] { keys = t.scan(); });
    std::printf("| %-22s | %9.0f | %9.0f | %9.0f | %9.0f | %9.0f | %8.1f |\n", v.name,
                kDatoms / write, kReads / get, kReads / absent, kReads / seek, keys / scan,
                bytes_on_disk(dir) / 1048576.0);
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool options = argc > 1 && std::strcmp(argv[1], "--options") == 0;
  Workload w = make_workload();
  ReadKeys reads = make_read_keys(w);
  std::printf("%zu datoms (%zu keys in 4 spaces), %zu reads per read test\n\n", kDatoms,
              4 * kDatoms, kReads);
  if (options) {
    options_table(w, reads);
  } else {
    main_table(w, reads);
  }
}
