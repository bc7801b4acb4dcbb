// What a fuzz target does when an invariant fails: print what broke and abort, which libFuzzer
// records as a crash (and saves the input) and the corpus replay test reports as a failure.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace quarry::fuzz {

[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz invariant broken: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace quarry::fuzz

#define QUARRY_FUZZ_CHECK(cond, detail) \
  do {                                  \
    if (!(cond)) ::quarry::fuzz::fail(#cond, (detail)); \
  } while (0)
