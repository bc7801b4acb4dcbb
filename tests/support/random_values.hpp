// Seeded generators of random storable values for property tests. The generator leans towards
// the cases where encodings are most likely to go wrong: numbers near 2^53 and 2^63 and longs
// equal to doubles, strings containing 0x00 and 0xFF, namespaced and plain names, nested tuples.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "codec/value.hpp"

namespace quarry::testing {

class RandomValues {
 public:
  explicit RandomValues(std::uint64_t seed) : rng_(seed) {}

  Value storable(int depth = 0) {
    switch (pick(depth < 2 ? 11 : 10)) {
      case 0: return Value(pick(2) == 1);
      case 1: return Value(random_long());
      case 2: return Value(random_double());
      case 3: return Value(text());
      case 4: return Value(Keyword{maybe_ns(), name()});
      case 5: return Value(Symbol{maybe_ns(), name()});
      case 6: return Value(Instant{random_long() / (pick(2) ? 1 : 1000000)});
      case 7: {
        Uuid u;
        for (auto& b : u.bytes) b = static_cast<std::uint8_t>(pick(pick(2) ? 3 : 256));
        return Value(u);
      }
      case 8: return Value(EntityId{pick(3) == 0 ? rng_() : rng_() % 300});
      case 9: return Value(Bytes{text()});
      default: {
        Vector v;
        std::size_t n = pick(4);
        for (std::size_t i = 0; i < n; ++i)
          v.items.push_back(pick(8) == 0 ? Value() : storable(depth + 1));
        return Value(std::move(v));
      }
    }
  }

  std::uint64_t pick(std::uint64_t n) { return rng_() % n; }

 private:
  std::int64_t random_long() {
    constexpr std::int64_t kEdges[] = {0, 1, -1, (1LL << 53), (1LL << 53) + 1, -(1LL << 53) - 1,
                                       std::numeric_limits<std::int64_t>::max(),
                                       std::numeric_limits<std::int64_t>::min(),
                                       std::numeric_limits<std::int64_t>::max() - 1000};
    switch (pick(4)) {
      case 0:  // an edge nudged by -2..2, wrapping (computed unsigned: no signed overflow)
        return static_cast<std::int64_t>(static_cast<std::uint64_t>(kEdges[pick(std::size(kEdges))]) + pick(5) - 2);
      case 1: return static_cast<std::int64_t>(pick(21)) - 10;
      case 2: return static_cast<std::int64_t>(rng_());
      default: return static_cast<std::int64_t>(rng_() >> pick(64));
    }
  }

  double random_double() {
    constexpr double kEdges[] = {0.0, -0.0, 1.0, -1.0, 0.5, 9007199254740992.0, 9223372036854775808.0,
                                 -9223372036854775808.0, std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::infinity(),
                                 std::numeric_limits<double>::quiet_NaN(),
                                 std::numeric_limits<double>::denorm_min(),
                                 std::numeric_limits<double>::max()};
    switch (pick(4)) {
      case 0: return kEdges[pick(std::size(kEdges))];
      case 1: return static_cast<double>(random_long());  // often equal to a generated long
      case 2: return std::ldexp(static_cast<double>(static_cast<std::int64_t>(rng_())), -static_cast<int>(pick(80)));
      default: return (static_cast<double>(pick(2001)) - 1000.0) / 8.0;
    }
  }

  std::string text() {
    constexpr char kAlphabet[] = {'\0', '\x01', 'a', 'b', 'z', '/', '\x7f', '\x80', '\xfe', '\xff'};
    std::string s;
    std::size_t n = pick(6);
    for (std::size_t i = 0; i < n; ++i) s.push_back(kAlphabet[pick(sizeof kAlphabet)]);
    return s;
  }

  std::string name() {
    constexpr char kAlphabet[] = "abxyz-.*";
    std::string s(1, 'a' + static_cast<char>(pick(3)));
    std::size_t n = pick(4);
    for (std::size_t i = 0; i < n; ++i) s.push_back(kAlphabet[pick(sizeof kAlphabet - 1)]);
    return s;
  }

  std::string maybe_ns() { return pick(3) == 0 ? std::string() : name(); }

  std::mt19937_64 rng_;
};

}  // namespace quarry::testing
