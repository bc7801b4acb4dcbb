// Open safety (doc/architecture.md, "Storage"; storage/db_marker.hpp): Quarry creates a database only in a missing or
// empty directory, recognises its own by the QUARRY marker, and refuses everything else — foreign
// files, another program's RocksDB, a damaged Quarry database, another format version — leaving
// every file byte for byte as it was.
//
// Includes RocksDB directly, only to forge another program's database.
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <fstream>
#include <map>

#include "storage/manifest_state.hpp"
#include "support/storage_fixture.hpp"

using namespace quarry;
using namespace quarry::testing;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kSpaces{"eavt", "aevt"};

RocksOptions options_at(const std::string& path) {
  RocksOptions o;
  o.path = path;
  o.sync_writes = false;
  o.write_buffer_bytes = std::size_t{64} << 10;
  return o;
}

// Every regular file under `root` (recursively) with its whole contents, and every directory.
std::map<std::string, std::string> contents_of(const std::string& root) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    std::string name = fs::relative(entry.path(), root).string();
    if (entry.is_directory()) {
      out[name + "/"] = "";
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    out[name] = std::string(std::istreambuf_iterator<char>(in), {});
  }
  return out;
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Opening `path` fails with `code`, and leaves every file exactly as it was.
void refused_untouched(const std::string& path, ErrorCode code) {
  auto before = contents_of(path);
  auto store = RocksStore::open(options_at(path), kSpaces);
  REQUIRE_FALSE(store);
  CHECK(error_code_name(store.error().code) == error_code_name(code));
  CHECK(store.error().message.find(path) != std::string::npos);
  MESSAGE(store.error().to_edn());
  CHECK(contents_of(path) == before);
}

// A Quarry database with data in table files and in the WAL, closed.
void make_database(const std::string& path) {
  auto store = must(RocksStore::open(options_at(path), kSpaces));
  SpaceId eavt = must(store->space("eavt"));
  for (int b = 0; b < 3; ++b) {
    WriteBatch batch;
    for (int i = 0; i < 2000; ++i) batch.put(eavt, "k" + std::to_string(b * 10000 + i), std::string(50, 'v'));
    must(store->write(batch));
    if (b < 2) must(store->flush());
  }
}

std::vector<fs::path> files_matching(const std::string& dir, std::string_view suffix) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.ends_with(suffix) || (suffix == "MANIFEST-" && name.starts_with(suffix))) {
      out.push_back(entry.path());
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a new database gets the QUARRY marker, written whole; reopening finds its data") {
  TempDir dir;
  std::string path = dir.path() + "/db";
  make_database(path);
  std::ifstream marker(fs::path(path) / "QUARRY");
  std::string text(std::istreambuf_iterator<char>(marker), {});
  CHECK(text == "quarry-database\nformat-version 1\n");
  CHECK_FALSE(fs::exists(fs::path(path) / "QUARRY.tmp"));
  auto store = must(RocksStore::open(options_at(path), kSpaces));
  CHECK(scan(*store, must(store->space("eavt"))).size() == 6000);
}

TEST_CASE("an existing empty directory becomes a new database") {
  TempDir dir;
  auto store = must(RocksStore::open(options_at(dir.path()), kSpaces));
  CHECK(fs::exists(fs::path(dir.path()) / "QUARRY"));
}

TEST_CASE("a directory of foreign files is refused and left byte for byte as it was") {
  TempDir dir;
  SUBCASE("files named like RocksDB's") {
    write_file(fs::path(dir.path()) / "000123.sst", "not a table file, someone's data");
    write_file(fs::path(dir.path()) / "MANIFEST-000003", "someone's manifest");
    write_file(fs::path(dir.path()) / "000007.log", "someone's log");
    write_file(fs::path(dir.path()) / "LOG", "someone's LOG");
  }
  SUBCASE("a CURRENT file among them") {
    write_file(fs::path(dir.path()) / "CURRENT", "MANIFEST-000003\n");
    write_file(fs::path(dir.path()) / "MANIFEST-000003", "garbage");
    write_file(fs::path(dir.path()) / "000123.sst", "not a table");
  }
  SUBCASE("ordinary files and a subdirectory") {
    write_file(fs::path(dir.path()) / "notes.txt", "hello");
    fs::create_directory(fs::path(dir.path()) / "photos");
    write_file(fs::path(dir.path()) / "photos" / "a.jpg", "jpeg");
  }
  SUBCASE("only a leftover marker temp file and something else") {
    write_file(fs::path(dir.path()) / "QUARRY.tmp", "quarry-database\n");
    write_file(fs::path(dir.path()) / "other", "x");
  }
  refused_untouched(dir.path(), ErrorCode::StorageForeign);
}

TEST_CASE("a path that is a file is refused, the file untouched") {
  TempDir dir;
  std::string path = dir.path() + "/file";
  write_file(path, "data");
  auto store = RocksStore::open(options_at(path), kSpaces);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == ErrorCode::StorageForeign);
  std::ifstream in(path);
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "data");
}

TEST_CASE("another program's RocksDB database, with table files and column families, is refused untouched") {
  TempDir dir;
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> families{
        {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
        {"eavt", rocksdb::ColumnFamilyOptions()}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(o, dir.path(), families, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    for (int i = 0; i < 100; ++i) REQUIRE(db->Put(rocksdb::WriteOptions(), handles[1], "k" + std::to_string(i), "v").ok());
    REQUIRE(db->Flush(rocksdb::FlushOptions(), handles[1]).ok());
    REQUIRE(db->Put(rocksdb::WriteOptions(), "in-the-wal", "v").ok());
    for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
    REQUIRE(db->Close().ok());
  }
  // An obsolete-looking table file RocksDB's own open would delete.
  write_file(fs::path(dir.path()) / "999999.sst", "not referenced by the MANIFEST");
  refused_untouched(dir.path(), ErrorCode::StorageForeign);
}

TEST_CASE("a Quarry database missing CURRENT, its MANIFEST or its WAL is damaged, never re-created") {
  TempDir dir;
  make_database(dir.path());
  REQUIRE_FALSE(files_matching(dir.path(), ".sst").empty());
  SUBCASE("CURRENT lost") { fs::remove(fs::path(dir.path()) / "CURRENT"); }
  SUBCASE("CURRENT and every WAL lost") {
    fs::remove(fs::path(dir.path()) / "CURRENT");
    for (const auto& wal : files_matching(dir.path(), ".log")) fs::remove(wal);
  }
  SUBCASE("the MANIFEST lost") {
    for (const auto& m : files_matching(dir.path(), "MANIFEST-")) fs::remove(m);
  }
  SUBCASE("every WAL lost") {
    for (const auto& wal : files_matching(dir.path(), ".log")) fs::remove(wal);
  }
  SUBCASE("CURRENT names no MANIFEST") { write_file(fs::path(dir.path()) / "CURRENT", "garbage\n"); }
  refused_untouched(dir.path(), ErrorCode::StorageDamaged);
  auto again = RocksStore::open(options_at(dir.path()), kSpaces);  // still refused: nothing repaired
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::StorageDamaged);
}

TEST_CASE("a database that lost CURRENT and its WAL before any flush is damaged, not a create cut short") {
  // No table file yet, so only the MANIFEST and OPTIONS files tell it from a create cut short;
  // Quarry used to re-create it, deleting its MANIFEST and opening an empty database.
  TempDir dir;
  {
    auto store = must(RocksStore::open(options_at(dir.path()), kSpaces));
    WriteBatch batch;
    batch.put(must(store->space("eavt")), "k", "v");
    must(store->write(batch));
  }
  REQUIRE(files_matching(dir.path(), ".sst").empty());
  fs::remove(fs::path(dir.path()) / "CURRENT");
  for (const auto& wal : files_matching(dir.path(), ".log")) fs::remove(wal);
  refused_untouched(dir.path(), ErrorCode::StorageDamaged);
  auto again = RocksStore::open(options_at(dir.path()), kSpaces);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::StorageDamaged);
}

TEST_CASE("a Quarry database missing a table file fails to open and loses no other file") {
  TempDir dir;
  make_database(dir.path());
  auto tables = files_matching(dir.path(), ".sst");
  REQUIRE_FALSE(tables.empty());
  fs::remove(tables.front());
  auto before = contents_of(dir.path());
  auto store = RocksStore::open(options_at(dir.path()), kSpaces);
  REQUIRE_FALSE(store);
  MESSAGE(store.error().to_edn());
  auto after = contents_of(dir.path());
  for (const auto& [name, bytes] : before) {
    if (name.starts_with("LOG")) continue;  // Quarry's diagnostic log gains lines
    CHECK_MESSAGE(after.contains(name), name << " was deleted");
  }
}

TEST_CASE("a marker of another or unreadable format version is refused untouched") {
  TempDir dir;
  make_database(dir.path());
  SUBCASE("newer") {
    write_file(fs::path(dir.path()) / "QUARRY", "quarry-database\nformat-version 2\n");
    auto store = RocksStore::open(options_at(dir.path()), kSpaces);
    REQUIRE_FALSE(store);
    CHECK(store.error().message.find("format version 2 (newer") != std::string::npos);
    CHECK(store.error().message.find("supported: 1") != std::string::npos);
  }
  SUBCASE("unreadable") { write_file(fs::path(dir.path()) / "QUARRY", "quarry-database\nformat-version x\n"); }
  SUBCASE("someone else's file named QUARRY") { write_file(fs::path(dir.path()) / "QUARRY", "hello"); }
  refused_untouched(dir.path(), ErrorCode::StorageVersion);
}

TEST_CASE("a create cut short after the marker (no RocksDB files yet) is completed") {
  TempDir dir;
  write_file(fs::path(dir.path()) / "QUARRY", "quarry-database\nformat-version 1\n");
  auto store = must(RocksStore::open(options_at(dir.path()), kSpaces));
  CHECK(fs::exists(fs::path(dir.path()) / "CURRENT"));
}

TEST_CASE("a database from before the marker file (marker key only) is adopted and marked") {
  TempDir dir;
  make_database(dir.path());
  fs::remove(fs::path(dir.path()) / "QUARRY");
  {
    auto store = must(RocksStore::open(options_at(dir.path()), kSpaces));
    CHECK(scan(*store, must(store->space("eavt"))).size() == 6000);
  }
  CHECK(fs::exists(fs::path(dir.path()) / "QUARRY"));
}

TEST_CASE("create_if_missing false: an empty directory is not made a database") {
  TempDir dir;
  RocksOptions o = options_at(dir.path());
  o.create_if_missing = false;
  auto store = RocksStore::open(o, kSpaces);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == ErrorCode::StorageIo);
  CHECK(fs::is_empty(dir.path()));
}

// The recovery steps doc/reliability.md gives for :storage/damaged, carried out.
TEST_CASE("recovery: CURRENT written by hand naming the newest MANIFEST opens the database whole") {
  TempDir dir;
  make_database(dir.path());
  fs::path current = fs::path(dir.path()) / "CURRENT";
  std::ifstream in(current);
  std::string manifest;
  std::getline(in, manifest);
  in.close();
  fs::remove(current);
  REQUIRE_FALSE(RocksStore::open(options_at(dir.path()), kSpaces));
  write_file(current, manifest + "\n");
  auto store = must(RocksStore::open(options_at(dir.path()), kSpaces));
  CHECK(scan(*store, must(store->space("eavt"))).size() == 6000);
}

TEST_CASE("recovery: after losing the WAL, an empty log opens what the table files hold") {
  TempDir dir;
  make_database(dir.path());  // batches 0 and 1 flushed, batch 2 only in the WAL
  std::uint64_t highest = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    std::string name = entry.path().filename().string();
    std::string digits = name.starts_with("MANIFEST-") ? name.substr(9) : name.substr(0, name.find('.'));
    if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos) {
      highest = std::max<std::uint64_t>(highest, std::stoull(digits));
    }
  }
  for (const auto& wal : files_matching(dir.path(), ".log")) fs::remove(wal);
  REQUIRE_FALSE(RocksStore::open(options_at(dir.path()), kSpaces));
  char name[32];
  std::snprintf(name, sizeof name, "%06llu.log", static_cast<unsigned long long>(highest + 1));
  write_file(fs::path(dir.path()) / name, "");
  auto store = must(RocksStore::open(options_at(dir.path()), kSpaces));
  CHECK(scan(*store, must(store->space("eavt"))).size() == 4000);
}

TEST_CASE("repair: a lost CURRENT is rewritten naming the newest MANIFEST; nothing is lost") {
  TempDir dir;
  make_database(dir.path());  // 4000 keys in table files, 2000 only in the WAL
  SUBCASE("CURRENT lost") { fs::remove(fs::path(dir.path()) / "CURRENT"); }
  SUBCASE("CURRENT garbled") { write_file(fs::path(dir.path()) / "CURRENT", "MANIFEST-999999\n"); }
  REQUIRE(RocksStore::open(options_at(dir.path()), kSpaces).error().code == ErrorCode::StorageDamaged);
  auto done = must(RocksStore::repair(options_at(dir.path()), kSpaces));
  CHECK(done.starts_with("wrote CURRENT naming MANIFEST-"));
  auto store = must(RocksStore::open(options_at(dir.path()), kSpaces));
  CHECK(scan(*store, must(store->space("eavt"))).size() == 6000);
}

TEST_CASE("repair: a lost MANIFEST is rebuilt from the table files when no log holds data") {
  TempDir dir;
  make_database(dir.path());
  {  // flush the last batch too: the logs are then empty
    auto store = must(RocksStore::open(options_at(dir.path()), kSpaces));
    must(store->flush());
  }
  fs::remove(fs::path(dir.path()) / "CURRENT");
  for (const auto& m : files_matching(dir.path(), "MANIFEST-")) fs::remove(m);
  auto done = must(RocksStore::repair(options_at(dir.path()), kSpaces));
  CHECK(done.starts_with("rebuilt the MANIFEST"));
  MESSAGE(done);
  auto store = must(RocksStore::open(options_at(dir.path()), kSpaces));
  CHECK(scan(*store, must(store->space("eavt"))).size() == 6000);
}

TEST_CASE("repair: a lost MANIFEST with writes only in the log is refused, untouched") {
  TempDir dir;
  make_database(dir.path());
  fs::remove(fs::path(dir.path()) / "CURRENT");
  for (const auto& m : files_matching(dir.path(), "MANIFEST-")) fs::remove(m);
  auto before = contents_of(dir.path());
  auto refused = RocksStore::repair(options_at(dir.path()), kSpaces);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::StorageDamaged);
  CHECK(refused.error().message.find("RepairDB") != std::string::npos);
  CHECK(contents_of(dir.path()) == before);
}

TEST_CASE("repair: a lost log is replaced by an empty one; the table files open") {
  TempDir dir;
  make_database(dir.path());
  for (const auto& wal : files_matching(dir.path(), ".log")) fs::remove(wal);
  auto done = must(RocksStore::repair(options_at(dir.path()), kSpaces));
  CHECK(done.starts_with("created an empty write-ahead log"));
  auto store = must(RocksStore::open(options_at(dir.path()), kSpaces));
  CHECK(scan(*store, must(store->space("eavt"))).size() == 4000);
}

TEST_CASE("repair refuses a directory without Quarry's marker and leaves it untouched") {
  TempDir dir;
  write_file(fs::path(dir.path()) / "000123.sst", "someone's");
  write_file(fs::path(dir.path()) / "CURRENT", "MANIFEST-000001\n");
  auto before = contents_of(dir.path());
  auto repaired = RocksStore::repair(options_at(dir.path()), kSpaces);
  REQUIRE_FALSE(repaired);
  CHECK(repaired.error().code == ErrorCode::StorageForeign);
  CHECK(contents_of(dir.path()) == before);
}

// Losing every write-ahead log, alone or with CURRENT or the MANIFEST (doc/reliability.md,
// "Recovery"). Each key space is a column family that RocksDB flushes on its own, so a batch can be
// in one space's table files and only in the log for another: repair must then refuse, not open
// the batch in part.
namespace {

// Batches that each put key i in both spaces, eavt's value large and aevt's small, so eavt's 64 KiB
// memtable fills and flushes on its own while aevt's batches stay in the log.
void write_pairs(RocksStore& store, int from, int to, std::size_t eavt_value_bytes) {
  SpaceId eavt = must(store.space("eavt"));
  SpaceId aevt = must(store.space("aevt"));
  for (int i = from; i < to; ++i) {
    WriteBatch batch;
    char key[16];
    std::snprintf(key, sizeof key, "k%06d", i);
    batch.put(eavt, key, std::string(eavt_value_bytes, 'e'));
    batch.put(aevt, key, "a");
    must(store.write(batch));
  }
}

std::vector<std::string> keys_of_space(const RocksStore& store, const std::string& space) {
  std::vector<std::string> keys;
  for (const auto& entry : scan(store, must(store.space(space)))) keys.push_back(entry.first);
  return keys;
}

void remove_logs(const std::string& dir) {
  for (const auto& wal : files_matching(dir, ".log")) fs::remove(wal);
}

}  // namespace

TEST_CASE("the MANIFEST reader finds each space's log number; a damaged record is an error") {
  TempDir dir;
  make_database(dir.path());
  auto manifests = files_matching(dir.path(), "MANIFEST-");
  REQUIRE(manifests.size() == 1);
  auto state = must(read_manifest_flush_state(manifests.front().string()));
  CHECK(state.log_numbers.size() == 3);  // default, eavt, aevt
  CHECK(state.log_numbers.contains("eavt"));
  CHECK(state.log_numbers.contains("aevt"));
  CHECK(state.log_numbers.at("eavt") > 0);
  CHECK(state.min_log_to_keep > 0);
  // The WAL holds the last batch: eavt's log number is that log's.
  auto logs = files_matching(dir.path(), ".log");
  REQUIRE(logs.size() == 1);
  CHECK(std::to_string(state.log_numbers.at("eavt")) == std::to_string(std::stoull(logs.front().filename().string())));

  std::string bytes;
  {
    std::ifstream in(manifests.front(), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  REQUIRE(bytes.size() > 20);
  bytes[12] = static_cast<char>(bytes[12] ^ 0x40);  // inside the first record's payload
  write_file(manifests.front(), bytes);
  auto damaged = read_manifest_flush_state(manifests.front().string());
  REQUIRE_FALSE(damaged);
  CHECK(damaged.error().code == ErrorCode::StorageDamaged);
  CHECK(damaged.error().message.find("checksum") != std::string::npos);
}

TEST_CASE("repair: CURRENT and the log lost after every space flushed: the database opens as of that flush") {
  TempDir dir;
  {
    auto store = must(RocksStore::open(options_at(dir.path()), kSpaces));
    write_pairs(*store, 0, 100, 1000);  // ~100 KB in eavt: it flushes alone at least once
    must(store->flush());                // then every space, to the same log
    write_pairs(*store, 100, 150, 10);  // only in the log
  }
  SUBCASE("the log lost") {}
  SUBCASE("CURRENT and the log lost") { fs::remove(fs::path(dir.path()) / "CURRENT"); }
  remove_logs(dir.path());
  REQUIRE(RocksStore::open(options_at(dir.path()), kSpaces).error().code == ErrorCode::StorageDamaged);
  auto done = must(RocksStore::repair(options_at(dir.path()), kSpaces));
  MESSAGE(done);
  CHECK(done.find("created an empty write-ahead log") != std::string::npos);
  auto store = must(RocksStore::open(options_at(dir.path()), kSpaces));
  auto eavt = keys_of_space(*store, "eavt");
  CHECK(eavt.size() == 100);
  CHECK(eavt == keys_of_space(*store, "aevt"));  // every batch whole in both spaces
}

TEST_CASE("repair: the log lost while one space had flushed batches another held only in it is refused, untouched") {
  TempDir dir;
  must(RocksStore::open(options_at(dir.path()), kSpaces));  // created; the reopen flushes its format key
  {
    auto store = must(RocksStore::open(options_at(dir.path()), kSpaces));
    write_pairs(*store, 0, 100, 2000);  // eavt flushes on its own; aevt's halves stay in the log
  }
  REQUIRE_FALSE(files_matching(dir.path(), ".sst").empty());
  SUBCASE("the log lost") {}
  SUBCASE("CURRENT and the log lost") { fs::remove(fs::path(dir.path()) / "CURRENT"); }
  remove_logs(dir.path());
  auto before = contents_of(dir.path());
  auto refused = RocksStore::repair(options_at(dir.path()), kSpaces);
  REQUIRE_FALSE(refused);
  MESSAGE(refused.error().to_edn());
  CHECK(refused.error().code == ErrorCode::StorageDamaged);
  CHECK(refused.error().message.find("flushed at different points") != std::string::npos);
  CHECK(refused.error().message.find("\"aevt\" holds the writes of logs below") != std::string::npos);
  CHECK(refused.error().message.find("\"eavt\" of logs below") != std::string::npos);
  CHECK(contents_of(dir.path()) == before);

  // Why: replacing the log by hand (the step --repair refuses) opens batches in part.
  if (fs::exists(fs::path(dir.path()) / "CURRENT")) {
    write_file(fs::path(dir.path()) / "999999.log", "");
    auto store = must(RocksStore::open(options_at(dir.path()), kSpaces));
    auto eavt = keys_of_space(*store, "eavt");
    auto aevt = keys_of_space(*store, "aevt");
    MESSAGE("by hand: eavt holds " << eavt.size() << " keys, aevt " << aevt.size());
    CHECK(eavt.size() > aevt.size());
  }
}

TEST_CASE("repair: CURRENT, every MANIFEST and every log lost is refused, untouched") {
  TempDir dir;
  make_database(dir.path());
  {  // flush the last batch too: even so, without the log nothing says the spaces agree
    auto store = must(RocksStore::open(options_at(dir.path()), kSpaces));
    must(store->flush());
  }
  fs::remove(fs::path(dir.path()) / "CURRENT");
  for (const auto& m : files_matching(dir.path(), "MANIFEST-")) fs::remove(m);
  remove_logs(dir.path());
  auto before = contents_of(dir.path());
  auto refused = RocksStore::repair(options_at(dir.path()), kSpaces);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::StorageDamaged);
  CHECK(refused.error().message.find("both lost") != std::string::npos);
  CHECK(contents_of(dir.path()) == before);
}

TEST_CASE("repair: CURRENT and the log lost before any flush is refused, untouched: nothing is left") {
  TempDir dir;
  {
    auto store = must(RocksStore::open(options_at(dir.path()), kSpaces));
    write_pairs(*store, 0, 10, 10);
  }
  REQUIRE(files_matching(dir.path(), ".sst").empty());
  fs::remove(fs::path(dir.path()) / "CURRENT");
  remove_logs(dir.path());
  auto before = contents_of(dir.path());
  auto refused = RocksStore::repair(options_at(dir.path()), kSpaces);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::StorageDamaged);
  CHECK(refused.error().message.find("no table file holds anything") != std::string::npos);
  CHECK(contents_of(dir.path()) == before);
}
