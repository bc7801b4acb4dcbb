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
//   {:excise 1 :attrs [:a]}              excise entity 1 (only :a); :datoms/:error as for :tx
//   {:history 1 :is [[1 :a v added]...]} entity 1's history (as-of the latest; tx left out)
//   {:log-datoms-of 1 :is N}             how many datoms about entity 1 the whole log holds
//   {:values-stored N}                   how many large values the store's values space holds
//   {:with [...] ...}                    a speculative transaction (tx::speculate), checked as
//                                        :tx is; it must write nothing. Until the next :tx,
//                                        :excise or :schema step, the read checks (:state,
//                                        :history, :log-datoms-of, :attr) and further :with
//                                        steps use its db_after
//
// Transactions may call the test transaction functions and predicates of test_hooks() below.
//
// After every step the index is checked for cross-index consistency, and a failing transaction
// must leave every key space byte-for-byte as it was.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/tx_hooks.hpp"
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


// Transaction functions and predicates the golden files call:
//   [:test/inc E ATTR BY]      E's value of ATTR (0 if none) plus BY, from the db before the tx
//   [:test/count-of ATTR E]    [[:db/add E :count <datoms of ATTR before the tx>]]
//   [:test/person NAME AGE]    [{:name NAME} [:test/inc [:name NAME] :age AGE]] (calls a function)
//   [:test/echo TX-DATA]       TX-DATA
//   [:test/refuse]             fails with :tx/cas "refused"
//   [:test/not-tx-data]        returns 42
//   [:test/forever]            returns [[:test/forever]]
//   test/balance-ok?           entity predicate: :balance absent or >= 0
//   test/short?                attribute predicate (a query function): a string of < 5 chars
tx::TxHooks test_hooks() {
  static const auto registry = [] {
    auto r = std::make_shared<TxRegistry>();
    auto fn = [&](const char* ident, TxFunction f) { r->functions[ident] = std::make_shared<const TxFunction>(std::move(f)); };
    fn("test/inc", [](const Db& db, std::span<const Value> args) -> Result<Value> {
      if (args.size() != 3 || !args[1].is<Keyword>() || !args[2].is<std::int64_t>())
        return fail(ErrorCode::InvalidArgument, "[:test/inc E ATTR BY]");
      auto e = db.entid(args[0]);
      if (!e) return std::unexpected(e.error());
      std::int64_t now = 0;
      if (*e) {
        std::vector<Value> at{Value(static_cast<std::int64_t>((*e)->value)), args[1]};
        auto ds = db.datoms(IndexOrder::Eavt, at);
        if (!ds) return std::unexpected(ds.error());
        if (!ds->empty()) now = ds->front().v.as<std::int64_t>();
      }
      return Value(Vector{{Value(Vector{{Value::keyword("db/add"), args[0], args[1], Value(now + args[2].as<std::int64_t>())}})}});
    });
    fn("test/count-of", [](const Db& db, std::span<const Value> args) -> Result<Value> {
      std::vector<Value> at{args[0]};
      auto ds = db.datoms(IndexOrder::Aevt, at);
      if (!ds) return std::unexpected(ds.error());
      return Value(Vector{{Value(Vector{{Value::keyword("db/add"), args[1], Value::keyword("count"),
                                         Value(static_cast<std::int64_t>(ds->size()))}})}});
    });
    fn("test/person", [](const Db&, std::span<const Value> args) -> Result<Value> {
      std::string text = "[{:name " + to_edn(args[0]) + "} [:test/inc [:name " + to_edn(args[0]) + "] :age " +
                         to_edn(args[1]) + "]]";
      return read_edn(text);
    });
    fn("test/echo", [](const Db&, std::span<const Value> args) -> Result<Value> {
      if (args.size() != 1) return fail(ErrorCode::InvalidArgument, "[:test/echo TX-DATA]");
      return args[0];
    });
    fn("test/refuse", [](const Db&, std::span<const Value>) -> Result<Value> { return fail(ErrorCode::TxCas, "refused"); });
    fn("test/not-tx-data", [](const Db&, std::span<const Value>) -> Result<Value> { return Value(42); });
    fn("test/forever", [](const Db&, std::span<const Value>) -> Result<Value> { return read_edn("[[:test/forever]]"); });
    r->entity_preds["test/balance-ok?"] = std::make_shared<const EntityPredicate>(
        [](const Db& db, EntityId e) -> Result<bool> {
          std::vector<Value> at{Value(static_cast<std::int64_t>(e.value)), Value::keyword("balance")};
          auto ds = db.datoms(IndexOrder::Eavt, at);
          if (!ds) return std::unexpected(ds.error());
          return ds->empty() || ds->front().v.as<std::int64_t>() >= 0;
        });
    auto registered = register_function("test/short?", [](std::span<const Value> args) -> Result<Value> {
      return Value(args.size() == 1 && args[0].is<std::string>() && args[0].as<std::string>().size() < 5);
    });
    REQUIRE(registered.has_value());
    return r;
  }();
  return make_tx_hooks(registry);
}

Value history_edn(const index::Db& db, EntityId e) {
  auto ds = db.entity_history(e);
  REQUIRE(ds.has_value());
  std::vector<Value> out;
  for (const auto& d : *ds) out.push_back(datom_edn(db, d, true));
  return Vector{std::move(out)};
}

std::int64_t log_datoms_of(const index::Db& db, EntityId e) {
  auto log = db.tx_log(TxId{kTx0 + 1}, TxId{db.basis().value + 1});
  REQUIRE(log.has_value());
  std::int64_t n = 0;
  for (const auto& d : *log) n += d.e == e ? 1 : 0;
  return n;
}

std::int64_t values_stored(const Store& store) {
  auto snapshot = store.snapshot();
  REQUIRE(snapshot.has_value());
  auto space = store.space(std::string(keys::kValues));
  REQUIRE(space.has_value());
  auto cursor = (*snapshot)->cursor(*space);
  REQUIRE(cursor.has_value());
  std::int64_t n = 0;
  for ((*cursor)->seek_to_first(); (*cursor)->valid(); (*cursor)->next()) ++n;
  return n;
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
  options.hooks = test_hooks();
  TxHarness<Kind> h(options);
  std::optional<index::Db> view;  // the db_after of the last :with step, until a real write

  for (std::size_t i = 0; i < steps->size(); ++i) {
    const Value& step_value = (*steps)[i];
    INFO(path.filename().string() << " step " << i + 1 << ": " << to_edn(step_value));
    REQUIRE(step_value.is<Map>());
    const Map& step = step_value.as<Map>();

    if (const auto* schema = lookup(step, "schema")) {
      view.reset();
      auto tx_data = tx::schema_tx_data(*schema);
      REQUIRE_MESSAGE(tx_data.has_value(), (tx_data ? "" : tx_data.error().to_edn()));
      auto r = h.connection().transact(*tx_data);
      REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
    }

    // A transaction, real or speculative; `run` gives its result.
    const auto check_tx = [&](const Value& tx_data, auto run) {
      if (const auto* code = lookup(step, "error")) {
        auto before = dump_store(h.store());
        auto r = run(tx_data);
        REQUIRE_MESSAGE(!r.has_value(), "expected an error, got datoms "
                                            << to_edn(report_edn(r->db_after, r->datoms)));
        CHECK_MESSAGE(Value::keyword(error_code_name(r.error().code)) == *code, r.error().to_edn());
        if (const auto* message = lookup(step, "message")) {
          CHECK_MESSAGE(r.error().message.find(message->as<std::string>()) != std::string::npos,
                        r.error().to_edn());
        }
        CHECK_MESSAGE(dump_store(h.store()) == before, "a failed transaction changed the store");
        return std::optional<index::Db>{};
      }
      auto r = run(tx_data);
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
      return std::optional<index::Db>(r->db_after);
    };
    if (const auto* tx_data = lookup(step, "tx")) {
      view.reset();
      check_tx(*tx_data, [&](const Value& t) { return h.connection().transact(t); });
    }
    if (const auto* tx_data = lookup(step, "with")) {
      const index::Db base = view ? *view : h.db();
      auto before = dump_store(h.store());
      auto after = check_tx(*tx_data, [&](const Value& t) { return tx::speculate(base, t, h.connection().options()); });
      CHECK_MESSAGE(dump_store(h.store()) == before, "a speculative transaction changed the store");
      if (after) view = std::move(after);
    }

    if (const auto* target = lookup(step, "excise")) {
      view.reset();
      std::vector<Keyword> attrs;
      if (const auto* as = lookup(step, "attrs"))
        for (const auto& a : as->as<Vector>().items) attrs.push_back(a.as<Keyword>());
      EntityId e{static_cast<std::uint64_t>(target->as<std::int64_t>())};
      if (const auto* code = lookup(step, "error")) {
        auto before = dump_store(h.store());
        auto r = h.connection().excise(e, attrs);
        REQUIRE_MESSAGE(!r.has_value(), "expected an error");
        CHECK_MESSAGE(Value::keyword(error_code_name(r.error().code)) == *code, r.error().to_edn());
        CHECK_MESSAGE(dump_store(h.store()) == before, "a failed excision changed the store");
      } else {
        auto r = h.connection().excise(e, attrs);
        REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
        if (const auto* want = lookup(step, "datoms")) CHECK(to_edn(report_edn(r->db_after, r->datoms)) == to_edn(*want));
      }
    }
    if (const auto* target = lookup(step, "history")) {
      const auto* want = lookup(step, "is");
      REQUIRE(want);
      CHECK(to_edn(history_edn(view ? *view : h.db(), EntityId{static_cast<std::uint64_t>(target->as<std::int64_t>())})) == to_edn(*want));
    }
    if (const auto* target = lookup(step, "log-datoms-of")) {
      const auto* want = lookup(step, "is");
      REQUIRE(want);
      CHECK(log_datoms_of(view ? *view : h.db(), EntityId{static_cast<std::uint64_t>(target->as<std::int64_t>())}) == want->as<std::int64_t>());
    }

    if (const auto* want = lookup(step, "state")) {
      Value expected = *want;
      if (auto vec = expected.get_if<Vector>()) {
        auto items = vec->items;
        std::sort(items.begin(), items.end());
        expected = Vector{std::move(items)};
      }
      CHECK(to_edn(user_state_edn(view ? *view : h.db())) == to_edn(expected));
    }
    if (const auto* attr = lookup(step, "attr")) {
      const auto* want = lookup(step, "is");
      REQUIRE(want);
      CHECK(to_edn(attr_edn(view ? *view : h.db(), attr->as<Keyword>())) == to_edn(*want));
    }
    if (const auto* want = lookup(step, "values-stored")) CHECK(values_stored(h.store()) == want->as<std::int64_t>());
    require_consistent(view ? *view : h.db());
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
