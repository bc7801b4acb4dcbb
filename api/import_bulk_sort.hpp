// Internal to api/: the external sort of the import's bulk path (doc/transactions.md,
// "Importing"). Takes index entries from index::BulkLoad in any order, holds up to a memory
// budget of them, spills sorted runs to files when it is full, and at the end merges the runs
// into one sorted table file per space and adds them all to the store in one ingest (with the
// load's meta records) — so a crash or an error before that step leaves the store as it was.
//
// The budget is two halves: when the held entries fill one, they are sorted and written as runs
// on a thread of their own while the next half fills (at 10M datoms the spills had cost the
// importing thread seconds of sorting and writing).
//
// The log's entries arrive in key order already and go straight to their table file, written on
// a thread of its own as they come (import_log_table.hpp). EAVT's and AEVT's arrive in order too
// in an import of new entities, in a few interleaved streams: they are sorted a transaction at a
// time and appended to a file per stream, which the final step copies or merges without a sort
// (import_key_streams.hpp); a space whose streams break too often falls back to the sort. The
// other spaces (AVET, VAET, large values) are sorted. At the end each space is merged and written
// on a thread of its own.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/import_key_sort.hpp"
#include "api/import_key_streams.hpp"
#include "api/import_log_table.hpp"
#include "index/bulk.hpp"
#include "storage/rocks_store.hpp"

namespace quarry::import_detail {

class BulkSorter final : public index::BulkSink {
 public:
  // Files go to `dir` (created; on the database's file system, as ingestion moves them in).
  BulkSorter(RocksStore& store, SpaceId log, std::string dir, std::size_t memory_bytes);
  ~BulkSorter() override;  // removes its files

  [[nodiscard]] Result<void> put(SpaceId space, std::string_view key, std::string_view value) override;
  // Appends the transaction's EAVT and AEVT entries to their streams.
  [[nodiscard]] Result<void> end_transaction() override;

  // Sorts and merges everything put, writes the tables and `load`'s meta records, and ingests
  // them (one atomic step); the sorter is then empty and may take the next load's entries.
  // On an error nothing is ingested (and the sorter should be dropped).
  [[nodiscard]] Result<void> ingest(index::BulkLoad& load);

  // Figures for ImportSummary: runs spilled so far, bytes held at most.
  [[nodiscard]] std::uint64_t runs_spilled() const noexcept { return runs_total_; }
  [[nodiscard]] std::uint64_t max_held_bytes() const noexcept { return max_held_; }

 private:
  // The entries of one space: held ones, and the sorted runs spilled.
  struct Space {
    std::string arena;
    std::vector<SortRecord> records;
    std::vector<std::string> runs;
  };
  // Held buffers being sorted and written as runs, on a thread of their own, while put() fills
  // the other buffers: at most one spill in flight, so at most two sets of buffers.
  struct Spill {
    std::vector<Space> spaces;       // by SpaceId: arena and records only
    std::vector<std::string> paths;  // by SpaceId: the run file, empty when the space held nothing
    std::size_t bytes = 0;           // what the buffers hold, as held_ counts it
    Result<void> result;             // the thread's, read after joining it
    std::thread thread;
  };
  // Waits for the spill in flight, then hands the held buffers to a new one.
  [[nodiscard]] Result<void> start_spill();
  // Waits for the spill in flight (if any): its runs join their spaces; its error, if it failed.
  [[nodiscard]] Result<void> finish_spill();
  // finish_spill's work once the spill's thread is done (or the spill ran on this thread).
  [[nodiscard]] Result<void> finish_ready_spill();
  // Sorts `space`'s held records and writes them to `path` as a run.
  [[nodiscard]] static Result<void> write_run(Space& space, const std::string& path);
  // Holds an entry for the sort (spilling the held ones when they fill their half).
  [[nodiscard]] Result<void> hold(SpaceId space, std::string_view key, std::string_view value);
  // Appends the entries `space`'s streams hold; what they cannot take goes to hold().
  [[nodiscard]] Result<void> flush_streams(SpaceId space);
  // Sorts and merges one space (its held records, runs and `streams`' files) into the table file
  // `path` (false: nothing to write).
  [[nodiscard]] Result<bool> write_space(std::uint32_t index, Space& space, std::vector<SortedFile>& streams,
                                         const std::string& path, index::BulkLoad& load);
  [[nodiscard]] std::string next_path(const char* what);

  RocksStore& store_;
  SpaceId log_;
  std::string dir_;
  std::size_t memory_;
  std::size_t held_ = 0;  // bytes held in every space's arena and records (not counting spill_)
  std::vector<Space> spaces_;  // by SpaceId
  Spill spill_;
  std::vector<std::unique_ptr<KeyStreams>> streams_;  // by SpaceId: EAVT's and AEVT's
  std::unique_ptr<LogTable> log_table_;
  std::string log_path_;
  std::uint64_t files_ = 0;
  std::uint64_t runs_total_ = 0;
  std::uint64_t max_held_ = 0;
};

}  // namespace quarry::import_detail
