// Recognising a Quarry database directory before RocksDB is allowed to touch it (doc/architecture.md, "Storage").
//
// RocksDB's own open deletes files it considers obsolete, rewrites OPTIONS and MANIFEST files, and
// with create_if_missing creates a database over whatever a directory holds. So RocksStore::open
// first reads the directory with this module, which only lists names and reads two small files:
//
// - Quarry's marker, the file QUARRY ("quarry-database\nformat-version 1\n"), written atomically when
//   a database is created (QUARRY.tmp, fsync, rename, fsync of the directory) and before RocksDB
//   writes anything, so a directory without it was not created by this version of Quarry;
// - CURRENT, to check that the MANIFEST it names exists.
//
// Nothing here writes, except write_marker. The classification (doc/reliability.md has the table):
//   missing path, or an empty directory           -> New
//   marker, format version supported, CURRENT + the MANIFEST it names + a WAL present -> Existing
//   marker, no CURRENT, no table, WAL, blob or OPTIONS file, and no MANIFEST but MANIFEST-000001
//                                                 -> New (a create cut short before RocksDB wrote CURRENT)
//   marker, CURRENT naming MANIFEST-000001, and no table, WAL or blob file -> New (RocksDB's first
//                                                         open cut short after its first MANIFEST)
//   marker with another version, or unreadable    -> StorageVersion
//   marker, but CURRENT, its MANIFEST or every WAL missing -> StorageDamaged
//   no marker, but a RocksDB CURRENT file          -> Unmarked (RocksStore probes it read-only for
//                                                     the marker key of databases created before
//                                                     the marker file existed; otherwise foreign)
//   anything else (a file, foreign files)          -> StorageForeign
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "codec/error.hpp"

namespace quarry {

inline constexpr std::string_view kMarkerFile = "QUARRY";

enum class DirectoryState : std::uint8_t {
  New,       // nothing there yet (or a create cut short): create a database
  Existing,  // a marked, undamaged Quarry database of a supported version: open it
  Unmarked,  // no marker, but a RocksDB database that may be an older Quarry one: probe it
};

// Reads what `path` holds without changing anything. Errors: StorageForeign, StorageDamaged,
// StorageVersion (the marker's version is not `supported`), StorageIo (the directory cannot be read).
[[nodiscard]] Result<DirectoryState> inspect_directory(const std::string& path,
                                                       std::uint32_t supported);

// The damage checks alone (CURRENT, the MANIFEST it names, a WAL), for a directory already known to
// hold a Quarry database. Errors: StorageDamaged, StorageIo.
[[nodiscard]] Result<void> check_database_files(const std::string& path);

// Only the marker: ok when `path` holds a QUARRY marker of version `supported` (whatever else is
// there or missing). Errors: StorageForeign (no marker), StorageVersion, StorageIo.
[[nodiscard]] Result<void> check_marker(const std::string& path, std::uint32_t supported);

// The file-level steps of RocksStore::repair, on a directory whose marker has been checked.
// Each returns a sentence saying what it did ("" when there was nothing to do).
// - restore_current: when CURRENT is missing or names a missing MANIFEST and a MANIFEST-NNNNNN is
//   there, writes CURRENT (atomically) naming the newest; lossless. Ok(nullopt) when no MANIFEST is
//   left, so the MANIFEST must be rebuilt from the table files.
// - check_rebuild_is_safe: a MANIFEST can be rebuilt (RocksDB's RepairDB) only when no write-ahead
//   log holds data: RepairDB drops, and can split, logged batches for column families it does not
//   find in table files. Errors: StorageDamaged, saying so.
// - check_rebuild_is_safe also refuses when no write-ahead log is left at all: without the MANIFEST
//   nothing says whether every key space was flushed to the same transaction.
// - check_log_loss_is_whole: when no write-ahead log is left but a MANIFEST is (the one CURRENT
//   names, else the newest), reads from it where each key space's flushed writes end
//   (storage/manifest_state.hpp); StorageDamaged unless every space ends at the same log, since
//   otherwise a transaction some spaces flushed and others held only in the lost log would open in
//   part, and unless some space has a table file (with none, even Quarry's format key was only
//   in the lost log: nothing is left). Changes nothing; ok when a log is present or no MANIFEST is.
// - ensure_log: when no write-ahead log is left, creates an empty one numbered after every file
//   there, so RocksDB opens what the table files hold (the lost log's transactions are gone).
[[nodiscard]] Result<std::optional<std::string>> restore_current(const std::string& path);
[[nodiscard]] Result<void> check_rebuild_is_safe(const std::string& path);
[[nodiscard]] Result<void> check_log_loss_is_whole(const std::string& path);
[[nodiscard]] Result<std::string> ensure_log(const std::string& path);

// Creates `path` if missing and writes the marker atomically: QUARRY.tmp, fsync, rename over
// QUARRY, fsync of the directory. Errors: StorageIo.
[[nodiscard]] Result<void> write_marker(const std::string& path, std::uint32_t version);

}  // namespace quarry
