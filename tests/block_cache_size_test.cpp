// The automatic block cache (storage/block_cache_size.hpp): the sizing rule on given sizes and
// memory, and RocksStore applying it — at open, after an ingestion and after flushes, never
// lowering it; a given size never changes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "storage/block_cache_size.hpp"
#include "support/storage_fixture.hpp"

using namespace quarry;
using namespace quarry::testing;

namespace {

constexpr std::uint64_t MiB = std::uint64_t{1} << 20;
constexpr std::uint64_t GiB = std::uint64_t{1} << 30;

std::uint64_t capacity(const RocksStore& store) {
  auto text = must(store.property("rocksdb.block-cache-capacity"));
  REQUIRE(text.has_value());
  return std::stoull(*text);
}

bool automatic(const RocksStore& store) {
  auto text = must(store.property("quarry.block-cache.automatic"));
  REQUIRE(text.has_value());
  return *text == "1";
}

RocksOptions options_in(const TempDir& dir, std::optional<std::size_t> cache = std::nullopt) {
  RocksOptions o;
  o.path = dir.path();
  o.sync_writes = false;
  o.info_log = false;
  o.block_cache_bytes = cache;
  return o;
}

// Keys "k000000"… with `value_bytes` of one repeated letter each: compressible, so megabytes of
// keys and values take little disk.
std::string key_of(int i) {
  std::string k = std::to_string(i);
  return "k" + std::string(6 - std::min<std::size_t>(6, k.size()), '0') + k;
}

// One ingested table file of `entries` entries into `space`; the bytes of keys and values.
std::uint64_t ingest_entries(RocksStore& store, SpaceId space, const std::string& dir, int entries,
                             std::size_t value_bytes) {
  const std::string file = dir + "/ingest.sst";
  auto writer = must(RocksTableWriter::open(store, space, file));
  const std::string value(value_bytes, 'v');
  std::uint64_t bytes = 0;
  for (int i = 0; i < entries; ++i) {
    must(writer->put(key_of(i), value));
    bytes += key_of(i).size() + value.size();
  }
  must(writer->finish());
  const RocksIngestFile files[] = {{space, file}};
  must(store.ingest(files));
  return bytes;
}

}  // namespace

TEST_CASE("the automatic capacity: the table files uncompressed, from 64 MiB to min(1 GiB, memory / 8)") {
  const std::uint64_t machine = 16 * GiB;
  // An empty and a small database: the floor.
  CHECK(automatic_block_cache_bytes({}, machine) == 64 * MiB);
  CHECK(automatic_block_cache_bytes({.raw_bytes = 10 * MiB, .index_and_filter_bytes = MiB}, machine) == 64 * MiB);
  CHECK(automatic_block_cache_bytes({.raw_bytes = 60 * MiB, .index_and_filter_bytes = 4 * MiB}, machine) == 64 * MiB);
  CHECK(automatic_block_cache_bytes({.raw_bytes = 64 * MiB + 1}, machine) == 65 * MiB);  // rounded up to a MiB
  // A larger one: raw + index and filter.
  CHECK(automatic_block_cache_bytes({.raw_bytes = 100 * MiB, .index_and_filter_bytes = 8 * MiB}, machine) ==
        108 * MiB);
  CHECK(automatic_block_cache_bytes({.raw_bytes = 900 * MiB, .index_and_filter_bytes = MiB / 2}, machine) ==
        901 * MiB);
  // The ceiling, whatever the data (the 10M-datom scale database is ~1.3 GB uncompressed).
  CHECK(automatic_block_cache_bytes({.raw_bytes = 1168 * MiB, .index_and_filter_bytes = 58 * MiB}, machine) == GiB);
  CHECK(automatic_block_cache_bytes({.raw_bytes = 1300 * MiB}, 0) == GiB);  // memory unknown
  // A smaller machine: an eighth of its memory...
  CHECK(automatic_block_cache_bytes({.raw_bytes = 800 * MiB}, 4 * GiB) == 512 * MiB);
  CHECK(automatic_block_cache_bytes({.raw_bytes = 300 * MiB}, 4 * GiB) == 300 * MiB);
  CHECK(automatic_block_cache_bytes({.raw_bytes = 800 * MiB}, 4 * GiB + 7 * MiB) == 512 * MiB);  // 512.9 down
  // ... but never below the floor, not even on a tiny one.
  CHECK(automatic_block_cache_bytes({.raw_bytes = 800 * MiB}, 256 * MiB) == 64 * MiB);
  CHECK(automatic_block_cache_bytes({}, 1) == 64 * MiB);
  // Absurd figures (damaged properties) do not overflow.
  constexpr auto most = std::numeric_limits<std::uint64_t>::max();
  CHECK(automatic_block_cache_bytes({.raw_bytes = most, .index_and_filter_bytes = most}, machine) == GiB);
  CHECK(automatic_block_cache_bytes({.raw_bytes = most}, most) == GiB);
}

TEST_CASE("the automatic capacity grows with the data and the memory, within its bounds (seed 20261206)") {
  std::mt19937_64 random(20261206);
  auto size = [&] { return random() >> (random() % 64); };  // sizes of every magnitude
  for (int i = 0; i < 20000; ++i) {
    const TableFileSizes a{.raw_bytes = size(), .index_and_filter_bytes = size() >> 4};
    TableFileSizes more = a;
    more.raw_bytes += std::min(size(), std::numeric_limits<std::uint64_t>::max() - more.raw_bytes);
    const std::uint64_t memory = size();
    const std::uint64_t more_memory = memory + std::min(size(), std::numeric_limits<std::uint64_t>::max() - memory);
    CAPTURE(a.raw_bytes);
    CAPTURE(a.index_and_filter_bytes);
    CAPTURE(memory);
    const std::size_t c = automatic_block_cache_bytes(a, memory);
    CHECK(c >= kAutoBlockCacheFloorBytes);
    CHECK(c <= kAutoBlockCacheCeilingBytes);
    CHECK(c % MiB == 0);
    if (memory != 0) CHECK((c <= memory / kAutoBlockCacheMemoryShare || c == kAutoBlockCacheFloorBytes));
    CHECK(automatic_block_cache_bytes(more, memory) >= c);
    if (memory != 0) CHECK(automatic_block_cache_bytes(a, more_memory) >= c);
    // The floor for small data; never less than the data when the bounds allow it.
    const std::uint64_t data = a.raw_bytes + a.index_and_filter_bytes;
    const bool summed = data >= a.raw_bytes;  // no overflow
    if (summed && data <= 64 * MiB) CHECK(c == kAutoBlockCacheFloorBytes);
    if (summed && memory >= 8 * GiB && data <= GiB) CHECK(c >= data);
    if (summed && data >= 64 * MiB && data <= GiB - MiB && memory >= 8 * GiB) CHECK(c < data + MiB);
  }
}

TEST_CASE("this machine's memory is known") {
  const std::uint64_t memory = memory_available_bytes();
  CHECK(memory >= 64 * MiB);
  CHECK(memory < (std::uint64_t{1} << 50));
}

TEST_CASE("an automatic cache starts at the floor, grows after an ingestion and a reopen keeps it") {
  TempDir dir;
  std::uint64_t grown = 0;
  {
    auto store = must(RocksStore::open(options_in(dir), {"eavt", "aevt"}));
    CHECK(automatic(*store));
    CHECK(capacity(*store) == 64 * MiB);  // a new database
    SpaceId eavt = must(store->space("eavt"));
    // 90,000 entries of 1 KiB: ~88 MiB of keys and values (a few hundred KiB on disk).
    const std::uint64_t bytes = ingest_entries(*store, eavt, dir.path(), 90'000, 1024);
    grown = capacity(*store);
    CHECK(grown > 64 * MiB);
    CHECK(grown >= bytes);
    CHECK(grown <= automatic_block_cache_bytes({.raw_bytes = 2 * bytes}, memory_available_bytes()));
  }
  {
    // At open, from the same table files: the same capacity.
    auto store = must(RocksStore::open(options_in(dir), {"eavt", "aevt"}));
    CHECK(capacity(*store) == grown);
    // Everything deleted and compacted away: the capacity is never lowered while open...
    SpaceId eavt = must(store->space("eavt"));
    WriteBatch all;
    all.delete_range(eavt, "k", "l");
    must(store->write(all));
    must(store->compact(eavt));
    auto left = must(store->range_stats(eavt));
    CHECK(left.approximate_bytes < MiB);
    CHECK(capacity(*store) == grown);
  }
  // ... and the next open sizes it to what is left.
  auto store = must(RocksStore::open(options_in(dir), {"eavt", "aevt"}));
  CHECK(capacity(*store) == 64 * MiB);
}

TEST_CASE("an automatic cache grows after the flushes of ordinary writes") {
  TempDir dir;
  auto store = must(RocksStore::open(options_in(dir), {"eavt"}));
  SpaceId eavt = must(store->space("eavt"));
  const std::string value(2048, 'w');
  std::uint64_t bytes = 0;
  for (int b = 0; b < 45; ++b) {
    WriteBatch batch;
    for (int i = 0; i < 1000; ++i) {
      const std::string key = key_of(b * 1000 + i);
      batch.put(eavt, key, value);
      bytes += key.size() + value.size();
    }
    must(store->write(batch));
  }
  must(store->flush());
  CHECK(bytes > 80 * MiB);
  CHECK(capacity(*store) >= bytes);
  CHECK(capacity(*store) <= kAutoBlockCacheCeilingBytes);
}

TEST_CASE("a given size is never changed: not at open, not after ingestion, flushes or compaction") {
  TempDir dir;
  for (std::size_t given : {16 * MiB, 64 * MiB}) {
    CAPTURE(given);
    {
      auto store = must(RocksStore::open(options_in(dir, given), {"eavt"}));
      CHECK(!automatic(*store));
      CHECK(capacity(*store) == given);
      SpaceId eavt = must(store->space("eavt"));
      ingest_entries(*store, eavt, dir.path(), 90'000, 1024);
      CHECK(capacity(*store) == given);
      WriteBatch batch;
      for (int i = 0; i < 1000; ++i) batch.put(eavt, key_of(i) + "x", std::string(1000, 'y'));
      must(store->write(batch));
      must(store->flush());
      must(store->compact(eavt));
      CHECK(capacity(*store) == given);
    }
    // Reopened over ~88 MiB of data, where an automatic cache would be larger.
    auto store = must(RocksStore::open(options_in(dir, given), {"eavt"}));
    CHECK(capacity(*store) == given);
    store.reset();
    auto fitted = must(RocksStore::open(options_in(dir), {"eavt"}));
    CHECK(capacity(*fitted) > 64 * MiB);
  }
}
