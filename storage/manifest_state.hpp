// What a RocksDB MANIFEST says about each column family's flushed state, read without RocksDB, for
// RocksStore::repair (doc/reliability.md, "Recovery").
//
// Why: Quarry's key spaces are column families, and RocksDB flushes each on its own (no
// atomic_flush). A transaction is one write batch across several spaces, held in the write-ahead
// log until every space it touched has flushed it. When every log is lost, each space keeps only
// what it had flushed; if one space had flushed a transaction and another had not, that
// transaction would open in part. The MANIFEST records, per column family, its log number — every
// write of that family in a log numbered below it is in its table files, none from a later log —
// and, at each flush, the oldest log any family still needed (min_log_number_to_keep: no family
// had unflushed writes in an older log). So a family with log number L has flushed exactly the
// writes of the logs below max(L, K), K the last min_log_number_to_keep; when that bound is the
// same for every family, the table files hold one consistent prefix of the batches.
//
// The format (RocksDB's db/log_format.h and db/version_edit.cc; 7.8 here): the file is a log of
// 32 KiB blocks holding records (4-byte masked CRC-32C of type and payload, 2-byte length, 1-byte
// type: full, first, middle, last; types 5-8 the same with a 4-byte log number), each record one
// VersionEdit: fields of a varint32 tag and a tag-specific payload. Only the fields that say which
// family an edit is for, its log number, family additions and drops, and min_log_number_to_keep
// are kept; the others are skipped by their known layout. A tag this reader does not know (and
// that RocksDB does not mark as safe to ignore) makes the state unknown: an error, never a guess.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "codec/error.hpp"

namespace quarry {

struct ManifestFlushState {
  // Every live column family (default included) by name, with its log number.
  std::map<std::string, std::uint64_t> log_numbers;
  // Every live column family by name, with how many table files it has.
  std::map<std::string, std::size_t> table_files;
  // The last min_log_number_to_keep recorded (0 when none was).
  std::uint64_t min_log_to_keep = 0;

  // The log below which `family` has flushed every write: max(its log number, min_log_to_keep).
  [[nodiscard]] std::uint64_t flushed_below(const std::string& family) const;
};

// Reads the MANIFEST at `file`. A torn last record (a crash while it was appended) ends the
// reading, as in RocksDB. Errors: StorageIo (cannot read), StorageDamaged (a record fails its
// checksum, an edit cannot be decoded, or a field this reader does not know).
[[nodiscard]] Result<ManifestFlushState> read_manifest_flush_state(const std::string& file);

}  // namespace quarry
