// RocksStore: the RocksDB implementation of the storage protocol (store.hpp).
//
// One column family per key space, plus RocksDB's "default" family, which holds Quarry's own
// records (the format-version marker) and nothing else. The on-disk layout and the reasons for the
// options are written up in doc/format.md ("Storage") and bench/README.md ("Store").
//
// Opening (the rules, and the reasons, in storage/db_marker.hpp and doc/reliability.md):
// - a missing path or an empty directory becomes a new database (RocksOptions::create_if_missing):
//   first Quarry's marker file QUARRY is written atomically, then RocksDB creates its files;
// - anything else must carry the marker (or be a RocksDB database holding the older in-RocksDB
//   marker key, which is then adopted): a directory that holds other files, or another program's
//   RocksDB, is StorageForeign; a marked database missing CURRENT, its MANIFEST or its WAL is
//   StorageDamaged; a marker of another format version is StorageVersion. In all three cases
//   RocksDB is never opened on the directory and nothing in it is created, changed or deleted;
// - RocksDB is never asked to create a database where one exists (no create over lost files);
// - writes the format-version key into a new database and checks it in an existing one;
// - creates the column families of spaces the database does not have yet; families that exist on
//   disk but were not asked for are opened (RocksDB requires it) but not reachable;
// - a directory held by another process, or already open in this one, is StorageLocked.
//
// Thread safety: as store.hpp says; RocksDB itself also serializes concurrent writers.
// REQUIRES: every Snapshot and Cursor is destroyed before the store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "quarry/store_tuning.hpp"
#include "storage/store.hpp"

namespace rocksdb {
class Env;  // <rocksdb/env.h>; only rocks_store.cpp includes RocksDB's headers
}

namespace quarry {

// Everything RocksStore lets a caller tune: the table and write-path settings of StoreTuning
// (<quarry/store_tuning.hpp>; presets and config keys in storage/rocks_config.hpp), and how this
// store is opened. Every field has a working default; the defaults were chosen with
// bench/store_bench.cpp and bench/preset_bench.cpp (see bench/README.md, "Store").
struct RocksOptions : StoreTuning {
  // The database directory. Required.
  std::string path;

  // Create the directory and an empty database when there is none. When false, opening a missing
  // database fails with StorageIo.
  bool create_if_missing = true;

  // The durability of a write whose WriteOptions::sync is unset. true: write() returns after the
  // write-ahead log is fsync'ed, so a committed batch survives a power failure. false: it survives a
  // process crash (the WAL is written, not synced) but the last writes may be lost with the machine.
  bool sync_writes = true;

  // Capacity of the LRU block cache shared by every column family (uncompressed data, index and
  // filter blocks). Unset (the default): automatic, sized to the data — at open from the live
  // table files' uncompressed size and raised after flushes, compactions and ingestions, within
  // 64 MiB and min(1 GiB, memory / 8) (storage/block_cache_size.hpp). A value: that capacity,
  // never changed. 0 leaves RocksDB's default 8 MiB cache per family.
  std::optional<std::size_t> block_cache_bytes{};

  // The most memory the range cache may hold (storage/range_cache.hpp): the key ranges queries
  // read, kept as sorted arrays so that a query run again over unchanged data seeks and scans
  // them in memory instead of through RocksDB's iterators. A write drops only the cached ranges
  // holding a key it writes. 0 turns the cache off. Not used by a secondary instance.
  std::size_t range_cache_bytes = kDefaultRangeCacheBytes;
  static constexpr std::size_t kDefaultRangeCacheBytes = std::size_t{256} << 20;

  // Open with RocksDB's read-only mode: no lock is taken, so a directory another process holds
  // (and writes) can be opened; the store sees the data as of the open (a later write of the other
  // process is not seen). The database must exist with every requested space and its format
  // marker (StorageIo / StorageVersion otherwise); nothing is written to the directory (not even
  // the LOG); write() fails with StorageReadOnly, flush() and compact() do nothing. RocksDB's
  // read-only mode is meant for a database nobody writes: with a live writer the open can race
  // with its deletion of obsolete table files, which open() retries for up to ~0.4 s; following a
  // live writer continuously is a secondary instance's job (secondary_path).
  bool read_only = false;

  // When not empty: open as a RocksDB secondary instance of the database at `path`, which another
  // process (the primary) may hold and write. Everything read_only says holds (no lock, nothing
  // written to `path`, writes fail with StorageReadOnly), and catch_up() brings the store up to
  // the primary's latest committed writes, as often as called. This directory is the secondary's
  // own (created if missing; RocksDB may keep its info log there); one per secondary instance.
  // RocksDB's secondary mode has no snapshots: a Snapshot of a secondary store reads the state of
  // the last catch-up, and a catch-up moves every open Snapshot and Cursor to the new state.
  std::string secondary_path{};

  // RocksDB's own diagnostic log. When true it goes to DIR/LOG through a logger that ignores write
  // failures (a full disk must not abort the process); a LOG larger than info_log_max_bytes at open
  // is moved to LOG.old first. When false nothing is logged.
  bool info_log = true;
  std::size_t info_log_max_bytes = std::size_t{4} << 20;

  // The Env through which RocksDB does all its file I/O; nullptr: RocksDB's default (the local
  // file system). For tests that inject I/O faults and power loss (tests/support/fault_fs.hpp).
  // Not owned; it must outlive the store. Quarry's own files (the QUARRY marker, the LOG) and the
  // checks made before RocksDB opens the directory do not go through it.
  rocksdb::Env* env = nullptr;
};

// What RocksStore::backup_incremental made (a backup of RocksDB's BackupEngine).
struct RocksBackupInfo {
  std::uint32_t id = 0;       // this backup's id in its directory (1, 2, ...)
  std::uint32_t backups = 0;  // backups the directory now holds
  std::uint64_t bytes = 0;    // this backup's files, shared ones included
  std::uint64_t directory_bytes = 0;  // all the directory's backups together, shared files once
};

class RocksTableWriter;

// One table file for RocksStore::ingest.
struct RocksIngestFile {
  SpaceId space;
  std::string path;  // written by a RocksTableWriter for that space
};

class RocksStore final : public Store {
 public:
  // The on-disk format this build reads and writes (doc/format.md). Stored as the value of
  // kFormatKey in the default column family, as decimal ASCII.
  static constexpr std::uint32_t kFormatVersion = 1;
  static constexpr std::string_view kFormatKey = "quarry/format-version";

  // Opens (or creates) the database at options.path with the given key spaces.
  // Errors: InvalidArgument (bad space names, empty path), StorageLocked, StorageVersion,
  // StorageForeign, StorageDamaged, StorageCorruption, StorageIo.
  [[nodiscard]] static Result<std::unique_ptr<RocksStore>> open(const RocksOptions& options,
                                                                std::vector<std::string> spaces);
  // Repairs the marked Quarry database at options.path after StorageDamaged, as far as that loses
  // nothing committed that the files still hold, and says what it did:
  // - CURRENT missing or naming a missing MANIFEST, a MANIFEST left: CURRENT names the newest;
  // - no MANIFEST left: RocksDB's RepairDB rebuilds one from the table files (moving unusable
  //   files to DIR/lost), but only when no write-ahead log holds data (RepairDB drops, and can
  //   split, logged batches of column families it finds in no table file) and a log is left
  //   (without one, nothing says whether the spaces' table files end at the same batch): else
  //   StorageDamaged;
  // - no write-ahead log left: an empty one, so the table files open (the lost writes are gone),
  //   but only when the MANIFEST shows every space flushed to the same log (else a batch some
  //   spaces flushed and others held only in the lost log would open in part): else StorageDamaged.
  // Then opens the result once to check it. Refuses a directory without Quarry's marker
  // (StorageForeign) or of another version (StorageVersion), touching nothing.
  // Errors: those, StorageDamaged, StorageLocked, StorageCorruption, StorageIo.
  [[nodiscard]] static Result<std::string> repair(const RocksOptions& options, std::vector<std::string> spaces);

  // Closes the database. Unsynced writes that reached the WAL are kept.
  ~RocksStore() override;

  [[nodiscard]] Result<std::unique_ptr<Snapshot>> snapshot() const override;
  [[nodiscard]] Result<void> write(const WriteBatch& batch, WriteOptions options = {}) override;
  [[nodiscard]] Result<void> flush() override;
  [[nodiscard]] Result<void> compact(SpaceId space) override;
  [[nodiscard]] Result<RangeStats> range_stats(SpaceId space,
                                               const CursorBounds& range = {}) const override;
  [[nodiscard]] Result<std::optional<std::string>> property(
      std::string_view name, std::optional<SpaceId> space = std::nullopt) const override;

  [[nodiscard]] const std::string& path() const noexcept;

  // A secondary instance (RocksOptions::secondary_path): replays the primary's new table files and
  // write-ahead log, so later reads see every write the primary committed before the call.
  // REQUIRES: no other thread reads through this store meanwhile (RocksDB's secondary mode has no
  // snapshots; see secondary_path). Errors: InvalidArgument when not a secondary; StorageIo,
  // StorageCorruption from RocksDB.
  [[nodiscard]] Result<void> catch_up();
  [[nodiscard]] bool is_secondary() const noexcept;

  // An incremental backup with RocksDB's BackupEngine into backup_dir (created if missing; only
  // ever written by this call): the table files earlier backups there already hold are shared,
  // not copied again. The backup is consistent (every space at one moment: the table files and the
  // write-ahead logs at that moment) while writers go on. Restore with restore_backup.
  // Errors: StorageIo, StorageCorruption (the directory holds something else or is damaged).
  [[nodiscard]] Result<RocksBackupInfo> backup_incremental(const std::string& backup_dir);

  // Writes backup `id` (absent: the latest) of backup_dir into a new database at `path` (which
  // must not exist or be an empty directory; InvalidArgument otherwise), with Quarry's marker, so
  // open() opens it. Returns the id restored.
  [[nodiscard]] static Result<std::uint32_t> restore_backup(const std::string& backup_dir, const std::string& path,
                                                            std::optional<std::uint32_t> id = std::nullopt);

  // Properties: besides RocksDB's own (store.hpp), the shared block cache's counters since open,
  // over all spaces (data, index and filter blocks): "quarry.block-cache.hits",
  // "quarry.block-cache.misses" and "quarry.block-cache.hit-ratio" (hits / (hits + misses), 4
  // decimals; "0" before any read). RocksDB's "rocksdb.block-cache-usage" and
  // "rocksdb.block-cache-capacity" give its size in bytes (the capacity now, for an automatic
  // cache too); "quarry.block-cache.automatic" is "1" when RocksOptions::block_cache_bytes was
  // unset (the capacity follows the data) and "0" when it was given. "quarry.write-stall-micros": the time
  // writers were delayed or stopped by RocksDB's write controller since open (too many memtables,
  // L0 files or pending compaction bytes), in microseconds.

  // Bulk loading (the import's bulk path): adds table files written by RocksTableWriter, in ONE
  // atomic step (RocksDB's IngestExternalFiles across the column families): after a crash or an
  // error either every file's entries are in the store or none is. At most one file per space.
  // The files are moved into the database (they must be on its file system). Their entries
  // override what the store held under the same keys. Errors: InvalidArgument (an unknown or
  // repeated space), StorageReadOnly, StorageIo, StorageCorruption.
  [[nodiscard]] Result<void> ingest(std::span<const RocksIngestFile> files);

  struct Impl;  // the RocksDB handles; defined in rocks_store.cpp

 private:
  friend class RocksTableWriter;
  RocksStore(std::vector<std::string> spaces, std::unique_ptr<Impl> impl);
  [[nodiscard]] std::optional<std::string> block_cache_property(std::string_view name) const;
  std::unique_ptr<Impl> impl_;
};

// A sorted table file for one space of a store, for RocksStore::ingest; written with that space's
// options (compression, filters). Keys must be added in strictly ascending order (InvalidArgument
// otherwise). The store must outlive the writer.
class RocksTableWriter {
 public:
  [[nodiscard]] static Result<std::unique_ptr<RocksTableWriter>> open(const RocksStore& store, SpaceId space,
                                                                      const std::string& path);
  ~RocksTableWriter();
  [[nodiscard]] Result<void> put(std::string_view key, std::string_view value);
  // Completes the file (REQUIRES: at least one entry).
  [[nodiscard]] Result<void> finish();
  [[nodiscard]] std::uint64_t entries() const noexcept { return entries_; }

  struct Impl;

 private:
  explicit RocksTableWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::uint64_t entries_ = 0;
};

}  // namespace quarry
