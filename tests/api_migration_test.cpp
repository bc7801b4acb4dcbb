// Migration between memory and RocksDB with full history (doc/operations.md, "Migration"):
// Database::backup writes any database to a RocksDB directory, Database::restore makes a new
// database (memory or RocksDB) a copy of one. Round trips keep the current indexes, the history,
// the log, the schema and as-of views at every transaction; restore refuses a database with
// transactions of its own, and leaves the source as it was.
#include <doctest/doctest.h>

#include <quarry/quarry.hpp>

#include <string>
#include <vector>

#include "support/quarry_command.hpp"
#include "support/temp_path.hpp"

namespace {

using quarry::Database;
using quarry::Db;
using quarry::IndexOrder;
using quarry::Value;

template <class T>
T must(quarry::Result<T> r) {
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  return std::move(*r);
}

std::string datoms_edn(const Db& db, IndexOrder order) {
  std::string out;
  for (const auto& d : must(db.datoms(order))) out += quarry::to_edn(db.datom_value(d)) + "\n";
  return out;
}

// Everything a migration must keep, as text: the four indexes now and in history, the log, and
// the current view as of every transaction.
std::string everything(const Db& db) {
  std::string out;
  for (auto order : {IndexOrder::Eavt, IndexOrder::Aevt, IndexOrder::Avet, IndexOrder::Vaet}) {
    out += datoms_edn(db, order);
    out += datoms_edn(db.history(), order);
  }
  for (const auto& entry : must(db.tx_range(std::nullopt, std::nullopt))) {
    out += std::to_string(entry.t.value) + ":";
    for (const auto& d : entry.data) out += quarry::to_edn(db.datom_value(d));
    out += "\n";
    out += datoms_edn(db.as_of(entry.t), IndexOrder::Eavt);
  }
  return out;
}

void build_history(Database& db) {
  must(db.declare_schema(R"({:name {:db/unique :db.unique/identity}
                             :age {:db/valueType :db.type/long}
                             :friend {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}})"));
  must(db.transact(R"([{:db/id "a" :name "Ann" :age 30} {:name "Bob" :age 40 :friend "a"}])"));
  must(db.transact(R"([[:db/add [:name "Ann"] :age 31] [:db/retract [:name "Bob"] :age 40]])"));
  must(db.transact(R"([{:name "Cy" :friend [[:name "Ann"] [:name "Bob"]]}])"));
  must(db.transact(R"([[:db/retractEntity [:name "Bob"]]])"));
  must(db.transact(R"([{:name "Ann" :age 32}])"));
}

}  // namespace

TEST_CASE("memory -> RocksDB -> memory -> RocksDB keeps indexes, history, log and as-of views") {
  quarry::testing::TempPath first("migrate-1");
  quarry::testing::TempPath second("migrate-2");
  auto memory = must(Database::open({.in_memory = true}));
  build_history(memory);
  const std::string expected = everything(memory.db());
  const auto basis = memory.db().basis();

  must(memory.backup(first.str()));  // memory -> RocksDB
  {
    auto rocks = must(Database::open({.path = first.str()}));
    CHECK(rocks.db().basis() == basis);
    CHECK(everything(rocks.db()) == expected);
  }
  auto back = must(Database::open({.in_memory = true}));  // RocksDB -> memory
  CHECK(must(back.restore(first.str())) > 0);
  CHECK(back.db().basis() == basis);
  CHECK(everything(back.db()) == expected);
  CHECK(must(back.stats()).datoms == must(memory.stats()).datoms);
  // The restored database goes on: upserts and lookups use the restored schema and ids.
  must(back.transact(R"([{:name "Ann" :age 33} {:name "Dee"}])"));
  CHECK(quarry::to_edn(must(quarry::q("[:find (count ?e) . :where [?e :name]]", {back.db()})).value) == "3");  // Ann upserted
  CHECK(quarry::to_edn(must(quarry::q("[:find ?a . :where [?e :name \"Ann\"] [?e :age ?a]]", {back.db()})).value) == "33");

  {
    auto rocks = must(Database::open({.path = second.str()}));  // RocksDB -> a new RocksDB
    must(rocks.restore(first.str()));
    CHECK(everything(rocks.db()) == expected);
  }
  auto reopened = must(Database::open({.path = second.str()}));
  CHECK(everything(reopened.db()) == expected);
  // The source is unchanged.
  auto source = must(Database::open({.path = first.str()}));
  CHECK(everything(source.db()) == expected);
}

TEST_CASE("restore refuses a database with transactions, a read-only one, and a missing source") {
  quarry::testing::TempPath dir("migrate-src");
  auto memory = must(Database::open({.in_memory = true}));
  build_history(memory);
  must(memory.backup(dir.str()));

  auto used = must(Database::open({.in_memory = true}));
  must(used.transact(R"([{:name "x"}])"));
  const std::string before = everything(used.db());
  auto r = used.restore(dir.str());
  REQUIRE(!r);
  CHECK(r.error().code == quarry::ErrorCode::InvalidArgument);
  CHECK(everything(used.db()) == before);

  auto read_only = must(Database::open({.in_memory = true, .read_only = true}));
  CHECK(read_only.restore(dir.str()).error().code == quarry::ErrorCode::StorageReadOnly);

  quarry::testing::TempPath missing("migrate-missing");
  auto fresh = must(Database::open({.in_memory = true}));
  CHECK(!fresh.restore(missing.str()));
  CHECK(!std::filesystem::exists(missing.str()));
  CHECK(must(fresh.restore(dir.str())) > 0);  // the failed attempt changed nothing
}

TEST_CASE("quarry: .backup from --mem and .restore into --mem move a database with its history") {
  quarry::testing::TempPath dir("migrate-cli");
  auto out = quarry::testing::run_quarry(
      {"--mem"}, "(transact! [{:db/id \"a\" :name \"Ann\" :age 1}])\n(transact! [[:db/add 1 :age 2]])\n.backup " +
                     dir.str() + "\n");
  CHECK(out.status == 0);
  auto in = quarry::testing::run_quarry(
      {"--mem"}, ".restore " + dir.str() + "\n(q [:find ?a ?added :where [1 :age ?a _ ?added]] (history $))\n");
  auto lines = quarry::testing::lines_of(in.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].starts_with("{:basis-tx 536870914, :keys "));
  CHECK(lines[1] == "#{[1 false] [1 true] [2 true]}");
}
