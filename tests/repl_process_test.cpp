// The `quarry` command from the outside: separate processes sharing a database directory,
// .export then .import into a fresh database, -e, exit statuses, a closed output pipe.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include <quarry/quarry.hpp>

#include "support/quarry_command.hpp"

namespace {

using quarry::testing::lines_of;
using quarry::testing::run_quarry;
using quarry::testing::ScratchDir;

constexpr std::int64_t kSystemBase = std::int64_t{1} << 40;

quarry::Value read_line(const std::string& line) {
  auto v = quarry::read_edn(line);
  REQUIRE_MESSAGE(v.has_value(), line);
  return *v;
}

// A database with a bit of everything: schema of every kind, an enum ident referenced by a ref,
// many value types, card-many, components, replacements, retractions, tx metadata.
const char* kBuild = R"((schema! {:person/name   {:db/unique :db.unique/identity :db/valueType :db.type/string}
          :person/age    {:db/valueType :db.type/long :db/doc "years"}
          :person/tags   {:db/cardinality :db.cardinality/many}
          :person/friend {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
          :person/color  {:db/valueType :db.type/ref}
          :person/pet    {:db/valueType :db.type/ref :db/isComponent true}
          :tx/note       {:db/valueType :db.type/string}})
(transact! [{:db/ident :color/red} {:db/ident :color/blue}])
(transact! [{:db/id "ann" :person/name "Ann" :person/age 41 :person/tags #{:a :b "c" 1.5}
             :person/color :color/red :person/pet {:pet/name "Rex"}
             :when #inst "2001-02-03T04:05:06.007Z" :id #uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
             :ok true :nothing-much nil-not-allowed-so-a-symbol}
            {:db/id "bob" :person/name "Bob \"the\" builder\n" :person/friend "ann" :person/age 27}
            [:db/add "datomic.tx" :tx/note "first people"]])
(transact! [[:db/add [:person/name "Ann"] :person/age 42]
            [:db/retract [:person/name "Ann"] :person/tags :a]
            [:db/add [:person/name "Ann"] :person/color :color/blue]])
(transact! [{:person/name "Cy" :person/friend [[:person/name "Ann"] [:person/name "Bob \"the\" builder\n"]]}])
(transact! [[:db/retractEntity [:person/name "Cy"]]])
(transact! [{:db/id 100 :person/name "Dee" :person/pet {:pet/name "Tom"}}])
)";

// [e a v] of every datom about user entities (e below tx0) with refs to ident entities written
// as their idents; plus the tx and added columns when `with_tx`.
std::multiset<std::string> user_datoms(const std::string& datoms_line, const std::string& idents_line, bool with_tx) {
  std::map<std::int64_t, std::string> idents;
  quarry::Value ident_datoms = read_line(idents_line), datoms = read_line(datoms_line);
  for (const auto& d : ident_datoms.as<quarry::Vector>().items) {
    const auto& items = d.as<quarry::Vector>().items;
    idents[items[0].as<std::int64_t>()] = quarry::to_edn(items[2]);
  }
  std::multiset<std::string> out;
  for (const auto& d : datoms.as<quarry::Vector>().items) {
    const auto& items = d.as<quarry::Vector>().items;
    std::int64_t e = items[0].as<std::int64_t>();
    // Ident entities are compared through .schema; transaction entities only with the history.
    if (e >= kSystemBase || e == static_cast<std::int64_t>(quarry::kTx0)) continue;
    if (!with_tx && e > static_cast<std::int64_t>(quarry::kTx0)) continue;
    std::string v = quarry::to_edn(items[2]);
    if (auto n = items[2].get_if<std::int64_t>(); n && *n >= kSystemBase && idents.contains(*n)) v = idents[*n];
    std::string row = quarry::to_edn(items[0]) + " " + quarry::to_edn(items[1]) + " " + v;
    if (with_tx) row += " " + quarry::to_edn(items[3]) + " " + quarry::to_edn(items[4]);
    out.insert(row);
  }
  return out;
}

const char* kDescribe = "(datoms $ :eavt)\n(datoms (history $) :eavt)\n(datoms $ :aevt :db/ident)\n.schema\n";

struct Description {
  std::multiset<std::string> current, history;
  std::string schema;
};

Description describe(const std::vector<std::string>& lines, std::size_t from) {
  REQUIRE(lines.size() >= from + 4);
  return Description{.current = user_datoms(lines[from], lines[from + 2], false),
                     .history = user_datoms(lines[from + 1], lines[from + 2], true),
                     .schema = lines[from + 3]};
}

}  // namespace

TEST_CASE("a second process sees what the first transacted, and a held directory is refused") {
  ScratchDir dir;
  std::string db = dir / "db";
  auto first = run_quarry({db, "-e", R"((transact! [{:name "Ann" :age 41} {:name "Bob" :age 27}]))"});
  CHECK(first.status == 0);
  CHECK(first.out.starts_with("{:datoms "));
  auto second = run_quarry({db, "-e", "(q [:find ?n ?a :where [?e :name ?n] [?e :age ?a]])"});
  CHECK(second.status == 0);
  CHECK(second.out == "#{[\"Ann\" 41] [\"Bob\" 27]}\n");
  auto script = run_quarry({db}, "(transact! [[:db/add 1 :age 42]])\n(entity $ 1)\n");
  CHECK(script.status == 0);
  REQUIRE(!script.out.empty());
  CHECK(lines_of(script.out).back() == "{:age 42, :name \"Ann\", :db/id 1}");

  // Hold the directory open in a REPL reading from a pipe, then try a second process.
  int in[2], out[2];
  REQUIRE(::pipe(in) == 0);
  REQUIRE(::pipe(out) == 0);
  pid_t holder = ::fork();
  REQUIRE(holder >= 0);
  if (holder == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::close(in[1]);
    ::close(out[0]);
    std::string binary = quarry::testing::quarry_binary();
    ::execl(binary.c_str(), binary.c_str(), db.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  REQUIRE(::write(in[1], "$\n", 2) == 2);
  char buffer[64];
  ssize_t n = ::read(out[0], buffer, sizeof buffer);  // the basis: the database is open
  CHECK(n > 0);
  auto refused = run_quarry({db, "-e", "$"});
  CHECK(refused.status == 1);
  CHECK(refused.out.starts_with("#error {:code :storage/locked"));
  ::close(in[1]);
  ::close(out[0]);
  int status = 0;
  ::waitpid(holder, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE(".export then .import into an empty database gives the same datoms; :history the same history") {
  ScratchDir dir;
  std::string current = dir / "current.edn", history = dir / "history.edn";
  std::string build = std::string(kBuild) + kDescribe + ".export " + current + "\n.export " + history + " :history\n";
  auto original = run_quarry({"--mem"}, build);
  auto lines = lines_of(original.out);
  INFO(original.out);
  REQUIRE(lines.size() == 7 + 4 + 2);
  for (const auto& line : lines) CHECK_FALSE(line.starts_with("#error"));
  Description before = describe(lines, 7);
  CHECK(before.current.size() > 15);

  auto from_current = run_quarry({"--mem"}, ".import " + current + "\n" + kDescribe);
  INFO(from_current.out);
  CHECK(from_current.status == 0);
  Description after = describe(lines_of(from_current.out), 1);
  CHECK(after.current == before.current);
  CHECK(after.schema == before.schema);

  auto from_history = run_quarry({"--mem"}, ".import " + history + "\n" + kDescribe);
  INFO(from_history.out);
  CHECK(from_history.status == 0);
  Description replayed = describe(lines_of(from_history.out), 1);
  CHECK(replayed.current == before.current);
  CHECK(replayed.history == before.history);  // same tx ids, same retractions, same instants
  CHECK(replayed.schema == before.schema);
}

TEST_CASE("-e evaluates one form; exit status 1 when it fails") {
  auto ok = run_quarry({"--mem", "-e", "(transact! [[:db/add 1 :n 1]])"});
  CHECK(ok.status == 0);
  CHECK(lines_of(ok.out).size() == 1);
  auto meta = run_quarry({"--mem", "-e", ".stats"});
  CHECK(meta.status == 0);
  CHECK(meta.out.starts_with("{:attributes "));
  auto bad = run_quarry({"--mem", "-e", "(transact! [[:db/add 1 :n"});
  CHECK(bad.status == 1);
  CHECK(bad.out.starts_with("#error {:code :edn/syntax"));
  CHECK(bad.out.find("line 1, column") != std::string::npos);
  auto unknown = run_quarry({"--mem", "-e", "(frobnicate)"});
  CHECK(unknown.status == 1);
  CHECK(run_quarry({"--help"}).status == 0);
  CHECK(run_quarry({"--version"}).out.starts_with("quarry "));
  CHECK(run_quarry({"--no-such-option"}).status == 2);
}

TEST_CASE("script mode: a form cut off by the end of input is an error with its position, exit 1") {
  auto r = run_quarry({"--mem"}, "(transact! [[:db/add 1 :n 1]])\n(q [:find ?e\n :where [?e :n");
  CHECK(r.status == 1);
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  INFO(lines[1]);
  CHECK(lines[1].starts_with("#error {:code :edn/syntax :message \"unexpected end of input at line 3, column 15"));
}

TEST_CASE("a closed output pipe stops the command without a crash") {
  std::string script;
  for (int i = 0; i < 20000; ++i) script += "(datoms $ :aevt :db/ident)\n";
  ScratchDir dir;
  quarry::testing::write_file(dir / "in", script);
  int out[2];
  REQUIRE(::pipe(out) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::freopen((dir / "in").c_str(), "r", stdin);
    ::freopen("/dev/null", "w", stderr);
    ::dup2(out[1], 1);
    ::close(out[0]);
    std::string binary = quarry::testing::quarry_binary();
    ::execl(binary.c_str(), binary.c_str(), "--mem", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  char buffer[256];
  CHECK(::read(out[0], buffer, sizeof buffer) > 0);
  ::close(out[0]);  // like `quarry < big.edn | head -1`
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));  // not killed by SIGPIPE (or anything else)
  CHECK(WEXITSTATUS(status) == 1);
}
