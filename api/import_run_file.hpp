// Internal to api/: the files of sorted entries that the import's bulk path keeps until its final
// merge (import_bulk_sort.hpp): the runs a spill writes, and the streams of entries that arrived in
// key order (import_key_streams.hpp). One format for both, so that the merge reads them alike:
//
//   [0 u32][key size u32][value size u32][key][value]  ...   (native byte order; never kept)
//
// A file is written and read by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codec/error.hpp"

namespace quarry::import_detail {

// StorageIo naming what failed, the path and errno.
[[nodiscard]] std::unexpected<Error> run_file_error(const std::string& what, const std::string& path);

class RunWriter {
 public:
  // Creates `path`, written through a buffer of `buffer_bytes`; ok() says whether it could.
  RunWriter(std::string path, std::size_t buffer_bytes);
  ~RunWriter();  // closes the file (unchecked: call close() to know)
  RunWriter(const RunWriter&) = delete;
  RunWriter& operator=(const RunWriter&) = delete;

  [[nodiscard]] bool ok() const noexcept { return fd_ >= 0 && !failed_; }
  // Appends an entry (a copy into the buffer; a write when it is full); a failure shows in ok()
  // and close().
  void put(std::string_view key, std::string_view value) noexcept;
  // Writes what is buffered and closes the file; its error, if any write or the close failed.
  [[nodiscard]] Result<void> close();
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::uint64_t entries() const noexcept { return entries_; }

 private:
  // Writes `size` bytes at `data` to the file.
  void write(const char* data, std::size_t size) noexcept;

  std::string path_;
  int fd_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_, used_ = 0;
  bool failed_ = false;
  int error_ = 0;  // errno of the failed write
  std::uint64_t entries_ = 0;
};

// Reads a run file through a buffer of its own: an entry's key and value are views into it, valid
// until the next call of next() (no copy, no allocation per entry; a larger entry grows it).
class RunReader {
 public:
  explicit RunReader(std::string path);
  ~RunReader();
  RunReader(const RunReader&) = delete;
  RunReader& operator=(const RunReader&) = delete;

  [[nodiscard]] bool open() const noexcept { return fd_ >= 0; }
  // Reads the next entry; false at the end (failed() says whether it was a read error or a
  // truncated entry).
  [[nodiscard]] bool next();
  [[nodiscard]] bool failed() const noexcept { return failed_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  std::string_view key, value;

 private:
  // Makes at least `need` bytes available from at_; false at the end of the file before that.
  [[nodiscard]] bool fill(std::size_t need);

  static constexpr std::size_t kBufferBytes = std::size_t{1} << 20;
  std::string path_;
  int fd_;
  std::vector<char> buffer_;
  std::size_t at_ = 0, end_ = 0;
  bool eof_ = false, failed_ = false;
};

}  // namespace quarry::import_detail
