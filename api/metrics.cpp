#include "api/metrics.hpp"

#include <algorithm>
#include <cmath>

namespace quarry {
namespace {

constexpr double kStepsPerDoubling = 8;

int bucket_of(std::uint64_t ns) noexcept {
  if (ns <= 1000) return 0;
  double steps = std::ceil(std::log2(static_cast<double>(ns) / 1000.0) * kStepsPerDoubling);
  return static_cast<int>(std::min<double>(steps, LatencyRecorder::kBuckets - 1));
}

// The upper bound of bucket i, in milliseconds.
double bucket_ms(int i) noexcept { return 0.001 * std::exp2(static_cast<double>(i) / kStepsPerDoubling); }

}  // namespace

void LatencyRecorder::record(std::chrono::nanoseconds elapsed, bool ok) noexcept {
  auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(elapsed.count(), 0));
  buckets_[static_cast<std::size_t>(bucket_of(ns))].fetch_add(1, std::memory_order_relaxed);
  if (!ok) errors_.fetch_add(1, std::memory_order_relaxed);
  std::uint64_t seen = max_ns_.load(std::memory_order_relaxed);
  while (ns > seen && !max_ns_.compare_exchange_weak(seen, ns, std::memory_order_relaxed)) {
  }
  count_.fetch_add(1, std::memory_order_relaxed);
}

LatencySummary LatencyRecorder::summary() const noexcept {
  std::array<std::uint64_t, kBuckets> counts{};
  std::uint64_t total = 0;
  for (int i = 0; i < kBuckets; ++i) total += counts[i] = buckets_[i].load(std::memory_order_relaxed);
  LatencySummary out;
  out.count = total;
  out.errors = errors_.load(std::memory_order_relaxed);
  if (total == 0) return out;
  out.max_ms = static_cast<double>(max_ns_.load(std::memory_order_relaxed)) / 1e6;
  auto at = [&](double p) {
    // The smallest bucket holding the ceil(p * total)-th call; never above the exact maximum.
    auto rank = static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(total)));
    std::uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts[i];
      if (seen >= std::max<std::uint64_t>(rank, 1)) return std::min(bucket_ms(i), out.max_ms);
    }
    return out.max_ms;
  };
  out.p50_ms = at(0.50);
  out.p95_ms = at(0.95);
  out.p99_ms = at(0.99);
  return out;
}

}  // namespace quarry
