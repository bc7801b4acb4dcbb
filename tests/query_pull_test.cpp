// Pull and the entity API through the public API (Db::pull, Db::pull_many, Db::entity), on an
// in-memory database and on a RocksDB one.
//
// Golden cases: every tests/golden/pull/*.edn file is a sequence of EDN forms —
//   {:schema {...} :tx [...]}      setup, in order: declare attributes DataScript-style, transact
//   {:tx [...]}                    more setup
//   {:case "what it shows" :pull PATTERN :eid EID :result EXPECTED}
//   {:case "..." :pull-many PATTERN :eids [EID ...] :result [EXPECTED ...]}
//   {:case "..." :pull PATTERN :eid EID :error :pull/syntax}      the call must fail with this code
// A case with :quarry-only "reason" is a deliberate difference from DataScript; every other
// expectation is DataScript 1.8's answer, checked by tests/golden/pull/datascript_check.cljs.
#include <doctest/doctest.h>

#include "support/edn_value.hpp"
#include "support/golden_files.hpp"

#include "support/temp_path.hpp"

#include <quarry/quarry.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <unistd.h>
#include <vector>

#include "api/db_impl.hpp"
#include "query/pull/pull.hpp"

namespace {

using quarry::Database;
using quarry::Options;
using quarry::Value;

using quarry::testing::edn;

using quarry::testing::TempPath;

// A database of either kind; the RocksDB one lives in a temporary directory removed afterwards.
struct MemoryKind {
  static constexpr const char* name = "memory";
};
struct RocksKind {
  static constexpr const char* name = "rocksdb";
};

template <class Kind>
class TestDatabase {
 public:
  TestDatabase() {
    Options options;
    if constexpr (std::is_same_v<Kind, MemoryKind>) {
      options.in_memory = true;
    } else {
      dir_ = std::make_unique<TempPath>();
      options.path = dir_->str();
      options.sync_writes = false;
    }
    auto db = Database::open(options);
    REQUIRE_MESSAGE(db.has_value(), (db ? "" : db.error().to_edn()));
    db_ = std::make_unique<Database>(std::move(*db));
  }
  ~TestDatabase() { db_.reset(); }  // before the directory goes

  Database& operator*() { return *db_; }
  Database* operator->() { return db_.get(); }

  quarry::TxReport ok(std::string_view tx) {
    auto r = db_->transact(tx);
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
    return std::move(*r);
  }

 private:
  std::unique_ptr<TempPath> dir_;
  std::unique_ptr<Database> db_;
};

std::string show(const quarry::Result<Value>& r) { return r ? quarry::to_edn(*r) : r.error().to_edn(); }

// EDN text as Quarry prints it (map keys in Value order: keywords without a namespace first).
std::string canon(std::string_view text) { return quarry::to_edn(edn(text)); }

const Value* lookup(const quarry::Map& m, std::string_view key) {
  const Value k = Value::keyword(key);
  for (const auto& [mk, mv] : m.entries)
    if (mk == k) return &mv;
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Golden cases

using quarry::testing::golden_files;
using quarry::testing::read_text;

// Runs one file; returns the number of cases it ran.
template <class Kind>
int run_golden_file(const std::filesystem::path& path) {
  auto forms = quarry::read_edn_all(read_text(path));
  REQUIRE_MESSAGE(forms.has_value(), path.string() << ": " << (forms ? "" : forms.error().message));
  TestDatabase<Kind> db;
  int cases = 0;
  for (const Value& form : *forms) {
    INFO(path.filename().string() << " (" << Kind::name << "): " << quarry::to_edn(form));
    REQUIRE(form.is<quarry::Map>());
    const auto& m = form.as<quarry::Map>();
    if (const Value* schema = lookup(m, "schema")) {
      auto r = db->declare_schema(*schema);
      REQUIRE_MESSAGE(r.has_value(), r.error().to_edn());
    }
    if (const Value* tx = lookup(m, "tx")) {
      auto r = db->transact(*tx);
      REQUIRE_MESSAGE(r.has_value(), r.error().to_edn());
    }
    const Value* pattern = lookup(m, "pull");
    const Value* many_pattern = lookup(m, "pull-many");
    if (!pattern && !many_pattern) continue;
    ++cases;
    const quarry::Db now = db->db();
    quarry::Result<Value> got = pattern ? now.pull(*pattern, *lookup(m, "eid"))
                                        : now.pull_many(*many_pattern, lookup(m, "eids")->as<quarry::Vector>().items);
    if (const Value* code = lookup(m, "error")) {
      REQUIRE_MESSAGE(!got.has_value(), "expected " << quarry::to_edn(*code) << ", got " << show(got));
      CHECK(Value::keyword(quarry::error_code_name(got.error().code)) == *code);
    } else {
      const Value* want = lookup(m, "result");
      REQUIRE_MESSAGE(want, "a case needs :result or :error");
      CHECK(show(got) == quarry::to_edn(*want));
    }
  }
  return cases;
}

TEST_CASE_TEMPLATE("golden pull cases agree with DataScript", Kind, MemoryKind, RocksKind) {
  auto files = golden_files("pull");
  REQUIRE(!files.empty());
  int total = 0;
  for (const auto& f : files) total += run_golden_file<Kind>(f);
  CHECK(total >= 30);
}

// ---------------------------------------------------------------------------------------------
// The entity API

constexpr std::string_view kSchema = R"({:name {:db/unique :db.unique/identity}
  :friend {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
  :best {:db/valueType :db.type/ref}
  :tag {:db/cardinality :db.cardinality/many}
  :address {:db/valueType :db.type/ref :db/isComponent true}
  :items {:db/valueType :db.type/ref :db/isComponent true :db/cardinality :db.cardinality/many}
  :part {:db/valueType :db.type/ref :db/isComponent true}})";

constexpr std::string_view kPeople = R"([
  {:db/id 1 :name "Ann" :tag ["b" "a"] :friend [2 3] :best 2 :address 10 :items [11 12]}
  {:db/id 2 :name "Bob" :friend [1]}
  {:db/id 3 :name "Cy"}
  {:db/id 10 :city "Oslo" :part 13}
  {:db/id 11 :sku "A"}
  {:db/id 12 :sku "B"}
  {:db/id 13 :floor 2}
  {:db/id 20 :name "P" :part 21}
  {:db/id 21 :name "Q" :part 20}])";

TEST_CASE_TEMPLATE("entity: card-many as sets, refs as {:db/id}, components expanded", Kind, MemoryKind, RocksKind) {
  TestDatabase<Kind> db;
  REQUIRE(db->declare_schema(kSchema).has_value());
  db.ok(kPeople);
  const quarry::Db now = db->db();
  CHECK(show(now.entity(Value(1))) ==
        canon("{:address {:city \"Oslo\", :db/id 10, :part {:db/id 13, :floor 2}}, :best {:db/id 2}, :db/id 1, "
        ":friend #{{:db/id 2} {:db/id 3}}, :items #{{:db/id 11, :sku \"A\"} {:db/id 12, :sku \"B\"}}, "
        ":name \"Ann\", :tag #{\"a\" \"b\"}}"));
  CHECK(show(now.entity(edn(R"([:name "Bob"])"))) == canon("{:db/id 2, :friend #{{:db/id 1}}, :name \"Bob\"}"));
  // a component cycle ends where an entity would be expanded inside itself
  CHECK(show(now.entity(Value(20))) ==
        canon("{:db/id 20, :name \"P\", :part {:db/id 21, :name \"Q\", :part {:db/id 20, :name \"P\", :part {:db/id 21}}}}"));
  CHECK(show(now.entity(Value(99))) == canon("{:db/id 99}"));
  CHECK(now.entity(edn(R"([:name "Nobody"])"))->is_nil());
}

TEST_CASE_TEMPLATE("entity and pull read the view: as-of and since", Kind, MemoryKind, RocksKind) {
  TestDatabase<Kind> db;
  REQUIRE(db->declare_schema(kSchema).has_value());
  const auto t1 = db.ok(R"([{:db/id 1 :name "Ann" :tag ["a"] :address {:db/id 10 :city "Oslo"}}])").tx;
  const auto t2 = db.ok(R"([[:db/add 1 :tag "b"] [:db/add 10 :city "Bergen"] [:db/retract 10 :city "Oslo"]
                            {:db/id 2 :name "Bob" :friend [1]}])").tx;
  const quarry::Db now = db->db();
  const quarry::Db then = now.as_of(t1);
  CHECK(show(then.pull("[*]", Value(1))) ==
        canon("{:address {:city \"Oslo\", :db/id 10}, :db/id 1, :name \"Ann\", :tag [\"a\"]}"));
  CHECK(show(now.pull("[*]", Value(1))) ==
        canon("{:address {:city \"Bergen\", :db/id 10}, :db/id 1, :name \"Ann\", :tag [\"a\" \"b\"]}"));
  CHECK(show(then.pull("[:name :_friend]", Value(1))) == canon("{:name \"Ann\"}"));
  CHECK(show(now.pull("[:name :_friend]", Value(1))) == canon("{:_friend [{:db/id 2}], :name \"Ann\"}"));
  CHECK(show(then.entity(Value(1))) ==
        canon("{:address {:city \"Oslo\", :db/id 10}, :db/id 1, :name \"Ann\", :tag #{\"a\"}}"));
  CHECK(show(then.pull("[:name]", Value(2))) == canon("nil"));
  // since t1: only what was asserted after t1 and is still true
  CHECK(show(now.since(t1).pull("[*]", Value(1))) == canon("{:db/id 1, :tag [\"b\"]}"));
  CHECK(show(now.since(t2).pull("[:name]", Value(1))) == canon("nil"));
}

TEST_CASE("pull and entity refuse a history database") {
  TestDatabase<MemoryKind> db;
  db.ok(R"([{:db/id 1 :name "Ann"}])");
  const quarry::Db history = db->db().history();
  auto pulled = history.pull("[*]", Value(1));
  REQUIRE(!pulled.has_value());
  CHECK(pulled.error().code == quarry::ErrorCode::InvalidArgument);
  auto entity = history.entity(Value(1));
  REQUIRE(!entity.has_value());
  CHECK(entity.error().code == quarry::ErrorCode::InvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Errors, limits, deep recursion, plans

TEST_CASE("malformed patterns are :pull/syntax errors naming the offending part") {
  TestDatabase<MemoryKind> db;
  REQUIRE(db->declare_schema(kSchema).has_value());
  db.ok(kPeople);
  const quarry::Db now = db->db();
  const auto message = [&](std::string_view pattern) {
    auto r = now.pull(pattern, Value(1));
    REQUIRE_MESSAGE(!r.has_value(), "expected an error, got " << show(r));
    CHECK(r.error().code == quarry::ErrorCode::PullSyntax);
    return r.error().message;
  };
  CHECK(message("[:name 42]").find("42") != std::string::npos);
  CHECK(message("[(:tag :limit 0)]").find("0") != std::string::npos);
  CHECK(message("[{:friend :oops}]").find(":oops") != std::string::npos);
  CHECK(message("[(:name :limit 2)]").find("(:name :limit 2)") != std::string::npos);
  CHECK(message("[{:name [:x]}]").find("{:name [:x]}") != std::string::npos);
  CHECK(message("[:_name]").find(":_name") != std::string::npos);
  CHECK(message("[(:name :frobnicate 1)]").find(":frobnicate") != std::string::npos);
  // EDN that does not read is the reader's error
  auto bad = now.pull("[:name", Value(1));
  REQUIRE(!bad.has_value());
  CHECK(bad.error().code == quarry::ErrorCode::EdnSyntax);
  // entity references are checked as for entity()
  CHECK(!now.pull("[:name]", Value(-1)).has_value());
  CHECK(!now.pull("[:name]", edn("[:tag \"a\"]")).has_value());  // :tag is not unique
  CHECK(!now.pull_many(edn("[:name]"), std::vector<Value>{Value(1), Value("x")}).has_value());
}

TEST_CASE_TEMPLATE("card-many and reverse attributes stop at 1000 values unless :limit says otherwise", Kind,
                   MemoryKind, RocksKind) {
  TestDatabase<Kind> db;
  REQUIRE(db->declare_schema(kSchema).has_value());
  std::string tx = "[{:db/id 1 :tag [";
  for (int i = 0; i < 1100; ++i) tx += std::to_string(i) + " ";
  tx += "]}";
  for (int i = 2; i <= 1101; ++i) tx += " {:db/id " + std::to_string(i) + " :friend [1]}";
  tx += "]";
  db.ok(tx);
  const quarry::Db now = db->db();
  const auto count = [&](std::string_view pattern, std::string_view key) -> std::size_t {
    auto r = now.pull(pattern, Value(1));
    REQUIRE_MESSAGE(r.has_value(), show(r));
    return r->as<quarry::Map>().entries.empty() ? 0
                                                : lookup(r->as<quarry::Map>(), key)->as<quarry::Vector>().items.size();
  };
  CHECK(count("[:tag]", "tag") == 1000);
  CHECK(count("[(:tag :limit nil)]", "tag") == 1100);
  CHECK(count("[(:tag :limit 1050)]", "tag") == 1050);
  CHECK(count("[:_friend]", "_friend") == 1000);
  CHECK(count("[(:_friend :limit nil)]", "_friend") == 1100);
  CHECK(count("[*]", "tag") == 1000);
  // the entity API has no limit
  auto e = now.entity(Value(1));
  REQUIRE(e.has_value());
  CHECK(lookup(e->as<quarry::Map>(), "tag")->as<quarry::Set>().items.size() == 1100);
}

TEST_CASE("unbounded recursion along a long chain does not exhaust the stack") {
  TestDatabase<MemoryKind> db;
  REQUIRE(db->declare_schema("{:next {:db/valueType :db.type/ref}}").has_value());
  constexpr int kLength = 5000;  // (DataScript's own test goes 1500 deep)
  std::string tx = "[";
  for (int i = 1; i < kLength; ++i) tx += "[:db/add " + std::to_string(i) + " :next " + std::to_string(i + 1) + "]";
  tx += "[:db/add " + std::to_string(kLength) + " :n " + std::to_string(kLength) + "]]";
  db.ok(tx);
  auto r = db->db().pull("[:n {:next ...}]", Value(1));
  REQUIRE_MESSAGE(r.has_value(), show(r));
  int depth = 0;
  const Value* v = &*r;
  while (const Value* next = lookup(v->as<quarry::Map>(), "next")) {
    v = next;
    ++depth;
  }
  CHECK(depth == kLength - 1);
  CHECK(*lookup(v->as<quarry::Map>(), "n") == Value(kLength));
}

TEST_CASE("a parsed pattern is bound again when the schema changes") {
  TestDatabase<MemoryKind> db;
  db.ok(R"([{:db/id 1 :name "Ann"} {:db/id 2 :name "Bob"}])");
  auto pattern = quarry::query::parse_pull_pattern(edn("[:name {:friend [:name]}]"));
  REQUIRE(pattern.has_value());
  // :friend is not an attribute yet: a nested pattern on it is DataScript's "not a ref" error
  auto before = quarry::query::pull(quarry::DbAccess::index_db(db->db()), **pattern, quarry::EntityId{1});
  REQUIRE(!before.has_value());
  CHECK(before.error().code == quarry::ErrorCode::PullSyntax);
  REQUIRE(db->declare_schema("{:friend {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}}").has_value());
  db.ok("[[:db/add 1 :friend 2]]");
  auto after = quarry::query::pull(quarry::DbAccess::index_db(db->db()), **pattern, quarry::EntityId{1});
  CHECK(show(after) == canon("{:friend [{:name \"Bob\"}], :name \"Ann\"}"));
  const std::vector<quarry::EntityId> ids{quarry::EntityId{2}, quarry::EntityId{1}, quarry::EntityId{7}};
  auto many = quarry::query::pull_many(quarry::DbAccess::index_db(db->db()), **pattern, ids);
  CHECK(show(many) == canon("[{:name \"Bob\"} {:friend [{:name \"Bob\"}], :name \"Ann\"} nil]"));
}

TEST_CASE("the same attribute under two keys is pulled for both") {
  // DataScript 1.8 fills only the first of them; Quarry fills both (doc/pull.md).
  TestDatabase<MemoryKind> db;
  REQUIRE(db->declare_schema(kSchema).has_value());
  db.ok(kPeople);
  CHECK(show(db->db().pull("[:name (:name :as :n) {(:friend :as :f) [:name]} :friend]", Value(1))) ==
        canon("{:f [{:name \"Bob\"} {:name \"Cy\"}], :friend [{:db/id 2} {:db/id 3}], :n \"Ann\", :name \"Ann\"}"));
}

TEST_CASE("string aliases and pull-many with missing entities") {
  TestDatabase<MemoryKind> db;
  REQUIRE(db->declare_schema(kSchema).has_value());
  db.ok(kPeople);
  const quarry::Db now = db->db();
  CHECK(show(now.pull("[(:name :as \"Name\") (:db/id :as \"id\")]", Value(2))) == canon("{\"Name\" \"Bob\", \"id\" 2}"));
  const std::vector<Value> ids{edn("[:name \"Cy\"]"), edn("[:name \"Nobody\"]"), Value(99), Value(2)};
  CHECK(show(now.pull_many(edn("[:name]"), ids)) == canon("[{:name \"Cy\"} nil nil {:name \"Bob\"}]"));
  CHECK(show(now.pull_many(edn("[:db/id]"), ids)) == canon("[{:db/id 3} nil {:db/id 99} {:db/id 2}]"));
  CHECK(show(now.pull_many(edn("[:name]"), {})) == canon("[]"));
}

}  // namespace

namespace {

TEST_CASE_TEMPLATE("pull-many of neighbouring entities agrees with pulling them one by one", Kind, MemoryKind,
                   RocksKind) {
  // pull-many reads runs of close ids with one cursor (query/pull/pull_prefetch.hpp); single pulls
  // do not. Ids: a dense run with gaps and entities without datoms, duplicates, a far one.
  TestDatabase<Kind> db;
  REQUIRE(db->declare_schema(kSchema).has_value());
  std::string tx = "[";
  for (int i = 1; i <= 60; ++i) {
    if (i % 7 == 0) continue;  // no datoms
    tx += "{:db/id " + std::to_string(i) + " :name \"p" + std::to_string(i) + "\" :tag [\"t" + std::to_string(i % 3) +
          "\" \"u\"]" + (i % 2 ? "" : " :age " + std::to_string(i)) + " :friend [" + std::to_string(i % 60 + 1) +
          "]" + (i % 5 ? "" : " :address {:city \"c" + std::to_string(i) + "\"}") + "}";
  }
  tx += "{:db/id 5000 :name \"far\"}]";
  const auto t1 = db.ok(tx).tx;
  db.ok("[[:db/retract 3 :name \"p3\"] [:db/add 4 :age 99] {:db/id 61 :name \"new\"}]");
  std::vector<Value> ids;
  for (int i = 0; i <= 62; ++i) ids.emplace_back(i == 0 ? 5000 : i);
  ids.emplace_back(10);
  ids.emplace_back(3);
  for (const quarry::Db& view : {db->db(), db->db().as_of(t1)}) {
    for (std::string_view pattern : {"[*]", "[:name :age]", "[:age]", "[:db/id :tag]",
                                     "[:name {:friend [:name {:friend [:age]}]} :_friend]", "[(:age :default 0)]",
                                     "[:_friend]", "[:name {:friend 3}]"}) {
      INFO(pattern);
      auto many = view.pull_many(edn(pattern), ids);
      REQUIRE_MESSAGE(many.has_value(), show(many));
      const auto& results = many->as<quarry::Vector>().items;
      REQUIRE(results.size() == ids.size());
      for (std::size_t i = 0; i < ids.size(); ++i) {
        INFO("eid " << quarry::to_edn(ids[i]));
        CHECK(quarry::to_edn(results[i]) == show(view.pull(pattern, ids[i])));
      }
    }
  }
}

}  // namespace
