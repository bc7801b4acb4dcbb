#include "storage/db_marker.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <vector>

#include "storage/manifest_state.hpp"

namespace quarry {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMarkerTemp = "QUARRY.tmp";
constexpr std::string_view kMarkerHeader = "quarry-database";

std::unexpected<Error> io_error(std::string what, const std::error_code& ec) {
  return fail(ErrorCode::StorageIo, std::move(what) + ": " + ec.message());
}

// "000123.sst" -> true for suffix ".sst": digits, then the suffix.
bool numbered(std::string_view name, std::string_view suffix) {
  if (!name.ends_with(suffix) || name.size() == suffix.size()) return false;
  name.remove_suffix(suffix.size());
  return std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The names in `path` (files and anything else). Errors: StorageIo.
Result<std::vector<std::string>> list_names(const std::string& path) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) return io_error("cannot list the directory " + path, ec);
  std::sort(names.begin(), names.end());
  return names;
}

bool has(const std::vector<std::string>& names, std::string_view name) {
  return std::binary_search(names.begin(), names.end(), name);
}

std::optional<std::string> read_small_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(4096, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

// The version written in a marker's text, or nullopt when the text is not a marker.
std::optional<std::uint32_t> parse_marker(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string header, field, number, rest;
  if (!std::getline(in, header) || header != kMarkerHeader) return std::nullopt;
  if (!(in >> field >> number) || field != "format-version") return std::nullopt;
  if (in >> rest) return std::nullopt;
  std::uint32_t version = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), version);
  if (ec != std::errc{} || end != number.data() + number.size()) return std::nullopt;
  return version;
}

std::unexpected<Error> damaged(const std::string& path, const std::string& what) {
  return fail(ErrorCode::StorageDamaged,
              "the Quarry database at " + path + " is damaged: " + what +
                  ". Quarry opened nothing and changed nothing; restore the directory from a "
                  "backup, or see doc/reliability.md (\"Recovery\")");
}

std::unexpected<Error> foreign(const std::string& path, const std::string& why) {
  return fail(ErrorCode::StorageForeign,
              "the directory " + path + " is not a Quarry database (" + why +
                  "); Quarry changed nothing in it. Name a missing or empty directory to create "
                  "a new database");
}

bool fsync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

Result<void> check_database_files(const std::string& path) {
  auto names = list_names(path);
  if (!names) return std::unexpected(names.error());
  if (!has(*names, "CURRENT")) return damaged(path, "its CURRENT file is missing");
  auto current = read_small_file(fs::path(path) / "CURRENT");
  if (!current) return damaged(path, "its CURRENT file cannot be read");
  std::string manifest = current->substr(0, current->find('\n'));
  if (!manifest.starts_with("MANIFEST-") || manifest.find('/') != std::string::npos) {
    return damaged(path, "its CURRENT file does not name a MANIFEST");
  }
  if (!has(*names, manifest)) return damaged(path, "CURRENT names " + manifest + ", which is missing");
  // RocksDB starts a write-ahead log at every open and deletes a log only after a newer one exists,
  // so an opened database always has one; none left means the newest writes were lost with it.
  bool any_wal = std::any_of(names->begin(), names->end(),
                             [](const std::string& n) { return numbered(n, ".log"); });
  if (!any_wal) return damaged(path, "its write-ahead log (*.log) is missing");
  return {};
}

Result<void> check_marker(const std::string& path, std::uint32_t supported) {
  std::error_code ec;
  if (!fs::exists(fs::path(path) / kMarkerFile, ec)) {
    if (ec) return io_error("cannot read " + path, ec);
    return foreign(path, "it has no " + std::string(kMarkerFile) + " marker");
  }
  auto text = read_small_file(fs::path(path) / kMarkerFile);
  std::optional<std::uint32_t> version = text ? parse_marker(*text) : std::nullopt;
  if (!version) {
    return fail(ErrorCode::StorageVersion, "the database at " + path + " has an unreadable " +
                                               std::string(kMarkerFile) + " marker (supported: " +
                                               "format version " + std::to_string(supported) + ")");
  }
  if (*version != supported) {
    return fail(ErrorCode::StorageVersion,
                "the database at " + path + " has format version " + std::to_string(*version) +
                    (*version > supported ? " (newer" : " (older") +
                    " than this build); supported: " + std::to_string(supported));
  }
  return {};
}

namespace {

// RocksDB creates a database by writing MANIFEST-000001 and CURRENT naming it, then recovers from
// them and starts its first write-ahead log; a completed open always moves on to a newer MANIFEST.
// So CURRENT naming MANIFEST-000001 with no log, table or blob file means RocksDB's first open was
// cut short (a crash, or an I/O error during the create): nothing of Quarry's was ever written, and
// the create can be completed. Found by the I/O fault sweep (tests/storage_faults_test.cpp), where a
// failed read during the create left a directory every later open refused as damaged.
bool any_data_file(const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(), [](const std::string& n) {
    return numbered(n, ".sst") || numbered(n, ".log") || numbered(n, ".blob");
  });
}

bool first_open_cut_short(const std::string& path, const std::vector<std::string>& names) {
  if (any_data_file(names)) return false;
  auto current = read_small_file(fs::path(path) / "CURRENT");
  return current && current->substr(0, current->find('\n')) == "MANIFEST-000001" &&
         has(names, "MANIFEST-000001");
}

// Without CURRENT: RocksDB's create writes MANIFEST-000001, then CURRENT naming it; an OPTIONS file
// and a newer MANIFEST come only with a completed open. So no CURRENT, no data file, no OPTIONS file
// and no MANIFEST but MANIFEST-000001 is a create cut short. A database that lost CURRENT and its
// logs before its first flush has no data file either, but it has OPTIONS and a newer MANIFEST:
// damaged, not new (re-creating it would delete its MANIFEST and hide the loss).
bool create_cut_short(const std::vector<std::string>& names) {
  if (any_data_file(names)) return false;
  return std::none_of(names.begin(), names.end(), [](const std::string& n) {
    return n.starts_with("OPTIONS-") || (n.starts_with("MANIFEST-") && n != "MANIFEST-000001");
  });
}

}  // namespace

Result<DirectoryState> inspect_directory(const std::string& path, std::uint32_t supported) {
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) return DirectoryState::New;
  if (ec) return io_error("cannot read " + path, ec);
  if (!fs::is_directory(status)) return foreign(path, "it is not a directory");
  auto names = list_names(path);
  if (!names) return std::unexpected(names.error());
  if (names->empty() || (names->size() == 1 && names->front() == kMarkerTemp)) {
    return DirectoryState::New;  // empty, or a create cut short while writing the marker
  }

  if (!has(*names, kMarkerFile)) {
    if (has(*names, "CURRENT")) return DirectoryState::Unmarked;
    return foreign(path, "it holds " + std::to_string(names->size()) + " entries, e.g. \"" +
                             names->front() + "\", and no " + std::string(kMarkerFile) + " marker");
  }
  if (auto ok = check_marker(path, supported); !ok) return std::unexpected(ok.error());
  if (!has(*names, "CURRENT")) {
    if (create_cut_short(*names)) return DirectoryState::New;  // marker written, RocksDB's create cut short
  } else if (first_open_cut_short(path, *names)) {
    return DirectoryState::New;
  }
  if (auto ok = check_database_files(path); !ok) return std::unexpected(ok.error());
  return DirectoryState::Existing;
}

namespace {

// The number in "000123.sst", "MANIFEST-000005", "OPTIONS-000007"; nullopt for other names.
std::optional<std::uint64_t> file_number(std::string_view name) {
  for (std::string_view prefix : {"MANIFEST-", "OPTIONS-"})
    if (name.starts_with(prefix)) name.remove_prefix(prefix.size());
  name = name.substr(0, name.find('.'));
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), n);
  if (ec != std::errc{} || end != name.data() + name.size() || name.empty()) return std::nullopt;
  return n;
}

// Writes `text` to path/name through a temporary file, fsync and rename.
Result<void> write_atomically(const std::string& path, const std::string& name, const std::string& text) {
  const std::string temp = (fs::path(path) / (name + ".quarry-tmp")).string();
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot write " + temp, std::error_code(errno, std::generic_category()));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  std::error_code ec;
  if (ok) fs::rename(temp, fs::path(path) / name, ec);
  if (!ok || ec) {
    (void)::unlink(temp.c_str());
    return io_error("cannot write " + (fs::path(path) / name).string(),
                    ec ? ec : std::error_code(saved, std::generic_category()));
  }
  (void)fsync_path(path, O_RDONLY | O_DIRECTORY);
  return {};
}

}  // namespace

Result<std::optional<std::string>> restore_current(const std::string& path) {
  auto names = list_names(path);
  if (!names) return std::unexpected(names.error());
  if (has(*names, "CURRENT")) {
    auto current = read_small_file(fs::path(path) / "CURRENT");
    std::string named = current ? current->substr(0, current->find('\n')) : "";
    if (named.starts_with("MANIFEST-") && has(*names, named)) return std::string();
  }
  std::optional<std::string> newest;
  for (const std::string& name : *names) {
    if (!name.starts_with("MANIFEST-") || !file_number(name)) continue;
    if (!newest || *file_number(name) > *file_number(*newest)) newest = name;
  }
  if (!newest) return std::nullopt;
  if (auto ok = write_atomically(path, "CURRENT", *newest + "\n"); !ok) return std::unexpected(ok.error());
  return "wrote CURRENT naming " + *newest;
}

Result<void> check_rebuild_is_safe(const std::string& path) {
  auto names = list_names(path);
  if (!names) return std::unexpected(names.error());
  if (std::none_of(names->begin(), names->end(), [](const std::string& n) { return numbered(n, ".log"); })) {
    return damaged(path, "its MANIFEST and its write-ahead log are both lost: each key space's table "
                         "files may end at a different transaction (the spaces flush one by one), "
                         "and nothing left says where each ends, so a MANIFEST rebuilt from them "
                         "could show transactions in part; Quarry does not repair it");
  }
  for (const std::string& name : *names) {
    std::error_code ec;
    if (numbered(name, ".log") && fs::file_size(fs::path(path) / name, ec) > 0 && !ec) {
      return damaged(path, "its MANIFEST is lost and the write-ahead log " + name +
                               " holds writes not yet in table files; rebuilding the MANIFEST "
                               "(RocksDB's RepairDB) could drop or split those transactions, so "
                               "Quarry does not repair it");
    }
  }
  return {};
}

Result<void> check_log_loss_is_whole(const std::string& path) {
  auto names = list_names(path);
  if (!names) return std::unexpected(names.error());
  if (std::any_of(names->begin(), names->end(), [](const std::string& n) { return numbered(n, ".log"); }))
    return {};
  // The MANIFEST restore_current would keep: the one CURRENT names, else the newest.
  std::optional<std::string> manifest;
  if (has(*names, "CURRENT")) {
    auto current = read_small_file(fs::path(path) / "CURRENT");
    std::string named = current ? current->substr(0, current->find('\n')) : "";
    if (named.starts_with("MANIFEST-") && has(*names, named)) manifest = named;
  }
  const bool current_valid = manifest.has_value();
  for (const std::string& name : *names) {
    if (current_valid || !name.starts_with("MANIFEST-") || !file_number(name)) continue;
    if (!manifest || *file_number(name) > *file_number(*manifest)) manifest = name;
  }
  if (!manifest) return {};  // no MANIFEST: check_rebuild_is_safe decides
  auto state = read_manifest_flush_state((fs::path(path) / *manifest).string());
  if (!state) {
    return damaged(path, "its write-ahead log is lost, and whether its key spaces were flushed "
                         "to the same transaction cannot be told (" + state.error().message + ")");
  }
  if (std::all_of(state->table_files.begin(), state->table_files.end(),
                  [](const auto& entry) { return entry.second == 0; })) {
    // Not even Quarry's format key reached a table file: the database was all in the lost log.
    return damaged(path, "its write-ahead log is lost, and no table file holds anything (nothing "
                         "had been flushed since the database was created): every write it held "
                         "is gone and there is nothing to repair. Move the directory aside and "
                         "create a new database, or restore it from a backup");
  }
  std::uint64_t lowest = std::numeric_limits<std::uint64_t>::max(), highest = 0;
  std::string behind, ahead;
  for (const auto& entry : state->log_numbers) {
    const std::string& family = entry.first;
    std::uint64_t below = state->flushed_below(family);
    if (below < lowest) { lowest = below; behind = family; }
    if (below > highest) { highest = below; ahead = family; }
  }
  if (lowest == highest) return {};
  // RocksDB's default column family holds only Quarry's format key, flushed at the first reopen.
  auto named = [](const std::string& family) {
    return family == "default" ? std::string("RocksDB's default column family (Quarry's format key)")
                               : "\"" + family + "\"";
  };
  return damaged(path, "its write-ahead log is lost, and its key spaces were last flushed at "
                       "different points (" + named(behind) + " holds the writes of logs below " +
                       std::to_string(lowest) + ", " + named(ahead) + " of logs below " +
                       std::to_string(highest) + "): transactions in between would open in "
                       "part, so Quarry does not repair it");
}

Result<std::string> ensure_log(const std::string& path) {
  auto names = list_names(path);
  if (!names) return std::unexpected(names.error());
  std::uint64_t highest = 0;
  for (const std::string& name : *names) {
    if (numbered(name, ".log")) return std::string();
    if (auto n = file_number(name)) highest = std::max(highest, *n);
  }
  char name[32];
  std::snprintf(name, sizeof name, "%06llu.log", static_cast<unsigned long long>(highest + 1));
  if (auto ok = write_atomically(path, name, ""); !ok) return std::unexpected(ok.error());
  return std::string("created an empty write-ahead log ") + name +
         " (the writes of the lost log since the last flush are gone)";
}

Result<void> write_marker(const std::string& path, std::uint32_t version) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return io_error("cannot create the database directory " + path, ec);
  const std::string temp = (fs::path(path) / kMarkerTemp).string();
  const std::string text = std::string(kMarkerHeader) + "\nformat-version " +
                           std::to_string(version) + "\n";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot write " + temp, std::error_code(errno, std::generic_category()));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ok && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok) {
    (void)::unlink(temp.c_str());
    return io_error("cannot write " + temp, std::error_code(saved, std::generic_category()));
  }
  fs::rename(temp, fs::path(path) / kMarkerFile, ec);
  if (ec) return io_error("cannot rename " + temp, ec);
  if (!fsync_path(path, O_RDONLY | O_DIRECTORY)) {
    return io_error("cannot sync the directory " + path,
                    std::error_code(errno, std::generic_category()));
  }
  return {};
}

}  // namespace quarry
