// Database::import of CSV and JSON Lines: streamed in transactions of batch_size rows (the memory
// bound from ImportSummary's counters), tempids across batches, typed values, errors with their
// line and what was committed before them, the bulk path; on both stores where it matters.
#include <doctest/doctest.h>

#include "support/database_stores.hpp"
#include "support/edn_value.hpp"
#include "support/import_outcome.hpp"
#include "support/temp_path.hpp"

#include <quarry/quarry.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <span>
#include <string>

namespace {

using quarry::Database;
using quarry::ErrorCode;
using quarry::ImportOptions;
using quarry::ImportSummary;
using quarry::Options;
using quarry::Value;
using quarry::testing::edn;
using quarry::testing::TempPath;

using Stores = quarry::testing::DatabaseStores;

Value query(const Database& db, std::string_view text) { return quarry::testing::query_value(db, text); }

const char* kSchema = R"({:person/name {:db/valueType :db.type/string :db/unique :db.unique/identity}
 :person/email {:db/valueType :db.type/string :db/unique :db.unique/value}
 :person/age {:db/valueType :db.type/long}
 :person/friend {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
 :person/best {:db/valueType :db.type/ref}
 :person/tags {:db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
 :person/born {:db/valueType :db.type/instant}
 :person/score {:db/valueType :db.type/double}
 :person/active {:db/valueType :db.type/boolean}})";

void declare(Database& db) {
  auto r = db.declare_schema(std::string_view(kSchema));
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
}

quarry::Result<ImportSummary> import_text(Database& db, const std::string& text, std::string_view name,
                                          ImportOptions options = {}) {
  std::istringstream in(text);
  return db.import(in, name, options);
}

ImportSummary imported(Database& db, const std::string& text, std::string_view name, ImportOptions options = {}) {
  auto r = import_text(db, text, name, std::move(options));
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  return *r;
}

// `n` people as CSV rows: a tempid each ("p<i>"), a name, an age, and as best friend the tempid of
// person i-1 (backwards, an earlier batch) or, for every tenth, of person i+25 (forwards, a later
// batch when the batch is smaller than 25).
std::string people_csv(int n) {
  std::string text = "db/id,person/name,person/age,person/best\n";
  for (int i = 0; i < n; ++i) {
    std::string best = i % 10 == 0 ? (i + 25 < n ? "p" + std::to_string(i + 25) : "") : "p" + std::to_string(i - 1);
    text += "p" + std::to_string(i) + ",P" + std::to_string(i) + "," + std::to_string(i % 90) + "," + best + "\n";
  }
  return text;
}

// A CSV text the import refuses with :invalid-argument and this message.
struct RefusedCsv {
  const char* text;
  const char* message;
};

void expect_refused(Database& db, std::span<const RefusedCsv> cases) {
  for (const RefusedCsv& c : cases) {
    CAPTURE(std::string(c.text));
    auto r = import_text(db, c.text, "bad.csv");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::InvalidArgument);
    CHECK(r.error().message == c.message);
  }
}

}  // namespace

TEST_CASE("a CSV file far larger than a batch is streamed: transactions of batch_size rows, the held forms bounded") {
  Stores stores;
  for (auto& [store, db] : stores.all) {
    CAPTURE(std::string(store));
    declare(db);
    constexpr int kRows = 2'000;
    constexpr std::size_t kBatch = 64;
    ImportSummary s = imported(db, people_csv(kRows), "people.csv", ImportOptions{.batch_size = kBatch});
    CHECK(s.transactions == (kRows + kBatch - 1) / kBatch);
    CHECK(s.forms == 1);  // the rows are one vector, cut
    CHECK(s.max_transaction_operations <= kBatch + 8);  // + held-back references added to their transaction
    CHECK(s.max_held_operations <= 3 * kBatch + 1);
    CHECK(s.tempids == kRows);
    CHECK(query(db, "[:find (count ?p) . :where [?p :person/name]]") == Value(std::int64_t{kRows}));
    // Tempids resolved across batches, backwards and forwards.
    CHECK(query(db, R"([:find ?m . :where [?p :person/name "P1001"] [?p :person/best ?b] [?b :person/name ?m]])") ==
          Value("P1000"));
    CHECK(query(db, R"([:find ?m . :where [?p :person/name "P1000"] [?b :person/best ?p] [?b :person/name ?m]])") ==
          Value("P1001"));
    CHECK(query(db, R"([:find ?m . :where [?p :person/name "P1950"] [?p :person/best ?b] [?b :person/name ?m]])") ==
          Value("P1975"));
    CHECK(query(db, "[:find (count ?p) . :where [?p :person/best]]") == Value(std::int64_t{kRows - 2}));
  }
}

TEST_CASE("CSV cells are typed by the schema; lookup refs, ids and tempids in ref columns; quoted fields, CRLF, a BOM") {
  auto db = Database::open(Options{.in_memory = true});
  REQUIRE(db.has_value());
  declare(*db);
  std::string text =
      "\xEF\xBB\xBF:db/id,:person/name,person/age,person/score,person/active,person/born,person/tags,person/best,"
      "person/email,nick\r\n"
      "ann,Ann,41,1.5,true,2024-01-31,admin,,a@x.org,007\r\n"
      "bob,\"Bob, \"\"B\"\" Jr.\",27,3,false,2024-01-31T10:00:00Z,:user,ann,,dd\r\n"
      ",,,,,,,,,\r\n"
      "\r\n"
      ",Cy,,,,,,\"[:person/name \"\"Ann\"\"]\",,\r\n"
      ",Dee,,,,,,1,,\r\n";  // entity 1 is Ann, the first new entity
  ImportSummary s = imported(*db, text, "typed.csv");
  CHECK(s.transactions == 1);
  CHECK(s.tempids == 2);
  CHECK(query(*db, R"([:find [?a ?s ?on ?t] :where [?p :person/name "Ann"] [?p :person/age ?a] [?p :person/score ?s]
                        [?p :person/active ?on] [?p :person/tags ?t]])") == edn("[41 1.5 true :admin]"));
  CHECK(query(*db, R"([:find ?n ?s ?nick :where [?p :person/score ?s] [?p :person/name ?n] [?p :nick ?nick]])") ==
        edn(R"(#{["Ann" 1.5 7] ["Bob, \"B\" Jr." 3.0 "dd"]})"));
  CHECK(query(*db, R"([:find ?n ?m :where [?p :person/best ?b] [?p :person/name ?n] [?b :person/name ?m]])") ==
        edn(R"(#{["Bob, \"B\" Jr." "Ann"] ["Cy" "Ann"] ["Dee" "Ann"]})"));
  CHECK(query(*db, R"([:find ?b . :where [?p :person/name "Bob, \"B\" Jr."] [?p :person/born ?b]])") ==
        edn("#inst \"2024-01-31T10:00:00.000Z\""));
  CHECK(query(*db, "[:find (count ?p) . :where [?p :person/name]]") == Value(std::int64_t{4}));
}

TEST_CASE("CSV errors name the line; within the first batch nothing is written, later what was committed is said") {
  Stores stores;
  for (auto& [store, db] : stores.all) {
    CAPTURE(std::string(store));
    declare(db);
    // A bad cell in the first batch: the reader is a batch ahead, so nothing is written.
    auto small = import_text(db, "person/name,person/age\nA,1\nB,forty\n", "small.csv");
    REQUIRE_FALSE(small.has_value());
    CHECK(small.error().code == ErrorCode::InvalidArgument);
    CHECK(small.error().message == "small.csv line 3: column 2 (:person/age): \"forty\" is not a long");
    CHECK(query(db, "[:find (count ?p) . :where [?p :person/name]]").is_nil());

    // A bad row at line 402 of a file cut into transactions of 50 rows: the writer is one batch
    // behind the reader, so rows 1-300 (6 transactions) are in; the 7th waited for a batch behind it.
    std::string text = "person/name,person/age\n";
    for (int i = 0; i < 500; ++i) text += i == 400 ? "X,1,2\n" : "N" + std::to_string(i) + "," + std::to_string(i) + "\n";
    auto large = import_text(db, text, "large.csv", ImportOptions{.batch_size = 50});
    REQUIRE_FALSE(large.has_value());
    CHECK(large.error().message ==
          "large.csv line 402: the row has 3 fields but the header names 2 (6 transactions of large.csv committed "
          "before it)");
    CHECK(query(db, "[:find (count ?p) . :where [?p :person/name]]") == Value(std::int64_t{300}));

    // A transaction that fails: the unique email of row 130 repeats row 5's; rows go 50 at a time.
    std::string dup = "person/name,person/email\n";
    for (int i = 0; i < 200; ++i)
      dup += "E" + std::to_string(i) + "," + (i == 129 ? std::string("e4") : "e" + std::to_string(i)) + "\n";
    auto failed = import_text(db, dup, "dup.csv", ImportOptions{.batch_size = 50});
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().code == ErrorCode::TxUnique);
    CHECK(failed.error().message.starts_with("transaction 3 of dup.csv (lines 102-151) failed (2 committed before it): "));
    CHECK(query(db, "[:find (count ?p) . :where [?p :person/email]]") == Value(std::int64_t{100}));
  }
}

TEST_CASE("CSV syntax and header errors") {
  auto db = Database::open(Options{.in_memory = true});
  REQUIRE(db.has_value());
  const RefusedCsv cases[] = {
      {"", "bad.csv line 1: no header row naming the attributes"},
      {"\n\n", "bad.csv line 1: no header row naming the attributes"},
      {"a,b c\n", "bad.csv line 1: column 2 of the header, \"b c\", is not an attribute name"},
      {"a,,b\n", "bad.csv line 1: column 2 of the header, \"\", is not an attribute name"},
      {"a,:a\n", "bad.csv line 1: the header names :a twice"},
      {"a,b\n1,\"2\n", "bad.csv line 2: a quoted field is not closed"},
      {"a,b\n1,\"2\"x\n", "bad.csv line 2: a quoted field must end at a comma or the end of the line (column 2)"},
      {"a,b\n1,2\"\n", "bad.csv line 2: a quote inside an unquoted field (column 2); quote the whole field and double the quote"},
      {"a\n1\n1,2\n", "bad.csv line 3: the row has 2 fields but the header names 1"},
      {"db/id,a\n0,1\n", "bad.csv line 2: column 1 (:db/id): \"0\" is not an entity id (a positive long, or a tempid)"},
      {"db/id,a\ndatomic.tx,1\n", "bad.csv line 2: column 1 (:db/id): \"datomic.tx\" names the transaction, not an entity id"},
  };
  expect_refused(*db, cases);
  CHECK(query(*db, "[:find (count ?e) . :where [?e :a]]").is_nil());
  // A header alone is no transaction at all.
  ImportSummary s = imported(*db, "a,b\n", "header.csv");
  CHECK(s.transactions == 0);
}

TEST_CASE("the format: by extension in any case, or as asked; a tempid never defined is reported at the end") {
  auto db = Database::open(Options{.in_memory = true});
  REQUIRE(db.has_value());
  declare(*db);
  CHECK(imported(*db, "person/name\nA\nB\n", "UPPER.CSV").transactions == 1);
  CHECK(imported(*db, "person/name\nC\n", "rows.txt", ImportOptions{.format = ImportOptions::Format::Csv}).transactions == 1);
  CHECK(imported(*db, R"({"person/name": "D"})", "x.NDJSON").transactions == 1);
  CHECK(query(*db, "[:find (count ?p) . :where [?p :person/name]]") == Value(std::int64_t{4}));
  // Not CSV by its name: EDN, which this is not.
  auto edn_read = import_text(*db, "person/name\nE\n", "rows.txt");
  REQUIRE_FALSE(edn_read.has_value());

  auto dangling = import_text(*db, "person/name,person/best\nF,nobody\n", "dangling.csv");
  REQUIRE_FALSE(dangling.has_value());
  CHECK(dangling.error().code == ErrorCode::TxTempid);
  CHECK(dangling.error().message == "dangling.csv line 2: column 2 (:person/best): \"nobody\" is a tempid that no "
                                    "row of the file defines (none has it as its db/id with a value)");
  CHECK(query(*db, R"([:find ?p . :where [?p :person/name "F"]])").is_nil());  // nothing of the file is in
}

TEST_CASE("JSON Lines: one object per line, values typed by the schema, arrays, lookup refs, nested entities") {
  auto db = Database::open(Options{.in_memory = true});
  REQUIRE(db.has_value());
  declare(*db);
  const std::string text = R"({"db/id": "ann", "person/name": "Ann", "person/age": 41, "person/score": 2, "person/active": true,
{"person/name": "Cy", "person/born": "2024-01-31", "person/age": null, "n": 7, "d": 2.5, "e": 1e3, "s": "42", "b": false, "t": {"x": 1}}

{"db/id": "bob", ":person/name": "Bob", "person/tags": ["admin", ":user"], "person/friend": ["ann", ["person/name", "Cy"]], "person/best": {"person/name": "Eve", "person/age": 30}}
{}
{"person/name": "Dee", "person/best": ["person/name", "Bob"], "person/friend": [1]}
)";
  // The first line has a trailing comma: malformed.
  auto bad = import_text(*db, text, "people.jsonl");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message ==
        "people.jsonl line 1, column 99: expected a key (a string); found the end of the line");
  std::string fixed = text;
  fixed.replace(fixed.find("true,\n"), 6, "true}\n");
  // "t" (undeclared) holds an object: refused with its key and column.
  auto object = import_text(*db, fixed, "people.jsonl");
  REQUIRE_FALSE(object.has_value());
  CHECK(object.error().message ==
        "people.jsonl line 2: the key \"t\" (column 128): an object is not a value of this attribute (an object is a ref "
        "attribute's nested entity)");
  const std::string t_key = R"(, "t": {"x": 1})";
  fixed.replace(fixed.find(t_key), t_key.size(), "");
  ImportSummary s = imported(*db, fixed, "people.jsonl");
  CHECK(s.transactions == 1);
  CHECK(query(*db, R"([:find [?a ?s ?on] :where [?p :person/name "Ann"] [?p :person/age ?a] [?p :person/score ?s]
                       [?p :person/active ?on]])") == edn("[41 2.0 true]"));
  CHECK(query(*db, R"([:find [?t ...] :where [?p :person/name "Bob"] [?p :person/tags ?t]])") == edn("[:admin :user]"));
  CHECK(query(*db, R"([:find ?n ?m :where [?p :person/friend ?f] [?p :person/name ?n] [?f :person/name ?m]])") ==
        edn(R"(#{["Bob" "Ann"] ["Bob" "Cy"] ["Dee" "Ann"]})"));
  CHECK(query(*db, R"([:find ?n ?m :where [?p :person/best ?b] [?p :person/name ?n] [?b :person/name ?m]])") ==
        edn(R"(#{["Bob" "Eve"] ["Dee" "Bob"]})"));
  CHECK(query(*db, R"([:find [?n ?d ?e ?s ?b ?born] :where [?p :person/name "Cy"] [?p :n ?n] [?p :d ?d] [?p :e ?e] [?p :s ?s]
                       [?p :b ?b] [?p :person/born ?born]])") ==
        edn(R"([7 2.5 1000.0 "42" false #inst "2024-01-31T00:00:00.000Z"])"));
  CHECK(query(*db, R"([:find ?a . :where [?p :person/name "Cy"] [?p :person/age ?a]])").is_nil());
}

TEST_CASE("JSON Lines errors name the line (and the column for malformed JSON)") {
  auto db = Database::open(Options{.in_memory = true});
  REQUIRE(db.has_value());
  declare(*db);
  struct Case {
    const char* line;
    const char* message;
  };
  const Case cases[] = {
      {"[1, 2]", "bad.jsonl line 2: a line must be one JSON object (one entity), not an array"},
      {"\"Ann\"", "bad.jsonl line 2: a line must be one JSON object (one entity), not a string"},
      {"{\"person/name\": \"A\"} {}", "bad.jsonl line 2, column 22: the value ends here; found '{'"},
      {"{\"person/name\": 'A'}", "bad.jsonl line 2, column 17: expected a value (an object, array, string, number, true, false or null); found '''"},
      {"{\"a b\": 1}", "bad.jsonl line 2: the key \"a b\" is not an attribute name"},
      {"{\"person/name\": \"A\", \":person/name\": \"B\"}", "bad.jsonl line 2: the object names :person/name twice"},
      {"{\"person/age\": \"forty\"}", "bad.jsonl line 2: the key \"person/age\" (column 16): \"forty\" is not a long"},
      {"{\"person/age\": 4.5}", "bad.jsonl line 2: the key \"person/age\" (column 16): a number 4.5 is not a long"},
      {"{\"person/age\": [1, 2]}", "bad.jsonl line 2: the key \"person/age\" (column 16): an array is not a value of this attribute (an array is the values of a cardinality-many attribute, a lookup ref or a tuple)"},
      {"{\"person/name\": true}", "bad.jsonl line 2: the key \"person/name\" (column 17): a boolean is not a value of this attribute"},
      {"{\"person/best\": -3}", "bad.jsonl line 2: the key \"person/best\" (column 17): a number -3 is not an entity id (a positive integer)"},
      {"{\"person/best\": [\"person/name\"]}", "bad.jsonl line 2: the key \"person/best\" (column 17): an array is not a lookup ref [\"attr\", value]"},
      {"{\"person/tags\": [null]}", "bad.jsonl line 2: the key \"person/tags\" (column 17): null is not a value (null only stands for a missing key)"},
      {"{\"db/id\": 1.5}", "bad.jsonl line 2: the key \"db/id\" (column 11): a number 1.5 is not an entity id (a positive integer)"},
  };
  for (const Case& c : cases) {
    CAPTURE(std::string(c.line));
    auto r = import_text(*db, std::string("{\"person/name\": \"Ok\"}\n") + c.line + "\n", "bad.jsonl");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::InvalidArgument);
    CHECK(r.error().message == c.message);
  }
  CHECK(query(*db, "[:find (count ?p) . :where [?p :person/name]]").is_nil());  // each file was one batch
}

TEST_CASE("CSV and JSON Lines through the bulk path give what the ordinary path gives") {
  for (const char* format : {"csv", "jsonl"}) {
    CAPTURE(std::string(format));
    std::string text;
    if (std::string(format) == "csv") {
      text = people_csv(3'000);
    } else {
      for (int i = 0; i < 3'000; ++i)
        text += R"({"db/id": "p)" + std::to_string(i) + R"(", "person/name": "P)" + std::to_string(i) +
                R"(", "person/age": )" + std::to_string(i % 90) +
                (i > 0 ? R"(, "person/best": "p)" + std::to_string(i / 2) + "\"" : std::string()) + "}\n";
    }
    std::vector<Value> results;
    for (auto bulk : {ImportOptions::Bulk::Always, ImportOptions::Bulk::Never}) {
      TempPath dir;
      const std::string file = dir.str() + "." + format;
      { std::ofstream(file) << text; }
      {
        auto db = Database::open(Options{.path = dir.str(), .sync_writes = false});
        REQUIRE(db.has_value());
        declare(*db);
        auto r = db->import(file, ImportOptions{.batch_size = 500, .bulk = bulk});
        REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
        CHECK(r->bulk == (bulk == ImportOptions::Bulk::Always));
        if (bulk == ImportOptions::Bulk::Always) CHECK(r->bulk_transactions > 0);
        CHECK(r->transactions == 6);
      }
      auto db = Database::open(Options{.path = dir.str()});
      REQUIRE(db.has_value());
      results.push_back(query(*db, "[:find ?e ?n ?a ?b :where [?e :person/name ?n] [?e :person/age ?a] "
                                   "[(get-else $ ?e :person/best 0) ?b]]"));
      std::filesystem::remove(file);
    }
    CHECK(results[0] == results[1]);
    CHECK(results[0].as<quarry::Set>().items.size() == 3'000);
  }
}

namespace {

// An input that cannot be read twice (a pipe): seeking it fails, as on a pipe.
class PipeBuffer : public std::streambuf {
 public:
  explicit PipeBuffer(std::string text) : text_(std::move(text)) {
    setg(text_.data(), text_.data(), text_.data() + text_.size());
  }

 private:
  std::string text_;
};

quarry::testing::StoreDump dump_of(const TempPath& dir) {
  quarry::RocksOptions rocks;
  rocks.path = dir.str();
  rocks.info_log = false;
  auto store = quarry::RocksStore::open(rocks, quarry::keys::all_spaces());
  REQUIRE_MESSAGE(store.has_value(), (store ? "" : store.error().to_edn()));
  return quarry::testing::dump_store(**store);
}

// "p0".."p<n-1>" in order, each naming the one before as :person/best; row `dangling` (0-based)
// names "Ann" instead, which no row defines.
std::string dangling_csv(int n, int dangling) {
  std::string text = "db/id,person/name,person/best\n";
  for (int i = 0; i < n; ++i)
    text += "p" + std::to_string(i) + ",P" + std::to_string(i) + "," +
            (i == dangling ? std::string("Ann") : i > 0 ? "p" + std::to_string(i - 1) : std::string()) + "\n";
  return text;
}

}  // namespace

TEST_CASE("a reference to a tempid no row defines refuses the whole file before anything is written") {
  // Row 5 (line 6) of a CSV, or line 3 of a JSON Lines file, names "Ann" as its best friend, but no
  // row has :db/id "Ann": in one transaction that is a :tx/tempid error, so for the file too —
  // whether it fits in one batch or is cut into many, through the bulk path or the ordinary one.
  std::string jsonl = R"({"db/id": "a", "person/name": "A"}
{"db/id": "b", "person/name": "B", "person/friend": ["a"]}
{"db/id": "c", "person/name": "C", "person/friend": ["b", "Ann"], "person/best": {"db/id": "n", "person/name": "N", "person/best": "a"}}
{"db/id": "Ann"}
)";
  struct Case {
    std::string text, ext, message;
  };
  const Case cases[] = {
      {dangling_csv(300, 4), "csv",
       "line 6: column 3 (:person/best): \"Ann\" is a tempid that no row of the file defines (none has it as its "
       "db/id with a value)"},
      {jsonl, "jsonl",
       "line 3: the key \"person/friend\": \"Ann\" is a tempid that no line of the file defines (none has it as its "
       "db/id with a value)"},
  };
  for (const Case& c : cases) {
    for (std::size_t batch : {std::size_t{10'000}, std::size_t{1}}) {
      for (auto bulk : {ImportOptions::Bulk::Always, ImportOptions::Bulk::Never}) {
        CAPTURE(c.ext);
        CAPTURE(batch);
        TempPath dir;
        {
          auto db = Database::open(Options{.path = dir.str(), .sync_writes = false});
          REQUIRE(db.has_value());
          declare(*db);
          REQUIRE(db->transact(R"([{:person/name "Before"}])").has_value());
        }
        const auto before = dump_of(dir);
        const std::string file = dir.str() + "." + c.ext;
        { std::ofstream(file) << c.text; }
        {
          auto db = Database::open(Options{.path = dir.str(), .sync_writes = false});
          REQUIRE(db.has_value());
          auto r = db->import(file, ImportOptions{.batch_size = batch, .bulk = bulk});
          REQUIRE_FALSE(r.has_value());
          CHECK(r.error().code == ErrorCode::TxTempid);
          CHECK(r.error().message == file + " " + c.message);
        }
        std::filesystem::remove(file);
        CHECK(dump_of(dir) == before);
      }
    }
  }
  // Defined anywhere in the file, before or after the reference, the same files import.
  auto db = Database::open(Options{.in_memory = true});
  REQUIRE(db.has_value());
  declare(*db);
  CHECK(imported(*db, dangling_csv(300, 4) + "Ann,Ann,\n", "late.csv", ImportOptions{.batch_size = 7}).tempids == 301);
  std::string defined = jsonl;
  defined.replace(defined.find(R"({"db/id": "Ann"})"), 16, R"({"db/id": "Ann", "person/name": "Ann"})");
  CHECK(imported(*db, defined, "late.jsonl", ImportOptions{.batch_size = 1}).transactions == 4);
  CHECK(query(*db, R"([:find ?n . :where [?c :person/name "C"] [?c :person/friend ?a] [?a :person/name "Ann"]
                       [?a :person/name ?n]])") == Value(std::string("Ann")));
}

TEST_CASE("from an input that cannot be read twice, the tempids are checked as it is read") {
  Stores stores;
  for (auto& [store, db] : stores.all) {
    CAPTURE(std::string(store));
    declare(db);
    // Within one batch the reader reaches the end before anything is committed: nothing is written.
    PipeBuffer small(dangling_csv(100, 50));
    std::istream small_in(&small);
    auto r = db.import(small_in, "small.csv", ImportOptions{});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::TxTempid);
    CHECK(r.error().message.starts_with("small.csv line 52: column 3 (:person/best): \"Ann\" is a tempid"));
    CHECK(query(db, "[:find (count ?p) . :where [?p :person/name]]").is_nil());

    // Longer than a batch: the transactions the writer committed before the reader reached the end
    // stay, and the message counts them.
    PipeBuffer large(dangling_csv(500, 50));
    std::istream large_in(&large);
    r = db.import(large_in, "large.csv", ImportOptions{.batch_size = 100});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::TxTempid);
    CHECK(r.error().message.ends_with("(3 transactions of large.csv committed before it)"));
    CHECK(query(db, "[:find (count ?p) . :where [?p :person/name]]") == Value(std::int64_t{300}));

    PipeBuffer fine(dangling_csv(100, -1));
    std::istream fine_in(&fine);
    CHECK(db.import(fine_in, "fine.csv", ImportOptions{}).has_value());
  }
}

TEST_CASE("CSV cells of cardinality-many columns hold several values, typed by the schema, refs included") {
  auto db = Database::open(Options{.in_memory = true});
  REQUIRE(db.has_value());
  declare(*db);
  const std::string text =
      "db/id,person/name,person/tags,person/friend\n"
      "ann,Ann,admin|:user,\n"
      "cy,Cy,,\n"
      "bob,Bob \\| \\\\Jr\\x,user||admin|,\"ann|dee|[:person/name \"\"Cy\"\"]\"\n"
      "dee,Dee,,ann|ann\n";
  ImportSummary s = imported(*db, text, "many.csv", ImportOptions{.batch_size = 2});
  CHECK(s.transactions == 2);
  CHECK(query(*db, R"([:find [?t ...] :where [?p :person/name "Ann"] [?p :person/tags ?t]])") == edn("[:admin :user]"));
  CHECK(query(*db, R"([:find ?n ?m :where [?p :person/friend ?f] [?p :person/name ?n] [?f :person/name ?m]])") ==
        edn(R"(#{["Bob | \\Jr\\x" "Ann"] ["Bob | \\Jr\\x" "Cy"] ["Bob | \\Jr\\x" "Dee"] ["Dee" "Ann"]})"));
  CHECK(query(*db, R"([:find [?t ...] :where [?p :person/name "Bob | \\Jr\\x"] [?p :person/tags ?t]])") ==
        edn("[:admin :user]"));

  // Several values for a cardinality-one attribute (declared, undeclared, the id) name the line.
  const RefusedCsv cases[] = {
      {"person/name,person/age\nA,1\nB,2|3\n",
       "bad.csv line 3: column 2 (:person/age): 2 values separated by '|', but :person/age is cardinality one "
       "(write \\| for a '|' inside a value)"},
      {"person/name\nA|B\n",
       "bad.csv line 2: column 1 (:person/name): 2 values separated by '|', but :person/name is cardinality one "
       "(write \\| for a '|' inside a value)"},
      {"db/id,nick\nx|y,1\n",
       "bad.csv line 2: column 1 (:db/id): 2 values separated by '|', but :db/id is cardinality one (write \\| for a "
       "'|' inside a value)"},
      {"person/name,person/tags\nA,admin|x y\n", "bad.csv line 2: column 2 (:person/tags): \"x y\" is not a keyword"},
  };
  expect_refused(*db, cases);
  // A tempid in a multi-value ref cell that no row defines refuses the file.
  auto dangling = import_text(*db, "db/id,person/name,person/friend\nq,Q,\nr,R,q|nobody\n", "dangling.csv");
  REQUIRE_FALSE(dangling.has_value());
  CHECK(dangling.error().message.starts_with("dangling.csv line 3: column 3 (:person/friend): \"nobody\" is a tempid"));
  CHECK(query(*db, R"([:find ?p . :where [?p :person/name "Q"]])").is_nil());

  // Another separator, or none: then a cell is one value as written.
  auto unescaped = import_text(*db, "person/name,person/tags\nE;e|1,a;b\n", "semi.csv",
                               ImportOptions{.csv_value_separator = ';'});
  REQUIRE_FALSE(unescaped.has_value());
  CHECK(unescaped.error().message.ends_with("(write \\; for a ';' inside a value)"));
  auto semi = import_text(*db, "person/name,person/tags\nE\\;e|1,a;b\n", "semi.csv",
                          ImportOptions{.csv_value_separator = ';'});
  REQUIRE(semi.has_value());
  CHECK(query(*db, R"([:find [?t ...] :where [?p :person/name "E;e|1"] [?p :person/tags ?t]])") == edn("[:a :b]"));
  for (char refused : {',', '"', '\\', '\n'}) {
    auto r = import_text(*db, "person/name\nG\n", "refused.csv", ImportOptions{.csv_value_separator = refused});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::InvalidArgument);
  }
  imported(*db, "person/name,nick\nF|f\\|,a|b\n", "off.csv", ImportOptions{.csv_value_separator = '\0'});
  CHECK(query(*db, R"([:find ?n . :where [?p :person/name "F|f\\|"] [?p :nick ?n]])") == Value(std::string("a|b")));
}

namespace {

// One generated person of the separator test: the text of each cell, and what it reads as.
struct SeparatorRow {
  std::string name, note;
  std::int64_t age = 0;
  std::vector<std::string> tags;  // keywords' names, in the cell in this order
};

// `rows` as CSV with fields separated by `sep`: a field holding the separator, a quote, a line
// break or a space at an end is quoted with its quotes doubled, as RFC 4180 says for commas.
std::string separated(const std::vector<SeparatorRow>& rows, char sep) {
  auto field = [sep](const std::string& text) {
    if (text.find_first_of(std::string{sep, '"', '\n', '\r'}) == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  };
  const std::string s(1, sep);
  std::string text = "person/name" + s + "person/age" + s + "note" + s + "person/tags\n";
  for (const SeparatorRow& r : rows) {
    std::string tags;
    for (const std::string& t : r.tags) tags += (tags.empty() ? "" : "|") + t;
    text += field(r.name) + s + std::to_string(r.age) + s + field(r.note) + s + field(tags) + "\n";
  }
  return text;
}

}  // namespace

TEST_CASE("CSV with another field separator (tab, semicolon, space) reads as the same rows with commas") {
  // Model: generated rows whose texts hold commas, tabs, semicolons, spaces, quotes and line
  // breaks; each separator's file must give exactly the rows, on both stores.
  const std::uint64_t first_seed = 20261206;
  CAPTURE(first_seed);
  std::uint64_t seed = first_seed;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(seed >> 33);
  };
  const std::string pieces[] = {"a", "b c", ",", "\t", ";", "\"", "x\ny", " ", "Zoë", "1"};
  std::vector<SeparatorRow> rows;
  for (int i = 0; i < 60; ++i) {
    SeparatorRow r;
    r.name = "P" + std::to_string(i) + "-";  // distinct whatever follows (an identity attribute)
    for (std::uint32_t k = next() % 4; k > 0; --k) r.name += pieces[next() % std::size(pieces)];
    r.note = "n";
    for (std::uint32_t k = next() % 5; k > 0; --k) r.note += pieces[next() % std::size(pieces)];
    r.age = static_cast<std::int64_t>(next() % 100);
    const std::uint32_t tags = next() % 16;  // a subset of t0..t3, each at most once
    for (int t = 0; t < 4; ++t)
      if (tags & (1u << t)) r.tags.push_back("t" + std::to_string(t));
    rows.push_back(std::move(r));
  }
  // The expected relation, and the tags of each name, as EDN values.
  std::string expected_rows = "#{", expected_tags = "#{";
  for (const SeparatorRow& r : rows) {
    expected_rows += "[" + quarry::to_edn(Value(r.name)) + " " + std::to_string(r.age) + " " +
                     quarry::to_edn(Value(r.note)) + "]";
    for (const std::string& t : r.tags) expected_tags += "[" + quarry::to_edn(Value(r.name)) + " :" + t + "]";
  }
  expected_rows += "}";
  expected_tags += "}";

  for (char sep : {',', '\t', ';', ' ', ':'}) {
    CAPTURE(int(sep));
    Stores stores;
    for (auto& [store, db] : stores.all) {
      CAPTURE(std::string(store));
      declare(db);
      ImportSummary s = imported(db, separated(rows, sep), "people.csv",
                                 ImportOptions{.batch_size = 16, .csv_separator = sep});
      CHECK(s.transactions == 4);
      CHECK(query(db, "[:find ?n ?a ?o :where [?p :person/name ?n] [?p :person/age ?a] [?p :note ?o]]") ==
            edn(expected_rows));
      CHECK(query(db, "[:find ?n ?t :where [?p :person/name ?n] [?p :person/tags ?t]]") == edn(expected_tags));
    }
  }
}

TEST_CASE("a CSV field separator that cannot separate fields is refused before anything is read") {
  Stores stores;
  for (auto& [store, db] : stores.all) {
    CAPTURE(std::string(store));
    declare(db);
    struct Refused {
      ImportOptions options;
      const char* message;
    };
    const Refused cases[] = {
        {ImportOptions{.csv_separator = '"'},
         "ImportOptions::csv_separator '\"' cannot separate CSV fields: it must be one ASCII character other than a "
         "quote, a backslash, a line break or '\\0'"},
        {ImportOptions{.csv_separator = '\\'},
         "ImportOptions::csv_separator '\\' cannot separate CSV fields: it must be one ASCII character other than a "
         "quote, a backslash, a line break or '\\0'"},
        {ImportOptions{.csv_separator = '\n'},
         "ImportOptions::csv_separator '\\n' cannot separate CSV fields: it must be one ASCII character other than "
         "a quote, a backslash, a line break or '\\0'"},
        {ImportOptions{.csv_separator = '\r'},
         "ImportOptions::csv_separator '\\r' cannot separate CSV fields: it must be one ASCII character other than "
         "a quote, a backslash, a line break or '\\0'"},
        {ImportOptions{.csv_separator = '\0'},
         "ImportOptions::csv_separator '\\0' cannot separate CSV fields: it must be one ASCII character other than "
         "a quote, a backslash, a line break or '\\0'"},
        {ImportOptions{.csv_separator = static_cast<char>(0xC3)},
         "ImportOptions::csv_separator byte 195 cannot separate CSV fields: it must be one ASCII character other "
         "than a quote, a backslash, a line break or '\\0'"},
        {ImportOptions{.csv_separator = '|'},
         "ImportOptions::csv_value_separator '|' is also the field separator (csv_separator); give them different "
         "characters, or '\\0' for no value separator"},
        {ImportOptions{.csv_separator = ';', .csv_value_separator = ';'},
         "ImportOptions::csv_value_separator ';' is also the field separator (csv_separator); give them different "
         "characters, or '\\0' for no value separator"},
        {ImportOptions{.csv_separator = ';', .csv_value_separator = '"'},
         "ImportOptions::csv_value_separator '\"' cannot be a quote, a backslash or a line break"},
    };
    for (const Refused& c : cases) {
      CAPTURE(std::string(c.message));
      auto r = import_text(db, "person/name\nG\n", "refused.csv", c.options);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == ErrorCode::InvalidArgument);
      CHECK(r.error().message == c.message);
    }
    CHECK(query(db, "[:find (count ?p) . :where [?p :person/name]]").is_nil());
    // With a semicolon as the field separator a comma may separate a cell's values.
    imported(db, "person/name;person/tags\nH;a,b\n", "semi.csv",
             ImportOptions{.csv_separator = ';', .csv_value_separator = ','});
    CHECK(query(db, R"([:find [?t ...] :where [?p :person/name "H"] [?p :person/tags ?t]])") == edn("[:a :b]"));
    // A quoted field must end at the separator in use.
    auto quoted = import_text(db, "person/name;person/age\n\"I\",3\n", "semi.csv", ImportOptions{.csv_separator = ';'});
    REQUIRE_FALSE(quoted.has_value());
    CHECK(quoted.error().message ==
          "semi.csv line 2: a quoted field must end at the separator ';' or the end of the line (column 1)");
    CHECK(query(db, R"([:find ?p . :where [?p :person/name "I"]])").is_nil());
  }
}
