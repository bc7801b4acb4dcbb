// The order of numbers across long and double, shared by compare() and the binary encoding so the
// two cannot disagree.
//
// A number x is placed by the triple (floor, remainder, kind):
//   floor     — the largest double <= x (x itself for a double), ordered by the IEEE total order
//               with -0.0 before +0.0 and NaN (canonicalised to the positive quiet NaN) last;
//   remainder — x - floor for a long (exact, 0 <= remainder < 2048 since |x| <= 2^63), 0 for a double;
//   kind      — 0 for a long, 1 for a double, so 3 sorts just before 3.0 and both are kept distinct.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace quarry::number_order {

// Order key of a double: flip all bits of negatives, set the sign bit of positives. NaN is
// canonicalised first so every NaN sorts after +Inf and equals every other NaN.
inline std::uint64_t double_key(double d) noexcept {
  if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
  std::uint64_t bits = std::bit_cast<std::uint64_t>(d);
  if (std::isnan(d)) bits = 0x7ff8000000000000ULL;
  return (bits & 0x8000000000000000ULL) ? ~bits : (bits | 0x8000000000000000ULL);
}

inline double double_from_key(std::uint64_t key) noexcept {
  std::uint64_t bits = (key & 0x8000000000000000ULL) ? (key & ~0x8000000000000000ULL) : ~key;
  return std::bit_cast<double>(bits);
}

struct LongSplit {
  double floor;            // largest double <= n
  std::uint16_t remainder; // n - floor, exact
};

inline LongSplit split_long(std::int64_t n) noexcept {
  double d = static_cast<double>(n);  // round to nearest; may be above n
  // Compare exactly in 128-bit integers; 2^63 (the rounding of INT64_MAX) does not fit int64.
  auto as_i128 = [](double x) { return static_cast<__int128>(x); };
  if (as_i128(d) > static_cast<__int128>(n)) d = std::nextafter(d, -std::numeric_limits<double>::infinity());
  auto rem = static_cast<__int128>(n) - as_i128(d);
  return {d, static_cast<std::uint16_t>(rem)};
}

// Rebuilds a long from its split; REQUIRES: floor and remainder came from split_long.
inline std::int64_t join_long(double floor, std::uint16_t remainder) noexcept {
  return static_cast<std::int64_t>(static_cast<__int128>(floor) + remainder);
}

}  // namespace quarry::number_order
