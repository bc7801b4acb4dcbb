// Read-path benchmark (issue "Read path"): decoded AVET range scans and 5-attribute entity fetches
// through index::DatomCursor on RocksStore and MemoryStore, raw RocksDB over the same keys as the
// limit, and the memory store's tree against a sorted std::vector of the same keys. Cache-resident
// data, one thread, fixed seeds. Prints a table with the load average; see bench/README.md
// ("Read path").
//
//   bench_read_bench                         100,000 entities x 8 attributes (800K datoms)
//   bench_read_bench --datoms 10000000       the larger run (~10M datoms)
//   --cache-mb N                             RocksStore's block cache, fixed (default: 64, the
//                                            automatic cache's floor, as bench/README.md's figures)
//   --partitioned 0|1                        RocksOptions::partitioned_filters (default: its default)
//   --stores rocks|memory|rocks,memory       which stores to load and read (default: both)
//   --raw-prefix-bloom 1                     also compare Seek(e·a) probes on a raw copy with and
//                                            without an E·A prefix extractor (prefix bloom)
//   --raw-variants all|NAME,...              also copy the EAVT keys into raw RocksDBs with settings
//                                            RocksStore does not use (restart4, meta-outside-cache,
//                                            no-stats, unpartitioned, hyper-clock; "store" = its own)
//                                            and print each one's table bytes and raw fetch rates
//   --only scan,fetch-sorted,fetch-random,point,tree   measure only these rows; under
//                                            valgrind --tool=callgrind --collect-atstart=no only the
//                                            timed reads are collected (when <valgrind/callgrind.h>
//                                            was found at build time)
// Each flag can also come from the environment: QUARRY_READ_BENCH_DATOMS, _CACHE_MB, _PARTITIONED,
// _STORES (flags win).
//
// Workload: entities 1..N, each with :name, :email, :city (strings), :age, :salary (longs), :sex
// (keyword), :score (double), :friend (ref); one transaction per 10,000 entities. RocksDB is
// flushed and compacted before reading, as a database at rest.
// - scan: every :salary datom in AVET order, each decoded to a Datom (Value built).
// - fetch: :name :age :salary :email :city of entities by id (one EAVT cursor, one seek_prefix per
//   attribute, values decoded), ids sorted or random.
// - point reads: Db::has_datom(e, :age, v) of random entities, v the true age for half of them
//   and an absent one for the other half (whole-key bloom filters answer those).
// - raw: the same AVET keys / EAVT keys copied into a plain RocksDB with RocksStore's options;
//   the scan touches each key and value, the fetch seeks e and steps to the wanted attributes.
// - vector: the memory store's limit, the same keys in sorted std::vectors read the same way
//   (SortedKeys). rocks/raw and mem/vec are the store's rate over its limit's, in the same run.
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <stdlib.h>
#include <time.h>

#include <cstdio>
#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define QUARRY_CALLGRIND_TOGGLE() CALLGRIND_TOGGLE_COLLECT
#define QUARRY_CALLGRIND_DUMP(name) CALLGRIND_DUMP_STATS_AT(name)
#else
#define QUARRY_CALLGRIND_TOGGLE() ((void)0)
#define QUARRY_CALLGRIND_DUMP(name) ((void)(name))
#endif

#include "bench/bench_timing.hpp"
#include "index/db.hpp"
#include "index/key_layout.hpp"
#include "index/schema.hpp"
#include "storage/block_cache_size.hpp"
#include "storage/memory_store.hpp"
#include "storage/rocks_store.hpp"
#include "storage/rocks_tuning.hpp"
#include "storage/write_batch.hpp"

using namespace quarry;
using bench::must;
using index::Db;

namespace {

constexpr std::size_t kPerTx = 10'000;
constexpr std::size_t kFetches = 100'000;

// Like bench::time_runs, but in this thread's CPU time: the reads are single-threaded and run after
// compaction, so CPU time equals wall time on a quiet machine and stays meaningful on a loaded one
// (where wall time also counts the waits for a core).
template <class Body>
bench::Timing time_runs(int warmup, int runs, Body&& body) {
  auto cpu_ms = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
  };
  QUARRY_CALLGRIND_TOGGLE();  // under valgrind --tool=callgrind --collect-atstart=no: the reads only
  for (int i = 0; i < warmup; ++i) body();
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const double start = cpu_ms();
    body();
    ms.push_back(cpu_ms() - start);
  }
  QUARRY_CALLGRIND_TOGGLE();
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.front()};
}

std::size_t env_size(const char* name, std::size_t fallback) {
  const char* v = std::getenv(name);
  return v ? static_cast<std::size_t>(std::strtoull(v, nullptr, 10)) : fallback;
}

struct Attrs {
  AttrId name, email, city, age, salary, sex, score, friend_;
  std::vector<std::int64_t> ages;  // ages[e - 1]: entity e's :age
  // In key order (attribute ids ascend in definition order), as probes should be.
  std::vector<AttrId> fetched() const { return {name, email, city, age, salary}; }
};

AttrId define(index::Writer& w, std::string_view ident, index::ValueType type) {
  Db db = w.db();
  AttrId id{db.next_system_id()};
  TxId tx = db.next_tx();
  std::vector<Datom> ds{
      {EntityId{id.value}, index::sys::kIdent, Value::keyword(ident), tx, true},
      {EntityId{id.value}, index::sys::kValueType, *index::value_type_keyword(type), tx, true},
      {EntityId{id.value}, index::sys::kCardinality, index::cardinality_keyword(false), tx, true},
      {EntityId{tx.value}, index::sys::kTxInstant, Instant{1}, tx, true}};
  must(w.commit(db, tx, ds), "define");
  return id;
}

Attrs load(index::Writer& w, std::size_t entities) {
  using index::ValueType;
  Attrs a;
  a.name = define(w, "name", ValueType::String);
  a.email = define(w, "email", ValueType::String);
  a.city = define(w, "city", ValueType::String);
  a.age = define(w, "age", ValueType::Long);
  a.salary = define(w, "salary", ValueType::Long);
  a.sex = define(w, "sex", ValueType::Keyword);
  a.score = define(w, "score", ValueType::Double);
  a.friend_ = define(w, "friend", ValueType::Ref);
  std::mt19937_64 rng(7);
  const char* cities[] = {"Lisbon", "Oslo", "Quito", "Perth", "Accra", "Hanoi", "Lima", "Riga"};
  std::vector<Datom> ds;
  for (std::size_t first = 1; first <= entities; first += kPerTx) {
    Db db = w.db();
    TxId tx = db.next_tx();
    ds.clear();
    for (std::size_t e = first; e < first + kPerTx && e <= entities; ++e) {
      EntityId id{e};
      ds.push_back({id, a.name, Value("person-" + std::to_string(rng() % 1'000'000)), tx, true});
      ds.push_back({id, a.email, Value("p" + std::to_string(e) + "@example.org"), tx, true});
      ds.push_back({id, a.city, Value(cities[rng() % 8]), tx, true});
      a.ages.push_back(static_cast<std::int64_t>(rng() % 100));
      ds.push_back({id, a.age, Value(a.ages.back()), tx, true});
      ds.push_back({id, a.salary, Value(static_cast<std::int64_t>(20'000 + rng() % 100'000)), tx, true});
      ds.push_back({id, a.sex, Value::keyword(rng() % 2 ? "male" : "female"), tx, true});
      ds.push_back({id, a.score, Value(static_cast<double>(rng() % 10'000) / 100.0), tx, true});
      ds.push_back({id, a.friend_, Value(EntityId{1 + rng() % entities}), tx, true});
    }
    ds.push_back({EntityId{tx.value}, index::sys::kTxInstant, Instant{static_cast<std::int64_t>(tx.value)}, tx, true});
    must(w.commit(db, tx, ds, WriteOptions{.sync = false}), "commit");
  }
  return a;
}

struct Row {
  std::string what;
  double rocks = 0, memory = 0, raw = 0, vector = 0;  // per second; 0 = not measured
  std::string target;
};

// Every :salary datom in AVET order, decoded; returns datoms/s.
[[gnu::noinline]] double scan_avet(const Db& db, AttrId salary) {
  std::size_t n = 0;
  std::uint64_t sum = 0;
  auto t = time_runs(1, 5, [&] {
    auto c = must(db.datoms(IndexOrder::Avet, {.a = salary}), "scan");
    n = 0;
    for (; c.valid(); c.next()) {
      const Datom& d = c.datom();
      sum += d.e.value + static_cast<std::uint64_t>(d.v.as<std::int64_t>());
      ++n;
    }
    must(c.status(), "scan status");
  });
  if (sum == 42) std::puts("");
  return n / (t.median_ms / 1000.0);
}

// Five attributes of each entity in `ids`, decoded; returns entities/s.
[[gnu::noinline]] double fetch(const Db& db, const Attrs& a, const std::vector<std::uint64_t>& ids) {
  const std::vector<AttrId> attrs = a.fetched();
  std::size_t values = 0;
  auto t = time_runs(1, 5, [&] {
    auto c = must(db.cursor(IndexOrder::Eavt), "cursor");
    values = 0;
    for (std::uint64_t e : ids) {
      for (AttrId attr : attrs) {
        must(c.seek_prefix({.e = EntityId{e}, .a = attr}), "seek");
        if (!c.valid()) continue;
        const Datom& d = c.datom();
        values += d.v.is_nil() ? 0 : 1;
      }
    }
    must(c.status(), "fetch status");
  });
  if (values != ids.size() * attrs.size()) {
    std::fprintf(stderr, "fetch found %zu values, expected %zu\n", values, ids.size() * attrs.size());
    std::exit(1);
  }
  return ids.size() / (t.median_ms / 1000.0);
}

// One (e, :age, v) per probe, v the true age for even probes and an absent one for odd probes.
struct PointProbe {
  EntityId e;
  std::int64_t age;
};
std::vector<PointProbe> point_probes(const Attrs& a, std::size_t n) {
  std::mt19937_64 rng(5);
  std::vector<PointProbe> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t e = 1 + rng() % a.ages.size();
    out.push_back({EntityId{e}, a.ages[e - 1] + (i % 2 ? 1000 : 0)});
  }
  return out;
}

// Db::has_datom for each probe (the current state: one point read each); returns reads/s.
[[gnu::noinline]] double point_reads(const Db& db, AttrId age, const std::vector<PointProbe>& probes) {
  std::size_t found = 0;
  auto t = time_runs(1, 5, [&] {
    found = 0;
    for (const PointProbe& p : probes) found += must(db.has_datom(p.e, age, Value(p.age)), "has_datom");
  });
  if (found != (probes.size() + 1) / 2) {
    std::fprintf(stderr, "point reads found %zu of %zu\n", found, probes.size());
    std::exit(1);
  }
  return probes.size() / (t.median_ms / 1000.0);
}

// The E·A components of an EAVT key: the prefix of a seek_prefix({e, a}) probe. Used only for the
// prefix-bloom evaluation (--raw-prefix-bloom): keys shorter than E·A are outside its domain.
class EntityAttrPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "quarry.bench.eavt-e-a"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override { return {key.data(), length(key)}; }
  bool InDomain(const rocksdb::Slice& key) const override { return length(key) > 0; }

 private:
  static std::size_t length(const rocksdb::Slice& key) {
    if (key.size() < 1) return 0;
    const std::size_t e = 1 + static_cast<unsigned char>(key[0]);
    if (key.size() < e + 1) return 0;
    const std::size_t ea = e + 1 + static_cast<unsigned char>(key[e]);
    return key.size() < ea ? 0 : ea;
  }
};

// A change to RocksStore's RocksDB options, for the raw table variants (--raw-variants).
using RawAdjust = std::function<void(rocksdb::DBOptions&, rocksdb::BlockBasedTableOptions&)>;

// A plain RocksDB with RocksStore's options (changed by `adjust`, if given) and two families, for
// the limit rows.
struct RawRocks {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // default, eavt, avet
  RawRocks(const std::string& path, RocksOptions o, bool prefix_bloom = false, const RawAdjust& adjust = {}) {
    o.path = path;
    rocksdb::DBOptions db_options;
    rocksdb::ColumnFamilyOptions cf;
    must(tune_rocksdb(o, db_options, cf), "tune");
    if (adjust) {
      rocksdb::BlockBasedTableOptions table = *cf.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>();
      adjust(db_options, table);
      cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    }
    db_options.create_missing_column_families = true;
    rocksdb::ColumnFamilyOptions eavt = cf;
    if (prefix_bloom) eavt.prefix_extractor = std::make_shared<EntityAttrPrefix>();
    std::vector<rocksdb::ColumnFamilyDescriptor> families{
        {rocksdb::kDefaultColumnFamilyName, cf}, {"eavt", eavt}, {"avet", cf}};
    rocksdb::DB* raw = nullptr;
    check(rocksdb::DB::Open(db_options, path, families, &handles, &raw));
    db.reset(raw);
  }
  ~RawRocks() {
    for (auto* h : handles) (void)db->DestroyColumnFamilyHandle(h);
    (void)db->Close();
  }
  static void check(const rocksdb::Status& s) {
    if (!s.ok()) {
      std::fprintf(stderr, "raw rocksdb: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  }
  // Copies the datoms of a Quarry cursor (key, compact tx value) into family f.
  void copy(index::DatomCursor c, rocksdb::ColumnFamilyHandle* f) {
    rocksdb::WriteBatch batch;
    for (; c.valid(); c.next()) {
      std::string_view k = c.encoded_key(), v = c.encoded_tx();
      check(batch.Put(f, rocksdb::Slice(k.data(), k.size()), rocksdb::Slice(v.data(), v.size())));
      if (batch.Count() == 100'000) {
        check(db->Write(rocksdb::WriteOptions(), &batch));
        batch.Clear();
      }
    }
    check(db->Write(rocksdb::WriteOptions(), &batch));
    check(db->Flush(rocksdb::FlushOptions(), f));
    rocksdb::CompactRangeOptions all;
    all.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
    check(db->CompactRange(all, f, nullptr, nullptr));
  }
  // The live table files' bytes of family f (after copy's compaction: the space on disk).
  std::uint64_t table_bytes(rocksdb::ColumnFamilyHandle* f) {
    std::uint64_t n = 0;
    if (!db->GetIntProperty(f, "rocksdb.live-sst-files-size", &n)) std::exit(1);
    return n;
  }
  double scan(std::string_view attr_prefix) {
    std::size_t n = 0, bytes = 0;
    std::string upper(attr_prefix);
    upper.push_back('\xff');
    rocksdb::Slice lower_slice(attr_prefix.data(), attr_prefix.size()), upper_slice(upper);
    auto t = time_runs(1, 5, [&] {
      rocksdb::ReadOptions read;
      read.iterate_lower_bound = &lower_slice;
      read.iterate_upper_bound = &upper_slice;
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read, handles[2]));
      n = 0;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        bytes += it->key().size() + it->value().size();
        ++n;
      }
      check(it->status());
    });
    if (bytes == 1) std::puts("");
    return n / (t.median_ms / 1000.0);
  }
  double point_reads(AttrId age, const std::vector<PointProbe>& probes) {
    std::size_t found = 0;
    std::string key, value;
    auto t = time_runs(1, 5, [&] {
      found = 0;
      for (const PointProbe& p : probes) {
        key.clear();
        must(keys::append_datom_key(key, IndexOrder::Eavt, p.e, age, Value(p.age)), "key");
        rocksdb::Status s = db->Get(rocksdb::ReadOptions(), handles[1], key, &value);
        if (!s.IsNotFound()) check(s);
        found += s.ok();
      }
    });
    if (found != (probes.size() + 1) / 2) std::exit(1);
    return probes.size() / (t.median_ms / 1000.0);
  }

  // One Seek(e·a) per attribute (the seek_prefix probe), with or without the prefix bloom; `attrs`
  // may name attributes entities lack. Returns (entities/s, entries found).
  std::pair<double, std::size_t> fetch_by_prefix(const std::vector<AttrId>& wanted, const std::vector<std::uint64_t>& ids) {
    std::size_t found = 0;
    std::string target;
    auto t = time_runs(1, 5, [&] {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[1]));
      found = 0;
      for (std::uint64_t e : ids) {
        for (AttrId attr : wanted) {
          target.clear();
          keys::append_entity(target, EntityId{e});
          keys::append_attr(target, attr);
          it->Seek(target);
          if (it->Valid() && it->key().starts_with(target)) found += it->value().size() > 0;
        }
      }
      check(it->status());
    });
    return {ids.size() / (t.median_ms / 1000.0), found};
  }

  // One Seek per entity, then Next over its datoms, keeping the wanted attributes' entries.
  double fetch(const Attrs& a, const std::vector<std::uint64_t>& ids) {
    std::vector<std::string> attrs;
    for (AttrId attr : a.fetched()) {
      std::string s;
      keys::append_attr(s, attr);
      attrs.push_back(s);
    }
    std::size_t found = 0;
    std::string target;
    auto t = time_runs(1, 5, [&] {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[1]));
      found = 0;
      for (std::uint64_t e : ids) {
        target.clear();
        keys::append_entity(target, EntityId{e});
        const std::size_t e_size = target.size();
        std::size_t next_attr = 0;
        for (it->Seek(target); it->Valid() && next_attr < attrs.size(); it->Next()) {
          rocksdb::Slice k = it->key();
          if (!k.starts_with(target)) break;
          std::string_view rest(k.data() + e_size, k.size() - e_size);
          if (rest.starts_with(attrs[next_attr])) {
            found += it->value().size() > 0;
            ++next_attr;
          }
        }
      }
      check(it->status());
    });
    if (found != ids.size() * attrs.size()) {
      std::fprintf(stderr, "raw fetch found %zu, expected %zu\n", found, ids.size() * attrs.size());
      std::exit(1);
    }
    return ids.size() / (t.median_ms / 1000.0);
  }
};

// The limit for the memory store: the same keys in sorted std::vectors (EAVT: all datoms; AVET: the
// :salary datoms), read the way raw RocksDB reads them: the scan touches every key, the fetch does
// one std::lower_bound per entity and steps over its datoms, a point read is a std::binary_search;
// the scan decodes each key (keys::decode_datom_key) as the stores' scan rows do.
struct SortedKeys {
  std::vector<std::string> eavt, salary_avet;

  SortedKeys(const Db& db, AttrId salary) {
    for (auto c = must(db.datoms(IndexOrder::Eavt), "eavt"); c.valid(); c.next()) eavt.emplace_back(c.encoded_key());
    for (auto c = must(db.datoms(IndexOrder::Avet, {.a = salary}), "avet"); c.valid(); c.next())
      salary_avet.emplace_back(c.encoded_key());
  }
  [[gnu::noinline]] double scan() const {
    std::uint64_t sum = 0;
    auto t = time_runs(1, 5, [&] {
      for (const std::string& k : salary_avet) {
        Datom d = must(keys::decode_datom_key(IndexOrder::Avet, k), "decode");
        sum += d.e.value + static_cast<std::uint64_t>(d.v.as<std::int64_t>());
      }
    });
    if (sum == 42) std::puts("");
    return salary_avet.size() / (t.median_ms / 1000.0);
  }
  [[gnu::noinline]] double fetch(const Attrs& a, const std::vector<std::uint64_t>& ids) const {
    std::vector<std::string> attrs;
    for (AttrId attr : a.fetched()) {
      std::string s;
      keys::append_attr(s, attr);
      attrs.push_back(s);
    }
    std::size_t found = 0;
    std::string target;
    auto t = time_runs(1, 5, [&] {
      found = 0;
      for (std::uint64_t e : ids) {
        target.clear();
        keys::append_entity(target, EntityId{e});
        const std::size_t e_size = target.size();
        std::size_t next_attr = 0;
        for (auto it = std::lower_bound(eavt.begin(), eavt.end(), target); it != eavt.end() && next_attr < attrs.size(); ++it) {
          std::string_view k = *it;
          if (!k.starts_with(target)) break;
          if (k.substr(e_size).starts_with(attrs[next_attr])) {
            ++found;
            ++next_attr;
          }
        }
      }
    });
    if (found != ids.size() * attrs.size()) {
      std::fprintf(stderr, "vector fetch found %zu, expected %zu\n", found, ids.size() * attrs.size());
      std::exit(1);
    }
    return ids.size() / (t.median_ms / 1000.0);
  }
  [[gnu::noinline]] double point_reads(AttrId age, const std::vector<PointProbe>& probes) const {
    std::size_t found = 0;
    std::string key;
    auto t = time_runs(1, 5, [&] {
      found = 0;
      for (const PointProbe& p : probes) {
        key.clear();
        must(keys::append_datom_key(key, IndexOrder::Eavt, p.e, age, Value(p.age)), "key");
        found += std::binary_search(eavt.begin(), eavt.end(), key);
      }
    });
    if (found != (probes.size() + 1) / 2) std::exit(1);
    return probes.size() / (t.median_ms / 1000.0);
  }
};

// MemoryStore's tree against a sorted vector of the same keys: random point gets and a full scan.
struct TreeVsVector {
  double tree_get = 0, vector_get = 0, tree_scan = 0, vector_scan = 0;
};

TreeVsVector tree_vs_vector(const Db& db) {
  std::vector<std::string> keys;
  {
    auto c = must(db.datoms(IndexOrder::Eavt), "eavt");
    for (; c.valid(); c.next()) keys.emplace_back(c.encoded_key());
  }
  auto store = must(MemoryStore::open({"s"}), "memory store");
  SpaceId s = must(store->space("s"), "space");
  for (std::size_t i = 0; i < keys.size(); i += 100'000) {
    WriteBatch batch;
    for (std::size_t j = i; j < std::min(keys.size(), i + 100'000); ++j) batch.put(s, keys[j], "tx");
    must(store->write(batch), "write");
  }
  auto snap = must(store->snapshot(), "snapshot");
  std::mt19937_64 rng(11);
  std::vector<std::size_t> probes(200'000);
  for (auto& p : probes) p = rng() % keys.size();
  TreeVsVector out;
  std::size_t hits = 0;
  auto tg = time_runs(1, 5, [&] {
    for (std::size_t p : probes) hits += must(snap->get(s, keys[p]), "get").has_value();
  });
  auto vg = time_runs(1, 5, [&] {
    for (std::size_t p : probes) hits += std::binary_search(keys.begin(), keys.end(), keys[p]);
  });
  std::size_t bytes = 0;
  auto ts = time_runs(1, 5, [&] {
    auto c = must(snap->cursor(s), "cursor");
    for (c->seek_to_first(); c->valid(); c->next()) bytes += c->key().size();
  });
  auto vs = time_runs(1, 5, [&] {
    for (const std::string& k : keys) bytes += k.size();
  });
  if (hits + bytes == 1) std::puts("");
  out.tree_get = probes.size() / (tg.median_ms / 1000.0);
  out.vector_get = probes.size() / (vg.median_ms / 1000.0);
  out.tree_scan = keys.size() / (ts.median_ms / 1000.0);
  out.vector_scan = keys.size() / (vs.median_ms / 1000.0);
  return out;
}

std::string rate(double per_second) {
  if (per_second <= 0) return "-";
  char buf[32];
  if (per_second >= 1e6) std::snprintf(buf, sizeof buf, "%.2fM", per_second / 1e6);
  else std::snprintf(buf, sizeof buf, "%.0fK", per_second / 1e3);
  return buf;
}

struct Config {
  std::size_t datoms = 800'000;
  std::size_t cache_mb = kAutoBlockCacheFloorBytes >> 20;
  bool partitioned = RocksOptions{}.partitioned_filters;
  bool rocks = true, memory = true;
  bool raw_prefix_bloom = false;  // also measure a raw copy with an E·A prefix bloom
  std::string raw_variants;       // comma-separated raw table variants to measure (--raw-variants)
  std::string only;               // comma-separated row names to measure; empty: all
  [[nodiscard]] bool wants(std::string_view row) const {
    if (only.empty()) return true;
    for (std::size_t at = 0; at <= only.size();) {
      std::size_t end = std::min(only.find(',', at), only.size());
      if (std::string_view(only).substr(at, end - at) == row) return true;
      at = end + 1;
    }
    return false;
  }
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: bench_read_bench [--datoms N] [--cache-mb N] [--partitioned 0|1] [--stores rocks,memory]\n"
               "                        [--raw-prefix-bloom 0|1] [--only scan,fetch-sorted,fetch-random,point,tree]\n"
               "                        [--raw-variants all|store,restart4,meta-outside-cache,no-stats,unpartitioned]\n"
               "  (or QUARRY_READ_BENCH_DATOMS / _CACHE_MB / _PARTITIONED / _STORES in the environment)\n");
  std::exit(2);
}

Config parse(int argc, char** argv) {
  Config c;
  c.datoms = env_size("QUARRY_READ_BENCH_DATOMS", c.datoms);
  c.cache_mb = env_size("QUARRY_READ_BENCH_CACHE_MB", c.cache_mb);
  c.partitioned = env_size("QUARRY_READ_BENCH_PARTITIONED", c.partitioned) != 0;
  std::string stores = std::getenv("QUARRY_READ_BENCH_STORES") ? std::getenv("QUARRY_READ_BENCH_STORES") : "";
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) usage();
    const char* value = argv[++i];
    if (flag == "--datoms") c.datoms = std::strtoull(value, nullptr, 10);
    else if (flag == "--cache-mb") c.cache_mb = std::strtoull(value, nullptr, 10);
    else if (flag == "--partitioned") c.partitioned = std::strtoull(value, nullptr, 10) != 0;
    else if (flag == "--stores") stores = value;
    else if (flag == "--raw-prefix-bloom") c.raw_prefix_bloom = std::strtoull(value, nullptr, 10) != 0;
    else if (flag == "--only") c.only = value;
    else if (flag == "--raw-variants") c.raw_variants = value;
    else usage();
  }
  if (!stores.empty()) {
    c.rocks = stores.find("rocks") != std::string::npos;
    c.memory = stores.find("memory") != std::string::npos;
    if (!c.rocks && !c.memory) usage();
  }
  return c;
}

// RocksDB settings RocksStore does not use, each on a raw copy of the EAVT keys, against a copy
// with RocksStore's own settings ("store"): the family's table files after compaction (bytes on
// disk) and the raw 5-attribute fetch (one Seek per entity, then Next). Under callgrind each
// variant's reads go to a dump of their own, named "variant NAME" (callgrind.out.PID.N).
struct RawVariant {
  const char* name;
  RawAdjust adjust;  // empty: RocksStore's settings
};

std::vector<RawVariant> raw_variant_list(std::size_t cache_bytes) {
  return {
      {"store", {}},
      {"restart4", [](rocksdb::DBOptions&, rocksdb::BlockBasedTableOptions& t) { t.block_restart_interval = 4; }},
      {"meta-outside-cache",
       [](rocksdb::DBOptions&, rocksdb::BlockBasedTableOptions& t) { t.cache_index_and_filter_blocks = false; }},
      {"no-stats", [](rocksdb::DBOptions& d, rocksdb::BlockBasedTableOptions&) { d.statistics = nullptr; }},
      {"unpartitioned",
       [](rocksdb::DBOptions&, rocksdb::BlockBasedTableOptions& t) {
         t.index_type = rocksdb::BlockBasedTableOptions::kBinarySearch;
         t.partition_filters = false;
       }},
      {"hyper-clock",
       [cache_bytes](rocksdb::DBOptions&, rocksdb::BlockBasedTableOptions& t) {
         t.block_cache = rocksdb::HyperClockCacheOptions(cache_bytes, t.block_size).MakeSharedCache();
       }},
  };
}

void raw_variants(const Config& config, const std::string& dir, const RocksOptions& options, const Db& db,
                  const Attrs& a, const std::vector<std::uint64_t>& sorted_ids,
                  const std::vector<std::uint64_t>& random_ids) {
  const auto list = raw_variant_list(options.block_cache_bytes.value_or(kAutoBlockCacheFloorBytes));
  std::printf("\nraw RocksDB table variants, EAVT keys (fetch: entities/s; table files after compaction):\n");
  std::printf("| %-20s | %12s | %12s | %12s |\n", "variant", "table bytes", "fetch sorted", "fetch random");
  std::printf("|----------------------|--------------|--------------|--------------|\n");
  for (int i = 0; i < static_cast<int>(list.size()); ++i) {
    const std::string name = list[i].name;
    if (config.raw_variants != "all" && ("," + config.raw_variants + ",").find("," + name + ",") == std::string::npos)
      continue;
    RawRocks r(dir + "/raw-" + name, options, false, list[i].adjust);
    r.copy(must(db.datoms(IndexOrder::Eavt), "eavt"), r.handles[1]);
    QUARRY_CALLGRIND_DUMP("before the variant");
    const double sorted = config.wants("fetch-sorted") ? r.fetch(a, sorted_ids) : 0;
    const double random = config.wants("fetch-random") ? r.fetch(a, random_ids) : 0;
    const std::string dump = "variant " + name;
    QUARRY_CALLGRIND_DUMP(dump.c_str());
    std::printf("| %-20s | %12llu | %12s | %12s |\n", name.c_str(),
                static_cast<unsigned long long>(r.table_bytes(r.handles[1])), rate(sorted).c_str(),
                rate(random).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Config config = parse(argc, argv);
  const std::size_t entities = std::max<std::size_t>(config.datoms / 8, 1000);
  bench::TempDir dir("quarry-read-bench");

  RocksOptions options;
  options.path = dir.path() + "/quarry";
  options.sync_writes = false;
  options.info_log = false;
  options.block_cache_bytes = config.cache_mb << 20;
  options.partitioned_filters = config.partitioned;

  Attrs a;
  std::shared_ptr<Store> rocks_store;
  std::unique_ptr<index::Writer> rocks, memory;
  double rocks_load_s = 0, memory_load_s = 0;
  if (config.rocks) {
    rocks_store = std::shared_ptr<Store>(must(RocksStore::open(options, keys::all_spaces()), "open rocks"));
    rocks = must(index::Writer::open(rocks_store), "rocks writer");
    auto load_start = bench::Clock::now();
    a = load(*rocks, entities);
    must(rocks_store->flush(), "flush");
    for (std::string_view space : keys::all_spaces()) must(rocks_store->compact(must(rocks_store->space(space), "space")), "compact");
    rocks_load_s = bench::seconds_since(load_start);
  }
  if (config.memory) {
    memory = must(index::Writer::open(std::shared_ptr<Store>(must(MemoryStore::open(keys::all_spaces()), "open memory"))),
                  "memory writer");
    auto load_start = bench::Clock::now();
    a = load(*memory, entities);
    memory_load_s = bench::seconds_since(load_start);
  }
  std::optional<Db> rdb, mdb;
  if (rocks) rdb = rocks->db();
  if (memory) mdb = memory->db();

  std::unique_ptr<RawRocks> raw;
  std::string salary_prefix;
  keys::append_attr(salary_prefix, a.salary);
  if (rdb) {
    raw = std::make_unique<RawRocks>(dir.path() + "/raw", options);
    raw->copy(must(rdb->datoms(IndexOrder::Avet, {.a = a.salary}), "avet"), raw->handles[2]);
    raw->copy(must(rdb->datoms(IndexOrder::Eavt), "eavt"), raw->handles[1]);
  }

  std::vector<std::uint64_t> sorted_ids, random_ids;
  std::mt19937_64 rng(3);
  for (std::size_t i = 0; i < std::min(kFetches, entities); ++i) random_ids.push_back(1 + rng() % entities);
  sorted_ids = random_ids;
  std::sort(sorted_ids.begin(), sorted_ids.end());
  const auto probes = point_probes(a, kFetches);

  std::optional<SortedKeys> vec;
  if (mdb) vec.emplace(*mdb, a.salary);

  // Each measurement of a store that was not loaded is 0 ("-" in the table).
  auto on = [](const std::optional<Db>& db, auto&& measure) { return db ? measure(*db) : 0.0; };
  auto on_raw = [&](auto&& measure) { return raw ? measure(*raw) : 0.0; };
  auto on_vector = [&](auto&& measure) { return vec ? measure(*vec) : 0.0; };
  std::vector<Row> rows;
  if (config.wants("scan"))
    rows.push_back({"AVET scan :salary, decoded (datoms/s)", on(rdb, [&](const Db& db) { return scan_avet(db, a.salary); }),
                    on(mdb, [&](const Db& db) { return scan_avet(db, a.salary); }),
                    on_raw([&](RawRocks& r) { return r.scan(salary_prefix); }),
                    on_vector([&](const SortedKeys& v) { return v.scan(); }), ">= 3M rocks, >= 20M memory"});
  for (const auto* ids : {&sorted_ids, &random_ids}) {
    if (!config.wants(ids == &sorted_ids ? "fetch-sorted" : "fetch-random")) continue;
    rows.push_back({ids == &sorted_ids ? "fetch 5 attrs, sorted ids (entities/s)" : "fetch 5 attrs, random ids (entities/s)",
                    on(rdb, [&](const Db& db) { return fetch(db, a, *ids); }),
                    on(mdb, [&](const Db& db) { return fetch(db, a, *ids); }),
                    on_raw([&](RawRocks& r) { return r.fetch(a, *ids); }),
                    on_vector([&](const SortedKeys& v) { return v.fetch(a, *ids); }), ">= 400K rocks, >= 2M memory"});
  }
  if (config.wants("point"))
    rows.push_back({"point reads (has_datom), half absent (reads/s)", on(rdb, [&](const Db& db) { return point_reads(db, a.age, probes); }),
                    on(mdb, [&](const Db& db) { return point_reads(db, a.age, probes); }),
                    on_raw([&](RawRocks& r) { return r.point_reads(a.age, probes); }),
                    on_vector([&](const SortedKeys& v) { return v.point_reads(a.age, probes); }), "no cliff at 10M"});
  std::optional<TreeVsVector> tv;
  if (mdb && config.wants("tree")) tv = tree_vs_vector(*mdb);

  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) < 0) load[0] = load[1] = load[2] = -1;
  std::printf("read path: %zu entities, %zu datoms, block cache %zu MiB, %s filters; load average %.2f %.2f %.2f\n",
              entities, entities * 8, config.cache_mb, options.partitioned_filters ? "partitioned" : "full", load[0],
              load[1], load[2]);
  std::printf("load: RocksStore %.1f s (with flush + compaction), MemoryStore %.1f s (wall time)\n", rocks_load_s,
              memory_load_s);
  std::printf("reads: median of 5 runs after 1 warm-up, in thread CPU time\n\n");
  std::printf("| %-46s | %9s | %9s | %9s | %9s | %9s | %9s | %-28s |\n", "read", "rocksdb", "memory", "raw rocks",
              "vector", "rocks/raw", "mem/vec", "target");
  std::printf("|%s|-----------|-----------|-----------|-----------|-----------|-----------|%s|\n",
              std::string(48, '-').c_str(), std::string(30, '-').c_str());
  auto ratio = [](double x, double limit) {
    if (x <= 0 || limit <= 0) return std::string("-");
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.2f", x / limit);
    return std::string(buf);
  };
  for (const Row& r : rows)
    std::printf("| %-46s | %9s | %9s | %9s | %9s | %9s | %9s | %-28s |\n", r.what.c_str(), rate(r.rocks).c_str(),
                rate(r.memory).c_str(), rate(r.raw).c_str(), rate(r.vector).c_str(), ratio(r.rocks, r.raw).c_str(),
                ratio(r.memory, r.vector).c_str(), r.target.c_str());
  if (tv) {
    std::printf("\nmemory tree vs sorted std::vector, the same %s EAVT keys:\n",
                rate(static_cast<double>(entities * 8)).c_str());
    std::printf("| %-28s | %9s | %9s |\n", "per second", "tree", "vector");
    std::printf("|------------------------------|-----------|-----------|\n");
    std::printf("| %-28s | %9s | %9s |\n", "random point gets", rate(tv->tree_get).c_str(), rate(tv->vector_get).c_str());
    std::printf("| %-28s | %9s | %9s |\n", "full scan (keys)", rate(tv->tree_scan).c_str(), rate(tv->vector_scan).c_str());
  }
  if (raw && config.raw_prefix_bloom) {
    // The same EAVT keys in a second raw copy whose family has an E·A prefix extractor (so table
    // files also hold prefix blooms), probed by Seek(e·a): 5 attributes entities have, and 5 ids
    // no entity has as an attribute (every probe misses, the case a prefix bloom can answer).
    RawRocks bloom(dir.path() + "/raw-prefix-bloom", options, true);
    bloom.copy(must(rdb->datoms(IndexOrder::Eavt), "eavt"), bloom.handles[1]);
    std::vector<AttrId> absent;
    for (std::uint64_t i = 1; i <= 5; ++i) absent.push_back(AttrId{a.friend_.value + 100 * i});
    std::printf("\nraw RocksDB, one Seek(e·a) per attribute, entities/s (no prefix bloom | E·A prefix bloom):\n");
    std::printf("| %-30s | %9s | %9s |\n", "probe", "none", "prefix");
    std::printf("|--------------------------------|-----------|-----------|\n");
    for (const auto* ids : {&sorted_ids, &random_ids}) {
      for (bool present : {true, false}) {
        const auto& attrs = present ? a.fetched() : absent;
        auto plain = raw->fetch_by_prefix(attrs, *ids);
        auto with = bloom.fetch_by_prefix(attrs, *ids);
        if (plain.second != with.second) {
          std::fprintf(stderr, "prefix bloom changed results: %zu vs %zu\n", plain.second, with.second);
          return 1;
        }
        std::string what = std::string(ids == &sorted_ids ? "sorted" : "random") + " ids, " +
                           (present ? "5 present attrs" : "5 absent attrs");
        std::printf("| %-30s | %9s | %9s |\n", what.c_str(), rate(plain.first).c_str(), rate(with.first).c_str());
      }
    }
  }
  if (raw && !config.raw_variants.empty()) raw_variants(config, dir.path(), options, *rdb, a, sorted_ids, random_ids);
  if (rocks_store) {
    for (const char* p : {"quarry.block-cache.hit-ratio", "rocksdb.block-cache-usage", "rocksdb.block-cache-capacity"}) {
      auto v = must(rocks_store->property(p), "property");
      std::printf("%s: %s\n", p, v ? v->c_str() : "(unknown)");
    }
  }
  return 0;
}
