// The transactor and connection beyond the golden scripts: tx reports, :db/txInstant, id
// allocation after failures, persistence across reopen, concurrent writers and readers.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "support/tx_harness.hpp"

namespace quarry::testing {
namespace {

namespace sys = index::sys;

std::optional<Instant> tx_instant(const index::Db& db, TxId tx) {
  auto datoms = db.attr_datoms(EntityId{tx.value}, sys::kTxInstant);
  REQUIRE(datoms.has_value());
  if (datoms->empty()) return std::nullopt;
  return datoms->front().v.as<Instant>();
}

TEST_CASE_TEMPLATE("a tx report describes the transaction", Kind, MemoryStoreKind, RocksStoreKind) {
  TxHarness<Kind> h;
  auto r = h.ok(R"([{:db/id "a" :name "A"} [:db/add "datomic.tx" :note "first"]])");
  CHECK(r.tx == TxId{kTx0 + 1});
  CHECK(r.db_before.basis() == TxId{kTx0});
  CHECK(r.db_after.basis() == r.tx);
  CHECK(h.db().basis() == r.tx);
  // tempids: "a", "datomic.tx", :db/current-tx; sorted
  REQUIRE(r.tempids.size() == 3);
  CHECK(r.tempids[0].first == Value("a"));
  CHECK(r.tempids[0].second == EntityId{1});
  CHECK(r.tempids[1].first == Value("datomic.tx"));
  CHECK(r.tempids[2].first == Value::keyword("db/current-tx"));
  CHECK(r.tempids[2].second == EntityId{r.tx.value});
  // every datom carries the tx; :db/txInstant is asserted on the tx entity with the clock's time
  bool instant = false;
  for (const auto& d : r.datoms) {
    CHECK(d.tx == r.tx);
    if (d.a == sys::kTxInstant) {
      instant = true;
      CHECK(d.e == EntityId{r.tx.value});
      CHECK(d.v == Value(fixed_clock()));
    }
  }
  CHECK(instant);
  CHECK(tx_instant(h.db(), r.tx) == fixed_clock());
  // db_before does not see the transaction
  CHECK(user_state_edn(r.db_before) == edn("[]"));
  CHECK(user_state_edn(r.db_after) == edn(R"([[1 :name "A"]])"));
}

TEST_CASE("an empty transaction still asserts :db/txInstant") {
  TxHarness<MemoryStoreKind> h;
  auto r = h.ok("[]");
  REQUIRE(r.datoms.size() == 1);
  CHECK(r.datoms[0].a == sys::kTxInstant);
}

TEST_CASE("tx-data may set :db/txInstant itself (imports)") {
  TxHarness<MemoryStoreKind> h;
  auto r = h.ok(R"([[:db/add "datomic.tx" :db/txInstant #inst "2001-01-01T00:00:00.000Z"]])");
  REQUIRE(r.datoms.size() == 1);
  CHECK(r.datoms[0].v == edn(R"(#inst "2001-01-01T00:00:00.000Z")"));
  h.err(R"([[:db/add "datomic.tx" :db/txInstant "yesterday"]])", ErrorCode::TxType);
}

TEST_CASE("transaction instants never go backwards") {
  std::int64_t now = 5000;
  TxHarness<MemoryStoreKind> h(tx::ConnectionOptions{.clock = [&] { return Instant{now}; }});
  auto first = h.ok("[]");
  now = 1000;  // the clock jumps back
  auto second = h.ok("[]");
  CHECK(tx_instant(h.db(), first.tx) == Instant{5000});
  CHECK(tx_instant(h.db(), second.tx) == Instant{5000});
  now = 9000;
  auto third = h.ok("[]");
  CHECK(tx_instant(h.db(), third.tx) == Instant{9000});
}

TEST_CASE_TEMPLATE("a failed transaction changes no counter", Kind, MemoryStoreKind, RocksStoreKind) {
  TxHarness<Kind> h;
  h.ok(R"([{:db/ident :email :db/unique :db.unique/value}])");
  h.ok(R"([[:db/add 1 :email "a"]])");
  const auto before = h.db();
  // would allocate entities 2 and 3, a new attribute and a tx id, then fails
  h.err(R"([{:name "x" :new-attr 1} {:name "y"} [:db/add "z" :email "a"]])", ErrorCode::TxUnique);
  CHECK(h.db().basis() == before.basis());
  CHECK(h.db().max_eid() == before.max_eid());
  CHECK(h.db().next_system_id() == before.next_system_id());
  CHECK(h.db().schema().find(Keyword{"", "new-attr"}) == nullptr);
  // the next transaction gets exactly the ids the failed one would have had
  auto r = h.ok(R"([{:db/id "p" :name "x" :new-attr 1}])");
  CHECK(r.tx.value == before.basis().value + 1);
  CHECK(r.tempids.front().second == EntityId{2});
  const auto* attr = h.db().schema().find(Keyword{"", "name"});
  REQUIRE(attr);
  CHECK(attr->id.value == before.next_system_id());
  require_consistent(h.db());
}

TEST_CASE("persistence: reopen sees the same datoms, schema and counters") {
  TxHarness<RocksStoreKind> h;
  h.ok(R"([{:db/ident :person/name :db/valueType :db.type/string :db/unique :db.unique/identity}
          {:db/ident :person/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}])");
  h.ok(R"([{:person/name "Ann" :person/friend [{:person/name "Bob"}]} {:db/id 50 :undeclared 1}])");
  const auto state = user_state_edn(h.db());
  const auto basis = h.db().basis();
  const auto max_eid = h.db().max_eid();
  const auto next_system = h.db().next_system_id();
  const auto* declared = h.db().schema().find(Keyword{"person", "friend"});
  REQUIRE(declared);
  const index::AttrSchema friend_schema = *declared;

  h.reopen({});
  CHECK(user_state_edn(h.db()) == state);
  CHECK(h.db().basis() == basis);
  CHECK(h.db().max_eid() == max_eid);
  CHECK(h.db().next_system_id() == next_system);
  REQUIRE(h.db().schema().find(Keyword{"person", "friend"}));
  CHECK(*h.db().schema().find(Keyword{"person", "friend"}) == friend_schema);

  // allocation goes on where it stopped; upserts see the reopened data
  auto r = h.ok(R"([{:db/id "c" :person/name "Carl"} {:person/name "Ann" :age 30} {:db/ident :new/attr}])");
  CHECK(r.tx.value == basis.value + 1);
  CHECK(r.tempids.front().second == EntityId{max_eid + 1});
  CHECK(h.db().schema().find(Keyword{"new", "attr"})->id.value >= next_system);
  auto ann = h.db().find_unique(h.db().schema().find(Keyword{"person", "name"})->id, Value("Ann"));
  REQUIRE(ann.has_value());
  REQUIRE(ann->has_value());
  auto age = h.db().attr_datoms(**ann, h.db().schema().find(Keyword{"", "age"})->id);
  REQUIRE(age.has_value());
  CHECK(age->size() == 1);
  require_consistent(h.db());
}

TEST_CASE_TEMPLATE("one large transaction", Kind, MemoryStoreKind, RocksStoreKind) {
  TxHarness<Kind> h;
  h.ok(R"([{:db/ident :id :db/valueType :db.type/long :db/unique :db.unique/identity}
          {:db/ident :next :db/valueType :db.type/ref}])");
  std::string tx = "[";
  for (int i = 0; i < 5000; ++i)
    tx += "{:db/id \"e" + std::to_string(i) + "\" :id " + std::to_string(i) + " :next \"e" +
          std::to_string((i + 1) % 5000) + "\"}";
  tx += "]";
  auto r = h.ok(tx);
  CHECK(r.datoms.size() == 10001);  // + :db/txInstant
  CHECK(h.db().max_eid() == 5000);
  // upserting all of them again changes nothing
  auto again = h.ok(tx);
  CHECK(again.datoms.size() == 1);
  require_consistent(h.db());
}

TEST_CASE_TEMPLATE("concurrent writers are serialized and readers keep their snapshot", Kind,
                   MemoryStoreKind, RocksStoreKind) {
  TxHarness<Kind> h;
  h.ok(R"([{:db/ident :counter :db/valueType :db.type/long :db/unique :db.unique/identity}
          {:db/ident :by :db/valueType :db.type/long}])");
  const index::Db start = h.db();
  constexpr int kWriters = 4, kEach = 50;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};

  // A reader holding one value sees the same datoms however many transactions commit meanwhile.
  std::thread reader([&] {
    const index::Db held = h.db();
    auto count = [&] {
      auto c = held.datoms(IndexOrder::Aevt);
      std::size_t n = 0;
      for (; c->valid(); c->next()) ++n;
      return n;
    };
    const std::size_t first = count();
    while (!done) {
      if (count() != first) ++failures;
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        auto v = read_edn("[{:counter " + std::to_string(w * 1000 + i) + " :by " + std::to_string(w) + "}]");
        if (!v || !h.connection().transact(*v)) ++failures;
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  CHECK(failures == 0);
  CHECK(h.db().basis().value == start.basis().value + kWriters * kEach);
  CHECK(h.db().max_eid() == kWriters * kEach);
  CHECK(user_state_edn(start) == edn("[]"));
  require_consistent(h.db());
}

TEST_CASE("upsert retries converge with many tempids") {
  TxHarness<MemoryStoreKind> h;
  h.ok(R"([{:db/ident :k :db/unique :db.unique/identity}])");
  h.ok(R"([{:k 1} {:k 2} {:k 3}])");
  // each tempid is first met without its identity, then upserts: three retries
  auto r = h.ok(R"([[:db/add "a" :v 1] [:db/add "b" :v 2] [:db/add "c" :v 3] [:db/add "n" :v 4]
                    [:db/add "c" :k 3] [:db/add "b" :k 2] [:db/add "a" :k 1]])");
  CHECK(r.tempids[0] == std::pair{Value("a"), EntityId{1}});
  CHECK(r.tempids[1] == std::pair{Value("b"), EntityId{2}});
  CHECK(r.tempids[2] == std::pair{Value("c"), EntityId{3}});
  CHECK(r.tempids[3] == std::pair{Value("n"), EntityId{4}});
}

TEST_CASE("DataScript-style schema maps become attribute entities") {
  auto tx = tx::schema_tx_data(edn(R"({:name {:db/unique :db.unique/identity}
                                       :follows {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}})"));
  REQUIRE(tx.has_value());
  CHECK(to_edn(*tx) ==
        R"([{:db/cardinality :db.cardinality/many, :db/ident :follows, :db/valueType :db.type/ref} )"
        R"({:db/ident :name, :db/unique :db.unique/identity}])");
  CHECK(tx::schema_tx_data(edn("[1]")).error().code == ErrorCode::TxSyntax);
  CHECK(tx::schema_tx_data(edn("{:a 1}")).error().code == ErrorCode::TxSyntax);
  CHECK(tx::schema_tx_data(edn("{:a {:db/ident :b}}")).error().code == ErrorCode::TxSyntax);

  TxHarness<MemoryStoreKind> h;
  auto r = h.connection().transact(*tx);
  REQUIRE(r.has_value());
  const auto* follows = h.db().schema().find(Keyword{"", "follows"});
  REQUIRE(follows);
  CHECK(follows->many);
  CHECK(follows->is_ref());
  CHECK(is_system_entity(follows->id.value));
}

TEST_CASE("error messages print the offending form") {
  TxHarness<MemoryStoreKind> h;
  h.ok(R"([{:db/ident :age :db/valueType :db.type/long}])");
  auto e = h.err(R"([[:db/add 1 :age "old"]])", ErrorCode::TxType);
  CHECK(e.message == R"(value "old" does not match :db.type/long of attribute :age in [:db/add 1 :age "old"])");
  // long forms are shortened
  std::string big = "[{:db/id 1 :age \"" + std::string(2000, 'x') + "\"}]";
  e = h.err(big, ErrorCode::TxType);
  CHECK(e.message.size() < 800);
}

}  // namespace
}  // namespace quarry::testing
