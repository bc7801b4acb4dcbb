// Coverage hooks for fuzz targets built by g++ (scripts/fuzz). g++ has no -fsanitize=fuzzer; its
// -fsanitize-coverage=trace-pc calls __sanitizer_cov_trace_pc() at every basic block, which
// libFuzzer 14 still defines but only to print "no longer supported" and exit. So this file
// defines it — tests/fuzz/CMakeLists.txt links a copy of libFuzzer's runtime in which libFuzzer's
// own definition is made weak — counting each block in an array of 8-bit counters that it
// registers with libFuzzer as an inline-counters module (what clang's inline-8bit-counters mode
// does). Blocks are hashed into 64 Ki counters; collisions only blur the signal.
//
// trace-cmp's hooks for integer comparisons and switches are libFuzzer's own. g++ also reports
// floating-point comparisons through two hooks clang never emits: no-ops here.
#include <cstddef>
#include <cstdint>

namespace {

constexpr std::size_t kCounters = std::size_t{1} << 16;
alignas(4096) std::uint8_t counters[kCounters];

}  // namespace

extern "C" {

void __sanitizer_cov_8bit_counters_init(std::uint8_t* start, std::uint8_t* stop);

__attribute__((no_sanitize_coverage, no_sanitize_address, no_sanitize_undefined)) void __sanitizer_cov_trace_pc() {
  const auto pc = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  ++counters[(pc * 0x9E3779B97F4A7C15ull) >> (64 - 16)];
}

__attribute__((no_sanitize_coverage)) void __sanitizer_cov_trace_cmpf(float, float) {}
__attribute__((no_sanitize_coverage)) void __sanitizer_cov_trace_cmpd(double, double) {}

}  // extern "C"

namespace {

__attribute__((constructor, no_sanitize_coverage)) void register_counters() {
  __sanitizer_cov_8bit_counters_init(counters, counters + kCounters);
}

}  // namespace
