// The workload and the checks of the I/O fault and power-loss tests (storage_faults_test.cpp, and
// its full sweep storage_faults_stress_test.cpp): a RocksDB database written through a
// FaultFileSystem (fault_fs.hpp) by the tx layer, compared afterwards with a model — the same
// transactions on the memory store.
//
// One run: open a fresh database, transact the workload's first half, flush, read every index,
// transact more, close; reopen (WAL and MANIFEST recovery, table files opened and read), transact
// the rest, read, close. A fault rule is armed for the whole run. Whatever fails must fail as an
// error returned to the caller (a crash or abort ends the test binary). Once a transaction fails
// the session stops writing (the writer refuses more commits after a failed store write anyway);
// the next session resumes at the first transaction not known to be committed. At the end the
// faults are lifted (and, for a power loss, unsynced data dropped), the database is opened once more
// without faults, and it must equal the model after some number k of the workload's transactions:
// nothing partial, nothing out of order, and
//   - sync on:  every acknowledged transaction is there (k >= acknowledged), plus at most the one
//               whose commit failed (its write may have reached the log before the error);
//   - sync off: after a power loss k may be smaller (unsynced commits are lost), never larger.
// The current indexes, history and log of the reopened database must also agree (index_check.hpp).
#pragma once

#include <doctest/doctest.h>

#include <rocksdb/env.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "index/key_layout.hpp"
#include "storage/memory_store.hpp"
#include "storage/rocks_store.hpp"
#include "support/fault_fs.hpp"
#include "support/index_check.hpp"
#include "support/tx_harness.hpp"
#include "tx/connection.hpp"

namespace quarry::testing {

// Transactions of every shape the writer has: schema, new entities with refs and components,
// card-one replacement, card-many, retractions, retractEntity, cas, and one large transaction
// (~60 KB) so that table files span several blocks.
inline std::vector<std::string> fault_workload() {
  std::vector<std::string> txs = {
      R"([{:db/ident :name :db/valueType :db.type/string :db/unique :db.unique/identity}
          {:db/ident :age :db/valueType :db.type/long :db/index true}
          {:db/ident :friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
          {:db/ident :part :db/valueType :db.type/ref :db/isComponent true}
          {:db/ident :tag :db/cardinality :db.cardinality/many}])",
      R"([{:db/id "a" :name "Ann" :age 41 :tag [:x :y]} {:name "Bob" :age 27 :friend "a"}])",
      R"([{:name "Cy" :age 35 :friend [[:name "Ann"] [:name "Bob"]] :part {:name "Cy's part"}}])",
      R"([[:db/add [:name "Ann"] :age 42] [:db/retract [:name "Ann"] :tag :x]])",
      R"([[:db/cas [:name "Bob"] :age 27 28] {:name "Dee" :tag [:z]}])",
  };
  std::string big = "[";
  for (int i = 0; i < 300; ++i)
    big += "{:name \"p" + std::to_string(i) + "\" :age " + std::to_string(i % 90) + " :tag [:t" +
           std::to_string(i % 7) + "] :friend [[:name \"Ann\"]] :part {:name \"part of p" + std::to_string(i) +
           " " + std::string(100, 'x') + "\"}}";
  big += "]";
  txs.push_back(big);
  txs.push_back(R"([[:db/retractEntity [:name "Cy"]] [:db/add [:name "Dee"] :age 50]])");
  txs.push_back(R"([[:db/retract [:name "p7"] :friend [:name "Ann"]] {:name "Eve" :friend [[:name "Dee"]]}])");
  txs.push_back(R"([{:name "p8" :age 99} {:name "Fay" :part {:name "Fay's part" :part {:name "deeper"}}}])");
  txs.push_back(R"([[:db/retractEntity [:name "Fay"]] [:db/add [:name "Eve"] :tag :w]])");
  txs.push_back(R"([[:db/add [:name "Bob"] :age 30] {:name "Gus"}])");
  return txs;
}

// Store dumps of the model after 0, 1, …, n transactions of the workload (0: the bootstrap).
inline const std::vector<std::vector<std::pair<std::string, std::string>>>& fault_model() {
  static const auto dumps = [] {
    std::vector<std::vector<std::pair<std::string, std::string>>> out;
    auto store = MemoryStore::open(keys::all_spaces());
    REQUIRE(store.has_value());
    std::shared_ptr<Store> shared(std::move(*store));
    auto c = tx::Connection::open(shared, {.clock = fixed_clock});
    REQUIRE(c.has_value());
    out.push_back(dump_store(*shared));
    for (const auto& tx : fault_workload()) {
      auto r = (*c)->transact(*read_edn(tx));
      REQUIRE_MESSAGE(r.has_value(), r.error().message);
      out.push_back(dump_store(*shared));
    }
    return out;
  }();
  return dumps;
}

// A directory for one run: under /dev/shm when there is one (syncs cost nothing there, and the
// tests simulate power loss themselves), else CTest's binary directory or the system temp dir.
class FaultDir {
 public:
  FaultDir() {
    static int counter = 0;
    std::filesystem::path root = "/dev/shm";
    if (::access(root.c_str(), W_OK) != 0) {
      const char* base = std::getenv("QUARRY_TEST_BINARY_DIR");
      root = base ? base : std::filesystem::temp_directory_path();
    }
    path_ = root / ("quarry-fault-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
  }
  ~FaultDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

struct FaultRun {
  std::size_t acknowledged = 0;   // workload transactions whose commit returned success
  bool last_failed = false;       // the transaction after those was tried and failed
  std::size_t errors = 0;         // errors returned by any call
  std::size_t committed = 0;      // k: the model the final database equals
  std::string first_error;        // the first error returned, as EDN
};

// :storage/invalid too: when the file RocksDB's open creates to probe for direct I/O cannot be
// opened, RocksDB reports "Invalid argument: Direct I/O is not supported by the specified DB".
inline bool acceptable_fault_error(const Error& e) {
  return e.code == ErrorCode::StorageIo || e.code == ErrorCode::StorageCorruption ||
         e.code == ErrorCode::StorageInvalid;
}

class FaultSweep {
 public:
  explicit FaultSweep(bool sync) : sync_(sync), fs_(std::make_shared<FaultFileSystem>()), env_(rocksdb::NewCompositeEnv(fs_)) {}

  [[nodiscard]] FaultFileSystem& fs() { return *fs_; }

  // Runs the workload under `rule` (none: a clean run). power_loss: before the final reopen, drop
  // every byte not synced. Checks every invariant of the file comment; returns what happened.
  FaultRun run(std::optional<FaultRule> rule, bool power_loss) {
    FaultDir dir;
    FaultRun out;
    const auto& workload = fault_workload();
    fs_->forget_files();
    if (std::getenv("QUARRY_FAULT_VERBOSE") && rule)
      std::fprintf(stderr, "run: %s %s at %llu%s\n", fault_op_name(rule->op), rule->forever ? "forever" : "once",
                   static_cast<unsigned long long>(rule->nth), rule->power_off ? " (power off)" : "");
    if (rule) fs_->arm(*rule);
    else fs_->disarm();
    auto note = [&](const Error& e) {
      ++out.errors;
      if (out.first_error.empty()) out.first_error = e.to_edn();
      CHECK_MESSAGE(acceptable_fault_error(e), e.to_edn());
    };
    std::size_t next = 0;  // first workload transaction not acknowledged
    auto session = [&](std::size_t stop_at, bool flush_midway) {
      auto store = open(dir, /*faulty=*/true);
      if (!store) return note(store.error());
      auto c = tx::Connection::open(*store, {.clock = fixed_clock});
      if (!c) return note(c.error());
      read_all((*c)->db(), note);
      while (next < stop_at) {
        auto r = (*c)->transact(*read_edn(workload[next]));
        if (!r) {
          note(r.error());
          out.last_failed = true;
          break;
        }
        out.last_failed = false;
        ++next;
        if (flush_midway && next == stop_at / 2) {
          if (auto f = (*store)->flush(); !f) note(f.error());
        }
        read_all((*c)->db(), note);
      }
      if (auto f = (*store)->flush(); !f) note(f.error());
      read_all((*c)->db(), note);
    };
    session(workload.size() * 2 / 3, true);
    if (!out.last_failed) session(workload.size(), false);
    out.acknowledged = next;

    fs_->disarm();
    if (power_loss) {
      if (!fs_->powered()) fs_->drop_unsynced_data();  // a rule already cut the power
      else {
        fs_->power_off();
        fs_->drop_unsynced_data();
      }
    } else if (!fs_->powered()) {
      fs_->drop_unsynced_data();
    }
    auto store = open(dir, /*faulty=*/false);
    REQUIRE_MESSAGE(store.has_value(), "the database does not open after the faults: " << store.error().to_edn()
                                           << "\nfirst error: " << out.first_error << "\nfiles: " << listing(dir));
    auto c = tx::Connection::open(*store, {.clock = fixed_clock});
    REQUIRE_MESSAGE(c.has_value(), "the database does not open after the faults: " << c.error().to_edn());
    const auto got = dump_store(**store);
    const auto& model = fault_model();
    std::optional<std::size_t> k;
    for (std::size_t i = 0; i < model.size(); ++i)
      if (model[i] == got) k = i;
    REQUIRE_MESSAGE(k.has_value(), "the reopened database equals no prefix of the workload (a partial or "
                                   "reordered transaction); acknowledged " << out.acknowledged);
    out.committed = *k;
    const std::size_t most = out.acknowledged + (out.last_failed ? 1 : 0);
    CHECK_MESSAGE(*k <= most, "more transactions than were tried: " << *k << " > " << most);
    if (sync_ || !power_loss)
      CHECK_MESSAGE(*k >= out.acknowledged,
                    "lost acknowledged transactions: " << out.acknowledged << " acknowledged, " << *k << " there");
    const std::string problems = check_index((*c)->db());
    CHECK_MESSAGE(problems.empty(), problems);
    return out;
  }

 private:
  Result<std::shared_ptr<Store>> open(const FaultDir& dir, bool faulty) {
    RocksOptions options;
    options.path = dir.path();
    options.sync_writes = sync_;
    options.info_log = false;
    options.block_cache_bytes = std::size_t{1} << 20;
    options.write_buffer_bytes = std::size_t{64} << 10;  // flushes during the big transaction
    options.background_jobs = 1;
    options.env = faulty ? env_.get() : nullptr;
    fs_->spare_log_creation(false);
    auto s = RocksStore::open(options, keys::all_spaces());
    fs_->spare_log_creation(true);  // FaultFileSystem::spare_log_creation says why
    if (!s) return std::unexpected(s.error());
    return std::shared_ptr<Store>(std::move(*s));
  }

  static std::string listing(const FaultDir& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir.path(), ec))
      names.push_back(e.path().filename().string() + "(" + std::to_string(e.is_regular_file() ? e.file_size() : 0) + ")");
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& n : names) out += n + " ";
    return out;
  }

  template <class Note>
  static void read_all(const index::Db& db, Note& note) {
    for (IndexOrder order : {IndexOrder::Eavt, IndexOrder::Aevt, IndexOrder::Avet, IndexOrder::Vaet}) {
      auto c = db.datoms(order);
      if (!c) return note(c.error());
      while (c->valid()) c->next();
      if (auto s = c->status(); !s) return note(s.error());
    }
  }

  bool sync_;
  std::shared_ptr<FaultFileSystem> fs_;
  std::unique_ptr<rocksdb::Env> env_;
};

// Up to `points` values of N spread evenly over 1..total, first and last included; every N when
// points is 0.
inline std::vector<std::uint64_t> sweep_points(std::uint64_t total, std::uint64_t points) {
  std::vector<std::uint64_t> out;
  if (total == 0) return out;
  if (points == 0 || points >= total) {
    for (std::uint64_t n = 1; n <= total; ++n) out.push_back(n);
    return out;
  }
  for (std::uint64_t i = 0; i < points; ++i) out.push_back(1 + i * (total - 1) / std::max<std::uint64_t>(points - 1, 1));
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Totals of a sweep, printed as one line per fault kind.
struct SweepTotals {
  std::size_t runs = 0;
  std::size_t with_errors = 0;   // runs in which some call returned an error
  std::size_t acknowledged = 0;  // summed over runs
  std::size_t lost = 0;          // acknowledged transactions missing after the final reopen
  std::size_t unacknowledged_kept = 0;  // a failed commit found committed after the reopen
};

inline void print_totals(const char* what, const SweepTotals& t) {
  std::printf("%-34s %5zu runs %5zu with errors %6zu acknowledged %4zu lost %4zu failed-but-kept\n", what, t.runs,
              t.with_errors, t.acknowledged, t.lost, t.unacknowledged_kept);
}

// Fails the Nth operation of each kind, once and then forever, for N from sweep_points over the
// operations a clean run makes; every run checks the invariants (FaultSweep::run).
// QUARRY_FAULT_OPS (e.g. "write,sync") limits the sweep to those kinds, so that a long sweep can
// be split across processes.
inline SweepTotals sweep_io_faults(std::uint64_t points) {
  FaultSweep sweep(true);
  (void)sweep.run(std::nullopt, false);
  std::uint64_t totals[4];
  for (FaultOp op : {FaultOp::Open, FaultOp::Read, FaultOp::Write, FaultOp::Sync})
    totals[static_cast<int>(op)] = sweep.fs().count(op);
  const char* only = std::getenv("QUARRY_FAULT_OPS");
  SweepTotals all;
  for (FaultOp op : {FaultOp::Open, FaultOp::Read, FaultOp::Write, FaultOp::Sync}) {
    if (only && std::string(only).find(fault_op_name(op)) == std::string::npos) continue;
    for (bool forever : {false, true}) {
      SweepTotals t;
      for (std::uint64_t n : sweep_points(totals[static_cast<int>(op)], points)) {
        CAPTURE(fault_op_name(op));
        CAPTURE(n);
        CAPTURE(forever);
        auto run = sweep.run(FaultRule{.op = op, .nth = n, .forever = forever}, false);
        ++t.runs;
        t.with_errors += run.errors > 0;
        t.acknowledged += run.acknowledged;
        t.lost += run.acknowledged - std::min(run.acknowledged, run.committed);
        t.unacknowledged_kept += run.committed > run.acknowledged;
      }
      const std::string what = std::string(fault_op_name(op)) + (forever ? " fails from N on" : " fails once at N") +
                               " (of " + std::to_string(totals[static_cast<int>(op)]) + ")";
      print_totals(what.c_str(), t);
      all.runs += t.runs;
      all.with_errors += t.with_errors;
      all.acknowledged += t.acknowledged;
      all.lost += t.lost;
      all.unacknowledged_kept += t.unacknowledged_kept;
    }
  }
  return all;
}

// Cuts the power at the Nth write and at the Nth sync, then drops every unsynced byte and reopens.
inline SweepTotals sweep_power_loss(bool sync, std::uint64_t points) {
  FaultSweep sweep(sync);
  (void)sweep.run(std::nullopt, false);
  SweepTotals all;
  for (FaultOp op : {FaultOp::Write, FaultOp::Sync}) {
    SweepTotals t;
    const std::uint64_t total = sweep.fs().count(op);
    for (std::uint64_t n : sweep_points(total, points)) {
      CAPTURE(fault_op_name(op));
      CAPTURE(n);
      auto run = sweep.run(FaultRule{.op = op, .nth = n, .power_off = true}, true);
      ++t.runs;
      t.with_errors += run.errors > 0;
      t.acknowledged += run.acknowledged;
      t.lost += run.acknowledged - std::min(run.acknowledged, run.committed);
      t.unacknowledged_kept += run.committed > run.acknowledged;
    }
    const std::string what = std::string("power off at ") + fault_op_name(op) + " N, sync " + (sync ? "on" : "off") +
                             " (of " + std::to_string(total) + ")";
    print_totals(what.c_str(), t);
    all.runs += t.runs;
    all.with_errors += t.with_errors;
    all.acknowledged += t.acknowledged;
    all.lost += t.lost;
    all.unacknowledged_kept += t.unacknowledged_kept;
  }
  return all;
}

}  // namespace quarry::testing
