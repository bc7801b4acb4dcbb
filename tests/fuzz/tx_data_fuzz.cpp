// Fuzz target: tx-data parsing and application (tx/) on the memory store.
//
// Each input is read as EDN forms; every form (up to 8) is one transaction on a fresh in-memory
// database that starts with a small schema (typed, unique, ref, component, card-many and
// no-history attributes) and a few entities, so lookup refs, upserts and retractions have something
// to find. Invariants: nothing crashes; a failed transaction has a specific error code (never
// :quarry/internal) and leaves every key space byte-for-byte as it was; after every committed
// transaction the indexes, history, log, statistics and schema agree (tests/support/index_check.hpp).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec/edn_printer.hpp"
#include "codec/edn_reader.hpp"
#include "fuzz/fuzz_check.hpp"
#include "index/key_layout.hpp"
#include "storage/memory_store.hpp"
#include "support/index_check.hpp"
#include "tx/connection.hpp"

namespace {

using Dump = std::vector<std::pair<std::string, std::string>>;

Dump dump(const quarry::Store& store) {
  Dump out;
  auto snapshot = store.snapshot();
  QUARRY_FUZZ_CHECK(snapshot.has_value(), snapshot.error().message);
  for (const auto& name : store.space_names()) {
    auto space = store.space(name);
    QUARRY_FUZZ_CHECK(space.has_value(), name);
    auto cursor = (*snapshot)->cursor(*space);
    QUARRY_FUZZ_CHECK(cursor.has_value(), name);
    for ((*cursor)->seek_to_first(); (*cursor)->valid(); (*cursor)->next())
      out.emplace_back(name + ":" + std::string((*cursor)->key()), std::string((*cursor)->value()));
    QUARRY_FUZZ_CHECK((*cursor)->status().has_value(), name);
  }
  return out;
}

constexpr std::string_view kSetup[] = {
    R"([{:db/ident :name :db/valueType :db.type/string :db/unique :db.unique/identity}
        {:db/ident :email :db/valueType :db.type/string :db/unique :db.unique/value}
        {:db/ident :age :db/valueType :db.type/long}
        {:db/ident :score :db/valueType :db.type/double :db/index true}
        {:db/ident :friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
        {:db/ident :part :db/valueType :db.type/ref :db/isComponent true}
        {:db/ident :tag :db/cardinality :db.cardinality/many}
        {:db/ident :note :db/valueType :db.type/string :db/noHistory true}])",
    R"([{:db/id 1 :name "Ann" :age 41 :email "ann@x" :friend 2 :tag [:a :b]}
        {:db/id 2 :name "Bob" :age 27 :part {:db/id 3 :name "Bob's part" :note "n"}}])",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto forms = quarry::read_edn_all(text);
  if (!forms || forms->empty()) return 0;

  auto store = quarry::MemoryStore::open(quarry::keys::all_spaces());
  QUARRY_FUZZ_CHECK(store.has_value(), store.error().message);
  std::shared_ptr<quarry::Store> shared(std::move(*store));
  quarry::tx::ConnectionOptions options;
  options.clock = [] { return quarry::Instant{1'700'000'000'000}; };
  auto connection = quarry::tx::Connection::open(shared, options);
  QUARRY_FUZZ_CHECK(connection.has_value(), connection.error().message);
  for (std::string_view setup : kSetup) {
    auto r = (*connection)->transact(*quarry::read_edn(setup));
    QUARRY_FUZZ_CHECK(r.has_value(), r.error().message);
  }

  std::size_t n = 0;
  for (const quarry::Value& tx_data : *forms) {
    if (++n > 8) break;
    const Dump before = dump(*shared);
    auto r = (*connection)->transact(tx_data);
    if (!r) {
      QUARRY_FUZZ_CHECK(r.error().code != quarry::ErrorCode::Internal, r.error().to_edn());
      QUARRY_FUZZ_CHECK(dump(*shared) == before, "a failed transaction changed the store: " + r.error().to_edn());
      continue;
    }
    const std::string problems = quarry::testing::check_index((*connection)->db());
    QUARRY_FUZZ_CHECK(problems.empty(), quarry::to_edn(tx_data) + "\n" + problems);
  }
  return 0;
}
