// The storage protocol (doc/architecture.md, "Storage"): a store of named, ordered key spaces.
//
// A store holds a fixed set of key spaces, named when it is opened. Each space maps byte-string keys
// to byte-string values, ordered by unsigned bytewise comparison (memcmp, shorter prefix first).
// Spaces are addressed by a SpaceId resolved once from the name (Store::space), so that no string
// lookups happen on hot paths.
//
// Reads go through a Snapshot, which sees exactly the state of every space at the moment it was
// taken, whatever is written afterwards. Writes go through a WriteBatch, applied atomically across
// spaces: a snapshot sees all of a batch or none of it, and so does a reopened RocksDB store after a
// crash.
//
// Errors: every fallible operation returns Result<T>; no exception escapes a store.
//
// Thread safety:
// - Store::write: ONE WRITER AT A TIME is the caller's job (the transactor layer is the writer).
//   An implementation may tolerate more, but nothing may rely on it.
// - Store::snapshot, Store::space, the stats/property calls, and everything on a Snapshot may be
//   called from any thread, concurrently with each other and with a write in progress.
// - A Cursor is used by one thread at a time (it has a position); different cursors, even on the
//   same snapshot, may be used from different threads concurrently.
//
// Lifetimes: REQUIRES every Cursor and Snapshot to be destroyed before the Store that made it.
// (MemoryStore happens to tolerate the opposite; RocksStore does not.)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec/error.hpp"

namespace quarry {

class WriteBatch;

// A key space of one store, resolved from its name by Store::space. A SpaceId is only meaningful
// for the store that issued it; an out-of-range id is reported as StorageUnknownSpace.
struct SpaceId {
  std::uint32_t index = 0;
  friend constexpr auto operator<=>(SpaceId, SpaceId) = default;
};

// The key range a cursor may visit: lower <= key < upper; an absent bound is unbounded on that side.
// The cursor owns copies of the bounds, so the caller's strings need not outlive it.
struct CursorBounds {
  std::optional<std::string> lower;  // inclusive
  std::optional<std::string> upper;  // exclusive
};

// How a cursor will be used, so that a store can choose its read strategy. Never changes what a
// cursor returns.
struct CursorOptions {
  // The cursor will read long runs of consecutive keys (many blocks): the store may read ahead.
  bool long_scan = false;
  // False for reads unlikely to be repeated soon (a one-off full scan, an export, a transaction's
  // look-ups of keys it is about to write): the store then does not let them push hotter data out
  // of its caches. RocksStore: ReadOptions::fill_cache, and nothing read kept in its range cache
  // (what it already holds is still read from there).
  bool fill_cache = true;
};

struct WriteOptions {
  // Whether the write is made durable (fsync of the write-ahead log) before write() returns.
  // Absent: the store's default (RocksOptions::sync_writes). MemoryStore ignores it.
  std::optional<bool> sync;
};

// Size figures for a key range. RocksStore's are estimates (from SST metadata and memtables, may lag
// deletions and be off by a block or so); MemoryStore's are exact.
struct RangeStats {
  std::uint64_t approximate_bytes = 0;  // keys plus values
  std::uint64_t approximate_keys = 0;
};

// A position in one space of one snapshot.
//
// Usage:   for (c->seek(k); c->valid(); c->next()) { ... c->key() ... }
//          if (auto s = c->status(); !s) return std::unexpected(s.error());
// valid() turns false both at the end of the range and on an error; status() tells them apart and
// MUST be checked after a loop, or a corrupt store would look like a short scan.
//
// Positioning never leaves the bounds: seek(k) with k below the lower bound lands on the first key
// of the range; seek_for_prev(k) with k at or above the upper bound lands on the last one.
//
// Re-seeking: any seek may follow any other, in either direction, valid or not; a cursor is meant to
// be reused for many seeks (one per probe of a join) rather than opened per probe. A seek(k) with k
// a little past the current key is the cheap case: the memory store searches within the current
// leaf; RocksStore steps with Next to a target sharing a long enough prefix with the current key
// (rocks_store.cpp).
// Reverse iteration costs about what forward does.
//
// The entry at the position is kept by this base class (set by the implementation at the end of
// every move), so valid(), key() and value() are plain inline reads: a scan pays one virtual call
// per step (the move), not four.
class Cursor {
 public:
  virtual ~Cursor() = default;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  virtual void seek_to_first() = 0;                   // the first key in bounds
  virtual void seek_to_last() = 0;                    // the last key in bounds
  virtual void seek(std::string_view key) = 0;        // the first key >= key
  virtual void seek_for_prev(std::string_view key) = 0;  // the last key <= key
  virtual void next() = 0;  // REQUIRES: valid()
  virtual void prev() = 0;  // REQUIRES: valid()

  [[nodiscard]] bool valid() const noexcept { return valid_; }
  // REQUIRES: valid(). The bytes stay valid until the cursor next moves or is destroyed.
  [[nodiscard]] std::string_view key() const noexcept { return key_; }
  [[nodiscard]] std::string_view value() const noexcept { return value_; }
  // An error met while positioning (StorageCorruption, StorageIo); ok while valid().
  [[nodiscard]] virtual Result<void> status() const = 0;

 protected:
  Cursor() = default;
  // Every move of an implementation ends in one of these: on an entry (its bytes must stay valid
  // until the next move), or off the range (at its end or on an error).
  void land(std::string_view key, std::string_view value) noexcept {
    valid_ = true;
    key_ = key;
    value_ = value;
  }
  void leave() noexcept { valid_ = false; }

 private:
  bool valid_ = false;
  std::string_view key_;
  std::string_view value_;
};

// A consistent, read-only view of every space at one moment. Move-only through unique_ptr; the
// underlying snapshot is released when the object is destroyed. Safe to share between threads.
class Snapshot {
 public:
  virtual ~Snapshot() = default;
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // The value stored under key, or nullopt if there is none.
  [[nodiscard]] virtual Result<std::optional<std::string>> get(SpaceId space,
                                                               std::string_view key) const = 0;
  // The values of many keys of one space: out[i] is the value under keys[i], or nullopt. Keys may
  // come in any order and repeat; sorted keys are faster. RocksStore uses MultiGet (one batched
  // pass over memtables and table files instead of one lookup per key); the default reads them one
  // by one.
  [[nodiscard]] virtual Result<std::vector<std::optional<std::string>>> get_many(
      SpaceId space, std::span<const std::string_view> keys) const;
  // An unpositioned cursor over the space (call a seek first).
  // REQUIRES: the cursor is destroyed before this snapshot.
  [[nodiscard]] virtual Result<std::unique_ptr<Cursor>> cursor(SpaceId space, CursorBounds bounds = {},
                                                               CursorOptions options = {}) const = 0;

 protected:
  Snapshot() = default;
};

// The StorageUnknownSpace error for an id that a store (or its snapshot) of `count` spaces lacks.
[[nodiscard]] std::unexpected<Error> unknown_space(SpaceId id, std::size_t count);

// A store of named key spaces. See the file comment for thread safety and lifetimes.
class Store {
 public:
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The id of a space named at open; StorageUnknownSpace for any other name.
  [[nodiscard]] Result<SpaceId> space(std::string_view name) const;
  // The names given at open, in SpaceId order (space_names()[id.index]).
  [[nodiscard]] std::span<const std::string> space_names() const noexcept { return names_; }

  // A snapshot of the current state of every space.
  [[nodiscard]] virtual Result<std::unique_ptr<Snapshot>> snapshot() const = 0;

  // Applies the batch atomically. On error nothing of the batch is visible. An empty batch is a
  // no-op. REQUIRES: no other write() runs concurrently (see the file comment).
  [[nodiscard]] virtual Result<void> write(const WriteBatch& batch, WriteOptions options = {}) = 0;

  // Persists memtables to table files (RocksStore); a no-op for MemoryStore.
  [[nodiscard]] virtual Result<void> flush() = 0;
  // Compacts the whole space, dropping deleted data (RocksStore); a no-op for MemoryStore.
  [[nodiscard]] virtual Result<void> compact(SpaceId space) = 0;

  // Size of [lower, upper) in the current state; absent bounds are open.
  [[nodiscard]] virtual Result<RangeStats> range_stats(SpaceId space,
                                                       const CursorBounds& range = {}) const = 0;
  // An implementation-defined property, passed through as text: for RocksStore any RocksDB property
  // ("rocksdb.stats", "rocksdb.estimate-num-keys", ...) of the space, or of the whole database when
  // space is absent, and the block cache's (rocks_store.hpp, "Properties"). nullopt for a property
  // the store does not know.
  [[nodiscard]] virtual Result<std::optional<std::string>> property(
      std::string_view name, std::optional<SpaceId> space = std::nullopt) const = 0;

 protected:
  explicit Store(std::vector<std::string> names) : names_(std::move(names)) {}

  // Ok if id names one of this store's spaces, else StorageUnknownSpace.
  [[nodiscard]] Result<void> check(SpaceId id) const;
  // Ok if every space a batch touches exists, else StorageUnknownSpace.
  [[nodiscard]] Result<void> check(const WriteBatch& batch) const;
  // The space names are unique, non-empty and not reserved ("default"); InvalidArgument otherwise.
  [[nodiscard]] static Result<void> validate_names(std::span<const std::string> names);

 private:
  std::vector<std::string> names_;
};

}  // namespace quarry
