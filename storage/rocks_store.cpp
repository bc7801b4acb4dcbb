// RocksStore. The only file of Quarry that includes RocksDB; rocksdb::Status becomes an Error in
// exactly one place (to_error).
//
// Options, and why (figures in bench/README.md, "Store"):
// - One shared LRU block cache for all column families, so memory is bounded per store, not per
//   space; index and filter blocks are charged to it, with L0's pinned (the RocksDB tuning guide's
//   setup for bounded memory). Unless given a size, it is sized to the data (BlockCacheFit,
//   storage/block_cache_size.hpp): a fixed 64 MiB missed every block of q3's and agg-by-sex's
//   81–92 MB cyclic scans at 10M datoms (bench/README.md, "The block cache sized to the data").
// - Whole-key bloom filters, 10 bits/key: point reads of absent keys (upsert and uniqueness checks)
//   skip table files. They do not help seeks. No prefix extractor: an E·A prefix bloom on EAVT,
//   measured on a raw copy of the bench's keys (bench_read_bench --raw-prefix-bloom 1), slowed
//   Seek(e·a) probes of present attributes by 35–45% and helped only random probes of absent ones
//   (+17%); on a compacted database each probe meets one file per level, so there is little for a
//   prefix bloom to skip (bench/README.md, "Read path").
// - Filters and indexes partitioned (RocksOptions::partitioned_filters), top level pinned: a point
//   read loads one 4 KiB filter partition, not a table file's whole filter, so point reads hold up
//   when the filters of every space no longer fit the cache. The price, on data the cache holds:
//   every seek goes through the two-level index (12% more instructions, 1.5x the time of a
//   cache-resident 5-attribute fetch); without partitions a 10M-datom database re-reads MiB-sized
//   filter blocks on every read (bench/README.md, "Read path, round 4").
// - Block-cache hits and misses counted (statistics at tickers-only level): the hit ratio is a
//   property (rocks_store.hpp).
// - Cursors: RocksDB iterate bounds from the cursor's bounds; readahead for long scans and no cache
//   fill for one-off scans (CursorOptions); forward re-seeks to a target sharing a long enough
//   prefix with the current key step with Next (RocksCursor::seek).
// - LZ4 on upper levels, ZSTD on the last one: on the bench's index keys the compacted files take
//   13.2 MiB against 29.6 MiB uncompressed (16.1 MiB with LZ4 alone), and no variant's write or read
//   throughput differed beyond noise (writes are bound by memtable and WAL, reads by the cache).
// - WAL on; sync per write configurable, default true (a committed transaction is durable).
// - WAL recovery kTolerateCorruptedTailRecords: a torn last record from a crash mid-write is dropped
//   (that batch was never acknowledged), corruption elsewhere fails the open.
// - Our own info logger: Debian's librocksdb is built with assertions, and its default file logger
//   aborts the process when a write to LOG fails (e.g. disk full). Ours ignores failures.
#include "storage/rocks_store.hpp"
#include "storage/range_cache.hpp"
#include "storage/tsan_annotations.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>
#include <rocksdb/table_properties.h>
#include <rocksdb/utilities/backup_engine.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <set>
#include <mutex>
#include <system_error>

#include "storage/block_cache_size.hpp"
#include "storage/db_marker.hpp"
#include "storage/rocks_tuning.hpp"
#include "storage/write_batch.hpp"

namespace quarry {
namespace {

namespace fs = std::filesystem;

// The one conversion of a RocksDB status into Quarry's error. `what` says what was being done.
Error to_error(const rocksdb::Status& status, std::string_view what, const std::string& path) {
  std::string detail = status.ToString();
  bool same_process = detail.find("lock hold by current process") != std::string::npos;
  if (status.IsIOError() && (same_process || detail.find("While lock file") != std::string::npos)) {
    return Error{ErrorCode::StorageLocked,
                 "the database directory " + path +
                     (same_process ? " is already open in this process"
                                   : " is in use by another process") +
                     " (" + detail + ")"};
  }
  ErrorCode code = ErrorCode::StorageIo;
  if (status.IsCorruption()) {
    code = ErrorCode::StorageCorruption;
  } else if (status.IsInvalidArgument() || status.IsNotSupported()) {
    code = ErrorCode::StorageInvalid;
  }
  return Error{code, std::string(what) + " " + path + ": " + detail};
}

std::unexpected<Error> failed(const rocksdb::Status& status, std::string_view what,
                              const std::string& path) {
  return std::unexpected(to_error(status, what, path));
}

// RocksDB's info log, written to a file; every failure is ignored (see the file comment). An empty
// path, or a file that cannot be opened, logs nothing.
class FileLogger final : public rocksdb::Logger {
 public:
  explicit FileLogger(std::string path)
      : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL), path_(std::move(path)) {
    if (!path_.empty()) file_ = std::fopen(path_.c_str(), "a");
  }
  ~FileLogger() override { close_file(); }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[2048];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    std::size_t n = std::strftime(line, sizeof line, "%Y/%m/%d-%H:%M:%S ", &tm);
    int body = std::vsnprintf(line + n, sizeof line - n - 1, format, ap);
    if (body > 0) n = std::min(sizeof line - 2, n + static_cast<std::size_t>(body));
    if (n == 0 || line[n - 1] != '\n') line[n++] = '\n';
    std::lock_guard lock(mutex_);
    if (!file_) return;
    (void)std::fwrite(line, 1, n, file_);
    (void)std::fflush(file_);
  }

  // Moves the log to LOG.old and starts a new one when it has grown past max_bytes.
  void rotate_if_larger(std::size_t max_bytes) {
    std::lock_guard lock(mutex_);
    if (!file_ || std::ftell(file_) < static_cast<long>(max_bytes)) return;
    std::fclose(file_);
    std::error_code ignored;
    fs::rename(path_, path_ + ".old", ignored);
    file_ = std::fopen(path_.c_str(), "a");
  }

 protected:
  rocksdb::Status CloseImpl() override {
    close_file();
    return rocksdb::Status::OK();
  }

 private:
  void close_file() {
    std::lock_guard lock(mutex_);
    if (file_) std::fclose(file_);
    file_ = nullptr;
  }

  std::string path_;
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
};

rocksdb::CompressionType to_rocksdb(RocksCompression c) {
  switch (c) {
    case RocksCompression::None: return rocksdb::kNoCompression;
    case RocksCompression::Snappy: return rocksdb::kSnappyCompression;
    case RocksCompression::Lz4: return rocksdb::kLZ4Compression;
    case RocksCompression::Zstd: return rocksdb::kZSTD;
  }
  return rocksdb::kNoCompression;
}


// Read-ahead for cursors that announce a long scan (CursorOptions::long_scan): large enough to
// turn a cold scan's block reads into sequential I/O, small enough not to matter when it is wasted.
constexpr std::size_t kLongScanReadahead = std::size_t{2} << 20;

// A cursor: a RocksDB iterator bounded by the cursor's own copies of the bounds.
class RocksCursor final : public Cursor {
 public:
  RocksCursor(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
              const rocksdb::Snapshot* snapshot, CursorBounds bounds, CursorOptions options,
              const std::string& path)
      : bounds_(std::move(bounds)), path_(path) {
    rocksdb::ReadOptions read;
    read.snapshot = snapshot;
    read.fill_cache = options.fill_cache;
    if (options.long_scan) {
      read.readahead_size = kLongScanReadahead;
      read.adaptive_readahead = true;
    }
    if (bounds_.lower) {
      lower_ = rocksdb::Slice(*bounds_.lower);
      read.iterate_lower_bound = &lower_;
    }
    if (bounds_.upper) {
      upper_ = rocksdb::Slice(*bounds_.upper);
      read.iterate_upper_bound = &upper_;
    }
    iterator_.reset(db->NewIterator(read, family));
  }

  void seek_to_first() override {
    iterator_->SeekToFirst();
    settle();
  }
  void seek_to_last() override {
    iterator_->SeekToLast();
    settle();
  }
  void seek(std::string_view key) override {
    if (bounds_.lower && key < *bounds_.lower) key = *bounds_.lower;
    // A seek a little forward may step there with Next() instead: a Next through RocksDB's
    // merging iterator costs about a third of a Seek (2.4K against 6.4K instructions). Stepping
    // pays when the target is an entry or two on (the attributes of one entity, fetched in order)
    // and costs when it is further (sorted AEVT lookups across entities: 5% more CPU on
    // bench_query_loop q2 --rocks with 4 Nexts always tried first). The key tells them apart
    // before anything is read: a near target shares a long prefix with the current key (the next
    // attribute of the same entity shares its E), a far one a short prefix (another entity). So
    // the cursor steps (at most kStepsBeforeSeek Nexts) only when the target shares at least
    // step_prefix_ bytes with the current key; a step that misses raises step_prefix_ past that
    // target's shared prefix, and every kRelearnAfter seeks that did not step lower it by one, so
    // a workload that changes is relearned. (The earlier rule, stepping only while stepping kept
    // hitting, spent 4 Nexts and a Seek on every other random entity's first attribute.)
    if (iterator_->Valid()) {
      const std::string_view at = iterator_->key().ToStringView();
      const std::size_t shared = shared_prefix(at, key);
      if (shared < step_prefix_) {
        if (++seeks_without_stepping_ == kRelearnAfter) {
          seeks_without_stepping_ = 0;
          --step_prefix_;
        }
      } else if (at < key) {
        for (int i = 0; i < kStepsBeforeSeek; ++i) {
          iterator_->Next();
          if (!iterator_->Valid()) break;  // the end of the range (or an error): Seek settles it
          if (iterator_->key().ToStringView() >= key) return settle();
        }
        step_prefix_ = shared + 1;
        seeks_without_stepping_ = 0;
      }
    }
    iterator_->Seek(rocksdb::Slice(key.data(), key.size()));
    settle();
  }
  void seek_for_prev(std::string_view key) override {
    if (bounds_.upper && key >= *bounds_.upper) return seek_to_last();
    iterator_->SeekForPrev(rocksdb::Slice(key.data(), key.size()));
    settle();
  }
  void next() override {
    iterator_->Next();
    settle();
  }
  void prev() override {
    iterator_->Prev();
    settle();
  }

  Result<void> status() const override {
    if (error_) return std::unexpected(*error_);
    return {};
  }

 private:
  // Every move ends here: an iterator that stops being valid is checked for an error, so a failed
  // read is reported by status() instead of passing for the end of the range.
  void settle() {
    error_.reset();
    if (iterator_->Valid()) {
      land(iterator_->key().ToStringView(), iterator_->value().ToStringView());
      return;
    }
    leave();
    rocksdb::Status s = iterator_->status();
    if (!s.ok()) error_ = to_error(s, "reading", path_);
  }

  static std::size_t shared_prefix(std::string_view a, std::string_view b) noexcept {
    const std::size_t n = std::min(a.size(), b.size());
    std::size_t i = 0;
    while (i < n && a[i] == b[i]) ++i;
    return i;
  }

  static constexpr int kStepsBeforeSeek = 4;
  static constexpr int kRelearnAfter = 64;

  CursorBounds bounds_;
  std::size_t step_prefix_ = 0;     // seek() steps only to targets sharing this many bytes (see seek())
  int seeks_without_stepping_ = 0;  // since step_prefix_ last changed
  rocksdb::Slice lower_, upper_;  // view bounds_; referenced by the iterator's ReadOptions
  std::string path_;
  std::unique_ptr<rocksdb::Iterator> iterator_;
  std::optional<Error> error_;
};

// A cursor served by the range cache (storage/range_cache.hpp). Forward moves read cached
// segments. What no segment covers is read from RocksDB as the cursor moves — a Seek, then a
// Next per step, exactly what RocksCursor would do — and every entry read that way is recorded:
// the entries from a seek's target through the last one stepped to are all RocksDB holds in that
// interval, so once the cursor moves elsewhere (or holds kLongestRead entries, or reaches the next
// cached segment or the end of its bounds) they become a segment offered to the cache. A cold
// query therefore reads about what it would read without the cache (no read-ahead: a probe's
// segment holds what the probe and its steps read, and a seek a few entries ahead of a recording
// steps there and keeps what lies between, record_onward_to), and pays the copies; the same query
// run again is answered from the segments. Reads that nothing would keep go to RocksDB directly,
// unrecorded: reverse moves, reads not worth keeping (CursorOptions::fill_cache false,
// ReadsNotCached: a transaction's own look-ups, which its write would drop again), and every read
// of a snapshot that can no longer admit what it reads (a write came after it: a Db value held
// across writes reads at RocksCursor's speed, plus the cached ranges older than it).
class CachedRocksCursor final : public Cursor {
 public:
  CachedRocksCursor(RangeCache& cache, std::uint32_t space, RangeCache::Ticket ticket, rocksdb::DB* db,
                    rocksdb::ColumnFamilyHandle* family, const rocksdb::Snapshot* snapshot, CursorBounds bounds,
                    CursorOptions options, const std::string& path)
      : cache_(cache), space_(space), ticket_(ticket), bounds_(std::move(bounds)), fill_(options.fill_cache),
        db_(db), family_(family), snapshot_(snapshot), options_(options), path_(path) {}
  ~CachedRocksCursor() override { end_recording(); }
  CachedRocksCursor(const CachedRocksCursor&) = delete;
  CachedRocksCursor& operator=(const CachedRocksCursor&) = delete;

  void seek_to_first() override {
    end_recording();
    stretch_bytes_ = 0;
    enter(bounds_.lower.value_or(std::string()));
  }
  void seek_to_last() override {
    go_direct();
    rocks().seek_to_last();
    settle_direct();
  }
  void seek(std::string_view key) override {
    if (bounds_.lower && key < *bounds_.lower) key = *bounds_.lower;
    if (mode_ == Mode::Recording && record_onward_to(key)) return;
    end_recording();
    stretch_bytes_ = 0;
    if (segment_ && segment_->covers(key)) {
      // Sorted probes land ahead of the current entry: search from there.
      const bool ahead = mode_ == Mode::Cached && valid() && index_ < segment_->size() && segment_->key(index_) < key;
      mode_ = Mode::Cached;
      index_ = segment_->lower_bound(key, ahead ? index_ + 1 : 0);
      if (index_ < segment_->size()) return land_here();
      if (!segment_->hi()) return leave();
      return enter(*segment_->hi());
    }
    enter(std::string(key));
  }
  void seek_for_prev(std::string_view key) override {
    go_direct();
    rocks().seek_for_prev(key);
    settle_direct();
  }
  void next() override {
    switch (mode_) {
      case Mode::Cached:
        if (++index_ < segment_->size()) return land_here();
        if (!segment_->hi()) return leave();
        return enter(*segment_->hi());
      case Mode::Recording:
        rocks().next();
        return settle_recording();
      case Mode::Direct:
        rocks().next();
        return settle_direct();
    }
  }
  void prev() override {
    if (mode_ == Mode::Cached) {
      if (index_ > 0) {
        --index_;
        if (bounds_.lower && segment_->key(index_) < *bounds_.lower) return leave();
        return land_here();
      }
      const std::string at(key());
      mode_ = Mode::Direct;
      rocks().seek(at);  // lands on `at`, which the snapshot holds
      if (rocks().valid()) rocks().prev();
      return settle_direct();
    }
    go_direct();  // rocks_ stands on the current entry
    rocks().prev();
    settle_direct();
  }

  Result<void> status() const override {
    if (mode_ != Mode::Cached && rocks_) return rocks_->status();
    return {};
  }

 private:
  enum class Mode {
    Cached,     // on segment_'s entry index_
    Recording,  // on rocks_, copying each entry into recording_
    Direct,     // on rocks_
  };
  static constexpr std::size_t kLongestRead = 1024;

  // The first entry >= key within the bounds: through the cache while it covers the way, from
  // RocksDB from the first key it does not. REQUIRES: key >= the lower bound; not recording.
  void enter(std::string key) {
    for (;;) {
      if (bounds_.upper && key >= *bounds_.upper) {
        mode_ = Mode::Cached;
        return leave();
      }
      if (!segment_ || !segment_->covers(key)) {
        if (!enter_following(key)) {
          // A cursor's first look-up takes no following segments: most cursors that look up
          // once are point reads (an entity, a pull), which would only pay for them.
          RangeCache::Lookup found =
              cache_.lookup(space_, key, ticket_, fill_, looked_up_ ? std::tuple_size_v<RangeCache::Following> : 0);
          looked_up_ = true;
          if (!found.segment) return read_from(key, found);
          segment_ = std::move(found.segment);
          following_ = std::move(found.following);
          next_following_ = 0;
        }
        cache_.count_hit();
        segment_->touch(cache_.clock());
        stretch_bytes_ += segment_->charge();
      }
      mode_ = Mode::Cached;
      index_ = segment_->lower_bound(key);
      if (index_ < segment_->size()) return land_here();
      if (!segment_->hi()) return leave();
      key = *segment_->hi();
    }
  }

  // Makes the segment covering key, among those handed over with the last look-up, segment_.
  bool enter_following(std::string_view key) {
    for (; next_following_ < following_.size() && following_[next_following_]; ++next_following_) {
      const RangeSegment& next = *following_[next_following_];
      if (key < next.lo()) return false;  // in a gap before it
      if (next.covers(key)) {
        segment_ = std::move(following_[next_following_++]);
        return true;
      }
    }
    return false;
  }

  // Seeks RocksDB to key (which no segment covers: `found` is the cache's lookup of it) and
  // records from there when the cache would keep what is read.
  void read_from(const std::string& key, RangeCache::Lookup& found) {
    rocks().seek(key);
    if (!fill_ || !found.admits || stretch_bytes_ > cache_.longest_stretch()) {
      mode_ = Mode::Direct;
      return settle_direct();
    }
    // The recording must end where the cache's next segment starts, to be admitted.
    stop_ = std::move(found.next_start);
    if (bounds_.upper && (!stop_ || *bounds_.upper < *stop_)) stop_ = bounds_.upper;
    start_recording(key);
    settle_recording();
  }

  void start_recording(std::string lo) {
    cache_.count_read();
    recording_ = std::make_shared<RangeSegment>(std::move(lo), ticket_.epoch);
    mode_ = Mode::Recording;
  }

  // A seek a little ahead of the entry being recorded: steps there with Next, recording every
  // entry on the way, so that sorted probes a few entries apart (q2's :age of every eighth person)
  // leave one segment of up to kLongestRead entries instead of one segment per probe. At 10M
  // datoms q2's 166,952 probes had left as many segments (70 MB, ~420 bytes each), and every
  // later run walked them: a map look-up per 9 probes and 3–4 scattered objects per probe,
  // cache misses that 241K datoms do not have (bench/README.md, "Round 31"). With the gaps kept
  // the same range takes ~26 bytes an entry and is read from arrays. Tries at most
  // kMaxRecordSteps steps; after a miss (the target was further) it waits record_backoff_ seeks
  // before trying again, doubling per consecutive miss up to kMaxRecordWait, so sparse probes
  // waste little. True when the seek is done (the cursor stands on the first entry >= key, or
  // at the end). REQUIRES: mode_ == Recording.
  static constexpr int kMaxRecordSteps = 32;
  static constexpr std::uint32_t kMinRecordWait = 1, kMaxRecordWait = 1024;
  bool record_onward_to(std::string_view key) {
    if (record_wait_ > 0) {
      --record_wait_;
      return false;
    }
    if (!(rocks().key() < key)) return false;  // not ahead: an ordinary seek
    for (int i = 0; i < kMaxRecordSteps; ++i) {
      rocks().next();
      settle_recording();
      if (mode_ != Mode::Recording) {
        // Stopped recording on the way (the next cached segment, the bounds' end, the stretch's
        // limit): what was read is filed; the seek itself goes the ordinary way.
        return false;
      }
      if (!(rocks().key() < key)) {
        record_backoff_ = kMinRecordWait;
        return true;
      }
    }
    record_wait_ = record_backoff_;
    record_backoff_ = std::min(record_backoff_ * 2, kMaxRecordWait);
    return false;
  }

  // After a move of rocks_ while recording.
  void settle_recording() {
    if (!rocks().valid()) {
      if (!rocks().status()) {  // a read error: what was recorded may have gaps
        recording_.reset();
        mode_ = Mode::Direct;
        return leave();
      }
      // The end of the bounds (or of the space): everything up to there has been read.
      finish_recording(stop_);
      mode_ = Mode::Cached;
      return leave();
    }
    const std::string_view at = rocks().key();
    if (stop_ && at >= *stop_) {  // the next cached segment: go on through the cache
      finish_recording(stop_);
      return enter(*stop_);
    }
    if (recording_->size() == kLongestRead) {
      finish_recording(std::string(at));
      start_recording(std::string(at));
    }
    recording_->add(at, rocks().value());
    land(at, rocks().value());
    stretch_bytes_ += at.size() + rocks().value().size();
    if (stretch_bytes_ > cache_.longest_stretch()) end_recording();  // the rest of this read: direct
  }

  // Ends a recording at the cursor's entry, the last one recorded: nothing lies between it and
  // the key right after it (the same bytes and a zero byte).
  void end_recording() {
    if (mode_ != Mode::Recording) return;
    std::string hi(recording_->key(recording_->size() - 1));
    hi.push_back('\0');
    finish_recording(std::move(hi));
    mode_ = Mode::Direct;  // rocks_ stays on the entry
  }

  // Offers the recording, [its lo, hi), to the cache; the cursor keeps it either way (it is this
  // snapshot's), so a seek back into it is answered from it.
  void finish_recording(std::optional<std::string> hi) {
    recording_->finish(std::move(hi));
    std::shared_ptr<const RangeSegment> done = std::move(recording_);
    cache_.admit(space_, done, ticket_);
    segment_ = std::move(done);
  }

  // Before a reverse move on rocks_.
  void go_direct() {
    end_recording();
    mode_ = Mode::Direct;
  }

  void land_here() {
    const std::string_view at = segment_->key(index_);
    if (bounds_.upper && at >= *bounds_.upper) return leave();
    land(at, segment_->value(index_));
  }
  void settle_direct() {
    if (rocks().valid()) land(rocks().key(), rocks().value());
    else leave();
  }
  // Made on first use: a cursor whose reads the cache answers never opens a RocksDB iterator.
  RocksCursor& rocks() {
    if (!rocks_) rocks_.emplace(db_, family_, snapshot_, bounds_, options_, path_);
    return *rocks_;
  }

  RangeCache& cache_;
  const std::uint32_t space_;
  const RangeCache::Ticket ticket_;
  const CursorBounds bounds_;
  const bool fill_;  // records what it reads from RocksDB for the cache (else reads it directly)
  Mode mode_ = Mode::Cached;
  std::shared_ptr<const RangeSegment> segment_;  // the cached segment last entered or recorded
  std::size_t index_ = 0;                        // Mode::Cached: the entry in segment_
  // The segments after segment_ handed over by the last look-up (RangeCache::Lookup::following),
  // from next_following_ on.
  RangeCache::Following following_;
  std::size_t next_following_ = 0;
  bool looked_up_ = false;  // the cache has been looked up (enter) before
  std::shared_ptr<RangeSegment> recording_;      // Mode::Recording: what rocks_ has read since its seek
  std::optional<std::string> stop_;              // Mode::Recording: where recording_ must end
  // The bytes this read has passed through the cache since its last seek (segments entered,
  // entries recorded); past RangeCache::longest_stretch() it reads RocksDB directly.
  std::size_t stretch_bytes_ = 0;
  // record_onward_to: seeks left before it tries again, and the wait its next miss sets.
  std::uint32_t record_wait_ = 0;
  std::uint32_t record_backoff_ = kMinRecordWait;
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* family_;
  const rocksdb::Snapshot* snapshot_;
  const CursorOptions options_;
  const std::string& path_;
  std::optional<RocksCursor> rocks_;  // reads RocksDB: what the cache lacks and the direct moves
};

// The automatic block cache (RocksOptions::block_cache_bytes unset): fits the cache's capacity to
// the live table files (storage/block_cache_size.hpp) when asked (open, catch-up) and after every
// flush, compaction and ingestion RocksDB reports, never lowering it. Thread safety: RocksDB calls
// the listener from its background threads and from the ingesting thread; one mutex serializes
// the fits, so a fit from older figures cannot follow a newer one.
class BlockCacheFit final : public rocksdb::EventListener {
 public:
  BlockCacheFit(std::shared_ptr<rocksdb::Cache> cache, std::uint64_t memory_bytes)
      : cache_(std::move(cache)), memory_bytes_(memory_bytes) {}

  const char* Name() const override { return "quarry.BlockCacheFit"; }

  // The families to measure: every open one (not owned). Until attached, and after detach()
  // (before the handles are destroyed), events change nothing.
  void attach(rocksdb::DB& db, std::vector<rocksdb::ColumnFamilyHandle*> families) {
    std::lock_guard lock(mutex_);
    db_ = &db;
    families_ = std::move(families);
  }
  void detach() {
    std::lock_guard lock(mutex_);
    db_ = nullptr;
    families_.clear();
  }

  // Raises the capacity to what the table files now call for, if that is more.
  void fit() {
    std::lock_guard lock(mutex_);
    if (!db_) return;
    TableFileSizes sizes;
    for (auto* family : families_) {
      rocksdb::TablePropertiesCollection tables;
      if (!db_->GetPropertiesOfAllTables(family, &tables).ok()) continue;  // keep the capacity
      for (const auto& [file, properties] : tables) {
        if (!properties) continue;
        sizes.raw_bytes += properties->raw_key_size + properties->raw_value_size;
        sizes.index_and_filter_bytes += properties->index_size + properties->filter_size;
      }
    }
    const std::size_t want = automatic_block_cache_bytes(sizes, memory_bytes_);
    if (want > cache_->GetCapacity()) cache_->SetCapacity(want);
  }

  void OnFlushCompleted(rocksdb::DB*, const rocksdb::FlushJobInfo&) override { fit(); }
  void OnCompactionCompleted(rocksdb::DB*, const rocksdb::CompactionJobInfo&) override { fit(); }
  void OnExternalFileIngested(rocksdb::DB*, const rocksdb::ExternalFileIngestionInfo&) override { fit(); }

 private:
  const std::shared_ptr<rocksdb::Cache> cache_;
  const std::uint64_t memory_bytes_;
  std::mutex mutex_;
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> families_;
};

}  // namespace

struct RocksStore::Impl {
  RocksOptions options;
  std::shared_ptr<FileLogger> logger;
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::ColumnFamilyHandle* meta = nullptr;          // "default": Quarry's own records
  std::vector<rocksdb::ColumnFamilyHandle*> families;   // every open family (owned)
  std::vector<rocksdb::ColumnFamilyHandle*> spaces;     // by SpaceId (views of families)
  std::shared_ptr<BlockCacheFit> cache_fit;             // set when the cache is automatic
  std::unique_ptr<RangeCache> range_cache;              // null when off (RocksOptions::range_cache_bytes)

  ~Impl() {
    if (!db) return;
    if (cache_fit) cache_fit->detach();  // before the handles it reads go
    for (auto* family : families) (void)db->DestroyColumnFamilyHandle(family);
    (void)db->Close();
  }
};

namespace {

class RocksSnapshot final : public Snapshot {
 public:
  // The cache's ticket is taken before RocksDB's snapshot (storage/range_cache.hpp says why).
  explicit RocksSnapshot(const RocksStore::Impl& impl)
      : impl_(impl), ticket_(impl.range_cache ? impl.range_cache->ticket() : RangeCache::Ticket{}),
        snapshot_(impl.options.secondary_path.empty() ? impl.db->GetSnapshot() : nullptr) {}
  ~RocksSnapshot() override {
    if (snapshot_) impl_.db->ReleaseSnapshot(snapshot_);
  }

  Result<std::optional<std::string>> get(SpaceId space, std::string_view key) const override {
    if (space.index >= impl_.spaces.size()) return unknown_space(space, impl_.spaces.size());
    if (auto cached = from_cache(space, key)) return std::move(*cached);
    rocksdb::ReadOptions read;
    read.snapshot = snapshot_;
    rocksdb::PinnableSlice value;
    rocksdb::Status s = impl_.db->Get(read, impl_.spaces[space.index],
                                      rocksdb::Slice(key.data(), key.size()), &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) return failed(s, "reading", impl_.options.path);
    return value.ToString();
  }

  Result<std::vector<std::optional<std::string>>> get_many(
      SpaceId space, std::span<const std::string_view> keys) const override {
    if (space.index >= impl_.spaces.size()) return unknown_space(space, impl_.spaces.size());
    std::vector<std::optional<std::string>> out(keys.size());
    // The keys the cache does not answer, by their index in `keys`.
    std::vector<std::size_t> asked;
    std::vector<rocksdb::Slice> slices;
    asked.reserve(keys.size());
    slices.reserve(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (auto cached = from_cache(space, keys[i])) {
        out[i] = std::move(*cached);
        continue;
      }
      asked.push_back(i);
      slices.emplace_back(keys[i].data(), keys[i].size());
    }
    if (asked.empty()) return out;
    std::vector<rocksdb::PinnableSlice> values(asked.size());
    std::vector<rocksdb::Status> statuses(asked.size());
    rocksdb::ReadOptions read;
    read.snapshot = snapshot_;
    impl_.db->MultiGet(read, impl_.spaces[space.index], asked.size(), slices.data(), values.data(),
                       statuses.data());
    for (std::size_t j = 0; j < asked.size(); ++j) {
      if (statuses[j].IsNotFound()) continue;
      if (!statuses[j].ok()) return failed(statuses[j], "reading", impl_.options.path);
      out[asked[j]] = values[j].ToString();
    }
    return out;
  }

  Result<std::unique_ptr<Cursor>> cursor(SpaceId space, CursorBounds bounds,
                                         CursorOptions options) const override {
    if (space.index >= impl_.spaces.size()) return unknown_space(space, impl_.spaces.size());
    // A long scan (read ahead; an export, a backup) would push everything else out of the cache
    // for nothing, and reads nothing twice.
    if (impl_.range_cache && !options.long_scan) {
      options.fill_cache = options.fill_cache && !ReadsNotCached::active();
      return std::make_unique<CachedRocksCursor>(*impl_.range_cache, space.index, ticket_, impl_.db.get(),
                                                 impl_.spaces[space.index], snapshot_, std::move(bounds),
                                                 options, impl_.options.path);
    }
    return std::make_unique<RocksCursor>(impl_.db.get(), impl_.spaces[space.index], snapshot_,
                                         std::move(bounds), options, impl_.options.path);
  }

 private:
  // The value of key from a cached segment covering it: a value, nullopt (absent), or no answer.
  std::optional<std::optional<std::string>> from_cache(SpaceId space, std::string_view key) const {
    if (!impl_.range_cache) return std::nullopt;
    auto segment = impl_.range_cache->find(space.index, key, ticket_);
    if (!segment) return std::nullopt;
    impl_.range_cache->count_hit();
    const std::size_t i = segment->lower_bound(key);
    if (i < segment->size() && segment->key(i) == key) return std::optional<std::string>(segment->value(i));
    return std::optional<std::string>();
  }

  const RocksStore::Impl& impl_;
  const RangeCache::Ticket ticket_;
  const rocksdb::Snapshot* snapshot_;
};

// Reads the format marker of an open database. Ok(true): a current marker. Ok(false): none, and the
// database is empty (a create that crashed before writing it), so it may be written now.
Result<bool> check_format(RocksStore::Impl& impl, const std::vector<std::string>& families) {
  const std::string& path = impl.options.path;
  std::string found;
  rocksdb::Status s = impl.db->Get(rocksdb::ReadOptions(), impl.meta,
                                   std::string(RocksStore::kFormatKey), &found);
  if (s.IsNotFound()) {
    std::unique_ptr<rocksdb::Iterator> any(impl.db->NewIterator(rocksdb::ReadOptions(), impl.meta));
    any->SeekToFirst();
    if (!any->status().ok()) return failed(any->status(), "reading", path);
    if (families.size() <= 1 && !any->Valid()) return false;
    return fail(ErrorCode::StorageVersion,
                "the directory " + path +
                    " holds a RocksDB database without a Quarry format marker (found: none, "
                    "supported: " + std::to_string(RocksStore::kFormatVersion) +
                    "); Quarry wrote nothing to it");
  }
  if (!s.ok()) return failed(s, "reading the format marker of", path);
  std::uint32_t version = 0;
  auto [end, ec] = std::from_chars(found.data(), found.data() + found.size(), version);
  if (ec != std::errc{} || end != found.data() + found.size()) {
    return fail(ErrorCode::StorageVersion, "the database at " + path +
                                               " has an unreadable format marker \"" + found + "\"");
  }
  if (version != RocksStore::kFormatVersion) {
    return fail(ErrorCode::StorageVersion,
                "the database at " + path + " has format version " + std::to_string(version) +
                    (version > RocksStore::kFormatVersion ? " (newer" : " (older") +
                    " than this build); supported: " + std::to_string(RocksStore::kFormatVersion));
  }
  return true;
}

// A directory without Quarry's marker file but with a RocksDB database. Databases made before the
// marker file existed kept their format version only as kFormatKey; such a database is adopted
// (checked for damage, then marked unless `mark` is false). Anything else is foreign. The probe opens RocksDB read-only
// with a logger that writes nothing: no file in the directory is created, changed or deleted.
Result<void> adopt_unmarked(const std::string& path, bool mark) {
  auto not_quarry = [&](const std::string& why) {
    return fail(ErrorCode::StorageForeign,
                "the directory " + path + " is not a Quarry database (" + why +
                    "); Quarry changed nothing in it. Name a missing or empty directory to create "
                    "a new database");
  };
  rocksdb::DBOptions probe;
  probe.info_log = std::make_shared<FileLogger>("");
  probe.create_if_missing = false;
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(probe, path, &names).ok()) {
    return not_quarry("it holds a CURRENT file, but no database Quarry can read, and no QUARRY marker");
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> families{
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(probe, path, families, &handles, &raw);
  if (!s.ok()) return not_quarry("a RocksDB database Quarry cannot open read-only: " + s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string found;
  s = db->Get(rocksdb::ReadOptions(), handles[0], std::string(RocksStore::kFormatKey), &found);
  for (auto* handle : handles) (void)db->DestroyColumnFamilyHandle(handle);
  (void)db->Close();
  if (s.IsNotFound()) {
    return not_quarry("a RocksDB database without Quarry's format marker (found: none, supported: " +
                      std::to_string(RocksStore::kFormatVersion) + ")");
  }
  if (!s.ok()) return failed(s, "reading the format marker of", path);
  if (found != std::to_string(RocksStore::kFormatVersion)) {
    return fail(ErrorCode::StorageVersion, "the database at " + path + " has format version \"" +
                                               found + "\"; supported: " +
                                               std::to_string(RocksStore::kFormatVersion));
  }
  if (auto ok = check_database_files(path); !ok) return ok;
  if (!mark) return {};  // a read-only open writes nothing
  return write_marker(path, RocksStore::kFormatVersion);
}

}  // namespace

Result<void> tune_rocksdb(const RocksOptions& options, rocksdb::DBOptions& db,
                          rocksdb::ColumnFamilyOptions& cf) {
  if (options.info_log) {
    std::error_code ec;
    if (options.create_if_missing) fs::create_directories(options.path, ec);
    if (ec) {
      return fail(ErrorCode::StorageIo,
                  "cannot create the database directory " + options.path + ": " + ec.message());
    }
    db.info_log = std::make_shared<FileLogger>((fs::path(options.path) / "LOG").string());
  } else {
    db.info_log = std::make_shared<FileLogger>("");
  }
  db.info_log_level = rocksdb::InfoLogLevel::INFO_LEVEL;
  if (options.env) db.env = options.env;
  db.create_if_missing = options.create_if_missing;
  db.create_missing_column_families = false;  // open() creates them after the format check
  db.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  db.max_background_jobs = options.background_jobs;
  // The WAL is bounded: a log file can only be deleted once every space with data in it has
  // flushed, and the small spaces (meta, and the log during bulk loads of few transactions) fill
  // their memtables rarely, so without a cap the WAL grew to RocksDB's default of 4 x the sum of
  // all memtables (277 MB on disk during a 2M-datom import, issue 13). Past this size RocksDB
  // flushes the spaces that hold the oldest log file. 4 x one space's buffer (128 MiB by default)
  // is above what the index spaces, which fill together, write between their own flushes.
  // StoreTuning::max_total_wal_bytes overrides it (set below).
  db.paranoid_checks = true;
  // Tickers only (per-core counters, no timers or histograms): what the block-cache properties
  // (hits, misses, hit ratio) read.
  db.statistics = rocksdb::CreateDBStatistics();
  db.statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);

  rocksdb::BlockBasedTableOptions table;
  if (!options.block_cache_bytes) {
    // Automatic: the floor until RocksStore::open has measured the table files (BlockCacheFit).
    table.block_cache = rocksdb::NewLRUCache(kAutoBlockCacheFloorBytes);
    db.listeners.push_back(std::make_shared<BlockCacheFit>(table.block_cache, memory_available_bytes()));
  } else if (*options.block_cache_bytes > 0) {
    table.block_cache = rocksdb::NewLRUCache(*options.block_cache_bytes);
  }
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  if (options.bloom_bits_per_key > 0) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(options.bloom_bits_per_key, false));
  }
  if (options.partitioned_filters) {
    table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
    table.partition_filters = options.bloom_bits_per_key > 0;
    table.metadata_block_size = 4096;
    table.pin_top_level_index_and_filter = true;
  }
  table.format_version = 5;
  table.block_size = options.block_size_bytes;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.compression = to_rocksdb(options.compression);
  cf.bottommost_compression = to_rocksdb(options.bottommost_compression);
  if (!options.compression_per_level.empty()) {
    cf.compression_per_level.assign(static_cast<std::size_t>(cf.num_levels), cf.compression);
    for (std::size_t i = 0; i < options.compression_per_level.size() && i < cf.compression_per_level.size(); ++i)
      cf.compression_per_level[i] = to_rocksdb(options.compression_per_level[i]);
  }
  cf.write_buffer_size = options.write_buffer_bytes;
  cf.max_write_buffer_number = options.max_write_buffers;
  db.max_total_wal_size = options.max_total_wal_bytes > 0 ? options.max_total_wal_bytes
                                                           : 4 * static_cast<std::uint64_t>(options.write_buffer_bytes);
  db.wal_bytes_per_sync = options.wal_bytes_per_sync;
  cf.level_compaction_dynamic_level_bytes = true;
  return {};
}

RocksStore::RocksStore(std::vector<std::string> spaces, std::unique_ptr<Impl> impl)
    : Store(std::move(spaces)), impl_(std::move(impl)) {}

RocksStore::~RocksStore() = default;

const std::string& RocksStore::path() const noexcept { return impl_->options.path; }

namespace {

Result<std::unique_ptr<rocksdb::BackupEngine>> open_backup_engine(const std::string& backup_dir) {
  rocksdb::BackupEngineOptions options(backup_dir);
  options.share_table_files = true;
  options.share_files_with_checksum = true;
  options.sync = true;
  options.max_background_operations = 2;
  rocksdb::BackupEngine* raw = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngine::Open(options, rocksdb::Env::Default(), &raw);
  if (!s.ok()) return failed(s, "opening the backup directory", backup_dir);
  return std::unique_ptr<rocksdb::BackupEngine>(raw);
}

}  // namespace

Result<RocksBackupInfo> RocksStore::backup_incremental(const std::string& backup_dir) {
  auto engine = open_backup_engine(backup_dir);
  if (!engine) return std::unexpected(engine.error());
  rocksdb::CreateBackupOptions create;
  create.flush_before_backup = !impl_->options.read_only;  // a read-only store cannot flush: its WAL is copied
  rocksdb::BackupID id = 0;
  rocksdb::IOStatus s = (*engine)->CreateNewBackup(create, impl_->db.get(), &id);
  if (!s.ok()) return failed(s, "backing up", impl_->options.path);
  std::vector<rocksdb::BackupInfo> infos;
  (*engine)->GetBackupInfo(&infos, /*include_file_details=*/true);
  RocksBackupInfo out;
  out.id = id;
  out.backups = static_cast<std::uint32_t>(infos.size());
  std::set<std::string> seen;
  for (const auto& info : infos) {
    if (info.backup_id == id) out.bytes = info.size;
    for (const auto& file : info.file_details)
      if (seen.insert(file.relative_filename).second) out.directory_bytes += file.size;
  }
  return out;
}

Result<std::uint32_t> RocksStore::restore_backup(const std::string& backup_dir, const std::string& path,
                                                 std::optional<std::uint32_t> id) {
  std::error_code ec;
  if (fs::exists(path, ec) && (!fs::is_directory(path, ec) || !fs::is_empty(path, ec)))
    return fail(ErrorCode::InvalidArgument, "cannot restore into " + path + ": it exists and is not an empty directory");
  if (!fs::exists(backup_dir, ec)) return fail(ErrorCode::StorageIo, "no backup directory at " + backup_dir);
  auto engine = open_backup_engine(backup_dir);
  if (!engine) return std::unexpected(engine.error());
  std::vector<rocksdb::BackupInfo> infos;
  (*engine)->GetBackupInfo(&infos);
  if (infos.empty()) return fail(ErrorCode::StorageIo, "the backup directory " + backup_dir + " holds no backup");
  std::uint32_t chosen = id.value_or(infos.back().backup_id);
  rocksdb::IOStatus s = (*engine)->RestoreDBFromBackup(rocksdb::RestoreOptions(), chosen, path, path);
  if (!s.ok()) return failed(s, "restoring backup " + std::to_string(chosen) + " of " + backup_dir + " into", path);
  // A backup made after a flush may hold no write-ahead log; Quarry's open checks insist on one.
  if (auto log = ensure_log(path); !log) return std::unexpected(log.error());
  if (auto ok = write_marker(path, kFormatVersion); !ok) return std::unexpected(ok.error());
  return chosen;
}

bool RocksStore::is_secondary() const noexcept { return !impl_->options.secondary_path.empty(); }

Result<void> RocksStore::catch_up() {
  if (!is_secondary())
    return fail(ErrorCode::InvalidArgument, "the store at " + impl_->options.path + " is not a secondary instance");
  rocksdb::Status s = impl_->db->TryCatchUpWithPrimary();
  if (!s.ok()) return failed(s, "catching up with the primary at", impl_->options.path);
  if (impl_->cache_fit) impl_->cache_fit->fit();  // a secondary hears of no flush or compaction
  return {};
}

Result<std::unique_ptr<RocksStore>> RocksStore::open(const RocksOptions& requested,
                                                     std::vector<std::string> spaces) {
  if (auto ok = validate_names(spaces); !ok) return std::unexpected(ok.error());
  if (requested.path.empty()) return fail(ErrorCode::InvalidArgument, "RocksOptions::path is empty");
  RocksOptions options = requested;
  const bool secondary = !options.secondary_path.empty();
  if (secondary) options.read_only = true;
  if (options.read_only) {  // nothing may be created or written, not even the LOG
    options.create_if_missing = false;
    options.info_log = false;
  }
  // Nothing reaches RocksDB before the directory is known to be Quarry's (db_marker.hpp).
  auto state = inspect_directory(options.path, kFormatVersion);
  if (!state) return std::unexpected(state.error());
  if (*state == DirectoryState::Unmarked) {
    if (auto ok = adopt_unmarked(options.path, /*mark=*/!options.read_only); !ok) {
      return std::unexpected(ok.error());
    }
  } else if (*state == DirectoryState::New) {
    if (!options.create_if_missing) {
      return fail(ErrorCode::StorageIo, "no database at " + options.path +
                                            " (and RocksOptions::create_if_missing is false)");
    }
    if (auto ok = write_marker(options.path, kFormatVersion); !ok) return std::unexpected(ok.error());
  }
  const bool existed = *state != DirectoryState::New;
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  rocksdb::DBOptions db_options;
  rocksdb::ColumnFamilyOptions cf_options;
  if (auto ok = tune_rocksdb(options, db_options, cf_options); !ok) return std::unexpected(ok.error());
  db_options.create_if_missing = !existed;  // never create over files that are there
  impl->logger = std::static_pointer_cast<FileLogger>(db_options.info_log);

  std::vector<std::string> on_disk{rocksdb::kDefaultColumnFamilyName};
  if (existed) {
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options, options.path, &on_disk);
    if (!s.ok()) return failed(s, "listing the column families of", options.path);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : on_disk) descriptors.emplace_back(name, cf_options);
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (secondary) {
    std::error_code ec;
    fs::create_directories(options.secondary_path, ec);
    if (ec)
      return fail(ErrorCode::StorageIo,
                  "cannot create the secondary directory " + options.secondary_path + ": " + ec.message());
    db_options.max_open_files = -1;  // RocksDB requires it of a secondary
    s = rocksdb::DB::OpenAsSecondary(db_options, options.path, options.secondary_path, descriptors,
                                     &impl->families, &raw);
  } else if (options.read_only) {
    // A writer in another process may delete table files the MANIFEST just read still names (after
    // a flush or compaction); the open then fails on a missing file. Reading again sees the newer
    // MANIFEST, so a few retries ride out that race.
    for (int attempt = 0; attempt < 20; ++attempt) {
      impl->families.clear();
      s = rocksdb::DB::OpenForReadOnly(db_options, options.path, descriptors, &impl->families, &raw);
      bool missing_file = (s.IsCorruption() || s.IsIOError()) && s.ToString().find("No such file") != std::string::npos;
      if (s.ok() || !missing_file) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } else {
    s = rocksdb::DB::Open(db_options, options.path, descriptors, &impl->families, &raw);
  }
  if (!s.ok()) return failed(s, "opening", options.path);
  impl->db.reset(raw);
  impl->logger->rotate_if_larger(options.info_log_max_bytes);
  for (const auto& listener : db_options.listeners)
    if (auto fit = std::dynamic_pointer_cast<BlockCacheFit>(listener)) impl->cache_fit = std::move(fit);
  for (std::size_t i = 0; i < on_disk.size(); ++i) {
    if (on_disk[i] == rocksdb::kDefaultColumnFamilyName) impl->meta = impl->families[i];
  }

  auto current = check_format(*impl, on_disk);
  if (!current) return std::unexpected(current.error());
  if (!*current && options.read_only)
    return fail(ErrorCode::StorageVersion, "the database at " + options.path + " has no format marker (opened read-only)");
  if (!*current) {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    s = impl->db->Put(sync, impl->meta, std::string(kFormatKey), std::to_string(kFormatVersion));
    if (!s.ok()) return failed(s, "writing the format marker of", options.path);
  }

  for (const std::string& name : spaces) {
    auto at = std::find(on_disk.begin(), on_disk.end(), name);
    if (at != on_disk.end()) {
      impl->spaces.push_back(impl->families[at - on_disk.begin()]);
      continue;
    }
    if (options.read_only)
      return fail(ErrorCode::StorageVersion, "the database at " + options.path + " has no key space \"" + name +
                                                 "\" (opened read-only, so it cannot be created)");
    rocksdb::ColumnFamilyHandle* created = nullptr;
    s = impl->db->CreateColumnFamily(cf_options, name, &created);
    if (!s.ok()) return failed(s, "creating key space \"" + name + "\" in", options.path);
    impl->families.push_back(created);
    impl->spaces.push_back(created);
  }
  if (impl->cache_fit) {
    impl->cache_fit->attach(*impl->db, impl->families);
    impl->cache_fit->fit();
  }
  // A secondary's reads move with each catch-up (it has no snapshots), so nothing read can be kept.
  if (options.range_cache_bytes > 0 && !secondary)
    impl->range_cache = std::make_unique<RangeCache>(options.range_cache_bytes, impl->spaces.size());
  return std::unique_ptr<RocksStore>(new RocksStore(std::move(spaces), std::move(impl)));
}

Result<std::string> RocksStore::repair(const RocksOptions& options, std::vector<std::string> spaces) {
  if (auto ok = validate_names(spaces); !ok) return std::unexpected(ok.error());
  if (options.path.empty()) return fail(ErrorCode::InvalidArgument, "RocksOptions::path is empty");
  const std::string& path = options.path;
  if (auto ok = check_marker(path, kFormatVersion); !ok) return std::unexpected(ok.error());
  RocksOptions tuned = options;
  tuned.create_if_missing = false;
  std::vector<std::string> done;
  // Before anything is written: a lost log must not leave transactions in part.
  if (auto ok = check_log_loss_is_whole(path); !ok) return std::unexpected(ok.error());
  auto restored = restore_current(path);
  if (!restored) return std::unexpected(restored.error());
  if (!restored->has_value()) {
    // No MANIFEST left: rebuild one from the table files, if that cannot lose logged writes.
    if (auto ok = check_rebuild_is_safe(path); !ok) return std::unexpected(ok.error());
    rocksdb::DBOptions db_options;
    rocksdb::ColumnFamilyOptions cf_options;
    if (auto ok = tune_rocksdb(tuned, db_options, cf_options); !ok) return std::unexpected(ok.error());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors{{rocksdb::kDefaultColumnFamilyName, cf_options}};
    for (const std::string& name : spaces) descriptors.emplace_back(name, cf_options);
    rocksdb::Status s = rocksdb::RepairDB(path, db_options, descriptors, cf_options);
    if (!s.ok()) return failed(s, "repairing", path);
    done.push_back("rebuilt the MANIFEST from the table files (RocksDB's RepairDB; unusable files in lost/)");
  } else if (!(*restored)->empty()) {
    done.push_back(**restored);
  }
  auto log = ensure_log(path);
  if (!log) return std::unexpected(log.error());
  if (!log->empty()) done.push_back(*log);
  auto reopened = open(tuned, std::move(spaces));
  if (!reopened) return std::unexpected(reopened.error());
  if (done.empty()) return std::string("nothing to repair");
  std::string what = done.front();
  for (std::size_t i = 1; i < done.size(); ++i) what += "; " + done[i];
  return what;
}

Result<std::unique_ptr<Snapshot>> RocksStore::snapshot() const {
  return std::make_unique<RocksSnapshot>(*impl_);
}

Result<void> RocksStore::write(const WriteBatch& batch, WriteOptions options) {
  if (auto ok = check(batch); !ok) return ok;
  if (impl_->options.read_only && !batch.empty())
    return fail(ErrorCode::StorageReadOnly, "the database at " + impl_->options.path + " is open read-only");
  if (batch.empty()) return {};
  rocksdb::WriteBatch out(batch.byte_size() + batch.size() * 16);
  rocksdb::Status s;
  for (std::size_t i = 0; i < batch.size() && s.ok(); ++i) {
    WriteBatch::Op op = batch[i];
    auto* family = impl_->spaces[op.space.index];
    rocksdb::Slice key(op.key.data(), op.key.size()), value(op.value.data(), op.value.size());
    switch (op.kind) {
      case WriteBatch::Kind::Put: s = out.Put(family, key, value); break;
      case WriteBatch::Kind::Delete: s = out.Delete(family, key); break;
      case WriteBatch::Kind::DeleteRange:
        if (op.key < op.value) s = out.DeleteRange(family, key, value);
        break;
    }
  }
  if (!s.ok()) return failed(s, "preparing a write to", impl_->options.path);
  rocksdb::WriteOptions write;
  write.sync = options.sync.value_or(impl_->options.sync_writes);
  if (impl_->range_cache) impl_->range_cache->begin_write(batch);
  {
    // RocksDB's memtable copy, published through atomics TSan cannot see.
    [[maybe_unused]] RocksWriteAccessesIgnored tsan;
    s = impl_->db->Write(write, &out);
  }
  if (impl_->range_cache) impl_->range_cache->end_write();
  if (!s.ok()) return failed(s, "writing to", impl_->options.path);
  return {};
}

Result<void> RocksStore::ingest(std::span<const RocksIngestFile> files) {
  if (impl_->options.read_only)
    return fail(ErrorCode::StorageReadOnly, "the database at " + impl_->options.path + " is open read-only");
  std::vector<rocksdb::IngestExternalFileArg> args;
  std::vector<bool> seen(impl_->spaces.size(), false);
  for (const RocksIngestFile& f : files) {
    if (auto ok = check(f.space); !ok) return ok;
    if (seen[f.space.index]) return fail(ErrorCode::InvalidArgument, "RocksStore::ingest: two files for one space");
    seen[f.space.index] = true;
    rocksdb::IngestExternalFileArg arg;
    arg.column_family = impl_->spaces[f.space.index];
    arg.external_files = {f.path};
    arg.options.move_files = true;
    arg.options.snapshot_consistency = true;
    arg.options.allow_blocking_flush = true;
    args.push_back(std::move(arg));
  }
  if (args.empty()) return {};
  if (impl_->range_cache) {
    std::vector<std::uint32_t> changed;
    for (const RocksIngestFile& f : files) changed.push_back(f.space.index);
    impl_->range_cache->begin_write(changed);
  }
  rocksdb::Status s = impl_->db->IngestExternalFiles(args);
  if (impl_->range_cache) impl_->range_cache->end_write();
  if (!s.ok()) return failed(s, "adding table files to", impl_->options.path);
  return {};
}

struct RocksTableWriter::Impl {
  std::string path;
  std::unique_ptr<rocksdb::SstFileWriter> writer;
};

RocksTableWriter::RocksTableWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RocksTableWriter::~RocksTableWriter() = default;

Result<std::unique_ptr<RocksTableWriter>> RocksTableWriter::open(const RocksStore& store, SpaceId space,
                                                                 const std::string& path) {
  if (auto ok = store.check(space); !ok) return std::unexpected(ok.error());
  rocksdb::ColumnFamilyHandle* family = store.impl_->spaces[space.index];
  rocksdb::Options options = store.impl_->db->GetOptions(family);
  // RocksDB's writer would take the bottommost level's compression (ZSTD): the upper levels' LZ4
  // is several times faster to write, and compaction recompresses what reaches the bottom.
  options.bottommost_compression = rocksdb::kDisableCompressionOption;
  if (!options.compression_per_level.empty()) options.compression = options.compression_per_level.front();
  options.compression_per_level.clear();
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->writer = std::make_unique<rocksdb::SstFileWriter>(rocksdb::EnvOptions(options), options, family);
  rocksdb::Status s = impl->writer->Open(path);
  if (!s.ok()) return failed(s, "creating a table file for", path);
  return std::unique_ptr<RocksTableWriter>(new RocksTableWriter(std::move(impl)));
}

Result<void> RocksTableWriter::put(std::string_view key, std::string_view value) {
  rocksdb::Status s = impl_->writer->Put(rocksdb::Slice(key.data(), key.size()), rocksdb::Slice(value.data(), value.size()));
  if (s.IsInvalidArgument()) return fail(ErrorCode::InvalidArgument, "table file " + impl_->path + ": " + s.ToString());
  if (!s.ok()) return failed(s, "writing the table file", impl_->path);
  ++entries_;
  return {};
}

Result<void> RocksTableWriter::finish() {
  rocksdb::Status s = impl_->writer->Finish();
  if (!s.ok()) return failed(s, "finishing the table file", impl_->path);
  return {};
}

Result<void> RocksStore::flush() {
  if (impl_->options.read_only) return {};
  rocksdb::Status s = impl_->db->Flush(rocksdb::FlushOptions(), impl_->families);
  if (!s.ok()) return failed(s, "flushing", impl_->options.path);
  return {};
}

Result<void> RocksStore::compact(SpaceId space) {
  if (auto ok = check(space); !ok) return ok;
  if (impl_->options.read_only) return {};
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  rocksdb::Status s = impl_->db->CompactRange(options, impl_->spaces[space.index], nullptr, nullptr);
  if (!s.ok()) return failed(s, "compacting", impl_->options.path);
  return {};
}

Result<RangeStats> RocksStore::range_stats(SpaceId space, const CursorBounds& range) const {
  if (auto ok = check(space); !ok) return std::unexpected(ok.error());
  rocksdb::DB& db = *impl_->db;
  auto* family = impl_->spaces[space.index];
  // An open upper bound becomes "just past the last key".
  std::string upper;
  if (range.upper) {
    upper = *range.upper;
  } else {
    std::unique_ptr<rocksdb::Iterator> last(db.NewIterator(rocksdb::ReadOptions(), family));
    last->SeekToLast();
    if (!last->status().ok()) return failed(last->status(), "reading", impl_->options.path);
    if (!last->Valid()) return RangeStats{};
    upper = last->key().ToString() + '\0';
  }
  std::string lower = range.lower.value_or("");
  if (upper <= lower) return RangeStats{};
  rocksdb::Range r(lower, upper);

  std::uint64_t file_bytes = 0, mem_keys = 0, mem_bytes = 0;
  rocksdb::SizeApproximationOptions files_only;
  files_only.include_memtables = false;
  files_only.include_files = true;
  rocksdb::Status s = db.GetApproximateSizes(files_only, family, &r, 1, &file_bytes);
  if (!s.ok()) return failed(s, "estimating sizes in", impl_->options.path);
  db.GetApproximateMemTableStats(family, r, &mem_keys, &mem_bytes);

  // Keys in table files: their bytes at the average stored size of an entry in this space.
  std::uint64_t all_keys = 0, sst_bytes = 0, active = 0, immutable = 0;
  (void)db.GetIntProperty(family, "rocksdb.estimate-num-keys", &all_keys);
  (void)db.GetIntProperty(family, "rocksdb.live-sst-files-size", &sst_bytes);
  (void)db.GetIntProperty(family, "rocksdb.num-entries-active-mem-table", &active);
  (void)db.GetIntProperty(family, "rocksdb.num-entries-imm-mem-tables", &immutable);
  std::uint64_t sst_keys = all_keys > active + immutable ? all_keys - active - immutable : 0;
  std::uint64_t file_keys = sst_bytes > 0 ? file_bytes * sst_keys / sst_bytes : 0;
  return RangeStats{file_bytes + mem_bytes, file_keys + mem_keys};
}

std::optional<std::string> RocksStore::block_cache_property(std::string_view name) const {
  std::shared_ptr<rocksdb::Statistics> stats = impl_->db->GetDBOptions().statistics;
  if (!stats) return std::nullopt;
  const std::uint64_t hits = stats->getTickerCount(rocksdb::BLOCK_CACHE_HIT);
  const std::uint64_t misses = stats->getTickerCount(rocksdb::BLOCK_CACHE_MISS);
  if (name == "quarry.block-cache.automatic") return std::string(impl_->cache_fit ? "1" : "0");
  if (name == "quarry.block-cache.hits") return std::to_string(hits);
  if (name == "quarry.block-cache.misses") return std::to_string(misses);
  if (name == "quarry.block-cache.hit-ratio") {
    if (hits + misses == 0) return "0";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", static_cast<double>(hits) / static_cast<double>(hits + misses));
    return buf;
  }
  return std::nullopt;
}

Result<std::optional<std::string>> RocksStore::property(std::string_view name,
                                                        std::optional<SpaceId> space) const {
  if (space) {
    if (auto ok = check(*space); !ok) return std::unexpected(ok.error());
  }
  if (name.starts_with("quarry.block-cache.")) return block_cache_property(name);
  if (name.starts_with("quarry.range-cache.")) {
    if (!impl_->range_cache) return std::nullopt;
    const RangeCache::Stats stats = impl_->range_cache->stats();
    const std::string_view figure = name.substr(std::string_view("quarry.range-cache.").size());
    for (auto [key, n] : {std::pair<std::string_view, std::uint64_t>{"hits", stats.hits},
                          {"reads", stats.reads},
                          {"admitted", stats.admitted},
                          {"evicted", stats.evicted},
                          {"invalidated", stats.invalidated},
                          {"usage", stats.usage_bytes},
                          {"capacity", stats.capacity_bytes}})
      if (figure == key) return std::to_string(n);
    return std::nullopt;
  }
  if (name == "quarry.write-stall-micros") {
    std::shared_ptr<rocksdb::Statistics> stats = impl_->db->GetDBOptions().statistics;
    if (!stats) return std::nullopt;
    return std::to_string(stats->getTickerCount(rocksdb::STALL_MICROS));
  }
  auto* family = space ? impl_->spaces[space->index] : impl_->meta;
  std::string value;
  if (!impl_->db->GetProperty(family, rocksdb::Slice(name.data(), name.size()), &value)) {
    return std::nullopt;
  }
  return value;
}

}  // namespace quarry
