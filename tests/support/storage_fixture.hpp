// Shared by the storage tests: temporary directories and one factory per Store implementation, so
// one suite can run against both (doctest's TEST_CASE_TEMPLATE over MemoryFactory, RocksFactory).
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "storage/layered_store.hpp"
#include "storage/memory_store.hpp"
#include "storage/rocks_config.hpp"
#include "storage/rocks_store.hpp"
#include "storage/store.hpp"
#include "storage/write_batch.hpp"

namespace quarry::testing {

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "quarry-storage-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) FAIL("mkdtemp failed for " << pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct MemoryFactory {
  static constexpr const char* kName = "memory";
  Result<std::unique_ptr<Store>> open(std::vector<std::string> spaces) {
    auto store = MemoryStore::open(std::move(spaces));
    if (!store) return std::unexpected(store.error());
    return std::unique_ptr<Store>(std::move(*store));
  }
};

// Opens RocksStores in its own temporary directory. Writes are unsynced to keep the tests fast;
// durability is not what these tests check.
struct RocksFactory {
  static constexpr const char* kName = "rocksdb";
  TempDir dir;
  RocksOptions options() const {
    RocksOptions o;
    o.path = dir.path();
    o.sync_writes = false;
    o.block_cache_bytes = std::size_t{8} << 20;
    o.write_buffer_bytes = std::size_t{256} << 10;  // small, so tests reach table files too
    return o;
  }
  Result<std::unique_ptr<Store>> open(std::vector<std::string> spaces) {
    auto store = RocksStore::open(options(), std::move(spaces));
    if (!store) return std::unexpected(store.error());
    return std::unique_ptr<Store>(std::move(*store));
  }
};

// RocksStores tuned by one of the presets of storage/rocks_config.hpp (RocksFactory is
// `balanced`, the defaults): every setting of the preset but the memtable size, which stays
// small so the tests reach table files (and so the preset's per-level compression) too.
template <const char* Preset>
struct RocksPresetFactory {
  static constexpr const char* kName = Preset;
  TempDir dir;
  RocksOptions options() const {
    RocksOptions o;
    auto tuning = rocks_preset(Preset);
    if (!tuning) FAIL(tuning.error().to_edn());
    static_cast<StoreTuning&>(o) = *tuning;
    o.path = dir.path();
    o.sync_writes = false;
    o.block_cache_bytes = std::size_t{8} << 20;
    o.write_buffer_bytes = std::size_t{256} << 10;  // small, so tests reach table files too
    return o;
  }
  Result<std::unique_ptr<Store>> open(std::vector<std::string> spaces) {
    auto store = RocksStore::open(options(), std::move(spaces));
    if (!store) return std::unexpected(store.error());
    return std::unique_ptr<Store>(std::move(*store));
  }
};

inline constexpr char kLowLatency[] = "low-latency";
inline constexpr char kWriteHeavy[] = "write-heavy";
inline constexpr char kLargeState[] = "large-state";
using RocksLowLatencyFactory = RocksPresetFactory<kLowLatency>;
using RocksWriteHeavyFactory = RocksPresetFactory<kWriteHeavy>;
using RocksLargeStateFactory = RocksPresetFactory<kLargeState>;

// LayeredStores over a snapshot of a MemoryStore that holds a few keys in every space, which the
// layer deletes at once: the store starts empty, as the suite expects, while every read has to
// look through tombstones over base keys (before, between and after the keys the tests write).
struct LayeredFactory {
  static constexpr const char* kName = "layered";
  Result<std::unique_ptr<Store>> open(std::vector<std::string> spaces) {
    auto base = MemoryStore::open(spaces);
    if (!base) return std::unexpected(base.error());
    static const std::vector<std::string> kHidden{std::string(), std::string(1, '\0'), "a0", "b\xff", "k",
                                                   "zz", std::string(3, '\xff')};
    WriteBatch fill, hide;
    for (std::uint32_t i = 0; i < spaces.size(); ++i)
      for (const auto& k : kHidden) {
        fill.put(SpaceId{i}, k, "base " + k);
        hide.del(SpaceId{i}, k);
      }
    if (auto w = (*base)->write(fill); !w) return std::unexpected(w.error());
    std::shared_ptr<Store> shared = std::move(*base);
    auto snap = shared->snapshot();
    if (!snap) return std::unexpected(snap.error());
    auto layered = LayeredStore::open(shared, std::move(*snap));
    if (!layered) return std::unexpected(layered.error());
    if (auto w = (*layered)->write(hide); !w) return std::unexpected(w.error());
    return std::unique_ptr<Store>(std::move(*layered));
  }
};

// Unwraps a Result in a test: a failed one fails the test with its error.
template <class T>
T must(Result<T> result) {
  if (!result) FAIL(result.error().to_edn());
  return std::move(*result);
}
inline void must(Result<void> result) {
  if (!result) FAIL(result.error().to_edn());
}

using Entries = std::vector<std::pair<std::string, std::string>>;

// Every entry from the cursor's current position to the end of its range, going forward (or
// backward); requires a clean status at the end.
inline Entries drain(Cursor& cursor, bool forward = true) {
  Entries out;
  for (; cursor.valid(); forward ? cursor.next() : cursor.prev()) {
    out.emplace_back(std::string(cursor.key()), std::string(cursor.value()));
  }
  must(cursor.status());
  return out;
}

// Every entry of a space in a snapshot, within bounds, forward or backward.
inline Entries scan(const Snapshot& snap, SpaceId space, CursorBounds bounds = {}, bool forward = true) {
  auto cursor = must(snap.cursor(space, std::move(bounds)));
  forward ? cursor->seek_to_first() : cursor->seek_to_last();
  return drain(*cursor, forward);
}

// The same in a fresh snapshot.
inline Entries scan(const Store& store, SpaceId space, CursorBounds bounds = {},
                    bool forward = true) {
  return scan(*must(store.snapshot()), space, std::move(bounds), forward);
}

}  // namespace quarry::testing
