// Index layer benchmark: commits and reads of DataScript's "people" shape (20,000 entities with
// name, last name, age, sex, salary and friend refs) through index::Writer and index::Db, on
// MemoryStore and on RocksStore (sync off). Prints one table; fixed seed.
//
//   bench_index_bench [ENTITIES]     (default 20000)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "index/db.hpp"
#include "index/key_layout.hpp"
#include "storage/memory_store.hpp"
#include "storage/rocks_store.hpp"

using namespace quarry;
using index::Db;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

[[noreturn]] void die(const Error& e) {
  std::fprintf(stderr, "error: %s\n", e.message.c_str());
  std::exit(1);
}

template <class T>
T ok(Result<T> r) {
  if (!r) die(r.error());
  return std::move(*r);
}

struct Attrs {
  AttrId name, last_name, age, sex, salary, friend_;
};

Datom add(std::uint64_t e, AttrId a, Value v) { return Datom{EntityId{e}, a, std::move(v), TxId{}, true}; }

Db commit(index::Writer& w, std::vector<Datom> ds) {
  Db basis = w.db();
  TxId tx = basis.next_tx();
  ds.push_back(Datom{EntityId{tx.value}, index::sys::kTxInstant, Instant{static_cast<std::int64_t>(tx.value)}, tx, true});
  return ok(w.commit(basis, tx, ds));
}

Attrs define(index::Writer& w) {
  Attrs a;
  std::uint64_t next = w.db().next_system_id();
  std::vector<Datom> ds;
  auto attr = [&](const char* ident, const char* type, bool many) {
    AttrId id{next++};
    ds.push_back(add(id.value, index::sys::kIdent, Value::keyword(ident)));
    ds.push_back(add(id.value, index::sys::kValueType, Value::keyword(type)));
    ds.push_back(add(id.value, index::sys::kCardinality, Value::keyword(many ? "db.cardinality/many" : "db.cardinality/one")));
    return id;
  };
  a.name = attr("name", "db.type/string", false);
  a.last_name = attr("last-name", "db.type/string", false);
  a.age = attr("age", "db.type/long", false);
  a.sex = attr("sex", "db.type/keyword", false);
  a.salary = attr("salary", "db.type/long", false);
  a.friend_ = attr("friend", "db.type/ref", true);
  commit(w, ds);
  return a;
}

void row(const char* store, const char* what, std::size_t n, double secs) {
  std::printf("| %-6s | %-44s | %9zu | %9.1f | %12.0f |\n", store, what, n, secs * 1000, n / secs);
}

void run(const char* label, std::shared_ptr<Store> store, std::size_t people) {
  auto writer = ok(index::Writer::open(std::move(store)));
  Attrs a = define(*writer);
  std::mt19937_64 rng(42);
  const char* names[] = {"Ivan", "Petr", "Sergei", "Oleg", "Yuri", "Dmitry", "Fedor", "Denis"};
  const char* last[] = {"Ivanov", "Petrov", "Sidorov", "Kovalev", "Kuznetsov", "Voronoi"};

  // Load: transactions of 100 entities (~ 650 datoms each).
  auto start = std::chrono::steady_clock::now();
  std::size_t datoms = 0;
  for (std::size_t base = 1; base <= people; base += 100) {
    std::vector<Datom> ds;
    for (std::size_t e = base; e < base + 100 && e <= people; ++e) {
      ds.push_back(add(e, a.name, names[rng() % 8]));
      ds.push_back(add(e, a.last_name, last[rng() % 6]));
      ds.push_back(add(e, a.age, static_cast<std::int64_t>(rng() % 100)));
      ds.push_back(add(e, a.sex, Value::keyword(rng() % 2 ? "male" : "female")));
      ds.push_back(add(e, a.salary, static_cast<std::int64_t>(rng() % 100000)));
      for (int f = 0; f < 2; ++f) {
        std::uint64_t other = 1 + rng() % people;
        if (other != e && (f == 0 || ds.back().v != Value(EntityId{other})))
          ds.push_back(add(e, a.friend_, Value(EntityId{other})));
      }
    }
    datoms += ds.size();
    commit(*writer, std::move(ds));
  }
  row(label, "commit, 100 entities per tx (datoms/s)", datoms, seconds_since(start));

  // Small transactions: one datom each (plus :db/txInstant).
  start = std::chrono::steady_clock::now();
  const std::size_t small = 2000;
  for (std::size_t i = 0; i < small; ++i) {
    Db db = writer->db();
    auto old = ok(db.attr_datoms(EntityId{1 + i}, a.age));
    std::vector<Datom> ds;
    for (const Datom& d : old) ds.push_back(Datom{d.e, d.a, d.v, TxId{}, false});
    ds.push_back(add(1 + i, a.age, static_cast<std::int64_t>(200 + i)));
    commit(*writer, std::move(ds));
  }
  row(label, "commit, 1 replacement per tx (tx/s)", small, seconds_since(start));

  Db db = writer->db();
  auto scan = [&](const char* what, const std::function<Result<index::DatomCursor>()>& open) {
    auto s = std::chrono::steady_clock::now();
    std::size_t n = 0;
    for (int rep = 0; rep < 3; ++rep) {
      auto c = ok(open());
      for (; c.valid(); c.next()) ++n;
      if (auto st = c.status(); !st) die(st.error());
    }
    row(label, what, n, seconds_since(s));
  };
  scan("scan aevt :name, current (datoms/s)", [&] { return db.datoms(IndexOrder::Aevt, {.a = a.name}); });
  scan("scan eavt, current (datoms/s)", [&] { return db.datoms(IndexOrder::Eavt); });
  Db past = db.as_of(TxId{db.basis().value - small / 2});
  scan("scan aevt :age, as-of (datoms/s)", [&] { return past.datoms(IndexOrder::Aevt, {.a = a.age}); });
  scan("scan aevt :age, history (datoms/s)", [&] { return db.history().datoms(IndexOrder::Aevt, {.a = a.age}); });
  scan("index_range :salary [10000, 20000) (datoms/s)",
       [&] { return db.index_range(a.salary, Value(10000), Value(20000)); });

  start = std::chrono::steady_clock::now();
  const std::size_t lookups = 20000;
  std::size_t found = 0;
  for (std::size_t i = 0; i < lookups; ++i) {
    auto c = ok(db.datoms(IndexOrder::Eavt, {.e = EntityId{1 + rng() % people}, .a = a.name}));
    found += c.valid();
  }
  row(label, "point read eavt e+a (lookups/s)", lookups, seconds_since(start));
  start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < lookups; ++i)
    found += ok(db.has_datom(EntityId{1 + rng() % people}, a.sex, Value::keyword("male")));
  row(label, "has_datom (lookups/s)", lookups, seconds_since(start));
  if (found == 0) std::printf("(nothing found?)\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t people = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20000;
  std::printf("index_bench: %zu people, seed 42\n\n", people);
  std::printf("| store  | %-44s | %9s | %9s | %12s |\n", "operation", "count", "ms", "per second");
  std::printf("|--------|----------------------------------------------|-----------|-----------|--------------|\n");
  run("memory", std::shared_ptr<Store>(ok(MemoryStore::open(keys::all_spaces()))), people);
  auto dir = std::filesystem::temp_directory_path() / ("quarry-index-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    RocksOptions options;
    options.path = dir.string();
    options.sync_writes = false;
    options.info_log = false;
    run("rocks", std::shared_ptr<Store>(ok(RocksStore::open(options, keys::all_spaces()))), people);
  }
  std::filesystem::remove_all(dir);
}
