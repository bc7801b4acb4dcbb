#include "api/import_bulk_sort.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <queue>

namespace quarry::import_detail {
namespace {

namespace fs = std::filesystem;

std::uint64_t prefix_of(std::string_view key) noexcept {
  std::uint64_t p = 0;
  for (std::size_t i = 0; i < 8; ++i)
    p = p << 8 | (i < key.size() ? static_cast<unsigned char>(key[i]) : 0u);
  return p;
}

std::unexpected<Error> io_error(const std::string& what, const std::string& path) {
  return std::unexpected(Error{ErrorCode::StorageIo, "bulk import: cannot " + what + " " + path + ": " + std::strerror(errno)});
}

// A sorted run written by spill(): [space u32][key size u32][value size u32][key][value]...
class RunReader {
 public:
  explicit RunReader(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "rb")) {
    if (file_) std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
  }
  ~RunReader() {
    if (file_) std::fclose(file_);
  }
  RunReader(const RunReader&) = delete;
  RunReader& operator=(const RunReader&) = delete;

  [[nodiscard]] bool open() const noexcept { return file_ != nullptr; }
  // Reads the next record; false at the end (error_ set on a read failure).
  bool next() {
    std::uint32_t head[3];
    if (std::fread(head, sizeof head, 1, file_) != 1) {
      error_ = std::ferror(file_) != 0;
      return false;
    }
    space = head[0];
    key.resize(head[1]);
    value.resize(head[2]);
    if ((head[1] && std::fread(key.data(), head[1], 1, file_) != 1) ||
        (head[2] && std::fread(value.data(), head[2], 1, file_) != 1)) {
      error_ = true;
      return false;
    }
    return true;
  }
  [[nodiscard]] bool failed() const noexcept { return error_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  std::uint32_t space = 0;
  std::string key, value;

 private:
  std::string path_;
  std::FILE* file_;
  bool error_ = false;
};

}  // namespace

BulkSorter::BulkSorter(RocksStore& store, SpaceId log, std::string dir, std::size_t memory_bytes)
    : store_(store), log_(log), dir_(std::move(dir)), memory_(std::max<std::size_t>(memory_bytes, 16 << 10)) {
  std::error_code ec;
  fs::remove_all(dir_, ec);  // a crashed import's leftovers: never ingested
  fs::create_directories(dir_, ec);
}

BulkSorter::~BulkSorter() {
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
      log_table_ = std::move(*w);
    }
    return log_table_->put(key, value);
  }
  if (arena_.size() + key.size() + value.size() > memory_ && !records_.empty())
    if (auto r = spill(); !r) return r;
  records_.push_back(Record{prefix_of(key), static_cast<std::uint32_t>(arena_.size()),
                            static_cast<std::uint32_t>(key.size()), static_cast<std::uint32_t>(value.size()),
                            static_cast<std::uint32_t>(space.index)});
  arena_.append(key);
  arena_.append(value);
  max_held_ = std::max<std::uint64_t>(max_held_, arena_.size() + records_.size() * sizeof(Record));
  return {};
}

void BulkSorter::sort_held() {
  const char* base = arena_.data();
  std::sort(records_.begin(), records_.end(), [base](const Record& x, const Record& y) {
    if (x.space != y.space) return x.space < y.space;
    if (x.prefix != y.prefix) return x.prefix < y.prefix;
    return std::string_view(base + x.offset, x.key_size) < std::string_view(base + y.offset, y.key_size);
  });
}

Result<void> BulkSorter::spill() {
  sort_held();
  const std::string path = next_path("run");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return io_error("create", path);
  std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
  bool ok = true;
  for (const Record& r : records_) {
    const std::uint32_t head[3] = {r.space, r.key_size, r.value_size};
    ok = ok && std::fwrite(head, sizeof head, 1, f) == 1;
    if (r.key_size + r.value_size) ok = ok && std::fwrite(arena_.data() + r.offset, r.key_size + r.value_size, 1, f) == 1;
    if (!ok) break;
  }
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) return io_error("write", path);
  runs_.push_back(path);
  ++runs_total_;
  records_.clear();
  arena_.clear();
  return {};
}

Result<void> BulkSorter::ingest(index::BulkLoad& load) {
  sort_held();
  std::vector<std::unique_ptr<RunReader>> readers;
  for (const std::string& path : runs_) {
    auto r = std::make_unique<RunReader>(path);
    if (!r->open()) return io_error("open", path);
    readers.push_back(std::move(r));
  }
  // Sources: 0 .. readers-1 are runs, `readers.size()` is the records held in memory.
  const std::size_t held = readers.size();
  std::size_t held_at = 0;
  auto current = [&](std::size_t src, std::uint32_t& space, std::string_view& key, std::string_view& value) {
    if (src < held) {
      space = readers[src]->space;
      key = readers[src]->key;
      value = readers[src]->value;
    } else {
      const Record& r = records_[held_at];
      space = r.space;
      key = std::string_view(arena_.data() + r.offset, r.key_size);
      value = std::string_view(arena_.data() + r.offset + r.key_size, r.value_size);
    }
  };
  auto advance = [&](std::size_t src) -> bool {
    if (src < held) return readers[src]->next();
    return ++held_at < records_.size();
  };
  auto greater = [&](std::size_t a, std::size_t b) {
    std::uint32_t sa, sb;
    std::string_view ka, kb, va, vb;
    current(a, sa, ka, va);
    current(b, sb, kb, vb);
    if (sa != sb) return sa > sb;
    if (ka != kb) return ka > kb;
    return a > b;
  };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(greater)> heap(greater);
  for (std::size_t i = 0; i < held; ++i) {
    if (readers[i]->next()) heap.push(i);
    else if (readers[i]->failed()) return io_error("read", readers[i]->path());
  }
  if (!records_.empty()) heap.push(held);

  std::vector<RocksIngestFile> files;
  std::unique_ptr<RocksTableWriter> table;
  std::uint32_t table_space = 0;
  std::string last_key, last_value;
  auto close_table = [&]() -> Result<void> {
    if (!table) return {};
    if (auto r = table->finish(); !r) return r;
    table.reset();
    return {};
  };
  const std::uint32_t avet = load.current(IndexOrder::Avet).index;
  while (!heap.empty()) {
    const std::size_t src = heap.top();
    heap.pop();
    std::uint32_t space;
    std::string_view key, value;
    current(src, space, key, value);
    if (table && space == table_space && key == last_key) {
      // Only the values space repeats keys (one large value stored by two transactions).
      if (value != last_value)
        return fail(ErrorCode::CodecUnstorable, "bulk import: two different entries for one key of space " +
                                                    std::to_string(space) + " (a large-value hash collision?)");
    } else {
      if (!table || space != table_space) {
        if (auto r = close_table(); !r) return r;
        const std::string path = next_path("table") + ".sst";
        auto w = RocksTableWriter::open(store_, SpaceId{space}, path);
        if (!w) return std::unexpected(w.error());
        table = std::move(*w);
        table_space = space;
        files.push_back(RocksIngestFile{SpaceId{space}, path});
      }
      if (auto r = table->put(key, value); !r) return r;
      if (space == avet)
        if (auto r = load.avet_key(key); !r) return r;
      last_key.assign(key);
      last_value.assign(value);
    }
    if (advance(src)) heap.push(src);
    else if (src < held && readers[src]->failed()) return io_error("read", readers[src]->path());
  }
  if (auto r = close_table(); !r) return r;
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
  readers.clear();
  std::error_code ec;
  for (const std::string& path : runs_) fs::remove(path, ec);
  runs_.clear();
  records_.clear();
  arena_.clear();
  arena_.shrink_to_fit();
  records_.shrink_to_fit();
  return {};
}

}  // namespace quarry::import_detail
