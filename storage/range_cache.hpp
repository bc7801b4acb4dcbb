// RangeCache: RocksStore's cache of key ranges read, as plain sorted arrays in memory.
//
// Why: a RocksDB Seek costs ~12-15K instructions and a Next ~1.7K (Debian's build, assertions on;
// bench/README.md, "Read path"), against a few hundred for a binary search in an array. A query
// run again over data that has not changed reads the same ranges again; served from here, its
// probes and scans cost what they cost in the memory store (bench/README.md, "The range cache").
//
// What is kept: segments. A segment is every entry of one space in a key interval [lo, hi) as
// RocksDB held it (lo need not be a stored key; hi absent means the end of the space), copied
// into one buffer. Segments of a space never overlap; the key space between them is uncovered
// and read from RocksDB when asked. A cursor makes segments of what it reads anyway (from a
// seek's target through the last entry it stepped to: CachedRocksCursor, storage/rocks_store.cpp),
// so a probe's segment may hold a single entry; nothing is read ahead. A segment is immutable
// once built and shared (shared_ptr), so a cursor keeps reading the one it is in without a lock,
// even after the cache dropped it.
//
// Staying right across writes (every rule below is why a snapshot never sees a stale entry):
// - Epochs. The cache counts completed writes (the epoch). A snapshot takes a Ticket — the epoch
//   and whether a write was in progress — BEFORE RocksDB's snapshot is taken, so the snapshot holds
//   at least the state of that epoch.
// - A write (begin_write) first drops every segment covering a key it writes (or overlapping a
//   range it deletes), and marks a write in progress; end_write then advances the epoch. A segment
//   found in the cache therefore holds the current state of its interval, except while a write is
//   in progress, whose touched segments are already gone.
// - A segment records the epoch of the snapshot that read it; a snapshot may use it only when
//   that epoch is <= its own (an older snapshot cannot know whether a write it does not see
//   touched the interval).
// - A segment is admitted only when read by a snapshot of the current epoch taken with no write in
//   progress, and while still no write is in progress and no other segment overlaps it; otherwise
//   the cursor that read it keeps it to itself.
// - Writes that bypass begin_write (none in RocksStore) would make the cache wrong: every path that
//   changes a space's contents (write, ingest) calls begin_write/end_write or drop_space.
//
// Memory: segments are charged by their bytes; above the capacity the least recently used
// segments (admitted or entered) are dropped (an eighth of the capacity at a time). Capacity 0
// disables the cache.
//
// Thread safety: every method may be called from any thread (one shared mutex; the hit path of a
// cursor inside its segment takes none). begin_write/end_write follow Store::write's rule: one
// writer at a time.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace quarry {

class WriteBatch;

// Every entry of a space in [lo, hi), in key order. Built by the reader (add, then finish), then
// immutable.
class RangeSegment {
 public:
  RangeSegment(std::string lo, std::uint64_t epoch) : lo_(std::move(lo)), epoch_(epoch) {}

  // REQUIRES: keys in increasing order, each >= lo and < the hi given to finish().
  void add(std::string_view key, std::string_view value);
  // hi: nullopt for the end of the space.
  void finish(std::optional<std::string> hi);

  [[nodiscard]] const std::string& lo() const noexcept { return lo_; }
  [[nodiscard]] const std::optional<std::string>& hi() const noexcept { return hi_; }
  [[nodiscard]] std::uint64_t epoch() const noexcept { return epoch_; }
  [[nodiscard]] bool covers(std::string_view key) const noexcept {
    return lo_ <= key && (!hi_ || key < *hi_);
  }
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] std::string_view key(std::size_t i) const noexcept {
    return {bytes_.data() + entries_[i].offset, entries_[i].key_size};
  }
  [[nodiscard]] std::string_view value(std::size_t i) const noexcept {
    return {bytes_.data() + entries_[i].offset + entries_[i].key_size, entries_[i].value_size};
  }
  // The first entry >= key, searching [from, size()); size() when none. With from > 0 it
  // gallops from `from` (O(log d) for an answer d entries on).
  [[nodiscard]] std::size_t lower_bound(std::string_view key, std::size_t from = 0) const noexcept;
  // The memory the segment holds, as the cache charges it (fixed by finish()).
  [[nodiscard]] std::size_t charge() const noexcept { return charge_; }

  // When it was admitted or a cursor last entered it (RangeCache's clock), for eviction.
  void touch(std::uint64_t now) const noexcept { used_.store(now, std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t used() const noexcept { return used_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    std::uint32_t offset;  // into bytes_: the key, then the value
    std::uint32_t key_size;
    std::uint32_t value_size;
  };
  std::string lo_;
  std::optional<std::string> hi_;
  std::uint64_t epoch_;
  std::string bytes_;
  std::vector<Entry> entries_;
  std::size_t charge_ = 0;
  mutable std::atomic<std::uint64_t> used_{0};
};

// While one lives, the cursors this thread opens on a RocksStore read its range cache but add
// nothing to it (as with CursorOptions::fill_cache false). For reads that will not be repeated
// soon: a transaction's and an import's own look-ups (a transaction drops the ranges it writes
// anyway; an import would fill the cache with what it happened to check, up to its capacity).
// Nests; affects only the constructing thread.
class ReadsNotCached {
 public:
  ReadsNotCached() noexcept { ++depth_; }
  ~ReadsNotCached() { --depth_; }
  ReadsNotCached(const ReadsNotCached&) = delete;
  ReadsNotCached& operator=(const ReadsNotCached&) = delete;
  [[nodiscard]] static bool active() noexcept { return depth_ > 0; }

 private:
  static thread_local int depth_;
};

class RangeCache {
 public:
  // What a snapshot may do with the cache (taken before its RocksDB snapshot).
  struct Ticket {
    std::uint64_t epoch = 0;
    bool may_admit = false;  // no write was in progress: segments it reads may be admitted
  };

  struct Stats {
    std::uint64_t hits = 0;         // cursor moves and gets answered from a cached segment
    std::uint64_t reads = 0;        // segments read from RocksDB
    std::uint64_t admitted = 0;     // of those, kept in the cache
    std::uint64_t evicted = 0;      // segments dropped for room
    std::uint64_t invalidated = 0;  // segments dropped by writes
    std::uint64_t usage_bytes = 0;
    std::uint64_t capacity_bytes = 0;
  };

  RangeCache(std::size_t capacity_bytes, std::size_t spaces);

  [[nodiscard]] Ticket ticket() const;

  // The segment of `space` covering `key` that a snapshot with `ticket` may read, or null.
  [[nodiscard]] std::shared_ptr<const RangeSegment> find(std::uint32_t space, std::string_view key,
                                                         const Ticket& ticket) const;

  using Following = std::array<std::shared_ptr<const RangeSegment>, 8>;
  // What a cursor moving to `key` needs to know, in one look (one lock).
  struct Lookup {
    std::shared_ptr<const RangeSegment> segment;  // as find()
    // When segment is found: the segments after it in key order that the snapshot may read, as
    // far as they go (null from the first missing). Each was valid for the snapshot when looked
    // up, and so stays valid for it; a cursor moving forward tries them before looking again.
    Following following;
    // When segment is null:
    bool admits = false;  // what a snapshot with `ticket` reads can still be admitted (no write
                          // since it, none in progress); when not, recording it is wasted
    // Where a read from `key` must stop for what it reads to be admitted: the lo of the first
    // segment of `space` starting after `key`; nullopt when none (or not asked for).
    std::optional<std::string> next_start;
  };
  // `to_record`: the caller would record what it reads from `key` (else next_start is not set).
  // `hand_over`: at most this many following segments are handed over (each one is a step along
  // the map and a reference count taken and later dropped, on objects a large cache holds far
  // apart in memory: wasted on a point read, which never moves on to them).
  [[nodiscard]] Lookup lookup(std::uint32_t space, std::string_view key, const Ticket& ticket, bool to_record,
                              std::size_t hand_over = std::tuple_size_v<Following>) const;
  // Offers a segment read by a snapshot with `ticket`; kept when the rules above allow.
  void admit(std::uint32_t space, std::shared_ptr<const RangeSegment> segment, const Ticket& ticket);

  // Around a write of `batch` (REQUIRES: one writer at a time; end_write after every begin_write).
  void begin_write(const WriteBatch& batch);
  // Around a change to whole spaces (an ingestion): `spaces` lose every segment.
  void begin_write(std::span<const std::uint32_t> spaces);
  void end_write();

  // The most one continuous read (from a seek on, through kept segments and new recordings) may
  // pass through the cache: an eighth of the capacity. A scan longer than that would push out
  // what other reads keep and be pushed out itself before its next run, so past it a cursor
  // reads RocksDB directly (CachedRocksCursor).
  [[nodiscard]] std::size_t longest_stretch() const noexcept { return capacity_ / 8; }

  void count_hit() const noexcept { hits_.fetch_add(1, std::memory_order_relaxed); }
  void count_read() const noexcept { reads_.fetch_add(1, std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t clock() const noexcept { return clock_.fetch_add(1, std::memory_order_relaxed); }
  [[nodiscard]] Stats stats() const;

 private:
  // Keyed by each segment's lo(), which the segment (the node's value) keeps alive.
  using Segments = std::map<std::string_view, std::shared_ptr<const RangeSegment>, std::less<>>;
  void drop(Segments& segments, Segments::iterator at);  // REQUIRES: mutex_ held exclusively
  void evict();                                           // REQUIRES: mutex_ held exclusively

  const std::size_t capacity_;
  mutable std::shared_mutex mutex_;
  std::vector<Segments> spaces_;  // guarded by mutex_
  std::uint64_t epoch_ = 0;       // guarded by mutex_
  bool writing_ = false;          // guarded by mutex_
  std::size_t usage_ = 0;         // guarded by mutex_
  std::uint64_t admitted_ = 0, evicted_ = 0, invalidated_ = 0;  // guarded by mutex_
  mutable std::atomic<std::uint64_t> hits_{0}, reads_{0}, clock_{1};
};

}  // namespace quarry
