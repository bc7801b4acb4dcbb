// Internal to api/: the log's table file for the import's bulk path (import_bulk_sort.hpp). The
// log's entries arrive in key order, so they need no sort; they are written on a thread of their
// own, in chunks, so that RocksDB's work on them (blocks, compression, filters) overlaps the
// importing thread's preparing of the next transactions instead of adding to it.
//
// Memory: two chunks of about kChunkBytes (one filling, one being written). Not thread-safe: one
// thread calls put() and finish().
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "storage/rocks_store.hpp"

namespace quarry::import_detail {

class LogTable {
 public:
  static constexpr std::size_t kChunkBytes = std::size_t{4} << 20;

  explicit LogTable(std::unique_ptr<RocksTableWriter> table);
  ~LogTable();  // stops the thread; an unfinished table is left as it is
  LogTable(const LogTable&) = delete;
  LogTable& operator=(const LogTable&) = delete;

  // Adds an entry (keys strictly ascending); may wait for the thread to take the previous chunk.
  // Errors: the writer's, from an earlier chunk.
  [[nodiscard]] Result<void> put(std::string_view key, std::string_view value);
  // Writes what is left and finishes the table file.
  [[nodiscard]] Result<void> finish();

 private:
  struct Chunk {
    std::string bytes;  // key then value, entry after entry
    std::vector<std::pair<std::uint32_t, std::uint32_t>> sizes;
    void clear() {
      bytes.clear();
      sizes.clear();
    }
  };
  void run();
  // Waits for the thread to be idle; then gives it filling_ (when `give`). The thread's error, if any.
  [[nodiscard]] Result<void> wait_idle(bool give);

  std::unique_ptr<RocksTableWriter> table_;
  Chunk filling_, writing_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool busy_ = false;  // writing_ holds entries the thread has not written yet
  bool stop_ = false;
  Result<void> error_{};
  std::thread thread_;  // last: started once everything above is built
};

}  // namespace quarry::import_detail
