// Internal to api/: the index entries of the import's bulk path that arrive in key order
// (doc/transactions.md, "The bulk path"), kept out of the sort.
//
// In an import of new entities, entity ids are allocated in file order, so:
//  - EAVT keys arrive in ascending order within each id partition (user entities, then each
//    transaction's own entity, whose ids sort above all user ids): two streams;
//  - AEVT keys arrive, per attribute (the key's first component), in ascending entity order: one
//    stream per attribute, interleaved;
// except within one transaction (its maps' attributes come in the file's order, a card-many
// attribute's values in the order written). So the entries of a transaction are held, split by
// stream (a counting pass) and each stream's share put in order — by insertion, which costs next
// to nothing for entries a few places out of order, or by the radix sort (import_key_sort.hpp)
// when that takes too many moves — then appended to the stream's file: a sorted run that needs
// no sort and, when the space's streams are all it has and they do not overlap, no merge either
// (they are copied one after the other into the table file).
//
// When a stream's next entries do not come after its last one (facts added to entities of an
// earlier transaction, explicit ids, the :follows of earlier people), the stream's file is closed
// as it is — still a sorted run — and a new one begins. Past kMaxFiles files the space falls
// back: its later entries go to the sort (the `fallback` of flush()), and the final merge takes
// the streams' files and the sort's runs alike. No entry is lost or written twice either way.
//
// Memory: the held entries of one transaction (flushed early past `batch_bytes`) and a stdio
// buffer of kFileBufferBytes per open stream. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/import_key_sort.hpp"
#include "api/import_run_file.hpp"

namespace quarry::import_detail {

// A sorted file of one space's entries (import_run_file.hpp), with its first and last key.
struct SortedFile {
  std::string path;
  std::string first, last;
};

class KeyStreams {
 public:
  // How a space's keys split into streams, each expected to arrive in ascending order.
  enum class Split {
    ByPartition,  // EAVT: the first component's id partition (user, transaction, system entity)
    ByAttribute,  // AEVT: the first component (the attribute)
  };
  static constexpr std::size_t kMaxFiles = 64;
  static constexpr std::size_t kFileBufferBytes = std::size_t{64} << 10;

  // Files are named by `next_path` (in the sort's directory).
  KeyStreams(Split split, std::function<std::string()> next_path, std::size_t batch_bytes);
  ~KeyStreams();

  // Whether entries go to the sort instead (see above).
  [[nodiscard]] bool fell_back() const noexcept { return fell_back_; }
  // Holds an entry of the current transaction. REQUIRES: !fell_back().
  void hold(std::string_view key, std::string_view value);
  // Whether the held entries reached the batch's size (flush them now).
  [[nodiscard]] bool full() const noexcept { return arena_.size() >= batch_bytes_; }
  [[nodiscard]] std::size_t held_bytes() const noexcept { return arena_.size() + records_.size() * sizeof(SortRecord); }

  using Fallback = std::function<Result<void>(std::string_view key, std::string_view value)>;
  // Sorts the held entries and appends them to their streams; what no stream can take once the
  // space fell back goes to `fallback`. Errors: the files', the fallback's.
  [[nodiscard]] Result<void> flush(const Fallback& fallback);
  // Closes every file (after a flush); the sorted files, in no order. The streams are then empty.
  [[nodiscard]] Result<std::vector<SortedFile>> finish();

 private:
  struct Stream {
    std::uint64_t id;
    std::unique_ptr<RunWriter> file;
    std::string first, last;
  };
  [[nodiscard]] std::uint64_t stream_of(std::string_view key) const noexcept;
  // The open stream `id`, or a new one; nullptr past kMaxFiles.
  [[nodiscard]] Stream* stream(std::uint64_t id);
  // Closes `s`'s file (kept) and opens a new one for it; false past kMaxFiles.
  [[nodiscard]] Result<bool> restart(Stream& s);
  [[nodiscard]] Result<void> close(Stream& s);

  Split split_;
  std::function<std::string()> next_path_;
  std::size_t batch_bytes_;
  std::string arena_;
  std::vector<SortRecord> records_;
  // The stream of each held record, as an index into batch_ids_ (the streams the batch holds).
  std::vector<std::uint32_t> slots_;
  std::vector<std::uint64_t> batch_ids_;
  std::vector<SortRecord> by_stream_;  // flush()'s scratch: records_ grouped by stream
  std::vector<Stream> open_;
  std::vector<SortedFile> closed_;
  std::size_t files_ = 0;
  bool fell_back_ = false;
};

}  // namespace quarry::import_detail
