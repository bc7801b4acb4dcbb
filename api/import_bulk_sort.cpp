#include "api/import_bulk_sort.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>

#include "index/key_layout.hpp"
#include "storage/range_cache.hpp"

namespace quarry::import_detail {
namespace {

namespace fs = std::filesystem;

constexpr auto io_error = run_file_error;

}  // namespace

BulkSorter::BulkSorter(RocksStore& store, SpaceId log, std::string dir, std::size_t memory_bytes)
    : store_(store), log_(log), dir_(std::move(dir)), memory_(std::max<std::size_t>(memory_bytes, 16 << 10)) {
  std::error_code ec;
  fs::remove_all(dir_, ec);  // a crashed import's leftovers: never ingested
  fs::create_directories(dir_, ec);
  // EAVT and AEVT keys arrive in order in an import of new entities (import_key_streams.hpp).
  auto eavt = store_.space(keys::kEavt), aevt = store_.space(keys::kAevt);
  if (eavt && aevt) {
    streams_.resize(std::max(eavt->index, aevt->index) + 1);
    auto next = [this] { return next_path("stream"); };
    // A transaction's entries are sorted whole (a batch cut inside a map would break order):
    // 10,000 maps of 5 attributes take ~1 MiB.
    const std::size_t batch = std::max<std::size_t>(memory_ / 16, std::size_t{4} << 20);
    streams_[eavt->index] = std::make_unique<KeyStreams>(KeyStreams::Split::ByPartition, next, batch);
    streams_[aevt->index] = std::make_unique<KeyStreams>(KeyStreams::Split::ByAttribute, next, batch);
  }
}

BulkSorter::~BulkSorter() {
  if (spill_.thread.joinable()) spill_.thread.join();  // before its files are removed
  log_table_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string BulkSorter::next_path(const char* what) { return dir_ + "/" + what + "-" + std::to_string(++files_); }

Result<void> BulkSorter::put(SpaceId space, std::string_view key, std::string_view value) {
  if (space.index == log_.index) {
    if (!log_table_) {
      log_path_ = next_path("log") + ".sst";
      auto w = RocksTableWriter::open(store_, log_, log_path_);
      if (!w) return std::unexpected(w.error());
      log_table_ = std::make_unique<LogTable>(std::move(*w));
    }
    return log_table_->put(key, value);
  }
  if (space.index < streams_.size() && streams_[space.index] && !streams_[space.index]->fell_back()) {
    KeyStreams& streams = *streams_[space.index];
    streams.hold(key, value);
    if (streams.full()) return flush_streams(space);
    return {};
  }
  return hold(space, key, value);
}

Result<void> BulkSorter::flush_streams(SpaceId space) {
  // What the streams cannot take (the space fell back) is sorted like any other space's entries.
  return streams_[space.index]->flush([&](std::string_view key, std::string_view value) { return hold(space, key, value); });
}

Result<void> BulkSorter::end_transaction() {
  for (std::uint32_t i = 0; i < streams_.size(); ++i)
    if (streams_[i] && streams_[i]->held_bytes() > 0)
      if (auto r = flush_streams(SpaceId{i}); !r) return r;
  return {};
}

Result<void> BulkSorter::hold(SpaceId space, std::string_view key, std::string_view value) {
  if (held_ + key.size() + value.size() + sizeof(SortRecord) > memory_ / 2 && held_ > 0)
    if (auto r = start_spill(); !r) return r;
  if (space.index >= spaces_.size()) spaces_.resize(space.index + 1);
  Space& sp = spaces_[space.index];
  if (sp.arena.capacity() == 0) {
    sp.arena.reserve(memory_ / 16);
    sp.records.reserve(memory_ / 16 / 64);
  }
  sp.records.push_back(SortRecord::of(key, sp.arena.size(), static_cast<std::uint32_t>(value.size())));
  sp.arena.append(key);
  sp.arena.append(value);
  held_ += key.size() + value.size() + sizeof(SortRecord);
  max_held_ = std::max<std::uint64_t>(max_held_, held_ + spill_.bytes);
  return {};
}

Result<void> BulkSorter::start_spill() {
  if (auto r = finish_spill(); !r) return r;
  spill_.spaces.resize(spaces_.size());
  spill_.paths.assign(spaces_.size(), std::string());
  for (std::size_t i = 0; i < spaces_.size(); ++i) {
    if (spaces_[i].records.empty()) continue;
    // The spill's emptied buffers (with their capacity) become the ones to fill.
    std::swap(spill_.spaces[i].arena, spaces_[i].arena);
    std::swap(spill_.spaces[i].records, spaces_[i].records);
    spill_.paths[i] = next_path("run");
  }
  spill_.bytes = held_;
  held_ = 0;
  auto work = [this] {
    spill_.result = {};
    try {
      for (std::size_t i = 0; i < spill_.paths.size(); ++i)
        if (!spill_.paths[i].empty())
          if (auto r = write_run(spill_.spaces[i], spill_.paths[i]); !r) {
            spill_.result = r;
            return;
          }
    } catch (const std::exception& e) {
      spill_.result = fail(ErrorCode::OutOfMemory, std::string("bulk import: ") + e.what());
    }
  };
  try {
    spill_.thread = std::thread(work);
  } catch (const std::system_error&) {  // no thread to be had: spill here, as before
    work();
    return finish_ready_spill();
  }
  return {};
}

Result<void> BulkSorter::finish_spill() {
  if (!spill_.thread.joinable()) return {};
  spill_.thread.join();
  return finish_ready_spill();
}

Result<void> BulkSorter::finish_ready_spill() {
  for (std::size_t i = 0; i < spill_.paths.size(); ++i) {
    if (spill_.paths[i].empty()) continue;
    spaces_[i].runs.push_back(std::move(spill_.paths[i]));  // removed with the directory if it failed
    ++runs_total_;
    spill_.spaces[i].arena.clear();
    spill_.spaces[i].records.clear();
  }
  spill_.paths.clear();
  spill_.bytes = 0;
  return spill_.result;
}

Result<void> BulkSorter::write_run(Space& sp, const std::string& path) {
  sort_records(sp.arena.data(), sp.records);
  RunWriter run(path, 1 << 20);
  for (const SortRecord& r : sp.records) {
    run.put(r.key(sp.arena.data()), r.value(sp.arena.data()));
    if (!run.ok()) break;
  }
  return run.close();
}

Result<bool> BulkSorter::write_space(std::uint32_t index, Space& sp, std::vector<SortedFile>& streams,
                                     const std::string& path, index::BulkLoad& load) {
  sort_records(sp.arena.data(), sp.records);
  // The streams' files alone, not overlapping: copied one after the other, in key order.
  std::sort(streams.begin(), streams.end(), [](const SortedFile& x, const SortedFile& y) { return x.first < y.first; });
  bool concatenate = sp.runs.empty() && sp.records.empty();
  for (std::size_t i = 1; concatenate && i < streams.size(); ++i) concatenate = streams[i - 1].last < streams[i].first;
  std::vector<std::unique_ptr<RunReader>> readers;
  for (const SortedFile& f : streams) {
    auto r = std::make_unique<RunReader>(f.path);
    if (!r->open()) return io_error("open", f.path);
    readers.push_back(std::move(r));
  }
  for (const std::string& run : sp.runs) {
    auto r = std::make_unique<RunReader>(run);
    if (!r->open()) return io_error("open", run);
    readers.push_back(std::move(r));
  }
  // Sources: 0 .. held-1 are the files (streams, then runs), `held` is the records held in memory.
  const std::size_t held = readers.size();
  std::size_t held_at = 0;
  auto key_of = [&](std::size_t src) -> std::string_view {
    if (src < held) return readers[src]->key;
    const SortRecord& r = sp.records[held_at];
    return std::string_view(sp.arena.data() + r.offset, r.key_size);
  };
  auto value_of = [&](std::size_t src) -> std::string_view {
    if (src < held) return readers[src]->value;
    const SortRecord& r = sp.records[held_at];
    return std::string_view(sp.arena.data() + r.offset + r.key_size, r.value_size);
  };
  if (readers.empty() && sp.records.empty()) return false;

  auto w = RocksTableWriter::open(store_, SpaceId{index}, path);
  if (!w) return std::unexpected(w.error());
  RocksTableWriter& table = **w;
  const bool avet = index == load.current(IndexOrder::Avet).index;
  // Only the values space repeats keys (one large value stored by two transactions): the other
  // spaces' keys are datoms, which a bulk load never holds twice (BulkLoad::conflict), and a
  // repeated one would be refused by the table writer (keys strictly ascending), not written.
  const bool may_repeat = index == load.values().index;
  std::string last_key, last_value;
  bool any = false;
  auto write = [&](std::string_view key, std::string_view value) -> Result<void> {
    if (may_repeat && any && key == last_key) {
      if (value != last_value)
        return fail(ErrorCode::CodecUnstorable, "bulk import: two different entries for one key of space " +
                                                    std::to_string(index) + " (a large-value hash collision?)");
      return {};
    }
    if (auto r = table.put(key, value); !r) return r;
    if (avet)
      if (auto r = load.avet_key(key); !r) return r;
    if (may_repeat) {
      last_key.assign(key);
      last_value.assign(value);
      any = true;
    }
    return {};
  };
  if (concatenate) {
    for (auto& reader : readers) {
      while (reader->next())
        if (auto r = write(reader->key, reader->value); !r) return std::unexpected(r.error());
      if (reader->failed()) return io_error("read", reader->path());
    }
    if (auto r = table.finish(); !r) return std::unexpected(r.error());
    return true;
  }
  if (held == 0) {
    // One source (no run spilled): the sorted records in order, without a heap.
    for (; held_at < sp.records.size(); ++held_at)
      if (auto r = write(key_of(held), value_of(held)); !r) return std::unexpected(r.error());
  }
  // A binary heap of the sources by their current key (ties: the lower source first), whose top
  // is replaced in place as its source moves on: one sift down per entry.
  std::vector<std::string_view> keys(held + 1);
  std::vector<std::size_t> heap;
  auto less = [&keys](std::size_t a, std::size_t b) {
    const int c = keys[a].compare(keys[b]);
    return c < 0 || (c == 0 && a < b);
  };
  auto sift_down = [&] {
    const std::size_t n = heap.size();
    std::size_t at = 0;
    const std::size_t moving = heap[0];
    for (;;) {
      std::size_t child = 2 * at + 1;
      if (child >= n) break;
      if (child + 1 < n && less(heap[child + 1], heap[child])) ++child;
      if (!less(heap[child], moving)) break;
      heap[at] = heap[child];
      at = child;
    }
    heap[at] = moving;
  };
  for (std::size_t i = 0; i < held; ++i) {
    if (readers[i]->next()) heap.push_back(i);
    else if (readers[i]->failed()) return io_error("read", readers[i]->path());
  }
  if (held > 0 && !sp.records.empty()) heap.push_back(held);
  for (std::size_t src : heap) keys[src] = key_of(src);
  std::make_heap(heap.begin(), heap.end(), [&less](std::size_t a, std::size_t b) { return less(b, a); });
  while (!heap.empty()) {
    const std::size_t src = heap[0];
    if (auto r = write(keys[src], value_of(src)); !r) return std::unexpected(r.error());
    bool more;
    if (src < held) {
      more = readers[src]->next();
      if (!more && readers[src]->failed()) return io_error("read", readers[src]->path());
    } else {
      more = ++held_at < sp.records.size();
    }
    if (more) {
      keys[src] = key_of(src);
    } else {
      heap[0] = heap.back();
      heap.pop_back();
    }
    if (!heap.empty()) sift_down();
  }
  if (auto r = table.finish(); !r) return std::unexpected(r.error());
  return true;
}

Result<void> BulkSorter::ingest(index::BulkLoad& load) {
  if (auto r = end_transaction(); !r) return r;
  if (auto r = finish_spill(); !r) return r;
  // The streams' files, by space.
  std::vector<std::vector<SortedFile>> streamed(std::max(spaces_.size(), streams_.size()));
  for (std::uint32_t i = 0; i < streams_.size(); ++i) {
    if (!streams_[i]) continue;
    auto files = streams_[i]->finish();
    if (!files) return std::unexpected(files.error());
    streamed[i] = std::move(*files);
  }
  if (spaces_.size() < streamed.size()) spaces_.resize(streamed.size());
  // One thread per space: each sorts, merges and writes its own table file.
  struct Task {
    std::uint32_t index;
    std::string path;
    Result<bool> done = false;
  };
  std::vector<Task> tasks;
  for (std::uint32_t i = 0; i < spaces_.size(); ++i)
    if (!spaces_[i].records.empty() || !spaces_[i].runs.empty() || !streamed[i].empty())
      tasks.push_back(Task{i, next_path("table") + ".sst"});
  {
    std::vector<std::thread> threads;
    for (Task& t : tasks)
      threads.emplace_back([this, &t, &load, &streamed] {
        // Its look-ups of stored values (BulkLoad::avet_key) are the import's: not kept for
        // queries (ReadsNotCached holds for the thread that makes it).
        ReadsNotCached not_cached;
        try {
          t.done = write_space(t.index, spaces_[t.index], streamed[t.index], t.path, load);
        } catch (const std::exception& e) {
          t.done = fail(ErrorCode::OutOfMemory, std::string("bulk import: ") + e.what());
        }
      });
    for (std::thread& th : threads) th.join();
  }
  std::vector<RocksIngestFile> files;
  for (Task& t : tasks) {
    if (!t.done) return std::unexpected(t.done.error());
    if (*t.done) files.push_back(RocksIngestFile{SpaceId{t.index}, t.path});
  }
  if (log_table_) {
    if (auto r = log_table_->finish(); !r) return r;
    log_table_.reset();
    files.push_back(RocksIngestFile{log_, log_path_});
  }
  auto meta = load.meta_records();
  if (!meta) return std::unexpected(meta.error());
  const std::string meta_path = next_path("meta") + ".sst";
  {
    auto w = RocksTableWriter::open(store_, load.meta(), meta_path);
    if (!w) return std::unexpected(w.error());
    for (const auto& [k, v] : *meta)
      if (auto r = (*w)->put(k, v); !r) return r;
    if (auto r = (*w)->finish(); !r) return r;
  }
  files.push_back(RocksIngestFile{load.meta(), meta_path});
  if (auto r = store_.ingest(files); !r) return r;
  std::error_code ec;
  for (Space& sp : spaces_)
    for (const std::string& path : sp.runs) fs::remove(path, ec);
  for (const auto& files : streamed)
    for (const SortedFile& f : files) fs::remove(f.path, ec);
  spaces_.clear();
  spill_.spaces.clear();  // the buffers' memory too, between loads
  held_ = 0;
  return {};
}

}  // namespace quarry::import_detail
