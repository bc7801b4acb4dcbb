// The C++ example of README.md, kept compiling and passing here. Keep the two in step.
#include <doctest/doctest.h>

#include <quarry/quarry.hpp>

TEST_CASE("the README's C++ example works as printed") {
  // --- README example begins
  auto db = quarry::Database::open({.in_memory = true});  // or {.path = "people-db"}
  if (!db) FAIL(db.error().to_edn());

  auto schema = db->declare_schema(R"({:person/name {:db/unique :db.unique/identity}
                                       :person/age  {:db/valueType :db.type/long}})");
  auto report = db->transact(R"([{:person/name "Ann" :person/age 41}])");
  if (!report) FAIL(report.error().to_edn());

  quarry::Db before = db->db();  // an immutable value: later transactions do not change it
  auto again = db->transact(R"([[:db/add [:person/name "Ann"] :person/age 42]])");

  quarry::Value ann = quarry::Vector{{quarry::Value::keyword("person/name"), "Ann"}};
  auto now = db->db().entity(ann);     // {:db/id 1, :person/age 42, :person/name "Ann"}
  auto then = before.entity(ann);      // {:db/id 1, :person/age 41, :person/name "Ann"}
  auto bad = db->transact(R"([[:db/add 1 :person/age "forty"]])");  // bad.error().code == TxType

  // Datalog: the inputs bind :in in order; $ is a database value, here the current one.
  auto older = quarry::q(R"([:find ?n ?a :in $ ?min
                             :where [?e :person/age ?a] [(>= ?a ?min)] [?e :person/name ?n]])",
                         {db->db(), quarry::Value(40)});
  // older->value is #{["Ann" 42]}; older->columns is {"?n", "?a"}
  auto was = quarry::q("[:find ?a . :where [_ :person/age ?a]]", {before});  // 41: time travel
  auto pulled = db->db().pull("[:person/name :person/age]", ann);  // {:person/age 42, :person/name "Ann"}
  // --- README example ends

  REQUIRE(schema);
  REQUIRE(again);
  REQUIRE(now);
  REQUIRE(then);
  CHECK(quarry::to_edn(*now) == R"({:db/id 1, :person/age 42, :person/name "Ann"})");
  CHECK(quarry::to_edn(*then) == R"({:db/id 1, :person/age 41, :person/name "Ann"})");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == quarry::ErrorCode::TxType);
  REQUIRE(older);
  CHECK(quarry::to_edn(older->value) == R"(#{["Ann" 42]})");
  CHECK(older->columns == std::vector<std::string>{"?n", "?a"});
  REQUIRE(was);
  CHECK(was->value == quarry::Value(41));
  REQUIRE(pulled);
  CHECK(quarry::to_edn(*pulled) == R"({:person/age 42, :person/name "Ann"})");
}
