// The automatic size of RocksStore's block cache (RocksOptions::block_cache_bytes left unset): as
// large as the live table files' blocks are uncompressed, within bounds. The cache holds blocks
// uncompressed, so a query that reads a working set larger than the cache misses on every block
// of a cyclic scan (LRU keeps nothing of it): at 10M datoms q3 read 81 MB and agg-by-sex 92 MB of
// blocks and missed ~19,000 a run with the 64 MiB cache of before (bench/README.md, "The block
// cache sized to the data").
//
// Capacity is an upper bound, not an allocation: a block is charged when it is read, so a large
// capacity over a small working set costs nothing. RocksStore sets it at open and raises it after
// each flush, compaction and ingestion (and catch-up of a secondary) when the data has grown;
// it never lowers it while the store is open.
//
// Pure functions, so that the rule can be tested with given sizes and memory.
#pragma once

#include <cstddef>
#include <cstdint>

namespace quarry {

// Never less than this: the fixed default of before, measured on the read benchmark's
// 800,000-datom database (~40 MiB in use).
inline constexpr std::size_t kAutoBlockCacheFloorBytes = std::size_t{64} << 20;
// Never more than this, whatever the data and the machine.
inline constexpr std::size_t kAutoBlockCacheCeilingBytes = std::size_t{1} << 30;
// Never more than this share of memory (1/8): an embedded database shares the machine with its
// application, and the OS page cache keeps the compressed table files besides.
inline constexpr std::uint64_t kAutoBlockCacheMemoryShare = 8;

// What the live table files hold, summed over every key space, from their table properties.
struct TableFileSizes {
  std::uint64_t raw_bytes = 0;               // keys and values as written, before compression
  std::uint64_t index_and_filter_bytes = 0;  // index and filter blocks (they are cached too)
};

// The capacity for table files of `sizes` on a machine with `memory_bytes` of memory (0:
// unknown): raw_bytes + index_and_filter_bytes rounded up to a MiB — a little more than the
// blocks take in the cache, so it holds them all with the cache's own overhead (raw sizes count
// every key whole with RocksDB's 8-byte sequence trailer, where blocks share key prefixes: on
// the 10M-datom scale database 1,226 MiB against 1,049 MiB in the cache after reading every
// space) — at least kAutoBlockCacheFloorBytes and at most the smaller
// of kAutoBlockCacheCeilingBytes and memory / kAutoBlockCacheMemoryShare rounded down to a MiB
// (but never below the floor: on a machine with less than 512 MiB the floor wins). Always a
// whole number of MiB.
[[nodiscard]] std::size_t automatic_block_cache_bytes(const TableFileSizes& sizes, std::uint64_t memory_bytes) noexcept;

// The memory this process may use: the machine's physical memory, or its cgroup's limit
// (cgroup v2 memory.max, v1 memory.limit_in_bytes) when that is lower. 0 when unknown.
[[nodiscard]] std::uint64_t memory_available_bytes();

}  // namespace quarry
