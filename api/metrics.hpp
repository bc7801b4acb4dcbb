// Internal to api/: the operation counters behind DatabaseStats' latency summaries. One Metrics
// per Database, shared with every Db value taken from it (Db::Impl::metrics), so a query or pull
// on such a value counts for its Database. Recording is lock-free (relaxed atomics: a snapshot
// taken while operations run may count an operation in `count` before its bucket).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "quarry/quarry.hpp"

namespace quarry {

class LatencyRecorder {
 public:
  // Buckets 2^(1/8) (9%) wide from 1 µs up; the last one holds everything above ~100 s.
  static constexpr int kBuckets = 216;

  void record(std::chrono::nanoseconds elapsed, bool ok) noexcept;
  [[nodiscard]] LatencySummary summary() const noexcept;

 private:
  std::array<std::atomic<std::uint64_t>, kBuckets> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::uint64_t> max_ns_{0};
};

struct Metrics {
  LatencyRecorder transactions, queries, pulls, scans;
};

// Runs `body` (returning a Result) and records its time and outcome in `recorder`, if any.
template <class Body>
auto timed(LatencyRecorder* recorder, Body&& body) -> decltype(body()) {
  if (recorder == nullptr) return body();
  auto start = std::chrono::steady_clock::now();
  auto result = body();
  recorder->record(std::chrono::steady_clock::now() - start, result.has_value());
  return result;
}

}  // namespace quarry
