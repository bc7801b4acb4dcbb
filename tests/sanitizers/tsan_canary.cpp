// A deliberate data race on Quarry's own memory, run under ThreadSanitizer with the options and
// suppressions scripts/sanitize uses (CTest tsan_canary, TSan builds only). It passes only when
// TSan reports exactly the races below: proof that ignore_noninstrumented_modules and
// tests/sanitizers/tsan.supp, which silence what librocksdb does, still let a race between two
// Quarry threads through — here while a RocksDB store commits and is read on other threads, so
// RocksDB frames and threads are about, as in the suites the suppressions were written for.
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "storage/rocks_store.hpp"
#include "storage/write_batch.hpp"

namespace {

// Two unsynchronised writers of one heap int: one race.
void race_on_a_counter() {
  auto* counter = new int(0);
  std::thread a([counter] { *counter += 1; });
  std::thread b([counter] { *counter += 2; });
  a.join();
  b.join();
  delete counter;
}

// memcpy into a buffer (through TSan's interceptor, called from Quarry's code) while another thread
// copies it into a string: the pattern of the storage conformance suite's reader, on Quarry's
// memory.
void race_on_a_buffer() {
  std::vector<char> buffer(64, 'x');
  const std::string source(64, 'y');
  std::thread writer([&] { std::memcpy(buffer.data(), source.data(), buffer.size()); });
  std::thread reader([&] {
    std::string copy(buffer.data(), buffer.size());
    if (copy.size() != 64) std::abort();
  });
  writer.join();
  reader.join();
}

}  // namespace

int main() {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("quarry-tsan-canary-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  {
    quarry::RocksOptions options;
    options.path = dir.string();
    options.sync_writes = false;
    options.write_buffer_bytes = std::size_t{64} << 10;
    auto store = quarry::RocksStore::open(options, {"eavt"});
    if (!store) return 2;
    auto space = (*store)->space("eavt");
    if (!space) return 2;
    std::thread committer([&] {
      for (int i = 0; i < 200; ++i) {
        quarry::WriteBatch batch;
        batch.put(*space, "k" + std::to_string(i % 20), std::string(1000, 'v'));
        if (!(*store)->write(batch)) std::abort();
      }
    });
    std::thread scanner([&] {
      for (int round = 0; round < 20; ++round) {
        auto snap = (*store)->snapshot();
        if (!snap) std::abort();
        auto cursor = (*snap)->cursor(*space);
        if (!cursor) std::abort();
        for ((*cursor)->seek_to_first(); (*cursor)->valid(); (*cursor)->next()) {
          std::string value((*cursor)->value());
          if (value.empty()) std::abort();
        }
      }
    });
    race_on_a_counter();
    race_on_a_buffer();
    committer.join();
    scanner.join();
  }
  fs::remove_all(dir);
  return 0;
}
