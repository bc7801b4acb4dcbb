// The bulk path against the ordinary one on random files (label "stress": QUARRY_STRESS=1
// scripts/test, or ctest -L stress). Each file mixes what passes the bulk path's checks (fresh
// entities by tempid, refs forwards and backwards, card-many values) with what does not
// (upserts, card-one updates of earlier entities, retractions, lookup refs, repeated card-many
// values, retractEntity, new attributes mid-file), and entities by explicit ids in no order (so
// that EAVT's and AEVT's streams of ordered keys break, and fall back to the sort), in random
// batch sizes and sort budgets; the two stores must be identical key for key, also when the file
// ends in an error.
#include <doctest/doctest.h>

#include "support/import_outcome.hpp"
#include "support/temp_path.hpp"
#include "support/tx_harness.hpp"

#include <quarry/quarry.hpp>

#include <random>
#include <string>


namespace {

using quarry::ImportOptions;
using quarry::testing::TempPath;

const char* kSchema = R"([{:db/ident :k/id :db/valueType :db.type/long :db/unique :db.unique/identity}
 {:db/ident :k/code :db/valueType :db.type/string :db/unique :db.unique/value}
 {:db/ident :k/n :db/valueType :db.type/long}
 {:db/ident :k/s :db/valueType :db.type/string}
 {:db/ident :k/refs :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
 {:db/ident :k/one :db/valueType :db.type/ref}
 {:db/ident :k/tags :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}]
)";

// Fresh entities go into long vectors (cut by the batch size); every other form is a vector of
// its own, so that it is one transaction (two card-one values of one entity in one transaction
// would be an error on both paths, hiding everything else).
std::string random_file(std::uint32_t seed, int entities, bool end_in_error) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint32_t>(n)); };
  std::string text = kSchema;
  text += "[";
  int defined = 0;
  std::vector<bool> gone;    // retracted whole: no lookups of it any more
  std::vector<bool> coded;   // holds its :k/code
  auto live = [&]() {
    for (int tries = 0; tries < 50; ++tries) {
      const int i = pick(defined);
      if (!gone[static_cast<std::size_t>(i)]) return i;
    }
    return -1;
  };
  auto alone = [&](const std::string& form) { text += "]\n[" + form + "]\n["; };
  for (int step = 0; step < entities * 2; ++step) {
    const int r = pick(100);
    if (r < 60 || defined < 5) {  // a fresh entity
      const int i = defined++;
      gone.push_back(false);
      coded.push_back(true);
      text += "{:db/id \"e" + std::to_string(i) + "\" :k/id " + std::to_string(i) + " :k/code \"c" + std::to_string(i) +
              "\" :k/n " + std::to_string(pick(50)) + " :k/tags [:t" + std::to_string(pick(5)) + "]";
      if (pick(2)) text += " :k/refs [\"e" + std::to_string(pick(entities)) + "\" \"e" + std::to_string(pick(entities)) + "\"]";
      if (pick(3) == 0) text += " :k/one \"e" + std::to_string(pick(entities)) + "\"";
      if (pick(4) == 0) text += " :k/s \"" + std::string(static_cast<std::size_t>(pick(2) ? 10 : 1100), static_cast<char>('a' + pick(3))) + "\"";
      text += "}\n";
      continue;
    }
    const int j = live();
    if (j < 0) continue;
    const std::string id = std::to_string(j);
    if (r < 68) {  // a card-many value on an earlier entity, maybe a repeated one
      alone("[:db/add \"e" + id + "\" :k/tags :t" + std::to_string(pick(5)) + "]");
    } else if (r < 74) {  // an upsert updating a card-one value
      alone("{:k/id " + id + " :k/n " + std::to_string(pick(50)) + "}");
    } else if (r < 79) {  // a lookup ref and a card-one ref
      alone("[:db/add [:k/id " + id + "] :k/one \"e" + std::to_string(pick(defined)) + "\"]");
    } else if (r < 84) {  // a retraction (maybe of nothing)
      alone("[:db/retract [:k/id " + id + "] :k/tags :t" + std::to_string(pick(5)) + "]");
    } else if (r < 86) {  // retracting a whole entity
      alone("[:db/retractEntity [:k/id " + id + "]]");
      gone[static_cast<std::size_t>(j)] = true;
    } else if (r < 88) {  // an undeclared attribute
      alone("{:db/id \"e" + id + "\" :extra/a" + std::to_string(pick(4)) + " " + std::to_string(pick(9)) + "}");
    } else if (r < 94) {  // an entity by explicit id, in no order (EAVT and AEVT out of order)
      text += "{:db/id " + std::to_string(500'000 + pick(400'000)) + " :k/n " + std::to_string(pick(50)) +
              " :k/tags [:x" + std::to_string(pick(3)) + "]}\n";
    } else {  // a fresh entity referring to an earlier one by lookup ref
      const int i = defined++;
      gone.push_back(false);
      coded.push_back(false);
      alone("{:db/id \"e" + std::to_string(i) + "\" :k/id " + std::to_string(i) + " :k/refs [[:k/id " + id + "]]}");
    }
  }
  // Tempids referred to but never defined would be an error at the end: define them all.
  for (int i = defined; i < entities; ++i) text += "{:db/id \"e" + std::to_string(i) + "\" :k/id " + std::to_string(i) + "}\n";
  text += "]\n";
  if (end_in_error)
    for (int i = 0; i < defined; ++i)
      if (coded[static_cast<std::size_t>(i)] && !gone[static_cast<std::size_t>(i)]) {
        text += "[{:k/code \"c" + std::to_string(i) + "\" :k/id 999999}]\n";  // a :db.unique/value held
        break;
      }
  return text;
}

using Outcome = quarry::testing::ImportOutcome;
using quarry::testing::import_into;

}  // namespace

TEST_CASE("random files: the bulk path's store equals the ordinary path's, key for key") {
  std::uint64_t bulk_transactions = 0, transactions = 0;
  for (std::uint32_t seed = 1; seed <= 12; ++seed) {
    CAPTURE(seed);
    std::mt19937 rng(seed * 7919);
    const int entities = 200 + static_cast<int>(rng() % 600);
    const bool end_in_error = seed % 4 == 0;
    const std::string text = random_file(seed, entities, end_in_error);
    ImportOptions bulk_options, ordinary_options;
    bulk_options.batch_size = ordinary_options.batch_size = 20 + rng() % 400;
    bulk_options.bulk = ImportOptions::Bulk::Always;
    bulk_options.bulk_memory_bytes = (rng() % 2) ? std::size_t{32} << 10 : std::size_t{64} << 20;
    bulk_options.bulk_max_small_writes = 0;  // never give up: every transaction tries the bulk path
    ordinary_options.bulk = ImportOptions::Bulk::Never;
    TempPath a("bulk-stress"), b("ordinary-stress");
    Outcome bulk = import_into(a, text, bulk_options);
    Outcome ordinary = import_into(b, text, ordinary_options);
    REQUIRE(bulk.result.has_value() == ordinary.result.has_value());
    if (!bulk.result) {
      CHECK_MESSAGE(end_in_error, bulk.result.error().message);
      CHECK(bulk.result.error().code == ordinary.result.error().code);
    } else {
      CHECK(bulk.result->transactions == ordinary.result->transactions);
      CHECK(bulk.result->datoms == ordinary.result->datoms);
      bulk_transactions += bulk.result->bulk_transactions;
      transactions += bulk.result->transactions;
    }
    REQUIRE(bulk.dump.size() == ordinary.dump.size());
    CHECK(bulk.dump == ordinary.dump);
  }
  MESSAGE("bulk transactions " << bulk_transactions << " of " << transactions);
  CHECK(bulk_transactions > 0);
}
