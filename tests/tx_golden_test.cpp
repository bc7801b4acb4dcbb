// Golden transaction tests: every tests/golden/tx/*.edn file is a script of steps run in order on
// a fresh database, once on MemoryStore and once on RocksStore. Steps are maps:
//
//   {:options {:strict true}}            connection options (first step only)
//   {:schema {:name {:db/unique :db.unique/identity}}}   declare attributes DataScript-style
//   {:tx [...]                           run a transaction, then check (each key optional):
//    :datoms [[e :a v added] ...]        the datoms it wrote (sorted; :db/txInstant left out;
//                                        attribute entities written as their ident)
//    :tempids {"t" 1 ...}                tempids it reported (:db/current-tx left out)
//    :state [[e :a v] ...]}              every current datom of user entities afterwards
//   {:tx [...] :error :tx/unique         a transaction that must fail with this code,
//    :message "substring"}               and (optionally) a message containing this text
//   {:state [...]}                       the current user datoms
//   {:attr :name :is {:db/unique ...}}   the schema datoms of an attribute (besides :db/ident)
//
// After every step the index is checked for cross-index consistency, and a failing transaction
// must leave every key space byte-for-byte as it was.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/golden_files.hpp"
#include "support/tx_harness.hpp"

namespace quarry::testing {
namespace {

const Value* lookup(const Map& m, std::string_view key) {
  Value k = Value::keyword(key);
  for (const auto& [mk, mv] : m.entries)
    if (mk == k) return &mv;
  return nullptr;
}

Value tempids_edn(const tx::TxReport& r) {
  std::vector<std::pair<Value, Value>> entries;
  for (const auto& [k, e] : r.tempids)
    if (k != Value::keyword("db/current-tx")) entries.emplace_back(k, entity_edn(r.db_after, e));
  Map m;
  REQUIRE(make_map(std::move(entries), m));
  return m;
}

Value attr_edn(const index::Db& db, const Keyword& ident) {
  const auto* a = db.schema().find(ident);
  if (!a) return Value{};
  auto datoms = db.entity_datoms(EntityId{a->id.value});
  REQUIRE(datoms.has_value());
  std::vector<std::pair<Value, Value>> entries;
  for (const auto& d : *datoms) {
    if (d.a == index::sys::kIdent) continue;
    const auto* attr = db.schema().find(d.a);
    entries.emplace_back(attr->ident, d.v);
  }
  Map m;
  REQUIRE(make_map(std::move(entries), m));
  return m;
}

template <class Kind>
void run_file(const std::filesystem::path& path) {
  auto steps = read_edn_all(read_text(path));
  REQUIRE_MESSAGE(steps.has_value(), path.string() << ": " << (steps ? "" : steps.error().message));
  tx::ConnectionOptions options;
  if (!steps->empty())
    if (const auto* first = steps->front().get_if<Map>())
      if (const auto* o = lookup(*first, "options"); o && o->is<Map>())
        if (const auto* strict = lookup(o->as<Map>(), "strict")) options.strict_schema = *strict == Value(true);
  TxHarness<Kind> h(options);

  for (std::size_t i = 0; i < steps->size(); ++i) {
    const Value& step_value = (*steps)[i];
    INFO(path.filename().string() << " step " << i + 1 << ": " << to_edn(step_value));
    REQUIRE(step_value.is<Map>());
    const Map& step = step_value.as<Map>();

    if (const auto* schema = lookup(step, "schema")) {
      auto tx_data = tx::schema_tx_data(*schema);
      REQUIRE_MESSAGE(tx_data.has_value(), (tx_data ? "" : tx_data.error().to_edn()));
      auto r = h.connection().transact(*tx_data);
      REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
    }

    if (const auto* tx_data = lookup(step, "tx")) {
      if (const auto* code = lookup(step, "error")) {
        auto before = dump_store(h.store());
        auto r = h.connection().transact(*tx_data);
        REQUIRE_MESSAGE(!r.has_value(), "expected an error, got datoms "
                                            << to_edn(report_edn(r->db_after, r->datoms)));
        CHECK_MESSAGE(Value::keyword(error_code_name(r.error().code)) == *code, r.error().to_edn());
        if (const auto* message = lookup(step, "message")) {
          CHECK_MESSAGE(r.error().message.find(message->as<std::string>()) != std::string::npos,
                        r.error().to_edn());
        }
        CHECK_MESSAGE(dump_store(h.store()) == before, "a failed transaction changed the store");
      } else {
        auto r = h.connection().transact(*tx_data);
        REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
        if (const auto* want = lookup(step, "datoms")) {
          Value expected = *want;
          if (auto vec = expected.get_if<Vector>()) {
            auto items = vec->items;
            std::sort(items.begin(), items.end());
            expected = Vector{std::move(items)};
          }
          CHECK(to_edn(report_edn(r->db_after, r->datoms)) == to_edn(expected));
        }
        if (const auto* want = lookup(step, "tempids")) CHECK(to_edn(tempids_edn(*r)) == to_edn(*want));
        // The tx report agrees with the database.
        CHECK(r->db_before.basis().value + 1 == r->tx.value);
        CHECK(r->db_after.basis() == r->tx);
      }
    }

    if (const auto* want = lookup(step, "state")) {
      Value expected = *want;
      if (auto vec = expected.get_if<Vector>()) {
        auto items = vec->items;
        std::sort(items.begin(), items.end());
        expected = Vector{std::move(items)};
      }
      CHECK(to_edn(user_state_edn(h.db())) == to_edn(expected));
    }
    if (const auto* attr = lookup(step, "attr")) {
      const auto* want = lookup(step, "is");
      REQUIRE(want);
      CHECK(to_edn(attr_edn(h.db(), attr->as<Keyword>())) == to_edn(*want));
    }
    require_consistent(h.db());
  }
}

TEST_CASE_TEMPLATE("golden transaction scripts", Kind, MemoryStoreKind, RocksStoreKind) {
  auto files = golden_files("tx");
  REQUIRE(!files.empty());
  for (const auto& f : files) {
    SUBCASE(f.filename().string().c_str()) { run_file<Kind>(f); }
  }
}

}  // namespace
}  // namespace quarry::testing
