// The import's bulk path killed mid-ingest (label `stress`; QUARRY_STRESS=1 scripts/test runs it).
//
// A child process imports a file through the bulk path (ImportOptions::Bulk::Always) into a
// RocksDB database that holds a schema; the test kills it with SIGKILL at a random moment, reopens
// the database and dumps every space of its store. The file is 12 vectors (transactions) of fresh
// people; the 7th also retracts a value, which the bulk path cannot prepare, so the import writes
// what is pending (transactions 1-6, one atomic ingest), runs the 7th as an ordinary transaction
// and carries on; the rest is written by one ingest at the end. So doc/transactions.md ("The bulk
// path") allows four outcomes, and each is compared key for key with the ordinary path's store
// after the same prefix of the file: nothing of the import, transactions 1-6, 1-7, or all 12.
// Anything else — a database that does not open, or one equal to none of them — is a failure
// (`partial`). Each round also checks that a second bulk import into the killed database clears
// the leftover sort files and succeeds.
// QUARRY_IMPORT_KILLS sets the number of kills (default 30); QUARRY_IMPORT_SEED the seed (printed).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>
#include <random>
#include <string>
#include <thread>

#include <quarry/quarry.hpp>

#include "support/import_outcome.hpp"
#include "support/temp_path.hpp"
#include "support/tx_harness.hpp"

namespace {

using namespace quarry;
using namespace quarry::testing;

const char* kSchema = R"([{:db/ident :person/name :db/valueType :db.type/string :db/unique :db.unique/identity}
 {:db/ident :person/age :db/valueType :db.type/long}
 {:db/ident :person/friend :db/valueType :db.type/ref}])";

constexpr int kVectors = 12;
constexpr int kForcedWrite = 7;  // the vector with the retraction
constexpr int kPeople = 2'500;   // per vector

// Vector v (1-based): kPeople fresh people, each naming as friend a person of an earlier vector (by
// tempid) or, in the first, an earlier one of its own; the 7th also retracts an age of vector 1.
std::string vector_text(int v) {
  std::string text = "[";
  for (int i = 0; i < kPeople; ++i) {
    const int id = (v - 1) * kPeople + i;
    text += "{:db/id \"p" + std::to_string(id) + "\" :person/name \"P" + std::to_string(id) + "\" :person/age " +
            std::to_string(id % 90);
    if (id > 0) text += " :person/friend \"p" + std::to_string(id / 2) + "\"";
    text += "}\n";
  }
  if (v == kForcedWrite) text += "[:db/retract [:person/name \"P5\"] :person/age 5]\n";
  return text + "]\n";
}

std::string file_text(int vectors) {
  std::string text;
  for (int v = 1; v <= vectors; ++v) text += vector_text(v);
  return text;
}

// A fresh RocksDB database at `dir` holding the schema, as the children find it.
void create_database(const TempPath& dir) {
  auto db = Database::open(Options{.path = dir.str(), .sync_writes = false, .clock = fixed_clock});
  REQUIRE_MESSAGE(db.has_value(), (db ? "" : db.error().to_edn()));
  auto r = db->transact(kSchema);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
}

// Runs the bulk import of `file` into `dir` in a child process (this program run again for the
// helper test case below: a forked child of a process that has run RocksDB has lost its background
// threads); returns its pid.
pid_t start_import(const TempPath& dir, const std::string& file) {
  std::vector<std::string> env{"QUARRY_BULK_KILL_DIR=" + dir.str(), "QUARRY_BULK_KILL_FILE=" + file};
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  char arg0[] = "api_bulk_import_crash_stress_test", arg1[] = "--test-case=[helper] bulk importer";
  char* argv[] = {arg0, arg1, nullptr};
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, STDOUT_FILENO);
    ::execve("/proc/self/exe", argv, envp.data());
    ::_exit(127);
  }
  return pid;
}

// Opens the database the way an application would (recovery included), closes it, and dumps it.
Result<StoreDump> reopen_and_dump(const TempPath& dir) {
  {
    auto db = Database::open(Options{.path = dir.str(), .sync_writes = false, .clock = fixed_clock});
    if (!db) return std::unexpected(db.error());
  }
  RocksOptions rocks;
  rocks.path = dir.str();
  rocks.info_log = false;
  auto store = RocksStore::open(rocks, keys::all_spaces());
  if (!store) return std::unexpected(store.error());
  return dump_store(**store);
}

}  // namespace

// Run in a child process by the next test case (a no-op otherwise): the bulk import of
// QUARRY_BULK_KILL_FILE into the database QUARRY_BULK_KILL_DIR; exit status 0 when it went as
// planned (two ingests, every transaction).
TEST_CASE("[helper] bulk importer") {
  const char* dir = std::getenv("QUARRY_BULK_KILL_DIR");
  const char* file = std::getenv("QUARRY_BULK_KILL_FILE");
  if (!dir || !file) return;
  auto db = Database::open(Options{.path = dir, .sync_writes = false, .clock = fixed_clock});
  if (!db) _exit(2);
  auto r = db->import(file, ImportOptions{.batch_size = 10'000, .bulk = ImportOptions::Bulk::Always});
  _exit(r && r->bulk_ingests == 2 && r->transactions == kVectors ? 0 : 3);
}

TEST_CASE("a bulk import killed at random moments leaves the database before it, or a documented committed prefix") {
  const char* kills_env = std::getenv("QUARRY_IMPORT_KILLS");
  const char* seed_env = std::getenv("QUARRY_IMPORT_SEED");
  const int kills = kills_env ? std::atoi(kills_env) : 30;
  const std::uint32_t seed =
      seed_env ? static_cast<std::uint32_t>(std::strtoul(seed_env, nullptr, 10)) : std::random_device{}();
  MESSAGE("QUARRY_IMPORT_SEED=" << seed << " kills=" << kills);
  std::mt19937 rng(seed);

  TempPath files;
  std::filesystem::create_directories(files.str());
  const std::string file = files.str() + "/people.edn";
  { std::ofstream(file) << file_text(kVectors); }

  // The stores the ordinary path leaves after each allowed prefix of the file.
  std::map<int, StoreDump> allowed;
  for (int k : {0, kForcedWrite - 1, kForcedWrite, kVectors}) {
    TempPath dir;
    create_database(dir);
    auto outcome = import_into(dir, file_text(k), ImportOptions{.batch_size = 10'000, .bulk = ImportOptions::Bulk::Never});
    REQUIRE_MESSAGE(outcome.result.has_value(), (outcome.result ? "" : outcome.result.error().to_edn()));
    allowed[k] = std::move(outcome.dump);
  }

  // One uninterrupted run: how long an import takes, and that it ends as the ordinary path does.
  std::chrono::duration<double> full{};
  {
    TempPath dir;
    create_database(dir);
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = start_import(dir, file);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    full = std::chrono::steady_clock::now() - start;
    REQUIRE_MESSAGE((WIFEXITED(status) && WEXITSTATUS(status) == 0), "the child's import failed: status " << status);
    auto dump = reopen_and_dump(dir);
    REQUIRE_MESSAGE(dump.has_value(), (dump ? "" : dump.error().to_edn()));
    REQUIRE(*dump == allowed[kVectors]);
  }
  MESSAGE("an uninterrupted import: " << full.count() << " s (kills are spread over 0-100% of it)");

  std::map<std::string, int> outcomes;
  int partial = 0;
  for (int round = 0; round < kills; ++round) {
    TempPath dir;
    create_database(dir);
    const auto delay = std::chrono::duration<double>(full.count() * (rng() % 1000) / 1000.0);
    const pid_t pid = start_import(dir, file);
    std::this_thread::sleep_for(delay);
    kill(pid, SIGKILL);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    const bool killed = WIFSIGNALED(status);
    if (!killed) REQUIRE_MESSAGE((WIFEXITED(status) && WEXITSTATUS(status) == 0), "status " << status);

    auto dump = reopen_and_dump(dir);
    std::string outcome;
    if (!dump) {
      outcome = "unopenable";
      MESSAGE("round " << round << ": the database does not open: " << dump.error().to_edn());
    } else {
      for (const auto& [k, expected] : allowed)
        if (*dump == expected) outcome = std::to_string(k) + " of " + std::to_string(kVectors) + " transactions";
      if (outcome.empty()) outcome = "partial";
    }
    if (outcome == "partial" || outcome == "unopenable") ++partial;
    ++outcomes[(killed ? "killed: " : "finished: ") + outcome];

    // The leftovers of a killed bulk import are cleared by the next one, which succeeds.
    if (dump && killed && round % 5 == 0) {
      auto db = Database::open(Options{.path = dir.str(), .sync_writes = false, .clock = fixed_clock});
      REQUIRE(db.has_value());
      std::istringstream more("[{:person/name \"after\"}]");
      auto r = db->import(more, "more.edn", ImportOptions{.bulk = ImportOptions::Bulk::Always});
      REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
      CHECK_FALSE(std::filesystem::exists(dir.str() + "/bulk-import.tmp"));
    }
  }
  for (const auto& [what, n] : outcomes) MESSAGE(what << ": " << n);
  CHECK(partial == 0);
}
