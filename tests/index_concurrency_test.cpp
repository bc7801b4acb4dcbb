// Databases are values: a reader holding a Db sees exactly its basis while a writer commits.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "support/index_check.hpp"
#include "support/index_stores.hpp"
#include "support/index_tx.hpp"

using namespace quarry;
using namespace quarry::testing;
using index::Db;

TEST_CASE_TEMPLATE("readers see exactly their basis while a writer commits", S, MemoryStoreKind, RocksStoreKind) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  AttrId n = t.define("n", {.type = index::ValueType::Long});
  AttrId total = t.define("total", {.type = index::ValueType::Long});
  // Each transaction k adds entity k with n = k and replaces entity 1000000's total, so a value
  // is consistent when its total equals the number of n datoms it holds.
  t.commit({add(1000000, total, 0)});
  constexpr int kTransactions = 150;
  std::atomic<bool> done{false};
  std::atomic<int> checks{0}, failures{0};

  auto reader = [&] {
    Db held = t.db();
    auto expected = index::collect(held.datoms(IndexOrder::Aevt, {.a = n}));
    while (!done.load()) {
      // The held value never changes, whatever the writer does.
      auto again = index::collect(held.datoms(IndexOrder::Aevt, {.a = n}));
      if (!again || !expected || *again != *expected) failures++;
      // A fresh value is internally consistent: total == count(n), stats agree.
      Db fresh = t.db();
      auto ns = index::collect(fresh.datoms(IndexOrder::Aevt, {.a = n}));
      auto tot = fresh.attr_datoms(EntityId{1000000}, total);
      if (!ns || !tot || tot->size() != 1 || (*tot)[0].v != Value(static_cast<std::int64_t>(ns->size())) ||
          fresh.attr_stats(n).datoms != ns->size())
        failures++;
      checks++;
    }
  };
  std::thread r1(reader), r2(reader);
  for (int k = 1; k <= kTransactions; ++k) {
    Db basis = t.db();
    t.commit({add(static_cast<std::uint64_t>(k), n, k), retract(1000000, total, k - 1), add(1000000, total, k)});
    CHECK(basis.attr_stats(n).datoms == static_cast<std::uint64_t>(k - 1));
  }
  // The readers may not have been scheduled yet on a loaded machine: let each finish a round.
  while (checks.load() < 2) std::this_thread::yield();
  done = true;
  r1.join();
  r2.join();
  CHECK(failures.load() == 0);
  CHECK(checks.load() > 0);
  require_consistent(t.db());
}
