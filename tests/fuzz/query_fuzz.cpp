// Fuzz target: query parsing, planning and execution (query/) and pull, on a small in-memory
// database built once per process (people with names, ages, scores, tags, a friend graph and a
// component chain).
//
// The input is read as EDN forms. When the first is a query (a vector starting with :find, or a
// map), it runs with the rest as inputs after the database, under a deadline, a row limit and a
// memory budget; otherwise the first form is used as a pull pattern on entities 1 and 4.
// Invariants: nothing crashes or hangs; no error is :quarry/internal; when q succeeds, the plain
// plan (explain) builds, and the analyzed plan (explain {:analyze true}) reports as many :rows as
// q's result has.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <quarry/query.hpp>
#include <quarry/quarry.hpp>

#include "codec/edn_printer.hpp"
#include "codec/edn_reader.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

quarry::Database& database() {
  static quarry::Database db = [] {
    auto d = quarry::Database::open({.in_memory = true});
    QUARRY_FUZZ_CHECK(d.has_value(), d.error().message);
    const char* txs[] = {
        R"([{:db/ident :name :db/valueType :db.type/string :db/unique :db.unique/identity}
            {:db/ident :age :db/valueType :db.type/long}
            {:db/ident :score :db/valueType :db.type/double}
            {:db/ident :friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
            {:db/ident :next :db/valueType :db.type/ref :db/isComponent true}
            {:db/ident :tag :db/cardinality :db.cardinality/many}])",
        R"([{:db/id 1 :name "Ann" :age 41 :score 1.5 :friend [2 3] :tag [:a :b]}
            {:db/id 2 :name "Bob" :age 27 :score -0.0 :friend [3]}
            {:db/id 3 :name "Cy" :age 35 :friend [1] :tag :a}
            {:db/id 4 :name "Dee" :next {:db/id 5 :name "e5" :next {:db/id 6 :name "e6" :age 6}}}
            {:db/id 7 :name "Eve" :age 41 :score 2.0 :tag "a"}])",
        R"([[:db/retract 1 :tag :b] [:db/add 2 :age 28] [:db/retractEntity 7]])",
    };
    for (const char* tx : txs) {
      auto r = d->transact(tx);
      QUARRY_FUZZ_CHECK(r.has_value(), r.error().message);
    }
    return std::move(*d);
  }();
  return db;
}

void check_error(const quarry::Error& e) {
  QUARRY_FUZZ_CHECK(e.code != quarry::ErrorCode::Internal, e.to_edn());
}

quarry::QueryOptions limits() {
  quarry::QueryOptions options;
  options.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(250);
  options.max_rows = 100'000;
  options.max_bytes = std::uint64_t{32} << 20;
  return options;
}

std::size_t result_rows(const quarry::QueryResult& r) {
  if (r.value.is_nil()) return 0;
  switch (r.shape) {
    case quarry::FindShape::Scalar:
    case quarry::FindShape::Tuple: return 1;
    default: break;
  }
  if (auto set = r.value.get_if<quarry::Set>()) return set->items.size();
  if (auto vec = r.value.get_if<quarry::Vector>()) return vec->items.size();
  return 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto forms = quarry::read_edn_all(text);
  if (!forms || forms->empty() || forms->size() > 8) return 0;
  quarry::Database& db = database();
  const quarry::Value& first = forms->front();

  auto vec = first.get_if<quarry::Vector>();
  const bool is_query = first.get_if<quarry::Map>() ||
                        (vec && !vec->items.empty() && vec->items.front() == quarry::Value::keyword("find"));
  if (!is_query) {
    for (std::int64_t e : {1, 4}) {
      auto r = db.db().pull(first, quarry::Value(e));
      if (!r) check_error(r.error());
    }
    return 0;
  }

  std::vector<quarry::QueryInput> inputs{db.db()};
  for (std::size_t i = 1; i < forms->size(); ++i) inputs.emplace_back((*forms)[i]);
  auto result = quarry::q(first, inputs, limits());
  if (!result) {
    check_error(result.error());
    return 0;
  }
  auto plan = quarry::explain(first, inputs);
  QUARRY_FUZZ_CHECK(plan.has_value(), "q ran but explain failed: " + plan.error().to_edn());
  quarry::ExplainOptions analyze{.analyze = true, .query = limits()};
  auto analyzed = quarry::explain(first, inputs, analyze);
  if (!analyzed) {
    check_error(analyzed.error());  // a deadline or limit may be met the second time
    return 0;
  }
  auto map = analyzed->get_if<quarry::Map>();
  QUARRY_FUZZ_CHECK(map != nullptr, quarry::to_edn(*analyzed));
  const quarry::Value* rows = nullptr;
  for (const auto& [k, v] : map->entries)
    if (k == quarry::Value::keyword("rows")) rows = &v;
  QUARRY_FUZZ_CHECK(rows && rows->get_if<std::int64_t>(), quarry::to_edn(*analyzed));
  QUARRY_FUZZ_CHECK(static_cast<std::size_t>(*rows->get_if<std::int64_t>()) == result_rows(*result),
                    quarry::to_edn(first) + " gives " + quarry::to_edn(result->value) + "\nbut analyzed " +
                        quarry::to_edn(*analyzed));
  return 0;
}
