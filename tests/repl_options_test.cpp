// The `quarry` command's options and operations from the outside (doc/architecture.md, "The quarry command"): QUARRY_DB,
// --read-only (also on a directory another process holds), --timeout, --strict, .backup of a
// RocksDB and of an in-memory database opened again by `quarry DIR`, .compact.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "support/quarry_command.hpp"

namespace {

using quarry::testing::lines_of;
using quarry::testing::run_quarry;
using quarry::testing::ScratchDir;

// Sets an environment variable for the life of the object (tests run in one thread).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) { ::setenv(name, value.c_str(), 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

// Runs the command with the working directory `dir` (so ./quarry-data would land there).
quarry::testing::CommandResult run_in(const std::filesystem::path& dir, const std::vector<std::string>& args,
                                      const std::string& input = {}) {
  auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  auto result = run_quarry(args, input);
  std::filesystem::current_path(previous);
  return result;
}

const char* kNames = "(q [:find [?n ...] :where [_ :name ?n]])";

}  // namespace

TEST_CASE("QUARRY_DB names the database when there is no DIR and no --mem") {
  ScratchDir dir;
  {
    ScopedEnv env("QUARRY_DB", dir / "env-db");
    CHECK(run_in(dir.path(), {"-e", R"((transact! [{:name "Ann"}]))"}).status == 0);
    CHECK(run_in(dir.path(), {"-e", kNames}).out == "[\"Ann\"]\n");
    // A DIR on the command line wins over the variable.
    CHECK(run_in(dir.path(), {dir / "other", "-e", kNames}).out == "[]\n");
  }
  CHECK(std::filesystem::exists(dir.path() / "env-db" / "CURRENT"));
  CHECK(!std::filesystem::exists(dir.path() / "quarry-data"));
  {
    ScopedEnv env("QUARRY_DB", ":mem:");
    auto r = run_in(dir.path(), {}, "(transact! [{:name \"Mem\"}])\n" + std::string(kNames) + "\n");
    CHECK(r.status == 0);
    CHECK(lines_of(r.out).back() == "[\"Mem\"]");
    CHECK(run_in(dir.path(), {"-e", kNames}).out == "[]\n");  // nothing persisted
  }
  CHECK(!std::filesystem::exists(dir.path() / "quarry-data"));
}

TEST_CASE(".backup writes a database that `quarry DIR` opens equal, from RocksDB and from memory") {
  ScratchDir dir;
  std::string db = dir / "db";
  const std::string build = "(transact! [{:name \"Ann\" :age 41} {:name \"Bob\"}])\n"
                            "(transact! [[:db/retract 2 :name \"Bob\"] [:db/add 1 :age 42]])\n";
  const std::string describe = std::string(kNames) + "\n(q [:find ?v ?tx ?added :where [_ :age ?v ?tx ?added]] (history $))\n";
  CHECK(run_quarry({db}, build).status == 0);
  auto backup = run_quarry({db}, ".backup " + (dir / "copy") + "\n.backup " + (dir / "copy") + "\n");
  auto lines = lines_of(backup.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].starts_with("{:backup "));
  CHECK(lines[1].starts_with("#error {:code :quarry/invalid-argument"));
  auto original = run_quarry({db}, describe);
  auto copy = run_quarry({dir / "copy"}, describe);
  CHECK(copy.status == 0);
  CHECK(copy.out == original.out);

  auto from_memory = run_quarry({"--mem"}, build + ".backup " + (dir / "mem-copy") + "\n");
  CHECK(from_memory.status == 0);
  auto reopened = run_quarry({dir / "mem-copy"}, describe);
  CHECK(lines_of(reopened.out).front() == "[\"Ann\"]");
  CHECK(lines_of(reopened.out).back().find("42") != std::string::npos);

  auto compact = run_quarry({db, "-e", ".compact"});
  CHECK(compact.status == 0);
  CHECK(compact.out.starts_with("{:bytes-after "));
}

TEST_CASE("--read-only refuses writes, creates nothing, and opens a directory another process holds") {
  ScratchDir dir;
  std::string db = dir / "db";
  auto missing = run_quarry({db, "--read-only", "-e", "$"});
  CHECK(missing.status == 1);
  CHECK(!std::filesystem::exists(db));
  CHECK(run_quarry({db, "-e", R"((transact! [{:name "Ann"}]))"}).status == 0);

  // Hold the directory in a writing REPL that reads its forms from a pipe.
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
  const char tx[] = "(transact! [{:name \"Bob\"}])\n";
  REQUIRE(::write(in[1], tx, sizeof tx - 1) == static_cast<ssize_t>(sizeof tx - 1));
  char buffer[256];
  CHECK(::read(out[0], buffer, sizeof buffer) > 0);  // committed: the directory is held

  auto reader = run_quarry({db, "--read-only"}, std::string(kNames) + "\n(transact! [{:name \"Cy\"}])\n.import x.edn\n");
  auto lines = lines_of(reader.out);
  REQUIRE_MESSAGE(lines.size() == 3, reader.out);
  CHECK(lines[0] == "[\"Ann\" \"Bob\"]");
  CHECK(lines[1].starts_with("#error {:code :storage/read-only"));
  CHECK(lines[2].starts_with("#error {:code :storage/read-only"));
  CHECK(reader.status == 1);
  CHECK(run_quarry({db, "-e", "$"}).out.starts_with("#error {:code :storage/locked"));  // still held for writing

  ::close(in[1]);
  ::close(out[0]);
  int status = 0;
  ::waitpid(holder, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("--timeout and --strict on the command line") {
  std::string numbers = "(transact! [";
  for (int i = 1; i <= 300; ++i) numbers += "{:n " + std::to_string(i) + "}";
  numbers += "])\n";
  const std::string slow = "(q [:find (count ?a) . :where [?a :n ?x] [?b :n ?y] [?c :n ?z] [(< ?x ?y ?z)]])\n";
  auto timed = run_quarry({"--mem", "--timeout", "1"}, numbers + slow);
  CHECK(lines_of(timed.out).back().starts_with("#error {:code :query/timeout"));
  CHECK(run_quarry({"--mem", "--timeout", "soon"}).status == 2);
  auto strict = run_quarry({"--mem", "--strict", "-e", "(transact! [{:undeclared 1}])"});
  CHECK(strict.out.starts_with("#error {:code :tx/unknown-attribute"));
}
