// The full sweep of storage_faults_test.cpp (label stress): every N for every fault kind, once and
// forever, and a power cut at every write and every sync, with sync on and off. Each run checks the
// invariants in support/fault_sweep.hpp; the lines printed are the figures in doc/reliability.md.
// QUARRY_FAULT_POINTS=K limits each sweep to K evenly spread values of N.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "support/fault_sweep.hpp"

namespace {
std::uint64_t points() {
  const char* k = std::getenv("QUARRY_FAULT_POINTS");
  return k ? std::stoull(k) : 0;
}
}  // namespace

TEST_CASE("every N: I/O faults reach the caller as errors and leave no partial transaction") {
  auto totals = quarry::testing::sweep_io_faults(points());
  quarry::testing::print_totals("all I/O faults", totals);
  CHECK(totals.lost == 0);
}

TEST_CASE("every N: power loss with sync on loses nothing acknowledged") {
  auto totals = quarry::testing::sweep_power_loss(true, points());
  CHECK(totals.lost == 0);
}

TEST_CASE("every N: power loss with sync off leaves a prefix") {
  (void)quarry::testing::sweep_power_loss(false, points());
}
