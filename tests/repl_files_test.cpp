// The `quarry` command's files and limits (doc/reliability.md): .export replaces its file only
// whole, .import refuses what is not a file, a :history export survives an attribute rename and a
// retracted ident, and running out of memory is an error for one form, not the end of the process.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "support/quarry_command.hpp"

namespace {

using quarry::testing::lines_of;
using quarry::testing::read_file;
using quarry::testing::run_quarry;
using quarry::testing::ScratchDir;
using quarry::testing::write_file;
namespace fs = std::filesystem;

// Runs `quarry --mem` on `script` with its address space limited to `megabytes`.
quarry::testing::CommandResult run_limited(const ScratchDir& dir, const std::string& script, int megabytes) {
  write_file(dir / "script.edn", script);
  std::string command = "ulimit -v " + std::to_string(megabytes * 1024) + " && exec '" +
                        quarry::testing::quarry_binary() + "' --mem < '" + (dir / "script.edn") +
                        "' > '" + (dir / "out.txt") + "' 2>/dev/null";
  int status = std::system(command.c_str());
  return {.out = read_file(dir / "out.txt"),
          .status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)};
}

}  // namespace

TEST_CASE(".export writes a temporary file and renames it; a failed export leaves the old file") {
  ScratchDir dir;
  std::string file = dir / "export.edn";
  auto first = run_quarry({"--mem"}, "(transact! [[:db/add 1 :name \"Ann\"]])\n.export " + file + "\n");
  REQUIRE(first.status == 0);
  std::string good = read_file(file);
  CHECK(good.find(":name \"Ann\"") != std::string::npos);
  // A full disk, as the file-size limit makes it (EFBIG, SIGXFSZ ignored): the export fails, the
  // old file stays whole, and no temporary file is left behind.
  write_file(dir / "big.edn", "(transact! [[:db/add 1 :name \"" + std::string(20000, 'x') + "\"]])\n.export " + file + "\n");
  std::string command = "trap '' XFSZ; ulimit -f 8 && exec '" + quarry::testing::quarry_binary() +
                        "' --mem < '" + (dir / "big.edn") + "' > '" + (dir / "big.out") + "' 2>/dev/null";
  int status = std::system(command.c_str());
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  auto failed = lines_of(read_file(dir / "big.out"));
  REQUIRE(failed.size() == 2);
  CHECK(failed[1].starts_with("#error {:code :storage/io"));
  CHECK(failed[1].find("unchanged") != std::string::npos);
  CHECK(read_file(file) == good);
  fs::remove(dir / "big.edn");
  fs::remove(dir / "big.out");
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    CHECK_MESSAGE(entry.path().filename().string().find(".tmp-") == std::string::npos, entry.path());
  }
  auto replaced = run_quarry({"--mem"}, "(transact! [[:db/add 1 :name \"Cy\"]])\n.export " + file + "\n");
  CHECK(replaced.status == 0);
  CHECK(read_file(file).find(":name \"Cy\"") != std::string::npos);
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0044) != 0);  // an ordinary, readable file, not mkstemp's 0600
}

TEST_CASE(".import of a directory or a device is an error that changes nothing") {
  ScratchDir dir;
  auto run = run_quarry({"--mem"}, ".import " + dir.path().string() + "\n.import /dev/zero\n(datoms $ :eavt 1)\n");
  CHECK(run.status == 1);
  auto lines = lines_of(run.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].starts_with("#error {:code :storage/io :message \"cannot import"));
  CHECK(lines[0].find("is a directory") != std::string::npos);
  CHECK(lines[1].find("not a regular file") != std::string::npos);
  CHECK(lines[2] == "[]");
}

TEST_CASE(".export :history imports back after an attribute rename and a retracted ident") {
  ScratchDir dir;
  std::string file = dir / "history.edn";
  const char* build = R"((schema! {:old/name {:db/valueType :db.type/string} :gone {:db/valueType :db.type/long}})
(transact! [[:db/add 1 :old/name "Ann"] [:db/add 1 :gone 5]])
(transact! [[:db/add :old/name :db/ident :new/name]])
(transact! [[:db/add 2 :new/name "Bob"] [:db/retract 1 :gone 5]])
(transact! [[:db/retract :gone :db/ident :gone]])
)";
  const char* describe = "(datoms (history $) :eavt 1)\n(datoms (history $) :eavt 2)\n(q [:find ?n . :where [?a :db/ident :new/name] [?a :db/valueType ?t] [?t :db/ident ?n]])\n";
  auto original = run_quarry({"--mem"}, std::string(build) + ".export " + file + " :history\n" + describe);
  REQUIRE(original.status == 0);
  auto before = lines_of(original.out);
  REQUIRE(before.size() == 9);
  CHECK(before[5].starts_with("{:file"));
  auto exported = read_file(file);
  CHECK(exported.find("[:db/add 1 :old/name \"Ann\"]") != std::string::npos);  // named as it was then
  CHECK(exported.find("[:db/add 1 :gone 5]") != std::string::npos);           // kept after its ident went

  auto restored = run_quarry({"--mem"}, ".import " + file + "\n" + describe);
  CHECK(restored.status == 0);
  auto after = lines_of(restored.out);
  REQUIRE(after.size() == 4);
  CHECK(after[0].starts_with("{:datoms"));
  CHECK(after[1] == before[6]);
  CHECK(after[2] == before[7]);
  CHECK(after[3] == before[8]);
  MESSAGE(after[1]);
}

TEST_CASE("running out of memory is an error for the form; the session goes on") {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // ASan and TSan reserve terabytes of address space for shadow memory, so a binary of theirs cannot
  // start under `ulimit -v`; and ASan reports a failed allocation instead of throwing bad_alloc.
  MESSAGE("skipped in a sanitizer build: an address-space limit and a sanitizer cannot be combined");
  return;
#endif
  ScratchDir dir;
  auto run = run_limited(dir,
                         "(transact! [[:db/add 1 :a 1]])\n"
                         "(q [:find (rand 1000000000 ?v) . :where [_ :a ?v]])\n"
                         "(q [:find ?v . :where [_ :a ?v]])\n",
                         2048);
  CHECK(run.status == 1);
  auto lines = lines_of(run.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[1].starts_with("#error {:code :quarry/out-of-memory"));
  CHECK(lines[2] == "1");
}

TEST_CASE("quarry DIR on a directory that is not a Quarry database refuses it and changes nothing") {
  ScratchDir dir;
  std::string foreign = dir / "photos";
  fs::create_directories(foreign);
  write_file(foreign + "/000123.sst", "holiday");
  write_file(foreign + "/MANIFEST-000003", "not RocksDB's");
  auto run = run_quarry({foreign, "-e", "$"});
  CHECK(run.status == 1);
  CHECK(run.out.starts_with("#error {:code :storage/foreign"));
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(foreign)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"000123.sst", "MANIFEST-000003"});
  CHECK(read_file(foreign + "/000123.sst") == "holiday");

  // A database of Quarry's that lost its CURRENT file is damaged, not re-created empty.
  std::string db = dir / "db";
  REQUIRE(run_quarry({db, "-e", "(transact! [[:db/add 1 :name \"Ann\"]])"}).status == 0);
  fs::remove(db + "/CURRENT");
  auto damaged = run_quarry({db, "-e", "(entity $ 1)"});
  CHECK(damaged.status == 1);
  CHECK(damaged.out.starts_with("#error {:code :storage/damaged"));
  CHECK_FALSE(fs::exists(db + "/CURRENT"));
}

TEST_CASE("quarry --repair DIR brings back a database that lost its CURRENT file, or CURRENT and its log when its spaces agree") {
  ScratchDir dir;
  std::string db = dir / "db";
  REQUIRE(run_quarry({db, "-e", "(transact! [[:db/add 1 :name \"Ann\"] [:db/add 2 :name \"Bob\"]])"}).status == 0);
  fs::remove(db + "/CURRENT");
  CHECK(run_quarry({db, "-e", "$"}).out.starts_with("#error {:code :storage/damaged"));
  auto repaired = run_quarry({"--repair", db});
  CHECK(repaired.status == 0);
  CHECK(repaired.out.starts_with("{:done \"wrote CURRENT naming MANIFEST-"));
  CHECK(repaired.out.ends_with(":repaired \"" + db + "\"}\n"));
  auto after = run_quarry({db, "-e", "(q [:find [?n ...] :where [_ :name ?n]])"});
  CHECK(after.status == 0);
  CHECK(after.out == "[\"Ann\" \"Bob\"]\n");

  // CURRENT and MANIFEST lost with the transaction only in the log: refused, not half-repaired.
  std::string db2 = dir / "db2";
  REQUIRE(run_quarry({db2, "-e", "(transact! [[:db/add 1 :name \"Cy\"]])"}).status == 0);
  fs::remove(db2 + "/CURRENT");
  for (const auto& entry : fs::directory_iterator(db2))
    if (entry.path().filename().string().starts_with("MANIFEST-")) fs::remove(entry.path());
  auto refused = run_quarry({"--repair", db2});
  CHECK(refused.status == 1);
  CHECK(refused.out.starts_with("#error {:code :storage/damaged"));

  // CURRENT and every log lost after a reopen (which flushes every space, and RocksDB's default
  // column family with Quarry's format key): repaired as of that open; the transaction after it,
  // only in the lost log, is gone whole.
  std::string db3 = dir / "db3";
  REQUIRE(run_quarry({db3, "-e", "(transact! [[:db/add 1 :name \"Di\"] [:db/add 2 :name \"Ed\"]])"}).status == 0);
  REQUIRE(run_quarry({db3, "-e", "(transact! [[:db/add 3 :name \"Flo\"]])"}).status == 0);
  fs::remove(db3 + "/CURRENT");
  for (const auto& entry : fs::directory_iterator(db3))
    if (entry.path().extension() == ".log") fs::remove(entry.path());
  CHECK(run_quarry({db3, "-e", "$"}).out.starts_with("#error {:code :storage/damaged"));
  auto both = run_quarry({"--repair", db3});
  CHECK(both.status == 0);
  CHECK(both.out.starts_with("{:done \"wrote CURRENT naming MANIFEST-"));
  CHECK(both.out.find("created an empty write-ahead log") != std::string::npos);
  CHECK(run_quarry({db3, "-e", "(q [:find [?n ...] :where [_ :name ?n]])"}).out == "[\"Di\" \"Ed\"]\n");

  // The same loss in the database's first session: its format key had not left the log, so the
  // spaces do not agree; refused, and nothing changed.
  std::string db4 = dir / "db4";
  REQUIRE(run_quarry({db4}, "(transact! [[:db/add 1 :name \"Gil\"]])\n.compact\n").status == 0);
  fs::remove(db4 + "/CURRENT");
  for (const auto& entry : fs::directory_iterator(db4))
    if (entry.path().extension() == ".log") fs::remove(entry.path());
  std::vector<std::string> names_before;
  for (const auto& entry : fs::directory_iterator(db4)) names_before.push_back(entry.path().filename().string());
  auto first_session = run_quarry({"--repair", db4});
  CHECK(first_session.status == 1);
  CHECK(first_session.out.starts_with("#error {:code :storage/damaged"));
  CHECK(first_session.out.find("flushed at different points") != std::string::npos);
  std::vector<std::string> names_after;
  for (const auto& entry : fs::directory_iterator(db4)) names_after.push_back(entry.path().filename().string());
  std::sort(names_before.begin(), names_before.end());
  std::sort(names_after.begin(), names_after.end());
  CHECK(names_after == names_before);

  auto foreign = run_quarry({"--repair", dir / "nothing-here"});
  CHECK(foreign.status == 1);
  CHECK(foreign.out.starts_with("#error {:code :storage/foreign"));
  CHECK_FALSE(fs::exists(dir / "nothing-here"));
}
