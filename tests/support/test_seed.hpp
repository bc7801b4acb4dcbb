// The seed of a randomized test: QUARRY_SEED when set (to run other histories by hand), else the
// test's fixed default.
#pragma once

#include <cstdint>
#include <cstdlib>

namespace quarry::testing {

inline std::uint64_t seed_from_env(std::uint64_t fallback) {
  const char* env = std::getenv("QUARRY_SEED");
  return env ? std::strtoull(env, nullptr, 10) : fallback;
}

}  // namespace quarry::testing
