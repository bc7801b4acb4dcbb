// The bad-input catalogue: every case is bad input or a bad environment, gets one specific error
// code, and changes nothing — the database's contents (the four current indexes, the history and
// the log, read through the public API) are compared before and after, and for the environment
// cases every file of the directory as well.
//
// Input cases run through the public API on both stores (in memory, and RocksDB in a directory).
// Environment cases each set up their own directory: another process's lock, a read-only open, a full
// disk (through the fault-injecting FileSystem, support/fault_fs.hpp), a corrupted table file, a
// foreign directory.
#include <doctest/doctest.h>

#include <rocksdb/env.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <quarry/query.hpp>
#include <quarry/quarry.hpp>

#include "index/key_layout.hpp"
#include "storage/rocks_store.hpp"
#include "support/fault_fs.hpp"
#include "support/temp_path.hpp"
#include "support/tx_harness.hpp"
#include "tx/connection.hpp"

namespace fs = std::filesystem;
using quarry::ErrorCode;

namespace {

// What a database holds, read through the public API: the current indexes, history and log.
struct Contents {
  std::vector<std::vector<quarry::Datom>> indexes;
  std::vector<quarry::Datom> history;
  std::size_t log_entries = 0;
  quarry::TxId basis{};
  bool operator==(const Contents&) const = default;
};

Contents contents(const quarry::Database& db) {
  Contents c;
  quarry::Db now = db.db();
  for (auto order : {quarry::IndexOrder::Eavt, quarry::IndexOrder::Aevt, quarry::IndexOrder::Avet, quarry::IndexOrder::Vaet}) {
    auto d = now.datoms(order);
    REQUIRE(d.has_value());
    c.indexes.push_back(std::move(*d));
  }
  auto h = now.history().datoms(quarry::IndexOrder::Eavt);
  REQUIRE(h.has_value());
  c.history = std::move(*h);
  auto log = now.tx_range(std::nullopt, std::nullopt);
  REQUIRE(log.has_value());
  c.log_entries = log->size();
  c.basis = now.basis();
  return c;
}

std::map<std::string, std::string> files_of(const std::string& root) {
  std::map<std::string, std::string> out;
  if (!fs::exists(root)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = fs::relative(entry.path(), root).string();
    if (name == "LOG" || name.starts_with("LOG.old")) continue;  // RocksDB's diagnostic log
    std::ifstream in(entry.path(), std::ios::binary);
    out[name] = std::string(std::istreambuf_iterator<char>(in), {});
  }
  return out;
}

constexpr const char* kSchema = R"([
  {:db/ident :name :db/valueType :db.type/string :db/unique :db.unique/identity}
  {:db/ident :email :db/valueType :db.type/string :db/unique :db.unique/value}
  {:db/ident :age :db/valueType :db.type/long}
  {:db/ident :friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}])";
constexpr const char* kData =
    R"([{:db/id 1 :name "Ann" :age 41 :email "ann@example.com"} {:db/id 2 :name "Bob" :age 27 :friend 1}])";

void load(quarry::Database& db) {
  REQUIRE(db.transact(kSchema).has_value());
  REQUIRE(db.transact(kData).has_value());
}

struct InputCase {
  const char* name;
  ErrorCode code;
  std::function<quarry::Result<void>(quarry::Database&)> run;
};

template <class T>
quarry::Result<void> only_error(const quarry::Result<T>& r) {
  if (r) return {};
  return std::unexpected(r.error());
}

quarry::Result<void> tx(quarry::Database& db, std::string_view edn) { return only_error(db.transact(edn)); }
quarry::Result<void> query(quarry::Database& db, std::string_view edn, std::vector<quarry::QueryInput> extra = {}) {
  std::vector<quarry::QueryInput> inputs{db.db()};
  for (auto& i : extra) inputs.push_back(std::move(i));
  return only_error(quarry::q(edn, inputs));
}

std::vector<InputCase> input_cases() {
  std::string deep(600, '[');
  deep += std::string(600, ']');
  return {
      // malformed EDN
      {"tx-data cut off", ErrorCode::EdnSyntax, [](auto& db) { return tx(db, R"([[:db/add 1 :name "Cy")"); }},
      {"an unterminated string", ErrorCode::EdnSyntax, [](auto& db) { return tx(db, R"([[:db/add 1 :name "Cy]])"); }},
      {"a stray closing bracket", ErrorCode::EdnSyntax, [](auto& db) { return tx(db, "[[:db/add 1 :name \"Cy\"]]]"); }},
      {"a map with an odd number of forms", ErrorCode::EdnSyntax, [](auto& db) { return tx(db, "[{:name}]"); }},
      {"invalid UTF-8", ErrorCode::EdnSyntax, [](auto& db) { return tx(db, "[[:db/add 1 :name \"\xff\xfe\"]]"); }},
      {"a long beyond 64 bits", ErrorCode::EdnSyntax, [](auto& db) { return tx(db, "[[:db/add 1 :age 99999999999999999999]]"); }},
      {"nesting 600 deep", ErrorCode::EdnDepth, [deep](auto& db) { return tx(db, deep); }},
      {"a query cut off", ErrorCode::EdnSyntax, [](auto& db) { return query(db, "[:find ?e :where [?e :name"); }},
      // bad tx data
      {"an unknown tx op", ErrorCode::TxSyntax, [](auto& db) { return tx(db, "[[:db/frob 1 :name \"x\"]]"); }},
      {"tx-data that is not a collection", ErrorCode::TxSyntax, [](auto& db) { return tx(db, ":name"); }},
      {"an add missing its value", ErrorCode::TxSyntax, [](auto& db) { return tx(db, "[[:db/add 1 :name]]"); }},
      {"a string for a long attribute", ErrorCode::TxType, [](auto& db) { return tx(db, R"([[:db/add 1 :age "old"]])"); }},
      {"a unique value held by another entity", ErrorCode::TxUnique,
       [](auto& db) { return tx(db, R"([[:db/add 2 :email "ann@example.com"]])"); }},
      {"cas with the wrong old value", ErrorCode::TxCas, [](auto& db) { return tx(db, "[[:db/cas 1 :age 40 42]]"); }},
      {"a lookup ref that finds nothing", ErrorCode::TxLookupRef,
       [](auto& db) { return tx(db, R"([[:db/add [:name "Nobody"] :age 1]])"); }},
      {"a lookup ref on a non-unique attribute", ErrorCode::TxLookupRef,
       [](auto& db) { return tx(db, "[[:db/add [:age 41] :age 1]]"); }},
      {"two values of a card-one attribute in one tx", ErrorCode::TxConflict,
       [](auto& db) { return tx(db, "[[:db/add 1 :age 1] [:db/add 1 :age 2]]"); }},
      {"0 as an entity id", ErrorCode::TxEntityId, [](auto& db) { return tx(db, "[[:db/add 0 :age 1]]"); }},
      {"an unknown ident as an entity", ErrorCode::TxEntityId, [](auto& db) { return tx(db, "[[:db/add :no/such :age 1]]"); }},
      {"unique on an attribute with duplicate values", ErrorCode::TxSchema,
       [](auto& db) { return tx(db, "[[:db/add 2 :age 41] {:db/ident :age :db/unique :db.unique/value}]"); }},
      {"changing a value type", ErrorCode::TxSchema,
       [](auto& db) { return tx(db, "[{:db/ident :age :db/valueType :db.type/string}]"); }},
      {"a ref to a string tempid never asserted", ErrorCode::TxTempid,
       [](auto& db) { return tx(db, R"([[:db/add 1 :friend "ghost"]])"); }},
      // bad queries and pull patterns
      {"a query that is not a query", ErrorCode::QuerySyntax, [](auto& db) { return query(db, "[:where [?e :name]]"); }},
      {"a where clause of the wrong shape", ErrorCode::QuerySyntax, [](auto& db) { return query(db, "[:find ?e :where ?e]"); }},
      {"an unbound find variable", ErrorCode::QueryInvalid, [](auto& db) { return query(db, "[:find ?x :where [?e :name]]"); }},
      {"an unknown function", ErrorCode::QueryInvalid,
       [](auto& db) { return query(db, "[:find ?e :where [?e :age ?a] [(no-such-fn ?a)]]"); }},
      {"an unknown rule", ErrorCode::QueryInvalid, [](auto& db) { return query(db, "[:find ?e :where (no-rule ?e)]"); }},
      {"inputs missing for :in", ErrorCode::QueryInput, [](auto& db) { return query(db, "[:find ?e :in $ ?n :where [?e :name ?n]]"); }},
      {"a function given the wrong types", ErrorCode::QueryFunction,
       [](auto& db) { return query(db, "[:find ?x :where [?e :name ?n] [(+ ?n 1) ?x]]"); }},
      {"a back-reference in a regex", ErrorCode::QueryFunction,
       [](auto& db) { return query(db, R"([:find ?n :where [?e :name ?n] [(re-pattern "(a)\\1") ?re] [(re-find ?re ?n)]])"); }},
      {"a product over the row limit", ErrorCode::QueryLimit,
       [](auto& db) {
         quarry::QueryOptions limits;
         limits.max_rows = 2;
         std::vector<quarry::QueryInput> in{db.db()};
         return only_error(quarry::q("[:find ?a ?b :where [?a :name] [?b :name] [?c :name]]", in, limits));
       }},
      {"a pull pattern of the wrong shape", ErrorCode::PullSyntax,
       [](auto& db) { return only_error(db.db().pull("[{:friend :age}]", quarry::Value(std::int64_t{1}))); }},
  };
}

void run_input_cases(quarry::Database& db) {
  load(db);
  for (const auto& c : input_cases()) {
    const std::string name = c.name;
    CAPTURE(name);
    const Contents before = contents(db);
    auto r = c.run(db);
    CHECK_MESSAGE(!r.has_value(), "accepted: " << name);
    if (r) continue;
    CHECK_MESSAGE(r.error().code == c.code,
                  c.name << ": expected :" << quarry::error_code_name(c.code) << ", got " << r.error().to_edn());
    CHECK_MESSAGE(contents(db) == before, c.name << " changed the database");
  }
}

}  // namespace

TEST_CASE("bad input, in memory: a specific error each, nothing changed") {
  auto db = quarry::Database::open({.in_memory = true});
  REQUIRE(db.has_value());
  run_input_cases(*db);
  MESSAGE(input_cases().size() << " input cases");
}

TEST_CASE("bad input, RocksDB: a specific error each, nothing changed") {
  quarry::testing::TempPath dir("catalogue");
  auto db = quarry::Database::open({.path = dir.str(), .sync_writes = false});
  REQUIRE(db.has_value());
  run_input_cases(*db);
}

TEST_CASE("a database another handle holds is :storage/locked, and nothing changes") {
  quarry::testing::TempPath dir("catalogue");
  auto first = quarry::Database::open({.path = dir.str()});
  REQUIRE(first.has_value());
  load(*first);
  const Contents before = contents(*first);
  const auto files = files_of(dir.str());
  auto second = quarry::Database::open({.path = dir.str()});
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code == ErrorCode::StorageLocked);
  CHECK(contents(*first) == before);
  CHECK(files_of(dir.str()) == files);
}

TEST_CASE("a write to a database opened read-only is :storage/read-only, and nothing changes") {
  quarry::testing::TempPath dir("catalogue");
  {
    auto db = quarry::Database::open({.path = dir.str()});
    REQUIRE(db.has_value());
    load(*db);
  }
  const auto files = files_of(dir.str());
  auto db = quarry::Database::open({.path = dir.str(), .read_only = true});
  REQUIRE(db.has_value());
  const Contents before = contents(*db);
  for (const char* edn : {R"([[:db/add 1 :age 50]])", R"([{:name "New"}])"}) {
    auto r = db->transact(edn);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::StorageReadOnly);
  }
  CHECK(contents(*db) == before);
  CHECK(files_of(dir.str()) == files);
}

TEST_CASE("a full disk fails the transaction with :storage/io naming the space, and nothing of it is kept") {
  using namespace quarry;
  quarry::testing::TempPath dir("catalogue");
  auto fault = std::make_shared<quarry::testing::FaultFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fault);
  RocksOptions options;
  options.path = dir.str();
  options.info_log = false;
  std::vector<std::pair<std::string, std::string>> before;
  {
    options.env = env.get();
    auto store = RocksStore::open(options, keys::all_spaces());
    REQUIRE(store.has_value());
    std::shared_ptr<Store> shared(std::move(*store));
    auto c = tx::Connection::open(shared, {.clock = quarry::testing::fixed_clock});
    REQUIRE(c.has_value());
    REQUIRE((*c)->transact(*read_edn(kSchema)).has_value());
    before = quarry::testing::dump_store(*shared);
    fault->arm({.op = quarry::testing::FaultOp::Write, .nth = 1, .forever = true, .no_space = true});
    auto r = (*c)->transact(*read_edn(kData));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::StorageIo);
    CHECK_MESSAGE(r.error().message.find("space") != std::string::npos, r.error().message);
    CHECK(quarry::testing::dump_store(*shared) == before);
  }
  fault->disarm();  // space freed
  options.env = nullptr;
  auto store = RocksStore::open(options, keys::all_spaces());
  REQUIRE(store.has_value());
  CHECK(quarry::testing::dump_store(**store) == before);
}

TEST_CASE("a corrupted table file is :storage/corruption when opened or read, and the files are left as they were") {
  quarry::testing::TempPath dir("catalogue");
  {
    auto db = quarry::Database::open({.path = dir.str()});
    REQUIRE(db.has_value());
    load(*db);
    std::string many = "[";
    for (int i = 0; i < 3000; ++i) many += "{:name \"person " + std::to_string(i) + "\" :age " + std::to_string(i) + "}";
    REQUIRE(db->transact(many + "]").has_value());
    REQUIRE(db->compact().has_value());  // everything into table files
  }
  fs::path largest;
  for (const auto& entry : fs::directory_iterator(dir.str()))
    if (entry.path().extension() == ".sst" && (largest.empty() || entry.file_size() > fs::file_size(largest)))
      largest = entry.path();
  REQUIRE_FALSE(largest.empty());
  {
    std::fstream f(largest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(largest) / 3));
    const std::string junk(64, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  const auto files = files_of(dir.str());
  auto db = quarry::Database::open({.path = dir.str()});
  quarry::Error error{ErrorCode::Internal, "no error"};
  if (!db) {
    error = db.error();
  } else {
    bool failed = false;
    auto note = [&](const auto& r) {
      if (!r && !failed) {
        error = r.error();
        failed = true;
      }
    };
    for (auto order : {quarry::IndexOrder::Eavt, quarry::IndexOrder::Aevt, quarry::IndexOrder::Avet, quarry::IndexOrder::Vaet}) {
      note(db->db().datoms(order));
      note(db->db().history().datoms(order));
    }
    note(db->db().tx_range(std::nullopt, std::nullopt));
    REQUIRE_MESSAGE(failed, "a corrupted table file read without an error");
  }
  CHECK_MESSAGE(error.code == ErrorCode::StorageCorruption, error.to_edn());
  db = std::unexpected(error);  // close before comparing
  // A successful open writes RocksDB's own new log, MANIFEST and OPTIONS files as any open does, and
  // may flush what it recovered from the log into a new table file; every table file that was there
  // (the corrupted one included) is left as it was: none is rewritten, repaired or deleted.
  auto tables = [](std::map<std::string, std::string> all) {
    std::erase_if(all, [](const auto& f) { return !f.first.ends_with(".sst"); });
    return all;
  };
  const auto after = tables(files_of(dir.str())), was = tables(files);
  for (const auto& [name, bytes] : was)
    CHECK_MESSAGE((after.contains(name) && after.at(name) == bytes), name << " changed or went");
}

TEST_CASE("a foreign directory is :storage/foreign and is left byte for byte") {
  quarry::testing::TempPath dir("catalogue");
  fs::create_directories(dir.str());
  for (const char* name : {"notes.txt", "000123.sst", "MANIFEST-000003"}) {
    std::ofstream(fs::path(dir.str()) / name) << "someone else's " << name;
  }
  const auto files = files_of(dir.str());
  auto db = quarry::Database::open({.path = dir.str()});
  REQUIRE_FALSE(db.has_value());
  CHECK(db.error().code == ErrorCode::StorageForeign);
  CHECK(files_of(dir.str()) == files);
}
