// A secondary instance (Options::secondary_path, `quarry DIR --secondary SDIR`) follows a live
// writer: it sees what was committed when it opened, then each catch_up() brings it to the
// writer's latest commit — through memtables, flushes and compactions — and it never writes.
#include <doctest/doctest.h>

#include <quarry/quarry.hpp>

#include <string>

#include "support/quarry_command.hpp"
#include "support/temp_path.hpp"

namespace {

using quarry::Database;
using quarry::Db;
using quarry::Options;
using quarry::Value;

template <class T>
T must(quarry::Result<T> r) {
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  return std::move(*r);
}

std::string names(const Db& db) { return quarry::to_edn(must(quarry::q("[:find (count ?e) . :where [?e :n]]", {db})).value); }

}  // namespace

TEST_CASE("a secondary catches up with a writer that commits, flushes and compacts") {
  quarry::testing::TempPath dir("primary");
  quarry::testing::TempPath own("secondary");
  auto writer = must(Database::open({.path = dir.str(), .sync_writes = false}));
  must(writer.transact("[{:n 0}]"));

  auto reader = must(Database::open({.path = dir.str(), .secondary_path = own.str()}));
  CHECK(reader.db().basis() == writer.db().basis());
  CHECK(names(reader.db()) == "1");

  // New commits are not seen until catch_up.
  for (int i = 1; i <= 50; ++i) must(writer.transact("[{:n " + std::to_string(i) + "}]"));
  CHECK(names(reader.db()) == "1");
  auto basis = must(reader.catch_up());
  CHECK(basis == writer.db().basis());
  CHECK(reader.db().basis() == writer.db().basis());
  CHECK(names(reader.db()) == "51");

  // Through a compaction (table files replaced, memtables flushed) and more commits after it.
  must(writer.compact());
  for (int i = 51; i < 60; ++i) must(writer.transact("[{:n " + std::to_string(i) + "}]"));
  must(reader.catch_up());
  CHECK(names(reader.db()) == "60");
  CHECK(reader.db().basis() == writer.db().basis());
  CHECK(must(reader.stats()).datoms == must(writer.stats()).datoms);

  // Schema changes reach it too.
  must(writer.declare_schema("{:email {:db/unique :db.unique/identity}}"));
  must(writer.transact(R"([{:email "a@b.c" :n 99}])"));
  must(reader.catch_up());
  CHECK(quarry::to_edn(must(reader.db().pull("[:n]", Value(quarry::Vector{{Value::keyword("email"), Value("a@b.c")}})))) ==
        "{:n 99}");

  // It never writes.
  auto refused = reader.transact("[{:n -1}]");
  REQUIRE(!refused);
  CHECK(refused.error().code == quarry::ErrorCode::StorageReadOnly);
  CHECK(!reader.compact());
}

TEST_CASE("catch_up needs a secondary; an in-memory database cannot be one") {
  auto mem = must(Database::open({.in_memory = true}));
  CHECK(mem.catch_up().error().code == quarry::ErrorCode::InvalidArgument);
  quarry::testing::TempPath dir("plain");
  auto plain = must(Database::open({.path = dir.str()}));
  CHECK(plain.catch_up().error().code == quarry::ErrorCode::InvalidArgument);
  quarry::testing::TempPath missing("missing");
  quarry::testing::TempPath own("own");
  // A secondary of no database: an error, and nothing is created at the path.
  CHECK(!Database::open({.path = missing.str(), .secondary_path = own.str()}));
  CHECK(!std::filesystem::exists(missing.str()));
}

TEST_CASE("quarry --secondary: a second process follows this one's commits with .catch-up") {
  quarry::testing::TempPath dir("primary-cli");
  quarry::testing::TempPath own("secondary-cli");
  auto writer = must(Database::open({.path = dir.str(), .sync_writes = false}));
  must(writer.transact("[{:n 1}]"));
  // The reader process opens while this process holds the database.
  auto before = quarry::testing::run_quarry({dir.str(), "--secondary", own.str()},
                                            "(q [:find (count ?e) . :where [?e :n]])\n(transact! [{:n 2}])\n");
  auto lines = quarry::testing::lines_of(before.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "1");
  CHECK(lines[1].starts_with("#error {:code :storage/read-only"));
  must(writer.transact("[{:n 2} {:n 3}]"));
  auto after = quarry::testing::run_quarry({dir.str(), "--secondary", own.str()},
                                           ".catch-up\n(q [:find (count ?e) . :where [?e :n]])\n");
  lines = quarry::testing::lines_of(after.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "{:basis-tx " + std::to_string(writer.db().basis().value) + "}");
  CHECK(lines[1] == "3");
}
