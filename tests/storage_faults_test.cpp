// I/O faults and power loss under the RocksDB store, injected through a FileSystem wrapper
// (support/fault_fs.hpp, driven by support/fault_sweep.hpp, whose comment states the invariants
// every run checks). Here N is swept coarsely (4 points per fault kind) so the default run stays
// short; storage_faults_stress_test.cpp (label stress) sweeps every N.
#include <doctest/doctest.h>

#include "support/fault_sweep.hpp"

using quarry::testing::FaultOp;
using quarry::testing::FaultRule;
using quarry::testing::FaultSweep;

TEST_CASE("a clean run through the fault file system commits the whole workload") {
  for (bool sync : {true, false}) {
    FaultSweep sweep(sync);
    auto run = sweep.run(std::nullopt, false);
    CHECK(run.errors == 0);
    CHECK(run.acknowledged == quarry::testing::fault_workload().size());
    CHECK(run.committed == run.acknowledged);
    for (FaultOp op : {FaultOp::Open, FaultOp::Read, FaultOp::Write, FaultOp::Sync})
      CHECK_MESSAGE(sweep.fs().count(op) > 0, quarry::testing::fault_op_name(op));
  }
}

TEST_CASE("the Nth open, read, write or sync failing, once or forever, is an error and leaves no partial transaction") {
  auto totals = quarry::testing::sweep_io_faults(4);
  CHECK(totals.with_errors > 0);
  CHECK(totals.lost == 0);
}

TEST_CASE("power loss with sync on loses no acknowledged transaction") {
  auto totals = quarry::testing::sweep_power_loss(true, 4);
  CHECK(totals.lost == 0);  // also checked by each run
}

TEST_CASE("power loss with sync off keeps a prefix of the transactions, none partial") {
  // Unsynced commits may be lost; each run checks that what is left is a prefix of the workload.
  (void)quarry::testing::sweep_power_loss(false, 4);
}

TEST_CASE("a full disk is an error; after space is freed the database opens with everything acknowledged") {
  FaultSweep sweep(true);
  (void)sweep.run(std::nullopt, false);
  std::size_t with_errors = 0;
  for (std::uint64_t n : quarry::testing::sweep_points(sweep.fs().count(FaultOp::Write), 4)) {
    CAPTURE(n);
    auto run = sweep.run(FaultRule{.op = FaultOp::Write, .nth = n, .forever = true, .no_space = true}, false);
    // (the last writes of a run can belong to work nobody waits for, such as a background compaction)
    if (run.errors > 0) {
      ++with_errors;
      CHECK_MESSAGE(run.first_error.find("pace") != std::string::npos, run.first_error);
    }
    CHECK(run.committed >= run.acknowledged);
  }
  CHECK(with_errors > 0);
}

TEST_CASE("a create cut short by an I/O error is completed by the next open") {
  // RocksDB had written CURRENT and MANIFEST-000001 when the read failed; every later open used to
  // refuse the directory as :storage/damaged (its log is missing).
  FaultSweep sweep(true);
  auto run = sweep.run(FaultRule{.op = FaultOp::Read, .nth = 1}, false);
  CHECK(run.errors > 0);
  CHECK(run.first_error.find(":storage/io") != std::string::npos);
  CHECK(run.acknowledged == quarry::testing::fault_workload().size());  // the second session's open completed it
}
