// Store fixtures for index tests: the same test body runs on MemoryStore and on RocksStore in a
// fresh temporary directory, through doctest's TEST_CASE_TEMPLATE:
//
//   TEST_CASE_TEMPLATE("...", S, quarry::testing::MemoryStoreKind, quarry::testing::RocksStoreKind) {
//     quarry::testing::TempDir dir;
//     auto writer = quarry::testing::open_writer<S>(dir);
//     ...
//   }
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

#include "index/db.hpp"
#include "index/key_layout.hpp"
#include "storage/memory_store.hpp"
#include "storage/rocks_store.hpp"

namespace quarry::testing {

// A directory removed (with its contents) when the object goes. Under $QUARRY_TEST_BINARY_DIR
// when CTest sets it, else the system temp directory.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const char* base = std::getenv("QUARRY_TEST_BINARY_DIR");
    std::filesystem::path root = base ? base : std::filesystem::temp_directory_path();
    path_ = root / ("index-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct MemoryStoreKind {
  static constexpr bool persistent = false;
  static std::shared_ptr<Store> open(const TempDir&) {
    auto s = MemoryStore::open(keys::all_spaces());
    REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));
    return std::shared_ptr<Store>(std::move(*s));
  }
};

struct RocksStoreKind {
  static constexpr bool persistent = true;
  static std::shared_ptr<Store> open(const TempDir& dir) {
    RocksOptions options;
    options.path = (dir.path() / "db").string();
    options.sync_writes = false;
    options.info_log = false;
    options.block_cache_bytes = std::size_t{8} << 20;
    auto s = RocksStore::open(options, keys::all_spaces());
    REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));
    return std::shared_ptr<Store>(std::move(*s));
  }
};

template <class Kind>
std::unique_ptr<index::Writer> open_writer(const TempDir& dir) {
  auto w = index::Writer::open(Kind::open(dir));
  REQUIRE_MESSAGE(w.has_value(), (w ? "" : w.error().message));
  return std::move(*w);
}

}  // namespace quarry::testing
