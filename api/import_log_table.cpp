#include "api/import_log_table.hpp"

namespace quarry::import_detail {

LogTable::LogTable(std::unique_ptr<RocksTableWriter> table) : table_(std::move(table)), thread_([this] { run(); }) {
  filling_.bytes.reserve(kChunkBytes + 4096);
}

LogTable::~LogTable() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void LogTable::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return busy_ || stop_; });
    if (!busy_) return;  // stopped with nothing to write
    lock.unlock();
    Result<void> done{};
    try {
      std::size_t at = 0;
      for (const auto& [key_size, value_size] : writing_.sizes) {
        const std::string_view entry(writing_.bytes.data() + at, key_size + value_size);
        at += entry.size();
        if (done) done = table_->put(entry.substr(0, key_size), entry.substr(key_size));
      }
    } catch (const std::exception& e) {
      done = fail(ErrorCode::OutOfMemory, std::string("bulk import: writing the log: ") + e.what());
    }
    writing_.clear();
    lock.lock();
    if (!done && error_) error_ = std::move(done);
    busy_ = false;
    changed_.notify_all();
  }
}

Result<void> LogTable::wait_idle(bool give) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !busy_; });
  if (!error_) return error_;
  if (give) {
    std::swap(filling_, writing_);
    busy_ = true;
    changed_.notify_all();
  }
  return {};
}

Result<void> LogTable::put(std::string_view key, std::string_view value) {
  filling_.sizes.emplace_back(static_cast<std::uint32_t>(key.size()), static_cast<std::uint32_t>(value.size()));
  filling_.bytes.append(key);
  filling_.bytes.append(value);
  if (filling_.bytes.size() < kChunkBytes) return {};
  return wait_idle(true);
}

Result<void> LogTable::finish() {
  if (!filling_.sizes.empty())
    if (auto r = wait_idle(true); !r) return r;
  if (auto r = wait_idle(false); !r) return r;
  return table_->finish();
}

}  // namespace quarry::import_detail
