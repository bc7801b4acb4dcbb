// Small helpers shared by benchmark programs: exit-on-error unwrapping, a temporary directory,
// reading a file, the load average, and timing a body repeatedly (median and minimum).
//
// Benchmarks are programs, not tests: an error here prints what failed and exits with status 1.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <quarry/value.hpp>

namespace quarry::bench {

// The value of `r`, or a message naming `what` and exit(1).
template <class T>
T must(Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", what, r.error().to_edn().c_str());
    std::exit(1);
  }
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

using Clock = std::chrono::steady_clock;

[[nodiscard]] inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The 1-minute load average (-1 when unknown): figures taken on a busy machine are not evidence,
// so every benchmark prints it with its table.
[[nodiscard]] inline double load_average() {
  double avg[3] = {-1, -1, -1};
  return getloadavg(avg, 3) >= 1 ? avg[0] : -1;
}

// A fresh directory under the system temp directory, removed with its contents on destruction.
class TempDir {
 public:
  explicit TempDir(const char* prefix = "quarry-bench") {
    std::string pattern = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    if (!mkdtemp(pattern.data())) {
      std::perror("mkdtemp");
      std::exit(1);
    }
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

// The whole file, or exit(1).
[[nodiscard]] inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", p.c_str());
    std::exit(1);
  }
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Timing {
  double median_ms = 0;
  double min_ms = 0;
};

// Runs `body` `warmup` times untimed, then `runs` times timed (runs >= 1).
template <class Body>
Timing time_runs(int warmup, int runs, Body&& body) {
  for (int i = 0; i < warmup; ++i) body();
  std::vector<double> ms;
  ms.reserve(static_cast<std::size_t>(runs));
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    body();
    ms.push_back(seconds_since(start) * 1000.0);
  }
  std::sort(ms.begin(), ms.end());
  const std::size_t n = ms.size();
  const double median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
  return {median, ms.front()};
}

}  // namespace quarry::bench
