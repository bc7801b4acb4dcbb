// Database::import: streaming, tempids across transactions, failures part way, the memory bound
// (from the counters ImportSummary exposes), on both stores.
#include <doctest/doctest.h>

#include "support/database_stores.hpp"
#include "support/edn_value.hpp"
#include "support/temp_path.hpp"

#include <quarry/quarry.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace {

using quarry::Database;
using quarry::ImportOptions;
using quarry::ImportSummary;
using quarry::Options;
using quarry::Value;
using quarry::testing::edn;
using quarry::testing::TempPath;

using Stores = quarry::testing::DatabaseStores;

Value query(const Database& db, std::string_view text) { return quarry::testing::query_value(db, text); }

const char* kSchema = R"([{:db/ident :person/name :db/valueType :db.type/string :db/unique :db.unique/identity}
 {:db/ident :person/age :db/valueType :db.type/long}
 {:db/ident :person/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
 {:db/ident :person/best :db/valueType :db.type/ref}]
)";

// One vector of `n` people: person i (tempid "p<i>") names as friends the people i-1 and i/2 (by
// tempid, so most references go to an earlier transaction once the vector is cut), and asserts
// its best friend with a negative tempid in a separate [:db/add] form.
std::string people_vector(int n) {
  std::string text = "[";
  for (int i = 0; i < n; ++i) {
    text += "{:db/id \"p" + std::to_string(i) + "\" :person/name \"P" + std::to_string(i) +
            "\" :person/age " + std::to_string(i % 90);
    if (i > 0) text += " :person/friend [\"p" + std::to_string(i - 1) + "\" \"p" + std::to_string(i / 2) + "\"]";
    text += "}\n";
    text += " [:db/add -" + std::to_string(i + 1) + " :person/name \"P" + std::to_string(i) + "\"]\n";
    if (i > 0) text += " [:db/add -" + std::to_string(i + 1) + " :person/best -" + std::to_string(i) + "]\n";
  }
  return text + "]\n";
}

ImportSummary imported(Database& db, const std::string& text, std::size_t batch, std::string_view name = "test.edn") {
  std::istringstream in(text);
  auto r = db.import(in, name, ImportOptions{.batch_size = batch});
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  return *r;
}

}  // namespace

TEST_CASE("a vector larger than a batch is cut, and tempids resolve across the cuts (both stores)") {
  Stores stores;
  for (auto& [store, db] : stores.all) {
    CAPTURE(std::string(store));
    constexpr int kPeople = 400;
    constexpr std::size_t kBatch = 50;
    imported(db, kSchema, kBatch);
    ImportSummary s = imported(db, people_vector(kPeople), kBatch);
    // 400 maps + 400 name forms + 399 best-friend forms.
    CHECK(s.operations == 1199);
    CHECK(s.transactions == (1199 + kBatch - 1) / kBatch);
    CHECK(s.forms == 1);
    // The memory bound: no transaction above a batch, never more than 3 batches (+1) held.
    CHECK(s.max_transaction_operations == kBatch);
    CHECK(s.max_held_operations <= 3 * kBatch + 1);
    CHECK(s.max_held_operations >= kBatch);
    // Strings and negative numbers: 800 distinct tempids, all remembered for the file.
    CHECK(s.tempids == 2 * kPeople);

    // Every reference found the entity its tempid named, however far back it was made.
    CHECK(query(db, "[:find (count ?p) . :where [?p :person/name]]") == Value(std::int64_t{kPeople}));
    auto best = query(db, R"([:find ?n ?m :where [?p :person/best ?b] [?p :person/name ?n] [?b :person/name ?m]])");
    REQUIRE(best.is<quarry::Set>());
    CHECK(best.as<quarry::Set>().items.size() == kPeople - 1);
    for (const Value& row : best.as<quarry::Set>().items) {
      const auto& pair = row.as<quarry::Vector>().items;
      const int i = std::stoi(pair[0].as<std::string>().substr(1));
      CHECK(pair[1] == Value("P" + std::to_string(i - 1)));
    }
    auto friends = query(db, R"([:find ?n ?m :where [?p :person/friend ?f] [?p :person/name ?n] [?f :person/name ?m]])");
    std::size_t rows = 0;
    for (const Value& row : friends.as<quarry::Set>().items) {
      const auto& pair = row.as<quarry::Vector>().items;
      const int i = std::stoi(pair[0].as<std::string>().substr(1));
      const int j = std::stoi(pair[1].as<std::string>().substr(1));
      CHECK((j == i - 1 || j == i / 2));
      ++rows;
    }
    CHECK(rows == 2 * (kPeople - 1) - 2);  // persons 1 and 2 name one friend twice
    // No tempid made a second entity: one entity per person.
    CHECK(query(db, "[:find (count ?e) . :where [?e :person/age]]") == Value(std::int64_t{kPeople}));
  }
}

TEST_CASE("tempids name one entity across the vectors of a file; a vector within a batch is one transaction") {
  Stores stores;
  for (auto& [store, db] : stores.all) {
    CAPTURE(std::string(store));
    ImportSummary s = imported(db, std::string(kSchema) + R"(
[{:db/id "ann" :person/name "Ann"} {:db/id "bob" :person/name "Bob" :person/friend "ann"}]
[[:db/add "cy" :person/name "Cy"] [:db/add "cy" :person/best "bob"] [:db/add "ann" :person/age 41]]
[{:db/id "ann" :person/friend #{"bob" "cy"}}]
)", 10);
    CHECK(s.forms == 4);
    CHECK(s.transactions == 4);
    CHECK(s.max_waiting_references == 0);
    CHECK(s.tempids == 3);
    CHECK(query(db, "[:find ?n ?m :where [?p :person/friend ?f] [?p :person/name ?n] [?f :person/name ?m]]") ==
          edn(R"(#{["Ann" "Bob"] ["Ann" "Cy"] ["Bob" "Ann"]})"));
    CHECK(query(db, "[:find ?m . :where [?p :person/name \"Cy\"] [?p :person/best ?b] [?b :person/name ?m]]") ==
          Value("Bob"));
    CHECK(query(db, "[:find ?a . :where [?p :person/name \"Ann\"] [?p :person/age ?a]]") == Value(std::int64_t{41}));
  }
}

TEST_CASE("a transaction that fails part way through a file names itself; the ones before it stay") {
  Stores stores;
  for (auto& [store, db] : stores.all) {
    CAPTURE(std::string(store));
    imported(db, kSchema, 10);
    // 100 maps cut into transactions of 10; the 55th has a string age.
    std::string text = "[";
    for (int i = 0; i < 100; ++i)
      text += "{:person/name \"N" + std::to_string(i) + "\" :person/age " + (i == 54 ? std::string("\"old\"") : std::to_string(i)) + "}\n";
    text += "]";
    std::istringstream in(text);
    std::vector<quarry::ImportProgress> seen;
    auto r = db.import(in, "big.edn",
                       ImportOptions{.batch_size = 10, .progress = [&](const quarry::ImportProgress& p) { seen.push_back(p); }});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == quarry::ErrorCode::TxType);
    CHECK(r.error().message.starts_with(
        "transaction 6 of big.edn (forms 51-60 of the vector at line 1, column 1) failed (5 committed before it): "));
    // Exactly the first five transactions are in: 50 people.
    CHECK(query(db, "[:find (count ?p) . :where [?p :person/age]]") == Value(std::int64_t{50}));
    REQUIRE(seen.size() == 5);
    CHECK(seen.back().transactions == 5);
    CHECK(seen.back().operations == 50);
    CHECK(seen.back().datoms == 5 * (10 * 2 + 1));
  }
}

TEST_CASE("a syntax error: within the first batch nothing is written; later, what was committed is said") {
  Stores stores;
  for (auto& [store, db] : stores.all) {
    CAPTURE(std::string(store));
    imported(db, kSchema, 10);
    // Small: the reader is a batch ahead of the writer, so the whole file is checked first.
    std::istringstream small(R"([{:person/name "A"}]
[{:person/name "B"} {:person/name}])");
    auto r = db.import(small, "small.edn", ImportOptions{.batch_size = 10});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == quarry::ErrorCode::EdnSyntax);
    CHECK(r.error().message.starts_with("small.edn: "));
    CHECK(r.error().message.find("line 2") != std::string::npos);
    CHECK(query(db, "[:find (count ?p) . :where [?p :person/name]]").is_nil());

    // Large: 50 one-form vectors, a bad one at line 41.
    std::string text;
    for (int i = 0; i < 50; ++i) text += i == 40 ? "[{:person/name \"X\" :person/name \"Y\"}]\n" : "[{:person/name \"Q" + std::to_string(i) + "\"}]\n";
    std::istringstream large(text);
    auto l = db.import(large, "large.edn", ImportOptions{.batch_size = 10});
    REQUIRE_FALSE(l.has_value());
    CHECK(l.error().code == quarry::ErrorCode::EdnSyntax);
    CHECK(l.error().message.find("at line 41") != std::string::npos);
    // The writer was one batch (10 vectors) behind: vectors 1-30 committed, 31-40 were waiting.
    CHECK(l.error().message.ends_with("(30 transactions of large.edn committed before it)"));
    CHECK(query(db, "[:find (count ?p) . :where [?p :person/name]]") == Value(std::int64_t{30}));
  }
}

TEST_CASE("a vector that names its transaction is never cut; naming it after a cut is refused") {
  Stores stores;
  for (auto& [store, db] : stores.all) {
    CAPTURE(std::string(store));
    std::string text = "[[:db/add \"datomic.tx\" :source \"load\"]";
    for (int i = 0; i < 30; ++i) text += " {:n " + std::to_string(i) + "}";
    text += "]";
    ImportSummary s = imported(db, text, 10);
    CHECK(s.transactions == 1);
    CHECK(s.max_transaction_operations == 31);
    CHECK(query(db, "[:find (count ?e) . :where [?e :n] [?e ?a ?v ?tx] [?tx :source \"load\"]]") ==
          Value(std::int64_t{30}));

    std::string late = "[";
    for (int i = 0; i < 30; ++i) late += " {:m " + std::to_string(i) + "}";
    late += " [:db/add \"datomic.tx\" :source \"late\"]]";
    std::istringstream in(late);
    auto r = db.import(in, "late.edn", ImportOptions{.batch_size = 10});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == quarry::ErrorCode::InvalidArgument);
    CHECK(r.error().message.find("names its own transaction") != std::string::npos);
    CHECK(r.error().message.find("form 31") != std::string::npos);
  }
}

TEST_CASE("import from a path: progress in bytes, a directory is refused, a read-only database refuses") {
  TempPath dir;
  std::filesystem::create_directories(dir.str());
  const std::string file = dir.str() + "/people.edn";
  {
    std::ofstream out(file);
    out << kSchema << people_vector(100);
  }
  auto db = Database::open(Options{.in_memory = true});
  REQUIRE(db.has_value());
  std::uint64_t last_bytes = 0, total = 0;
  std::size_t calls = 0;
  auto r = db->import(file, ImportOptions{.batch_size = 64, .progress = [&](const quarry::ImportProgress& p) {
                                            CHECK(p.bytes_read >= last_bytes);
                                            last_bytes = p.bytes_read;
                                            total = p.bytes_total;
                                            ++calls;
                                          }});
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  CHECK(calls == r->transactions);
  CHECK(total == std::filesystem::file_size(file));
  CHECK(last_bytes == total);
  CHECK(r->tempids == 200);

  auto refused = db->import(dir.str());
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == quarry::ErrorCode::StorageIo);
  auto zero = db->import(file, ImportOptions{.batch_size = 0});
  REQUIRE_FALSE(zero.has_value());
  CHECK(zero.error().code == quarry::ErrorCode::InvalidArgument);
  auto reader = Database::open(Options{.in_memory = true, .read_only = true});
  REQUIRE(reader.has_value());
  auto read_only = reader->import(file);
  REQUIRE_FALSE(read_only.has_value());
  CHECK(read_only.error().code == quarry::ErrorCode::StorageReadOnly);
}

TEST_CASE("the reader: comments, commas and #_ discards between forms, a vector read whole, an unclosed vector") {
  auto db = Database::open(Options{.in_memory = true});
  REQUIRE(db.has_value());
  ImportSummary s = imported(*db, R"(; a comment
[ ; inside
  [:db/add "a" :k 1] , #_ [:db/add "b" :k 2] #_#_ 1 2
  [:db/add "a" :j 2]]
#_ [:ignored] [[:db/add "a" :i 3]]
)", 10);
  CHECK(s.forms == 2);
  CHECK(s.operations == 3);
  CHECK(query(*db, "[:find ?k ?j ?i :where [?e :k ?k] [?e :j ?j] [?e :i ?i]]") == edn("#{[1 2 3]}"));
  std::istringstream open("[[:db/add 1 :k 1]\n [:db/add 2 :k 2]\n");
  auto r = db->import(open, "open.edn");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == quarry::ErrorCode::EdnSyntax);
  CHECK(r.error().message == "open.edn: unexpected end of input at line 3, column 1: expected ']' or a form (the '[' at line 1, column 1 is not closed)");
  std::istringstream not_vector("{:a 1}");
  auto m = db->import(not_vector, "map.edn");
  REQUIRE_FALSE(m.has_value());
  CHECK(m.error().message == "the form at map.edn (line 1, column 1) is not a transaction vector");
}

TEST_CASE("references to tempids that a later transaction defines wait for it (both stores)") {
  Stores stores;
  for (auto& [store, db] : stores.all) {
    CAPTURE(std::string(store));
    imported(db, kSchema, 10);
    constexpr int kPeople = 300;
    // Person i: friends i+1 and (7i mod n) (mostly later, in other transactions), best friend
    // i+37 mod n by a separate form; and maps with no :db/id that only refer forward.
    std::string text = "[";
    for (int i = 0; i < kPeople; ++i) {
      text += "{:db/id \"p" + std::to_string(i) + "\" :person/name \"P" + std::to_string(i) +
              "\" :person/friend #{\"p" + std::to_string((i + 1) % kPeople) + "\" \"p" +
              std::to_string((7 * i) % kPeople) + "\"}}\n";
      text += "[:db/add \"p" + std::to_string(i) + "\" :person/best \"p" + std::to_string((i + 37) % kPeople) + "\"]\n";
      if (i % 50 == 0) text += "{:person/friend \"p" + std::to_string(kPeople - 1) + "\" :person/age -1}\n";
    }
    text += "]";
    ImportSummary s = imported(db, text, 25);
    CHECK(s.max_waiting_references > 0);
    CHECK(s.max_held_operations <= 3 * 25 + 1);
    CHECK(query(db, "[:find (count ?p) . :where [?p :person/name]]") == Value(std::int64_t{kPeople}));
    auto best = query(db, "[:find ?n ?m :where [?p :person/best ?b] [?p :person/name ?n] [?b :person/name ?m]]");
    REQUIRE(best.as<quarry::Set>().items.size() == kPeople);
    for (const Value& row : best.as<quarry::Set>().items) {
      const auto& pair = row.as<quarry::Vector>().items;
      const int i = std::stoi(pair[0].as<std::string>().substr(1));
      CHECK(pair[1] == Value("P" + std::to_string((i + 37) % kPeople)));
    }
    auto friends = query(db, "[:find ?n ?m :where [?p :person/friend ?f] [?p :person/name ?n] [?f :person/name ?m]]");
    std::size_t rows = 0;
    for (const Value& row : friends.as<quarry::Set>().items) {
      const auto& pair = row.as<quarry::Vector>().items;
      const int i = std::stoi(pair[0].as<std::string>().substr(1));
      const int j = std::stoi(pair[1].as<std::string>().substr(1));
      CHECK((j == (i + 1) % kPeople || j == (7 * i) % kPeople));
      ++rows;
    }
    int expected = 0;
    for (int i = 0; i < kPeople; ++i) expected += (i + 1) % kPeople == (7 * i) % kPeople ? 1 : 2;
    CHECK(rows == static_cast<std::size_t>(expected));
    // The six maps without :db/id: six entities with an age, each a friend of the last person.
    CHECK(query(db, "[:find (count ?e) . :where [?e :person/age -1] [?e :person/friend ?f] [?f :person/name \"P299\"]]") ==
          Value(std::int64_t{6}));
  }
}

TEST_CASE("a tempid no transaction of the file defines is a :tx/tempid error at the end; the rest is committed") {
  Stores stores;
  for (auto& [store, db] : stores.all) {
    CAPTURE(std::string(store));
    imported(db, kSchema, 10);
    std::string text = "[";
    for (int i = 0; i < 40; ++i) text += "{:db/id \"p" + std::to_string(i) + "\" :person/name \"P" + std::to_string(i) + "\"}\n";
    text += "[:db/add \"p3\" :person/best \"ghost\"]]";
    std::istringstream in(text);
    auto r = db.import(in, "ghost.edn", ImportOptions{.batch_size = 10});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == quarry::ErrorCode::TxTempid);
    CHECK(r.error().message ==
          "1 references of ghost.edn are to tempids no transaction of the file gave an attribute (one is \"ghost\"): "
          "a tempid used only as a value; they were not written (4 transactions committed)");
    CHECK(query(db, "[:find (count ?p) . :where [?p :person/name]]") == Value(std::int64_t{40}));
  }
}

TEST_CASE("many small vectors: each one transaction, the forms held stay within the bound") {
  auto db = Database::open(Options{.in_memory = true});
  REQUIRE(db.has_value());
  std::string text;
  for (int i = 0; i < 500; ++i) text += "[{:k " + std::to_string(i) + "} {:k " + std::to_string(-i - 1) + "} {:j 1}]\n";
  ImportSummary s = imported(*db, text, 16);
  CHECK(s.forms == 500);
  CHECK(s.transactions == 500);
  CHECK(s.operations == 1500);
  CHECK(s.max_transaction_operations == 3);
  CHECK(s.max_held_operations <= 3 * 16 + 1);
  CHECK(query(*db, "[:find (count ?e) . :where [?e :k]]") == Value(std::int64_t{1000}));
}
