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
  // A query run often: prepare it once (read and checked once; its plans are kept per database value).
  auto named = quarry::prepare("[:find ?n . :in $ ?a :where [?e :person/age ?a] [?e :person/name ?n]]");
  auto ann42 = quarry::q(*named, {db->db(), quarry::Value(42)});  // "Ann"
  // A large answer read row by row: q_rows gives it as rows of cells in one block (no vector per row).
  auto rows = quarry::q_rows("[:find ?n ?a :where [?e :person/name ?n] [?e :person/age ?a]]", {db->db()});
  // rows->size() is 1; rows->row(0) is the span {"Ann", 42}
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
  REQUIRE(ann42);
  CHECK(ann42->value == quarry::Value("Ann"));
  REQUIRE(rows);
  REQUIRE(rows->size() == 1);
  CHECK(rows->row(0)[0] == quarry::Value("Ann"));
  CHECK(rows->row(0)[1] == quarry::Value(42));
}
