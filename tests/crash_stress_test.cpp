// Crash consistency under SIGKILL (label `stress`; QUARRY_STRESS=1 scripts/test runs it).
//
// A writer process runs transactions of mixed shapes — new entities with card-many values,
// retractions, retractEntity, card-one replacement, refs — against a RocksDB store with tiny
// memtables (64 KiB, so flushes and compactions run all the time; the end of
// the run prints how many the log recorded), acknowledging each committed
// transaction on a pipe. The test kills it with SIGKILL at a random moment (including during its
// open and WAL recovery), reopens the database and checks:
//  - every acknowledged transaction is there (`lost` counts rounds where one is missing);
//  - the database equals a model that ran exactly the committed transactions, all of each and
//    nothing of the next, on the memory store, datom for datom (`partial`);
//  - the current indexes, the history and the tx log agree (support/index_check.hpp).
// QUARRY_CRASH_KILLS sets the number of kills (default 200); QUARRY_CRASH_SEED the seed (printed).
//
// Writes are unsynced (sync_writes = false): a process crash keeps what reached the WAL in the
// operating system's page cache. Losing the machine is another matter (doc/reliability.md).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <cstdlib>
#include <random>
#include <set>

#include "codec/edn_printer.hpp"
#include "codec/edn_reader.hpp"
#include "index/datom_cursor.hpp"
#include "index/key_layout.hpp"
#include "storage/memory_store.hpp"
#include "support/index_check.hpp"
#include "support/storage_fixture.hpp"
#include "tx/connection.hpp"

using namespace quarry;
using namespace quarry::testing;

namespace {

const char* kSchema = R"([{:db/ident :item/id :db/unique :db.unique/identity :db/valueType :db.type/long}
  {:db/ident :item/a :db/valueType :db.type/long}
  {:db/ident :item/b :db/valueType :db.type/string}
  {:db/ident :item/tags :db/cardinality :db.cardinality/many}
  {:db/ident :node/next :db/valueType :db.type/ref}
  {:db/ident :item/part :db/valueType :db.type/ref :db/isComponent true}
  {:db/ident :last :db/valueType :db.type/long}])";

// The i-th transaction (i >= 1). Every one sets entity 1's :last to i (card-one replacement), so
// the last committed transaction can be read back; item k exists from transaction k (k % 5 == 1)
// until a retractEntity 20 transactions later.
std::string tx_text(std::int64_t i) {
  std::string n = std::to_string(i);
  std::string tx = "[[:db/add 1 :last " + n + "]";
  std::int64_t item = i - ((i - 1) % 5);  // the latest item created, at or before i
  std::string ref = "[:item/id " + std::to_string(item) + "]";
  switch (i % 5) {
    case 1: {  // a new entity: unique id, card-many tags (many of them now and then), a component
      // ~4 KB of values per new item, so that the 64 KiB memtables fill and
      // flush every few dozen transactions, during the rounds and not only at recovery.
      tx += "{:item/id " + n + " :item/a " + n + " :item/b \"s" + n + std::string(2000, '.') +
            "\" :item/tags #{";
      int tags = i % 7 == 0 ? 200 : 40;
      for (int t = 0; t < tags; ++t) tx += std::to_string(i * 1000 + t) + " ";
      tx += "} :item/part {:item/b \"part of " + n + "\"}}";
      break;
    }
    case 2:  // a retraction
      tx += "[:db/retract " + ref + " :item/a " + std::to_string(item) + "]";
      break;
    case 3:  // card-one replacement, and a card-many retraction
      tx += "[:db/add " + ref + " :item/b \"r" + n + "\"][:db/retract " + ref + " :item/tags " +
            std::to_string(item * 1000) + "]";
      break;
    case 4:  // a ref between entities
      tx += "{:db/id \"n\" :item/b \"node " + n + "\" :node/next " + ref + "}";
      break;
    case 0:  // retractEntity of an older item (cascading to its component)
      if (item > 20) tx += "[:db/retractEntity [:item/id " + std::to_string(item - 20) + "]]";
      break;
  }
  return tx + "]";
}

RocksOptions crash_options(const std::string& path) {
  RocksOptions o;
  o.path = path;
  o.sync_writes = false;
  o.write_buffer_bytes = std::size_t{64} << 10;
  o.block_cache_bytes = std::size_t{4} << 20;
  return o;
}

std::unique_ptr<tx::Connection> connect(std::shared_ptr<Store> store) {
  auto c = tx::Connection::open(std::move(store), {.clock = [] { return Instant{1'000'000}; }});
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().to_edn()));
  return std::move(*c);
}

void run(tx::Connection& c, const std::string& text) {
  auto data = read_edn(text);
  REQUIRE(data.has_value());
  auto r = c.transact(*data);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()) << " in " << text);
}

// Entity 1's :last: the last committed transaction (0 before the first).
std::int64_t last_committed(const index::Db& db) {
  Value components[] = {Value(1), Value::keyword("last")};
  auto prefix = db.prefix(IndexOrder::Eavt, components);
  REQUIRE(prefix.has_value());
  auto datoms = index::collect(db.datoms(IndexOrder::Eavt, *prefix));
  REQUIRE(datoms.has_value());
  return datoms->empty() ? 0 : datoms->front().v.as<std::int64_t>();
}

// [e a v] of every current datom about user entities.
std::set<std::string> user_datoms(const index::Db& db) {
  auto datoms = index::collect(db.datoms(IndexOrder::Eavt));
  REQUIRE(datoms.has_value());
  std::set<std::string> out;
  for (const Datom& d : *datoms) {
    if (d.e.value >= kTx0) continue;
    out.insert(std::to_string(d.e.value) + " " + std::to_string(d.a.value) + " " + to_edn(d.v));
  }
  return out;
}

}  // namespace

// Run in a child process by the next test case (a no-op otherwise): transacts tx_text(i) for
// i = QUARRY_CRASH_START, START+1, ... on the database QUARRY_CRASH_DIR, writing "i\n" to the
// file descriptor QUARRY_CRASH_FD after each commit, until it is killed.
TEST_CASE("[helper] crash writer") {
  const char* dir = std::getenv("QUARRY_CRASH_DIR");
  const char* start = std::getenv("QUARRY_CRASH_START");
  const char* fd = std::getenv("QUARRY_CRASH_FD");
  if (!dir || !start || !fd) return;
  auto store = RocksStore::open(crash_options(dir), keys::all_spaces());
  if (!store) _exit(3);
  auto c = connect(std::shared_ptr<Store>(std::move(*store)));
  int out = std::atoi(fd);
  for (std::int64_t i = std::atoll(start);; ++i) {
    auto data = read_edn(tx_text(i));
    if (!data || !c->transact(*data)) _exit(4);
    std::string ack = std::to_string(i) + "\n";
    if (::write(out, ack.data(), ack.size()) != static_cast<ssize_t>(ack.size())) _exit(5);
  }
}

TEST_CASE("SIGKILL at random moments: nothing acknowledged is lost, nothing is partial") {
  const int kills = std::getenv("QUARRY_CRASH_KILLS") ? std::atoi(std::getenv("QUARRY_CRASH_KILLS")) : 200;
  const std::uint64_t seed = std::getenv("QUARRY_CRASH_SEED") ? std::strtoull(std::getenv("QUARRY_CRASH_SEED"), nullptr, 10)
                                                              : std::random_device{}();
  MESSAGE("seed " << seed << " (QUARRY_CRASH_SEED to repeat)");
  std::mt19937_64 rng(seed);
  TempDir dir;
  const std::string path = dir.path() + "/db";

  auto model = connect(must(MemoryStore::open(keys::all_spaces())));
  run(*model, kSchema);
  {
    auto store = must(RocksStore::open(crash_options(path), keys::all_spaces()));
    auto c = connect(std::shared_ptr<Store>(std::move(store)));
    run(*c, kSchema);
  }
  std::int64_t model_at = 0;
  int lost = 0, partial = 0, inconsistent = 0, writer_failed = 0, kills_among_commits = 0;
  std::int64_t acked_total = 0;

  for (int round = 0; round < kills; ++round) {
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    std::vector<std::string> env{"QUARRY_CRASH_DIR=" + path,
                                 "QUARRY_CRASH_START=" + std::to_string(model_at + 1),
                                 "QUARRY_CRASH_FD=" + std::to_string(pipe_fds[1])};
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    char arg0[] = "crash_stress_test", arg1[] = "--test-case=[helper] crash writer";
    char* argv[] = {arg0, arg1, nullptr};
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(pipe_fds[0]);
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, STDOUT_FILENO);
      ::execve("/proc/self/exe", argv, envp.data());
      ::_exit(127);
    }
    ::close(pipe_fds[1]);

    // One kill in five lands 0-80 ms after the start, in the open and WAL recovery; the others
    // 0-150 ms after the first commit, among commits, flushes and compactions.
    std::string acks;
    char buffer[4096];
    bool exited = false;
    bool during_open = rng() % 5 == 0;
    if (!during_open) {
      ++kills_among_commits;
      pollfd p{pipe_fds[0], POLLIN, 0};
      if (::poll(&p, 1, 20'000) > 0) {
        ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
        if (n <= 0) exited = true;
        else acks.append(buffer, static_cast<std::size_t>(n));
      }
    }
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::microseconds(rng() % (during_open ? 80'000 : 150'000));
    while (!exited && std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{pipe_fds[0], POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count()) + 1) > 0) {
        ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
        if (n <= 0) {
          exited = true;
          break;
        }
        acks.append(buffer, static_cast<std::size_t>(n));
      }
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) acks.append(buffer, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    if (exited || !WIFSIGNALED(status)) ++writer_failed;

    std::int64_t acked = model_at;
    for (std::size_t at = 0, end; (end = acks.find('\n', at)) != std::string::npos; at = end + 1) {
      acked = std::stoll(acks.substr(at, end - at));
      ++acked_total;
    }

    auto store = must(RocksStore::open(crash_options(path), keys::all_spaces()));
    auto c = connect(std::shared_ptr<Store>(std::move(store)));
    index::Db db = c->db();
    std::int64_t last = last_committed(db);
    if (last < acked) ++lost;
    // At most the transaction in flight at the kill may have committed unacknowledged.
    if (last > acked + 1) ++lost;
    for (; model_at < last; ++model_at) run(*model, tx_text(model_at + 1));
    if (user_datoms(db) != user_datoms(model->db())) ++partial;
    std::string problems = check_index(db);
    if (!problems.empty()) {
      ++inconsistent;
      MESSAGE("round " << round << ": " << problems);
    }
  }
  // Evidence that kills met background work: RocksDB's event log lines in DIR/LOG(.old).
  std::size_t flushes = 0, compactions = 0, tables = 0;
  for (const char* log : {"LOG", "LOG.old"}) {
    std::ifstream in(std::filesystem::path(path) / log);
    for (std::string line; std::getline(in, line);) {
      flushes += line.find("\"event\": \"flush_finished\"") != std::string::npos;
      compactions += line.find("\"event\": \"compaction_finished\"") != std::string::npos;
    }
  }
  for (const auto& entry : std::filesystem::directory_iterator(path)) tables += entry.path().extension() == ".sst";
  MESSAGE("flushes " << flushes << ", compactions " << compactions << " (as logged; the log rotates past 4 MiB), table files now " << tables);
  MESSAGE("kills " << kills << " (" << kills_among_commits << " after the first commit), acknowledged " << acked_total << ", committed " << model_at
                   << ", lost " << lost << ", partial " << partial << ", inconsistent "
                   << inconsistent << ", writer failures " << writer_failed);
  CHECK(lost == 0);
  CHECK(partial == 0);
  CHECK(inconsistent == 0);
  CHECK(writer_failed == 0);
  CHECK(model_at > 0);
}
