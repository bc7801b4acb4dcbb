// The same people imported from EDN, CSV and JSON Lines (doc/transactions.md, "Importing CSV and
// JSON Lines"), through the bulk path and the ordinary one, each into a fresh RocksDB database:
// how much the text format costs next to the rest of an import.
//
//   bench_import_formats_bench [--people N] [--batch N] [--runs N] [--format F] [--path P]
//     --people N   people per file (default 200000: 1.2M datoms with the :db/txInstant ones)
//     --batch N    ImportOptions::batch_size (default 10000)
//     --runs N     imports per format and path; the table gives the median (default 3)
//     --format F   only edn, csv or jsonl (default all three)
//     --path P     only bulk or ordinary (default both)
// For instruction counts of one import, e.g.:
//   valgrind --tool=callgrind --toggle-collect='quarry::Database::import*'
//            bench_import_formats_bench --people 20000 --runs 1 --format csv --path bulk
//   (one command line)
//
// Data: person i has a string tempid "p<i>", :name, :last-name, :sex (keyword), :age, :salary
// (longs) and, from the second on, :boss, a ref to person i/3 by tempid (so every reference goes
// through the import's file-wide tempids), drawn with a fixed seed. EDN is one vector of maps;
// CSV a header row and one row per person; JSON Lines one object per line. The schema is
// transacted before each import. Default options (synced writes); the database is not compacted.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <quarry/quarry.hpp>

#include "bench/bench_timing.hpp"

namespace {

using namespace quarry;
using namespace quarry::bench;

const char* kSchema = R"({:name {:db/valueType :db.type/string :db/index true}
  :last-name {:db/valueType :db.type/string} :sex {:db/valueType :db.type/keyword}
  :age {:db/valueType :db.type/long} :salary {:db/valueType :db.type/long}
  :boss {:db/valueType :db.type/ref}})";

struct Person {
  const char* name;
  const char* last;
  const char* sex;
  int age;
  int salary;
};

std::vector<Person> people(int n) {
  static const char* names[] = {"Ivan", "Petr", "Sergei", "Oleg", "Anna", "Maria", "Olga", "Elena"};
  static const char* lasts[] = {"Ivanov", "Petrov", "Sidorov", "Kuznetsov", "Popov", "Smirnov"};
  std::mt19937 rng(20260101);
  std::vector<Person> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    out.push_back(Person{names[rng() % 8], lasts[rng() % 6], rng() % 2 ? "male" : "female",
                         static_cast<int>(10 + rng() % 80), static_cast<int>(1000 + rng() % 99000)});
  return out;
}

void write_files(const std::vector<Person>& ps, const std::string& dir) {
  std::ofstream edn(dir + "/people.edn"), csv(dir + "/people.csv"), jsonl(dir + "/people.jsonl");
  edn << "[";
  csv << "db/id,name,last-name,sex,age,salary,boss\n";
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const Person& p = ps[i];
    const std::string id = "p" + std::to_string(i), boss = i > 0 ? "p" + std::to_string(i / 3) : "";
    edn << "{:db/id \"" << id << "\" :name \"" << p.name << "\" :last-name \"" << p.last << "\" :sex :" << p.sex
        << " :age " << p.age << " :salary " << p.salary;
    if (i > 0) edn << " :boss \"" << boss << "\"";
    edn << "}\n";
    csv << id << ',' << p.name << ',' << p.last << ',' << p.sex << ',' << p.age << ',' << p.salary << ',' << boss
        << '\n';
    jsonl << "{\"db/id\": \"" << id << "\", \"name\": \"" << p.name << "\", \"last-name\": \"" << p.last
          << "\", \"sex\": \"" << p.sex << "\", \"age\": " << p.age << ", \"salary\": " << p.salary;
    if (i > 0) jsonl << ", \"boss\": \"" << boss << "\"";
    jsonl << "}\n";
  }
  edn << "]\n";
}

}  // namespace

int main(int argc, char** argv) {
  int n = 200'000, runs = 3;
  std::size_t batch = 10'000;
  std::string only_format, only_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--people") n = std::atoi(argv[i + 1]);
    else if (flag == "--batch") batch = static_cast<std::size_t>(std::atoll(argv[i + 1]));
    else if (flag == "--runs") runs = std::atoi(argv[i + 1]);
    else if (flag == "--format") only_format = argv[i + 1];
    else if (flag == "--path") only_path = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: %s [--people N] [--batch N] [--runs N] [--format edn|csv|jsonl] [--path bulk|ordinary]\n",
                   argv[0]);
      return 1;
    }
  }
  TempDir files;
  write_files(people(n), files.path());
  std::printf("import formats: %d people, batch %zu, median of %d runs; load average %.2f\n", n, batch, runs,
              load_average());
  std::printf("%-7s %-9s %10s %9s %10s %9s\n", "format", "path", "datoms", "file MiB", "seconds", "datoms/s");
  for (const char* format : {"edn", "csv", "jsonl"}) {
    if (!only_format.empty() && only_format != format) continue;
    const std::string file = files.path() + "/people." + format;
    const double mib = static_cast<double>(std::filesystem::file_size(file)) / (1 << 20);
    for (auto bulk : {ImportOptions::Bulk::Always, ImportOptions::Bulk::Never}) {
      if (!only_path.empty() && only_path != (bulk == ImportOptions::Bulk::Always ? "bulk" : "ordinary")) continue;
      std::vector<double> seconds;
      std::uint64_t datoms = 0;
      for (int r = 0; r < runs; ++r) {
        TempDir dir;
        auto db = must(Database::open(Options{.path = dir.path() + "/db"}), "open");
        must(db.declare_schema(std::string_view(kSchema)), "schema");
        auto summary = must(db.import(file, ImportOptions{.batch_size = batch, .bulk = bulk}), "import");
        seconds.push_back(summary.seconds);
        datoms = summary.datoms;
      }
      std::sort(seconds.begin(), seconds.end());
      const double median = seconds[seconds.size() / 2];
      std::printf("%-7s %-9s %10llu %9.1f %10.3f %9.0f\n", format,
                  bulk == ImportOptions::Bulk::Always ? "bulk" : "ordinary", static_cast<unsigned long long>(datoms),
                  mib, median, static_cast<double>(datoms) / median);
    }
  }
  std::printf("load average after: %.2f\n", load_average());
  return 0;
}
