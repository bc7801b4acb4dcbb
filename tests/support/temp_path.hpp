// A fresh path for a test database: under $QUARRY_TEST_BINARY_DIR (CTest sets it to the build's
// tests folder) or the system temp directory, unique per process and object, not created, and
// removed with everything in it on destruction. Declare it before the Database that uses it, so
// the database is closed first.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace quarry::testing {

class TempPath {
 public:
  explicit TempPath(std::string_view prefix = "quarry-test") {
    static std::atomic<int> n{0};
    const char* base = std::getenv("QUARRY_TEST_BINARY_DIR");
    path_ = std::filesystem::path(base ? base : std::filesystem::temp_directory_path().string()) /
            (std::string(prefix) + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(path_);
  }
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;
  ~TempPath() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace quarry::testing
