// Internal to index/: turning one transaction's datoms into one storage batch (see Writer::commit
// in db.hpp for the contract), and publishing it as a new database value.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "index/db_core.hpp"
#include "storage/write_batch.hpp"

namespace quarry::index::detail {

// Everything a commit changes, computed against the basis without writing anything.
struct PreparedCommit {
  WriteBatch batch;
  std::shared_ptr<const Schema> schema;
  std::shared_ptr<const StatsMap> stats;
  Counters counters;
};

// What Writer::excise erases: every datom of `e` (of `attrs` only, when not empty).
struct Excision {
  EntityId e;
  std::vector<AttrId> attrs;
};

// Validates the datoms (Writer::commit lists the checks) and builds the batch; with `excision`,
// the batch also erases its datoms (add_excision). Reads the basis snapshot only.
[[nodiscard]] Result<PreparedCommit> prepare_commit(const DbCore& basis, TxId tx,
                                                    std::span<const Datom> datoms,
                                                    const Excision* excision = nullptr);

class StatsDelta;
// Adds to `batch` the deletes that erase `excision`'s datoms: their current-index keys, history
// keys and log entries; and their retraction to `stats` (they leave the current state).
[[nodiscard]] Result<void> add_excision(const DbCore& basis, const Excision& excision, WriteBatch& batch,
                                        StatsDelta& stats);

// The state after prepared.batch was written: `after` is a snapshot taken right after the write.
// REQUIRES: no other write to the store since the basis snapshot was taken (the Writer's commit
// lock guarantees it).
[[nodiscard]] std::shared_ptr<const DbCore> next_core(const DbCore& basis, PreparedCommit prepared,
                                                      std::shared_ptr<const Snapshot> after);

// Writes prepared.batch and takes the snapshot for next_core. `written` tells whether the batch
// reached the store when an error is returned (the snapshot failed after a successful write).
[[nodiscard]] Result<std::shared_ptr<const DbCore>> publish(const DbCore& basis, PreparedCommit prepared,
                                                            WriteOptions options, bool& written);

}  // namespace quarry::index::detail
