// Golden query cases: every tests/golden/query/*.edn file (format: tests/golden/query/README.md)
// is run on an in-memory database and on a RocksDB one. A file is a sequence of maps:
//
//   {:schema {...} :tx [[...] [...]]}      starts a fresh database: declare_schema (when given,
//                                           it is the first transaction), then each tx in order
//   {:case "name" :query [...] :inputs [$ 30] :expect #{[...]}}   runs q and compares the result
//   {:case "name" :query [...] :error :query/invalid}             q must fail with this code
//
// :inputs holds `$` (the current database), `(as-of $ T)`, `(since $ T)`, `(history $)`, or any
// other value (passed as is); without :inputs the query gets [$]. Results are compared as EDN text:
// exactly, except that a collection find ([?x ...]), a query with :with and a relation with a pull
// element give a vector whose order is not specified, so both sides are sorted first.
//
// The expectations are DataScript 1.8's answers: scripts/datascript-check verifies them.
#include <doctest/doctest.h>

#include "support/golden_files.hpp"
#include "support/temp_path.hpp"

#include <quarry/quarry.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using quarry::Database;
using quarry::Db;
using quarry::Map;
using quarry::QueryInput;
using quarry::Value;
using quarry::Vector;

const Value* lookup(const Value& form, std::string_view key) {
  const auto* m = form.get_if<Map>();
  if (!m) return nullptr;
  Value k = Value::keyword(key);
  for (const auto& [mk, mv] : m->entries)
    if (mk == k) return &mv;
  return nullptr;
}

using TempDir = quarry::testing::TempPath;

enum class StoreKind { Memory, Rocks };

// A database built from one setup map. The Database is declared after the directory so that it
// is closed before the directory is removed.
struct World {
  std::unique_ptr<TempDir> dir;
  std::optional<Database> db;
};

std::unique_ptr<World> build_world(StoreKind kind, const Value& setup, const std::string& where) {
  auto w = std::make_unique<World>();
  if (kind == StoreKind::Rocks) w->dir = std::make_unique<TempDir>();
  auto opened = kind == StoreKind::Memory
                    ? Database::open({.in_memory = true})
                    : Database::open({.path = w->dir->str(), .sync_writes = false});
  REQUIRE_MESSAGE(opened.has_value(), where << ": " << (opened ? "" : opened.error().to_edn()));
  w->db.emplace(std::move(*opened));
  if (const auto* schema = lookup(setup, "schema")) {
    auto r = w->db->declare_schema(*schema);
    REQUIRE_MESSAGE(r.has_value(), where << ": schema: " << (r ? "" : r.error().to_edn()));
  }
  if (const auto* txs = lookup(setup, "tx")) {
    REQUIRE_MESSAGE(txs->is<Vector>(), where << ": :tx is a vector of transactions");
    for (const auto& tx : txs->as<Vector>().items) {
      auto r = w->db->transact(tx);
      REQUIRE_MESSAGE(r.has_value(), where << ": tx " << quarry::to_edn(tx) << ": "
                                           << (r ? "" : r.error().to_edn()));
    }
  }
  return w;
}

bool is_symbol(const Value& v, std::string_view name) { return v == Value::symbol(name); }

// `$`, (as-of $ T), (since $ T), (history $) — or nullopt for a plain value.
std::optional<Db> database_input(const Database& database, const Value& v) {
  if (is_symbol(v, "$")) return database.db();
  const auto* list = v.get_if<quarry::List>();
  if (!list || list->items.size() < 2 || !is_symbol(list->items[1], "$")) return std::nullopt;
  const Value& op = list->items[0];
  auto tx_arg = [&]() {
    REQUIRE(list->items.size() == 3);
    REQUIRE(list->items[2].is<std::int64_t>());
    return quarry::TxId{static_cast<std::uint64_t>(list->items[2].as<std::int64_t>())};
  };
  if (is_symbol(op, "as-of")) return database.db().as_of(tx_arg());
  if (is_symbol(op, "since")) return database.db().since(tx_arg());
  if (is_symbol(op, "history")) return database.db().history();
  return std::nullopt;
}

// The :find elements of a query in vector or map form.
std::vector<Value> find_elements(const Value& query) {
  if (const auto* find = lookup(query, "find")) {
    if (const auto* v = find->get_if<Vector>()) return v->items;
    return {};
  }
  const auto* items = query.get_if<Vector>();
  if (!items || items->items.empty()) return {};
  std::vector<Value> elements;
  for (std::size_t i = 1; i < items->items.size() && !items->items[i].is<quarry::Keyword>(); ++i)
    elements.push_back(items->items[i]);
  return elements;
}

// A relation :find ([:find ?a (pull ?e p)], not . or [...]) with a pull element: its rows are a
// bag, one per tuple (two entities may pull equal maps).
bool pulled_relation(const Value& query) {
  bool pull = false;
  for (const Value& e : find_elements(query)) {
    if (e.is<Vector>() || is_symbol(e, ".")) return false;
    const auto* list = e.get_if<quarry::List>();
    if (list && !list->items.empty() && is_symbol(list->items[0], "pull")) pull = true;
  }
  return pull;
}

// A collection find ([?x ...]), :with or a pulled relation: the result is a vector in no
// specified order.
bool unordered_result(const Value& query) {
  if (pulled_relation(query)) return true;
  const auto* items = query.get_if<Vector>();
  if (!items) return lookup(query, "with") != nullptr;
  const auto& v = items->items;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == Value::keyword("with")) return true;
    if (v[i] == Value::keyword("find") && i + 1 < v.size()) {
      const auto* first = v[i + 1].get_if<Vector>();
      if (first && first->items.size() == 2 && is_symbol(first->items[1], "...")) return true;
    }
  }
  return false;
}

Value sorted(const Value& v) {
  if (!v.is<Vector>()) return v;
  auto items = v.as<Vector>().items;
  std::sort(items.begin(), items.end(), [](const Value& a, const Value& b) { return quarry::compare(a, b) < 0; });
  return Vector{std::move(items)};
}

struct Counts {
  int run = 0;
  int failed = 0;
};

void run_case(const Database& database, const Value& c, const std::string& where, Counts& counts) {
  const Value* query = lookup(c, "query");
  REQUIRE_MESSAGE(query, where << ": no :query");
  std::vector<QueryInput> inputs;
  if (const auto* in = lookup(c, "inputs")) {
    REQUIRE_MESSAGE(in->is<Vector>(), where << ": :inputs is a vector");
    for (const auto& v : in->as<Vector>().items) {
      if (auto db = database_input(database, v)) inputs.emplace_back(*db);
      else inputs.emplace_back(v);
    }
  } else {
    inputs.emplace_back(database.db());
  }
  ++counts.run;
  auto r = quarry::q(*query, inputs);
  if (const auto* code = lookup(c, "error")) {
    bool ok = !r.has_value() && Value::keyword(quarry::error_code_name(r.error().code)) == *code;
    if (!ok) ++counts.failed;
    CHECK_MESSAGE(ok, where << "\n  expected error " << quarry::to_edn(*code) << "\n  got "
                            << (r ? quarry::to_edn(r->value) : r.error().to_edn()));
    return;
  }
  const Value* expect = lookup(c, "expect");
  REQUIRE_MESSAGE(expect, where << ": no :expect or :error");
  if (!r.has_value()) {
    ++counts.failed;
    CHECK_MESSAGE(false, where << "\n  expected " << quarry::to_edn(*expect) << "\n  got error "
                               << r.error().to_edn());
    return;
  }
  Value want = *expect;
  Value got = r->value;
  if (unordered_result(*query)) {
    want = sorted(want);
    got = sorted(got);
  }
  std::string want_edn = quarry::to_edn(want);
  std::string got_edn = quarry::to_edn(got);
  if (want_edn != got_edn) ++counts.failed;
  CHECK_MESSAGE(want_edn == got_edn, where << "\n  expected " << want_edn << "\n  got      " << got_edn);
}

void run_all(StoreKind kind, const char* store_name) {
  auto files = quarry::testing::golden_files("query");
  REQUIRE(!files.empty());
  Counts counts;
  for (const auto& file : files) {
    auto forms = quarry::read_edn_all(quarry::testing::read_text(file));
    REQUIRE_MESSAGE(forms.has_value(), file.string() << ": " << (forms ? "" : forms.error().to_edn()));
    std::unique_ptr<World> world;
    for (const auto& form : *forms) {
      const Value* name = lookup(form, "case");
      if (!name) {
        world = build_world(kind, form, file.filename().string() + " (" + store_name + ")");
        continue;
      }
      REQUIRE_MESSAGE(world, file.filename().string() << ": a case before any database");
      std::string where = file.filename().string() + ": " +
                          (name->is<std::string>() ? name->as<std::string>() : quarry::to_edn(*name)) +
                          " (" + store_name + ")";
      run_case(*world->db, form, where, counts);
    }
  }
  std::printf("query golden cases on %s: %d cases, %d as expected, %d not\n", store_name, counts.run,
              counts.run - counts.failed, counts.failed);
  std::fflush(stdout);
}

TEST_CASE("golden query cases, in memory") { run_all(StoreKind::Memory, "memory"); }

TEST_CASE("golden query cases, on RocksDB") { run_all(StoreKind::Rocks, "rocksdb"); }

}  // namespace
