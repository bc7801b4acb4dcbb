// The public API's speculative transactions (Db::with), log and raw index reads, and operations
// (backup, compact, stats, read-only), on both stores, through <quarry/quarry.hpp> only.
#include <doctest/doctest.h>

#include <quarry/quarry.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "support/edn_value.hpp"
#include "support/temp_path.hpp"

namespace {

using quarry::Database;
using quarry::Db;
using quarry::IndexOrder;
using quarry::Options;
using quarry::TxId;
using quarry::Value;
using quarry::testing::edn;
using quarry::testing::TempPath;

template <class T>
T must(quarry::Result<T> r) {
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  return std::move(*r);
}

Value query(const Db& db, std::string_view q) {
  return must(quarry::q(q, {db})).value;
}

const char* kSchema = R"({:name {:db/unique :db.unique/identity} :age {:db/valueType :db.type/long}
                          :friend {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}})";
const char* kPeople = R"([{:db/id "i" :name "Ivan" :age 30} {:name "Petr" :age 20 :friend "i"}])";

// One database on each store, with the same data.
struct Stores {
  TempPath dir{"quarry-forms"};
  std::vector<Database> dbs;
  Stores() {
    dbs.push_back(must(Database::open(Options{.in_memory = true})));
    dbs.push_back(must(Database::open(Options{.path = dir.str(), .sync_writes = false})));
    for (Database& db : dbs) {
      (void)must(db.declare_schema(kSchema));
      (void)must(db.transact(kPeople));
    }
  }
};

}  // namespace

TEST_CASE("with: db_after is queried, pulled and given to with again; nothing is written") {
  Stores stores;
  for (Database& database : stores.dbs) {
    Db before = database.db();
    TxId basis = before.basis();
    auto report = must(before.with(R"([[:db/add 10 :name "X"] {:db/id "o" :name "Olga" :friend [:name "Ivan"]}])"));
    CHECK(report.tx.value == basis.value + 1);
    CHECK(report.db_after.basis() == report.tx);
    CHECK(report.db_before.basis() == basis);
    CHECK(report.tempid(Value("o")).has_value());
    CHECK(query(report.db_after, "[:find (count ?e) . :where [?e :name]]") == Value(4));
    CHECK(must(report.db_after.pull("[:name {:_friend [:name]}]", edn("[:name \"Ivan\"]"))) ==
          edn(R"({:name "Ivan" :_friend [{:name "Petr"} {:name "Olga"}]})"));

    auto again = must(report.db_after.with(R"([[:db/retractEntity [:name "Ivan"]] [:db/add 10 :age 5]])"));
    CHECK(again.tx.value == basis.value + 2);
    CHECK(query(again.db_after, "[:find ?n ?a :where [?e :name ?n] [?e :age ?a]]") ==
          edn(R"(#{["Petr" 20] ["X" 5]})"));
    CHECK(query(again.db_after, "[:find [?n ...] :where [_ :name ?n]]").as<quarry::Vector>().items.size() == 3);
    // The first speculative value is unchanged by the second.
    CHECK(query(report.db_after, "[:find (count ?e) . :where [?e :name]]") == Value(4));
    // History and the log of the speculative value include its transactions.
    CHECK(must(again.db_after.tx_range(report.tx, std::nullopt)).size() == 2);
    CHECK(query(again.db_after.history(), "[:find (count ?e) . :where [?e :name \"Ivan\" _ false]]") == Value(1));

    // Nothing persisted: the database and its basis are as they were.
    CHECK(database.db().basis() == basis);
    CHECK(query(database.db(), "[:find (count ?e) . :where [?e :name]]") == Value(2));
    auto real = must(database.transact(R"([{:name "Real"}])"));
    CHECK(real.tx == report.tx);
    CHECK(query(database.db(), "[:find [?n ...] :where [?e :name ?n] [(= ?n \"Olga\")]]") == edn("[]"));
  }
}

TEST_CASE("with: errors are those of transact and change nothing; views are kept") {
  Stores stores;
  Database& database = stores.dbs.front();
  Db now = database.db();
  auto bad = now.with(R"([[:db/add 1 :age "thirty"]])");
  REQUIRE(!bad);
  CHECK(bad.error().code == quarry::ErrorCode::TxType);
  CHECK(!now.with("[[:db/add 1").has_value());
  // An as-of value keeps its view, so the speculative datoms are outside it (Datomic's behaviour).
  Db old = now.as_of(now.basis());
  auto on_old = must(old.with(R"([{:name "Z"}])"));
  CHECK(query(on_old.db_after, "[:find (count ?e) . :where [?e :name]]") == Value(2));
  CHECK(query(on_old.db_after.since(now.basis()), "[:find [?n ...] :where [_ :name ?n]]") == edn("[]"));
  auto current = must(now.with(R"([{:name "Z"}])"));
  CHECK(query(current.db_after.since(now.basis()), "[:find [?n ...] :where [_ :name ?n]]") == edn(R"(["Z"])"));
}

TEST_CASE("with honours strict schema of its database") {
  auto database = must(Database::open(Options{.in_memory = true, .strict_schema = true}));
  auto r = database.db().with(R"([{:undeclared 1}])");
  REQUIRE(!r);
  CHECK(r.error().code == quarry::ErrorCode::TxUnknownAttribute);
}

TEST_CASE("tx_range groups the log by transaction; nil ends are open") {
  Stores stores;
  for (Database& database : stores.dbs) {
    (void)must(database.transact(R"([[:db/retract [:name "Petr"] :age 20]])"));
    Db db = database.db();
    auto all = must(db.tx_range(std::nullopt, std::nullopt));
    REQUIRE(all.size() == 3);  // schema, people, retraction
    CHECK(all[0].t.value == quarry::kTx0 + 1);
    CHECK(all[2].t == db.basis());
    CHECK(all[2].data.front().added == false);
    CHECK(must(db.tx_range(all[1].t, all[2].t)).size() == 1);
    CHECK(must(db.tx_range(all[2].t, all[1].t)).empty());
    CHECK(must(db.tx_range(TxId{quarry::kTx0}, TxId{quarry::kTx0 + 1})).size() == 1);  // the built-in schema
  }
}

TEST_CASE("datoms, seek_datoms and index_range take lookup refs, idents and a tx") {
  Stores stores;
  for (Database& database : stores.dbs) {
    Db db = database.db();
    Value ivan = edn(R"([:name "Ivan"])");
    auto by_ref = must(db.datoms(IndexOrder::Eavt, std::span<const Value>(&ivan, 1)));
    CHECK(by_ref.size() == 2);
    std::vector<Value> vaet{ivan, Value::keyword("friend")};
    CHECK(must(db.datoms(IndexOrder::Vaet, vaet)).size() == 1);
    std::vector<Value> with_tx{Value(1), Value::keyword("age"), Value(30), Value(static_cast<std::int64_t>(db.basis().value))};
    CHECK(must(db.datoms(IndexOrder::Eavt, with_tx)).size() == 1);
    with_tx[3] = Value(static_cast<std::int64_t>(db.basis().value - 1));
    CHECK(must(db.datoms(IndexOrder::Eavt, with_tx)).empty());
    Value nobody = edn(R"([:name "Nobody"])");
    CHECK(must(db.datoms(IndexOrder::Eavt, std::span<const Value>(&nobody, 1))).empty());
    Value ident = Value::keyword("name");
    CHECK(must(db.datoms(IndexOrder::Eavt, std::span<const Value>(&ident, 1))).size() == 3);  // its schema datoms

    std::vector<Value> from{Value::keyword("age"), Value(25)};
    auto seek = must(db.seek_datoms(IndexOrder::Avet, from));
    REQUIRE(!seek.empty());
    CHECK(seek.front().v == Value(30));
    CHECK(must(db.seek_datoms(IndexOrder::Avet, from, 2)).size() == 2);

    auto range = must(db.index_range(Value::keyword("age"), Value(20), Value(30)));
    REQUIRE(range.size() == 1);
    CHECK(range.front().v == Value(20));
    CHECK(must(db.index_range(Value::keyword("age"), std::nullopt, std::nullopt)).size() == 2);
    CHECK(must(db.index_range(Value::keyword("friend"), Value(1), Value(2))).size() == 1);
    CHECK(db.index_range(Value::keyword("nope"), std::nullopt, std::nullopt).error().code ==
          quarry::ErrorCode::InvalidArgument);
  }
}

TEST_CASE("backup copies a consistent database that opens equal; an existing non-empty directory is refused") {
  Stores stores;
  for (Database& database : stores.dbs) {
    TempPath copy("quarry-backup");
    (void)must(database.transact(R"([[:db/retract [:name "Petr"] :age 20]])"));
    CHECK(must(database.backup(copy.str())) > 0);
    CHECK(!database.backup(copy.str()).has_value());  // now not empty
    auto restored = must(Database::open(Options{.path = copy.str()}));
    Db a = database.db(), b = restored.db();
    CHECK(a.basis() == b.basis());
    CHECK(must(a.datoms(IndexOrder::Eavt)) == must(b.datoms(IndexOrder::Eavt)));
    CHECK(must(a.history().datoms(IndexOrder::Aevt)) == must(b.history().datoms(IndexOrder::Aevt)));
    auto log_a = must(a.tx_range(std::nullopt, std::nullopt)), log_b = must(b.tx_range(std::nullopt, std::nullopt));
    REQUIRE(log_a.size() == log_b.size());
    for (std::size_t i = 0; i < log_a.size(); ++i) CHECK(log_a[i].data == log_b[i].data);
    // The copy is a database of its own: it takes transactions with the next id.
    CHECK(must(restored.transact(R"([{:name "After"}])")).tx.value == a.basis().value + 1);
  }
  TempPath file("quarry-backup-file");
  std::ofstream(file.str()) << "not a directory";
  CHECK(stores.dbs.front().backup(file.str()).error().code == quarry::ErrorCode::InvalidArgument);
}

TEST_CASE("stats count from statistics; compact keeps the data") {
  Stores stores;
  for (Database& database : stores.dbs) {
    auto stats = must(database.stats());
    CHECK(stats.basis == database.db().basis());
    CHECK(stats.datoms == must(database.db().datoms(IndexOrder::Eavt)).size());
    CHECK(stats.attributes == 21);  // 18 built in, 3 declared
    CHECK(stats.storage_bytes > 0);
    (void)must(database.compact());
    CHECK(query(database.db(), "[:find (count ?e) . :where [?e :name]]") == Value(2));
  }
}

TEST_CASE("read-only: transactions refused, reads work, and a held directory opens") {
  TempPath dir("quarry-read-only");
  CHECK(Database::open(Options{.path = dir.str(), .read_only = true}).error().code == quarry::ErrorCode::StorageIo);
  CHECK(!std::filesystem::exists(dir.str()));  // nothing created
  auto writer = must(Database::open(Options{.path = dir.str(), .sync_writes = false}));
  (void)must(writer.declare_schema(kSchema));
  (void)must(writer.transact(kPeople));
  // RocksDB's read-only mode takes no lock: it opens while the writer holds the directory, and
  // sees the data as of the open.
  auto reader = must(Database::open(Options{.path = dir.str(), .read_only = true}));
  CHECK(query(reader.db(), "[:find (count ?e) . :where [?e :name]]") == Value(2));
  auto refused = reader.transact(R"([{:name "No"}])");
  REQUIRE(!refused);
  CHECK(refused.error().code == quarry::ErrorCode::StorageReadOnly);
  CHECK(reader.compact().error().code == quarry::ErrorCode::StorageReadOnly);
  CHECK(must(reader.db().with(R"([{:name "Spec"}])")).db_after.basis().value == reader.db().basis().value + 1);
  (void)must(writer.transact(R"([{:name "Later"}])"));
  CHECK(query(reader.db(), "[:find (count ?e) . :where [?e :name]]") == Value(2));
}

TEST_CASE("listeners get every committed report in order, on their own thread; slow or throwing ones do not stop the writer") {
  auto database = must(Database::open(Options{.in_memory = true}));
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::uint64_t> seen;
  std::thread::id caller = std::this_thread::get_id(), notifier;
  auto recorder = database.listen([&](const quarry::TxReport& r) {
    std::lock_guard lock(m);
    seen.push_back(r.tx.value);
    notifier = std::this_thread::get_id();
    cv.notify_all();
  });
  std::atomic<bool> release{false};
  auto slow = database.listen([&](const quarry::TxReport&) {
    while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  auto thrower = database.listen([](const quarry::TxReport&) { throw std::runtime_error("listener failure"); });
  std::vector<std::uint64_t> committed;
  for (int i = 0; i < 20; ++i)  // the slow listener holds the notifier: the writer is not held
    committed.push_back(must(database.transact("[{:n " + std::to_string(i) + "}]")).tx.value);
  (void)database.db().with("[{:n 99}]");  // speculative: not a commit, not reported
  CHECK(!database.transact("[[:db/add 1 :n \"x\"] [:db/add 1 :n 1.5]]").has_value());  // failed: not reported
  release = true;
  {
    std::unique_lock lock(m);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return seen.size() >= committed.size(); }));
    CHECK(seen == committed);
    CHECK(notifier != caller);
  }
  recorder.remove();
  (void)must(database.transact("[{:n 100}]"));
  slow.remove();
  thrower.remove();
  std::lock_guard lock(m);
  CHECK(seen.size() == committed.size());  // removed: not called again
}

TEST_CASE("a listener may transact and remove itself; reports queued at close are delivered") {
  std::vector<std::uint64_t> seen;
  {
    quarry::Listener self;  // declared first, so it outlives the Database (and does not remove itself early)
    auto database = must(Database::open(Options{.in_memory = true}));
    self = database.listen([&](const quarry::TxReport& r) {
      seen.push_back(r.tx.value);
      if (seen.size() == 1) (void)database.transact("[{:from-listener true}]");
      if (seen.size() == 2) self.remove();
    });
    (void)must(database.transact("[{:n 1}]"));
    (void)must(database.transact("[{:n 2}]"));
  }  // the Database closes: everything queued was delivered first
  CHECK(seen.size() == 2);
}
