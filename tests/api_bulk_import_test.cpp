// The import's bulk path (ImportOptions::bulk; doc/transactions.md, "Importing"): a file imported
// through it gives, key for key in every space of the store (current indexes, history, log,
// large values, statistics and counters), the database the ordinary path gives — on fresh data,
// on data that keeps needing reads of what the import just wrote (upserts, card-one replacement,
// retractions, lookup refs, redundant assertions), into a database that already holds data, with
// sorted runs spilled to disk; errors leave what the ordinary path leaves; the ingest of all
// spaces is one atomic step.
#include <doctest/doctest.h>

#include "support/import_outcome.hpp"
#include "support/temp_path.hpp"
#include "support/tx_harness.hpp"

#include <quarry/quarry.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "storage/rocks_store.hpp"

namespace {

using quarry::Database;
using quarry::ImportOptions;
using quarry::ImportSummary;
using quarry::Options;
using quarry::testing::TempPath;
using Dump = quarry::testing::StoreDump;

const char* kSchema = R"([{:db/ident :person/name :db/valueType :db.type/string :db/unique :db.unique/identity}
 {:db/ident :person/email :db/valueType :db.type/string :db/unique :db.unique/value}
 {:db/ident :person/age :db/valueType :db.type/long}
 {:db/ident :person/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
 {:db/ident :person/best :db/valueType :db.type/ref}
 {:db/ident :person/tag :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
 {:db/ident :person/bio :db/valueType :db.type/string}
 {:db/ident :tx/source :db/valueType :db.type/string}]
)";

// People `from` .. `to`-1 as one vector of maps and [:db/add] forms: string tempids "p<i>", friends
// drawn from the whole range (so references go backwards and forwards across batches), a best
// friend by [:db/add], a large :person/bio shared by every tenth person.
std::string people(int from, int to, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const std::string big(1500, 'x');
  std::string text = "[";
  for (int i = from; i < to; ++i) {
    text += "{:db/id \"p" + std::to_string(i) + "\" :person/name \"P" + std::to_string(i) + "\" :person/email \"e" +
            std::to_string(i) + "@x\" :person/age " + std::to_string(i % 90) + " :person/tag [:t" +
            std::to_string(i % 7) + " :t" + std::to_string(i % 3) + "]";
    if (i % 10 == 0) text += " :person/bio \"" + big + std::to_string(i % 20) + "\"";
    const int friends = static_cast<int>(rng() % 4);
    if (friends > 0) {
      text += " :person/friend [";
      for (int f = 0; f < friends; ++f) text += "\"p" + std::to_string(from + static_cast<int>(rng() % (to - from))) + "\" ";
      text += "]";
    }
    text += "}\n";
    if (i % 3 == 0)
      text += " [:db/add \"p" + std::to_string(i) + "\" :person/best \"p" + std::to_string(from + static_cast<int>(rng() % (to - from))) + "\"]\n";
  }
  return text + "]\n";
}

// Forms that need reads of what the import wrote before: an upsert that replaces a card-one
// value, a lookup ref, a retraction, a redundant card-many assertion, transaction metadata.
std::string rereads(int n) {
  std::string text = "[";
  for (int i = 0; i + 3 < n; i += 7) {
    text += "{:person/name \"P" + std::to_string(i) + "\" :person/age 99}\n";
    text += "[:db/add [:person/name \"P" + std::to_string(i + 1) + "\"] :person/tag :late]\n";
    text += "[:db/retract [:person/name \"P" + std::to_string(i + 2) + "\"] :person/age " + std::to_string((i + 2) % 90) + "]\n";
    text += "{:db/id \"p" + std::to_string(i + 3) + "\" :person/tag :t" + std::to_string((i + 3) % 7) + "}\n";
  }
  return text + "]\n[{:db/id \"datomic.tx\" :tx/source \"rereads\"} {:person/name \"Meta\"}]\n";
}

using Outcome = quarry::testing::ImportOutcome;
using quarry::testing::import_into;

void check_same(const Dump& bulk, const Dump& ordinary) {
  CHECK(bulk.size() == ordinary.size());
  const std::size_t n = std::min(bulk.size(), ordinary.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (bulk[i] == ordinary[i]) continue;
    FAIL_CHECK("first difference at entry " << i << " of " << n << ": bulk key " << bulk[i].first.substr(0, 12)
                                            << " (" << bulk[i].first.size() << " bytes), ordinary key "
                                            << ordinary[i].first.substr(0, 12));
    return;
  }
}

ImportOptions with(ImportOptions::Bulk bulk, std::size_t batch, std::size_t memory = std::size_t{256} << 20) {
  ImportOptions o;
  o.batch_size = batch;
  o.bulk = bulk;
  o.bulk_memory_bytes = memory;
  return o;
}

// Imports `text` both ways; returns the bulk summary after checking the stores are identical.
ImportSummary same_both_ways(const std::string& text, std::size_t batch, std::size_t memory,
                             const std::vector<std::string>& setup = {}) {
  TempPath a("bulk"), b("ordinary");
  Outcome bulk = import_into(a, text, with(ImportOptions::Bulk::Always, batch, memory), setup);
  Outcome ordinary = import_into(b, text, with(ImportOptions::Bulk::Never, batch), setup);
  REQUIRE_MESSAGE(bulk.result.has_value(), (bulk.result ? "" : bulk.result.error().to_edn()));
  REQUIRE_MESSAGE(ordinary.result.has_value(), (ordinary.result ? "" : ordinary.result.error().to_edn()));
  CHECK(bulk.result->bulk);
  CHECK_FALSE(ordinary.result->bulk);
  CHECK(bulk.result->transactions == ordinary.result->transactions);
  CHECK(bulk.result->datoms == ordinary.result->datoms);
  CHECK(bulk.result->tempids == ordinary.result->tempids);
  check_same(bulk.dump, ordinary.dump);
  return *bulk.result;
}

}  // namespace

TEST_CASE("fresh data: the bulk path gives the ordinary path's store, key for key") {
  const std::string text = std::string(kSchema) + people(0, 3000, 7);
  SUBCASE("one sort in memory") {
    ImportSummary s = same_both_ways(text, 500, std::size_t{256} << 20);
    CHECK(s.bulk_transactions + 1 == s.transactions);  // the schema took the ordinary path
    CHECK(s.bulk_ingests == 1);
    CHECK(s.bulk_runs == 0);
  }
  SUBCASE("sorted runs spilled to disk and merged") {
    ImportSummary s = same_both_ways(text, 500, 64 << 10);
    CHECK(s.bulk_runs > 5);
    CHECK(s.bulk_ingests == 1);
    CHECK(s.bulk_max_sort_bytes < (512u << 10));
  }
}

TEST_CASE("data that needs reads of what the import wrote: written first, then prepared on the real database") {
  const std::string text = std::string(kSchema) + people(0, 1500, 11) + rereads(1500) + people(1500, 2500, 13);
  ImportSummary s = same_both_ways(text, 200, 1 << 20);
  CHECK(s.bulk_ingests > 1);
  CHECK(s.bulk_transactions > 0);
  CHECK(s.bulk_transactions < s.transactions);
}

TEST_CASE("into a database that holds data: new entities, and references and upserts to the old ones") {
  const std::vector<std::string> setup{kSchema, people(0, 800, 3)};
  std::string text = "[";
  for (int i = 800; i < 2400; ++i) {
    text += "{:db/id \"q" + std::to_string(i) + "\" :person/name \"P" + std::to_string(i) + "\" :person/friend [[:person/name \"P" +
            std::to_string(i % 800) + "\"]]}\n";
    if (i % 100 == 0) text += "{:person/name \"P" + std::to_string(i % 800) + "\" :person/age 100}\n";
  }
  text += "]\n";
  ImportSummary s = same_both_ways(text, 300, 1 << 20, setup);
  CHECK(s.bulk_transactions > 0);
}

// EAVT and AEVT entries go to files of ordered streams while their keys ascend (new entities in
// file order), start another file when order breaks, and fall back to the sort after
// KeyStreams::kMaxFiles files (api/import_key_streams.hpp). Each shape, with everything in memory
// and with runs spilled, gives the ordinary path's store.
TEST_CASE("keys out of order: facts about earlier entities, explicit ids, a space that falls back to the sort") {
  // Every shape with everything held in memory, then with runs spilled; the first summary.
  auto both = [](const std::string& text, std::size_t batch, const std::vector<std::string>& setup = {}) {
    ImportSummary in_memory = same_both_ways(text, batch, std::size_t{256} << 20, setup);
    CHECK(in_memory.bulk_runs == 0);
    ImportSummary spilled = same_both_ways(text, batch, std::size_t{64} << 10, setup);
    CHECK(spilled.bulk_runs > 0);
    return in_memory;
  };
  SUBCASE("new entities only, refs backwards: every stream stays in order") {
    std::string text = "[";
    for (int i = 0; i < 2000; ++i) {
      text += "{:db/id \"p" + std::to_string(i) + "\" :person/age " + std::to_string(i % 90) + " :person/tag [:t" +
              std::to_string(i % 5) + " :a" + std::to_string(i % 3) + "]";
      if (i > 0) text += " :person/best \"p" + std::to_string(i / 2) + "\"";
      text += "}\n";
    }
    ImportSummary s = both(std::string(kSchema) + text + "]\n", 150);
    CHECK(s.bulk_ingests == 1);
  }
  SUBCASE("facts about the first vector's entities in a second one, ascending and then descending") {
    std::string text = std::string(kSchema) + people(0, 1500, 17) + "[";
    for (int i = 0; i < 1500; i += 3) text += "[:db/add \"p" + std::to_string(i) + "\" :person/tag :later]\n";
    text += "]\n[";
    for (int i = 1499; i >= 0; i -= 5) text += "{:db/id \"p" + std::to_string(i) + "\" :person/tag :last}\n";
    text += "]\n";
    ImportSummary s = both(text, 40);
    CHECK(s.bulk_transactions + 1 == s.transactions);
  }
  SUBCASE("explicit ids, descending: order breaks in every transaction until the spaces fall back") {
    // 400 transactions of 3 maps: far more breaks than KeyStreams::kMaxFiles.
    std::string text = "[";
    for (int i = 0; i < 1200; ++i)
      text += "{:db/id " + std::to_string(50'000 - 7 * i) + " :person/age " + std::to_string(i % 50) +
              " :person/tag [:x" + std::to_string(i % 4) + "]}\n";
    text += "]\n";
    ImportSummary s = both(text, 3, {kSchema});
    CHECK(s.bulk_transactions == s.transactions);
  }
  SUBCASE("explicit ids that ascend, then jump back, then ascend: a few streams, then the sort") {
    std::string text = "[";
    for (int round = 0; round < 90; ++round)
      for (int i = 0; i < 6; ++i)
        text += "{:db/id " + std::to_string(1000 + round * 3 + i * 1000) + " :person/age " + std::to_string(round) + "}\n";
    text += "]\n";
    both(text, 6, {kSchema});
  }
  SUBCASE("a second import into a non-empty database, adding to its entities and making new ones") {
    const std::vector<std::string> setup{kSchema, people(0, 600, 23)};
    std::string text = "[";
    for (int i = 0; i < 1800; ++i) {
      if (i % 3 == 0) text += "[:db/add " + std::to_string(1 + (i * 7) % 600) + " :person/tag :again]\n";
      text += "{:db/id \"n" + std::to_string(i) + "\" :person/age " + std::to_string(i % 70) + " :person/friend [" +
              std::to_string(1 + i % 600) + "]}\n";
    }
    text += "]\n";
    ImportSummary s = both(text, 100, setup);
    CHECK(s.bulk_transactions > 0);
  }
}

TEST_CASE("what the import reads is not kept in the range cache, on any of its threads") {
  // The ingest's per-space threads look up the stored values of attributes that hold data (for
  // the distinct-value counts): once they filled the cache with segments the ingest then dropped
  // (at 10M datoms ~290 MiB of the import's peak memory).
  const std::vector<std::string> setup{kSchema, people(0, 800, 3)};
  TempPath dir("bulk-reads");
  Outcome out = import_into(dir, people(800, 3000, 5), with(ImportOptions::Bulk::Always, 300), setup);
  REQUIRE_MESSAGE(out.result.has_value(), (out.result ? "" : out.result.error().to_edn()));
  CHECK(out.result->bulk_transactions > 0);
  CHECK(out.range_cache_reads == 0);
}

TEST_CASE("errors: a unique value repeated across the file, a syntax error — what the ordinary path leaves") {
  SUBCASE("duplicate :db.unique/value in a later transaction") {
    const std::string text = std::string(kSchema) + people(0, 1000, 5) + "[{:person/name \"Z\" :person/email \"e3@x\"}]\n";
    TempPath a("bulk"), b("ordinary");
    Outcome bulk = import_into(a, text, with(ImportOptions::Bulk::Always, 250));
    Outcome ordinary = import_into(b, text, with(ImportOptions::Bulk::Never, 250));
    REQUIRE_FALSE(bulk.result.has_value());
    REQUIRE_FALSE(ordinary.result.has_value());
    CHECK(bulk.result.error().code == quarry::ErrorCode::TxUnique);
    CHECK(bulk.result.error().code == ordinary.result.error().code);
    CHECK(bulk.result.error().message.find("transaction 8 of") != std::string::npos);
    CHECK(ordinary.result.error().message.find("transaction 8 of") != std::string::npos);
    check_same(bulk.dump, ordinary.dump);
  }
  SUBCASE("a :db.unique/value the database already holds") {
    const std::vector<std::string> setup{kSchema, R"([{:person/name "Old" :person/email "e700@x"}])"};
    const std::string text = people(0, 1000, 5);
    TempPath a("bulk"), b("ordinary");
    Outcome bulk = import_into(a, text, with(ImportOptions::Bulk::Always, 250), setup);
    Outcome ordinary = import_into(b, text, with(ImportOptions::Bulk::Never, 250), setup);
    REQUIRE_FALSE(bulk.result.has_value());
    REQUIRE_FALSE(ordinary.result.has_value());
    CHECK(bulk.result.error().code == quarry::ErrorCode::TxUnique);
    CHECK(bulk.result.error().code == ordinary.result.error().code);
    check_same(bulk.dump, ordinary.dump);
  }
  SUBCASE("a syntax error after some transactions names its line") {
    const std::string text = std::string(kSchema) + people(0, 1000, 5) + "[{:person/name \"Y\" :person/age }]\n";
    TempPath a("bulk"), b("ordinary");
    Outcome bulk = import_into(a, text, with(ImportOptions::Bulk::Always, 250));
    Outcome ordinary = import_into(b, text, with(ImportOptions::Bulk::Never, 250));
    REQUIRE_FALSE(bulk.result.has_value());
    CHECK(bulk.result.error().code == ordinary.result.error().code);
    CHECK(bulk.result.error().message.find("line") != std::string::npos);
    check_same(bulk.dump, ordinary.dump);
  }
  SUBCASE("a file that is one transaction with a duplicate unique value changes nothing") {
    const std::string text = "[{:person/name \"A\" :person/email \"same\"} {:person/name \"B\" :person/email \"same\"}]";
    const std::vector<std::string> setup{kSchema};
    TempPath before("before"), a("bulk");
    Outcome untouched = import_into(before, "", with(ImportOptions::Bulk::Never, 100), setup);
    Outcome bulk = import_into(a, text, with(ImportOptions::Bulk::Always, 100), setup);
    REQUIRE_FALSE(bulk.result.has_value());
    CHECK(bulk.result.error().code == quarry::ErrorCode::TxUnique);
    check_same(bulk.dump, untouched.dump);
  }
}

TEST_CASE("a bulk-imported database reopens and answers queries; leftovers of a crashed bulk import are cleared") {
  TempPath dir("reopen");
  const std::string text = std::string(kSchema) + people(0, 2000, 17);
  Outcome first = import_into(dir, text, with(ImportOptions::Bulk::Always, 400));
  REQUIRE(first.result.has_value());
  // A crash mid-sort leaves the working folder: never ingested, removed by the next bulk import.
  std::filesystem::create_directories(dir.str() + "/bulk-import.tmp");
  { std::ofstream(dir.str() + "/bulk-import.tmp/run-1") << "partial"; }
  auto db = Database::open(Options{.path = dir.str(), .clock = quarry::testing::fixed_clock});
  REQUIRE_MESSAGE(db.has_value(), (db ? "" : db.error().to_edn()));
  auto count = quarry::q("[:find (count ?e) . :where [?e :person/name]]", {db->db()});
  REQUIRE(count.has_value());
  CHECK(quarry::to_edn(count->value) == "2000");
  auto friends = quarry::q("[:find (count ?f) . :where [?e :person/name \"P10\"] [?e :person/friend ?f]]", {db->db()});
  REQUIRE(friends.has_value());
  // New transactions after the import get the next ids.
  auto r = db->transact(R"([{:db/id "n" :person/name "New"}])");
  REQUIRE(r.has_value());
  CHECK(r->tempids.size() >= 2);
  std::istringstream more(people(2000, 2100, 1));
  ImportOptions o = with(ImportOptions::Bulk::Always, 50);
  auto again = db->import(more, "more.edn", o);
  REQUIRE_MESSAGE(again.has_value(), (again ? "" : again.error().to_edn()));
  CHECK(again->bulk);
  CHECK_FALSE(std::filesystem::exists(dir.str() + "/bulk-import.tmp"));
  auto total = quarry::q("[:find (count ?e) . :where [?e :person/name]]", {db->db()});
  REQUIRE(total.has_value());
  CHECK(quarry::to_edn(total->value) == "2101");
}

TEST_CASE("the ingest of several spaces is one atomic step: a bad file fails it and nothing is added") {
  TempPath dir("ingest");
  quarry::RocksOptions rocks;
  rocks.path = dir.str();
  rocks.info_log = false;
  auto store = quarry::RocksStore::open(rocks, {"a", "b"});
  REQUIRE(store.has_value());
  const quarry::SpaceId a = *(*store)->space("a"), b = *(*store)->space("b");
  const std::string good = dir.str() + "/good.sst";
  {
    auto w = quarry::RocksTableWriter::open(**store, a, good);
    REQUIRE(w.has_value());
    REQUIRE((*w)->put("k1", "v1").has_value());
    REQUIRE((*w)->put("k2", "v2").has_value());
    CHECK_FALSE((*w)->put("k0", "out of order").has_value());
    REQUIRE((*w)->finish().has_value());
  }
  const std::string bad = dir.str() + "/bad.sst";
  { std::ofstream(bad) << "not a table file"; }
  std::vector<quarry::RocksIngestFile> files{{a, good}, {b, bad}};
  CHECK_FALSE((*store)->ingest(files).has_value());
  auto snap = (*store)->snapshot();
  REQUIRE(snap.has_value());
  auto got = (*snap)->get(a, "k1");
  REQUIRE(got.has_value());
  CHECK_FALSE(got->has_value());
  std::vector<quarry::RocksIngestFile> only_good{{a, good}};
  REQUIRE((*store)->ingest(only_good).has_value());
  auto snap2 = (*store)->snapshot();
  auto got2 = (*snap2)->get(a, "k2");
  REQUIRE(got2.has_value());
  CHECK(got2->value_or("") == "v2");
}

TEST_CASE("choosing the path: Always needs RocksDB; Never and small files take the ordinary path") {
  auto memory = Database::open(Options{.in_memory = true});
  REQUIRE(memory.has_value());
  std::istringstream in(kSchema);
  auto r = memory->import(in, "s.edn", with(ImportOptions::Bulk::Always, 10));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == quarry::ErrorCode::InvalidArgument);
  TempPath dir("choose");
  Outcome small = import_into(dir, std::string(kSchema) + people(0, 50, 1), with(ImportOptions::Bulk::Auto, 10));
  REQUIRE(small.result.has_value());
  CHECK_FALSE(small.result->bulk);  // under ImportOptions::kBulkMinBytes
  TempPath big_dir("choose-big");
  const std::string big = std::string(kSchema) + people(0, 5000, 2);
  REQUIRE(big.size() >= ImportOptions::kBulkMinBytes);
  Outcome chosen = import_into(big_dir, big, with(ImportOptions::Bulk::Auto, 1000));
  REQUIRE(chosen.result.has_value());
  CHECK(chosen.result->bulk);
  CHECK(chosen.result->bulk_transactions > 0);
}
