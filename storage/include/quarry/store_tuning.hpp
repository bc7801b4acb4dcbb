// StoreTuning: how the RocksDB store lays out and writes its files — the settings an operator
// chooses by workload (doc/operations.md, "Configuration"). Part of the public API
// (Options::tuning) and of the storage layer (RocksOptions derives from it), so both name the
// same fields. Durability (sync) and memory (block cache) are separate settings: they depend on
// the machine and the data's value, not on the workload's shape.
//
// Every field has a working default; the defaults are the `balanced` preset. The presets and the
// config-file keys that set each field are in storage/rocks_config.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace quarry {

// Block compression of table files. Persisted per block by RocksDB, so it can be changed between
// opens of the same database.
enum class RocksCompression : std::uint8_t { None, Snappy, Lz4, Zstd };

struct StoreTuning {
  // Uncompressed size of a data block of a table file: the unit of reads from disk, of the block
  // cache and of compression. Larger blocks compress better and make indexes smaller; smaller
  // ones waste less of a cached block on a point read. 512 B – 1 MiB.
  std::size_t block_size_bytes = std::size_t{4} << 10;

  // Bloom filter bits per key on whole keys (~1% false positives at 10); speeds point reads of
  // absent keys. 0 disables filters. Range scans and seeks do not use them. 0 – 32.
  int bloom_bits_per_key = 10;

  // Filters and indexes of table files split into ~4 KiB partitions under a small top-level
  // index, kept pinned in the block cache; the partitions compete for the cache like data blocks.
  // Without it each table file has one filter block and one index block that must be in the cache
  // whole for any read of that file: several MiB per file at 10M datoms, more than a small cache
  // holds for every space, so point reads re-read them from disk (bench/README.md, "Read path").
  bool partitioned_filters = true;

  // Compression of table files above the last level, and of the last level (where most data ends
  // up). LZ4 costs little CPU on the hot levels; ZSTD packs the cold bulk tighter.
  RocksCompression compression = RocksCompression::Lz4;
  RocksCompression bottommost_compression = RocksCompression::Zstd;

  // Compression per level, L0 first, when not empty: it replaces `compression` for the levels it
  // names (levels past its end take `compression`); the last level still takes
  // bottommost_compression. At most 7 entries (RocksDB's number of levels).
  std::vector<RocksCompression> compression_per_level{};

  // Size of one memtable per column family before it is flushed to a table file, and how many
  // memtables (the one being written plus those waiting for their flush) a family may hold before
  // writes stall. 64 KiB – 4 GiB; 2 – 16.
  std::size_t write_buffer_bytes = std::size_t{32} << 20;
  int max_write_buffers = 2;

  // Write-ahead log limits. max_total_wal_bytes: when the live logs together pass it, the column
  // families that hold the oldest log are flushed so it can be deleted (0: four times
  // write_buffer_bytes, so that the WAL does not pile up while small spaces rarely flush). wal_bytes_per_sync: with unsynced writes, sync the
  // log in the background every that many bytes so a later sync has less to write (0: never).
  std::size_t max_total_wal_bytes = 0;
  std::size_t wal_bytes_per_sync = 0;

  // Threads for background flushes and compactions. 1 – 64.
  int background_jobs = 2;

  friend bool operator==(const StoreTuning&, const StoreTuning&) = default;
};

}  // namespace quarry
