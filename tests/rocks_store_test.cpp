// RocksStore beyond the conformance suite: persistence across reopen, the format-version marker,
// the directory lock (a second process, and the same process twice), corruption reported as an
// error rather than a short scan, and the info log.
//
// This test includes RocksDB directly, only to forge on-disk states Quarry itself never writes
// (a newer marker, a foreign database) and to find the files it corrupts.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "support/storage_fixture.hpp"

using namespace quarry;
using namespace quarry::testing;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kSpaces{"eavt", "aevt"};

RocksOptions options_for(const TempDir& dir) {
  RocksOptions o;
  o.path = dir.path();
  o.sync_writes = false;
  return o;
}

// Writes a value under `key` in the default column family with plain RocksDB.
void put_default(const std::string& path, const std::string& key, const std::string& value,
                 bool create = false) {
  rocksdb::Options o;
  o.create_if_missing = create;
  std::vector<std::string> names{rocksdb::kDefaultColumnFamilyName};
  if (!create) REQUIRE(rocksdb::DB::ListColumnFamilies(o, path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const auto& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::Open(o, path, families, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  REQUIRE(db->Put(rocksdb::WriteOptions(), key, value).ok());
  for (auto* handle : handles) REQUIRE(db->DestroyColumnFamilyHandle(handle).ok());
  REQUIRE(db->Close().ok());
}

}  // namespace

TEST_CASE("data survives closing and reopening; spaces can be added later") {
  TempDir dir;
  {
    auto store = must(RocksStore::open(options_for(dir), kSpaces));
    SpaceId eavt = must(store->space("eavt"));
    SpaceId aevt = must(store->space("aevt"));
    WriteBatch batch;
    for (int i = 0; i < 1000; ++i) batch.put(eavt, "e" + std::to_string(i), std::to_string(i));
    batch.put(aevt, "a", "1");
    must(store->write(batch));
    batch.clear();
    batch.del(eavt, "e7");
    must(store->write(batch, WriteOptions{.sync = true}));
  }
  {
    // Reopened with the spaces in another order and one more: ids follow the new list.
    auto store = must(RocksStore::open(options_for(dir), {"vaet", "aevt", "eavt"}));
    SpaceId eavt = must(store->space("eavt"));
    CHECK(eavt.index == 2);
    auto entries = scan(*store, eavt);
    CHECK(entries.size() == 999);
    auto snap = must(store->snapshot());
    CHECK(must(snap->get(eavt, "e7")) == std::nullopt);
    CHECK(must(snap->get(eavt, "e999")) == "999");
    CHECK(must(snap->get(must(store->space("aevt")), "a")) == "1");
    CHECK(scan(*store, must(store->space("vaet"))).empty());
    snap.reset();
    must(store->flush());
  }
  {
    // Opening with a subset of the spaces leaves the others on disk, unreachable but intact.
    auto store = must(RocksStore::open(options_for(dir), {"aevt"}));
    CHECK_FALSE(store->space("eavt"));
  }
  auto store = must(RocksStore::open(options_for(dir), kSpaces));
  CHECK(scan(*store, must(store->space("eavt"))).size() == 999);
  CHECK(fs::exists(fs::path(dir.path()) / "LOG"));
}

TEST_CASE("a missing database is not created when create_if_missing is false") {
  TempDir dir;
  RocksOptions o = options_for(dir);
  o.path += "/absent";
  o.create_if_missing = false;
  auto store = RocksStore::open(o, kSpaces);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == ErrorCode::StorageIo);
  CHECK(store.error().message.find(o.path) != std::string::npos);
  CHECK_FALSE(fs::exists(o.path));
}

TEST_CASE("a newer format version is refused, naming found and supported versions") {
  TempDir dir;
  { (void)must(RocksStore::open(options_for(dir), kSpaces)); }
  put_default(dir.path(), std::string(RocksStore::kFormatKey), "2");
  auto store = RocksStore::open(options_for(dir), kSpaces);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == ErrorCode::StorageVersion);
  CHECK(store.error().message.find("format version 2") != std::string::npos);
  CHECK(store.error().message.find("supported: 1") != std::string::npos);
  MESSAGE(store.error().message);

  put_default(dir.path(), std::string(RocksStore::kFormatKey), "one");
  store = RocksStore::open(options_for(dir), kSpaces);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == ErrorCode::StorageVersion);
}

TEST_CASE("a RocksDB database without Quarry's marker is refused") {
  TempDir dir;
  put_default(dir.path(), "someone-else", "data", /*create=*/true);
  auto store = RocksStore::open(options_for(dir), kSpaces);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == ErrorCode::StorageForeign);
  CHECK(store.error().message.find("found: none") != std::string::npos);
  CHECK(store.error().message.find(dir.path()) != std::string::npos);
  MESSAGE(store.error().message);
  // Nothing of Quarry's was written: no marker, no column families.
  std::vector<std::string> families;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.path(), &families).ok());
  CHECK(families == std::vector<std::string>{"default"});
}

TEST_CASE("another program's empty RocksDB database is refused, not adopted") {
  TempDir dir;
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(o, dir.path(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    REQUIRE(db->Close().ok());
  }
  auto store = RocksStore::open(options_for(dir), kSpaces);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == ErrorCode::StorageForeign);
}

TEST_CASE("opening a database twice in one process is StorageLocked") {
  TempDir dir;
  auto first = must(RocksStore::open(options_for(dir), kSpaces));
  auto second = RocksStore::open(options_for(dir), kSpaces);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == ErrorCode::StorageLocked);
  CHECK(second.error().message.find(dir.path()) != std::string::npos);
  CHECK(second.error().message.find("already open in this process") != std::string::npos);
  MESSAGE(second.error().message);
  first.reset();
  CHECK(RocksStore::open(options_for(dir), kSpaces).has_value());
}

// Run in a child process by the next test case (a no-op otherwise): opens the directory named by
// QUARRY_LOCK_PROBE_DIR and writes the resulting error to the file QUARRY_LOCK_PROBE_OUT.
TEST_CASE("[helper] lock probe") {
  const char* dir = std::getenv("QUARRY_LOCK_PROBE_DIR");
  const char* out = std::getenv("QUARRY_LOCK_PROBE_OUT");
  if (!dir || !out) return;
  RocksOptions o;
  o.path = dir;
  auto store = RocksStore::open(o, kSpaces);
  std::ofstream report(out);
  if (store) {
    report << "opened";
  } else {
    report << error_code_name(store.error().code) << "\n" << store.error().message;
  }
}

TEST_CASE("a second process opening a held database gets StorageLocked naming the directory") {
  TempDir dir;
  auto held = must(RocksStore::open(options_for(dir), kSpaces));
  std::string report_path = dir.path() + ".probe";
  // Everything the child needs is prepared before fork: between fork and exec it only makes
  // async-signal-safe calls, and exec gives it a fresh image with none of this process's RocksDB
  // threads or locks.
  std::vector<std::string> env{"QUARRY_LOCK_PROBE_DIR=" + dir.path(),
                               "QUARRY_LOCK_PROBE_OUT=" + report_path};
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  char arg0[] = "rocks_store_test", arg1[] = "--test-case=[helper] lock probe";
  char* argv[] = {arg0, arg1, nullptr};
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDOUT_FILENO);
    execve("/proc/self/exe", argv, envp.data());
    _exit(127);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  std::ifstream in(report_path);
  std::string code, message;
  std::getline(in, code);
  std::getline(in, message);
  fs::remove(report_path);
  CHECK(code == "storage/locked");
  CHECK(message.find(dir.path()) != std::string::npos);
  CHECK(message.find("in use by another process") != std::string::npos);
  MESSAGE("child saw: " << message);
}

TEST_CASE("a corrupt data block is a StorageCorruption from the cursor, never a short scan") {
  TempDir dir;
  RocksOptions o = options_for(dir);
  o.compression = o.bottommost_compression = RocksCompression::None;
  {
    auto store = must(RocksStore::open(o, kSpaces));
    SpaceId eavt = must(store->space("eavt"));
    WriteBatch batch;
    for (int i = 0; i < 20000; ++i) {
      batch.put(eavt, "key" + std::to_string(100000 + i), std::string(40, 'v'));
    }
    must(store->write(batch));
    must(store->flush());
  }
  // Overwrite a stretch a third of the way into the largest table file (eavt's), among its data
  // blocks; its footer, index and filter stay intact so that the open succeeds.
  fs::path largest;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    if (entry.path().extension() != ".sst") continue;
    if (largest.empty() || entry.file_size() > fs::file_size(largest)) largest = entry.path();
  }
  int corrupted = 0;
  if (!largest.empty()) {
    std::fstream f(largest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(largest) / 3));
    std::string junk(64, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    ++corrupted;
  }
  REQUIRE(corrupted > 0);

  auto store = RocksStore::open(o, kSpaces);
  if (!store) {
    CHECK(store.error().code == ErrorCode::StorageCorruption);
    MESSAGE("open refused: " << store.error().message);
    return;
  }
  SpaceId eavt = must((*store)->space("eavt"));
  auto snap = must((*store)->snapshot());
  auto cursor = must(snap->cursor(eavt));
  std::size_t seen = 0;
  for (cursor->seek_to_first(); cursor->valid(); cursor->next()) ++seen;
  auto status = cursor->status();
  REQUIRE_FALSE(status);
  CHECK(status.error().code == ErrorCode::StorageCorruption);
  CHECK(seen < 20000);
  MESSAGE("scan stopped after " << seen << " keys: " << status.error().message);
}

TEST_CASE("a torn last WAL record (a crash mid-write) loses that batch whole, keeps the rest") {
  TempDir dir;
  {
    auto store = must(RocksStore::open(options_for(dir), kSpaces));
    SpaceId eavt = must(store->space("eavt"));
    SpaceId aevt = must(store->space("aevt"));
    for (int b = 0; b < 3; ++b) {
      WriteBatch batch;
      for (int i = 0; i < 50; ++i) {
        std::string key = "b" + std::to_string(b) + "-" + std::to_string(i);
        batch.put(eavt, key, std::string(100, 'x'));
        batch.put(aevt, key, std::string(100, 'y'));
      }
      must(store->write(batch, WriteOptions{.sync = true}));
    }
  }  // closed without a flush: the batches live only in the WAL
  fs::path wal;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    if (entry.path().extension() == ".log" && entry.file_size() > 0 &&
        (wal.empty() || entry.path().filename() > wal.filename())) {
      wal = entry.path();
    }
  }
  REQUIRE_FALSE(wal.empty());
  fs::resize_file(wal, fs::file_size(wal) - 500);  // cut into the last batch's record

  auto store = must(RocksStore::open(options_for(dir), kSpaces));
  for (const char* space : {"eavt", "aevt"}) {
    auto entries = scan(*store, must(store->space(space)));
    CHECK(entries.size() == 100);  // batches 0 and 1, all of them; nothing of batch 2
    CHECK(entries.front().first == "b0-0");
    CHECK(entries.back().first.rfind("b1-", 0) == 0);
  }
}

TEST_CASE("properties pass RocksDB's through") {
  TempDir dir;
  auto store = must(RocksStore::open(options_for(dir), kSpaces));
  SpaceId eavt = must(store->space("eavt"));
  WriteBatch batch;
  batch.put(eavt, "k", "v");
  must(store->write(batch));
  CHECK(must(store->property("rocksdb.estimate-num-keys", eavt)) == "1");
  auto stats = must(store->property("rocksdb.stats"));
  REQUIRE(stats);
  CHECK(stats->find("Compaction") != std::string::npos);
  CHECK(must(store->property("rocksdb.no-such-property")) == std::nullopt);
}
