// The planner's own cost: how long choosing a clause order takes as a query grows, and what a
// query of thousands of clauses costs in time and memory (doc/reliability.md, "Large queries").
//
//   bench_plan_bench [--small] [--large] [--sizes 1000,2000,4000,8000] [--runs N]
//     --small   explain (plan only: parse, bind inputs, plan; nothing runs) of star queries of 2 to
//               14 clauses, each run with a query text of its own so that neither the query cache
//               nor the plan cache answers: up to cost::kExhaustiveClauses (10) clauses every
//               order is weighed, above it the greedy search plans
//     --large   quarry::q (plan and run) of the two large shapes below at each size, each in a
//               child process of its own so that its peak resident size is its own
//     --one SHAPE N  quarry::q of one shape and size in this process, for a profiler (perf, heaptrack)
//   (no flag: --small and --large)
//
// Data: 1,000 entities, each with :id, 16 attributes :a0..:a15 (longs) and a :next ref to the
// following entity. Shapes:
//   star   [?e :id 7] [?e :a0 ?v1] [?e :a1 ?v2] ... : one entity, each clause binding a new variable
//   chain  [?x0 :next ?x1] [?x0 :a0 ?b0] [(>= ?b0 0)] [?x1 :next ?x2] ... : a path (three clauses a
//          link), of which only entity 1's is long enough
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <quarry/quarry.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_timing.hpp"

using namespace quarry;
using namespace quarry::bench;

namespace {

constexpr int kEntities = 1000;
constexpr int kAttrs = 16;

Database make_db() {
  Database db = must(Database::open(Options{.in_memory = true}), "open");
  must(db.transact("[{:db/ident :next :db/valueType :db.type/ref} {:db/ident :id :db/unique :db.unique/identity}]"),
       "schema");
  std::string tx = "[";
  for (int e = 1; e <= kEntities; ++e) {
    tx += "{:db/id " + std::to_string(e) + " :id " + std::to_string(e);
    for (int a = 0; a < kAttrs; ++a) tx += " :a" + std::to_string(a) + " " + std::to_string((e * 7 + a) % 100);
    if (e < kEntities) tx += " :next " + std::to_string(e + 1);
    tx += "}";
  }
  must(db.transact(tx + "]"), "data");
  return db;
}

// `clauses` where clauses of the star shape; `salt` makes the text unique (a constant nobody reads).
std::string star_query(int clauses, int salt) {
  std::string q = "[:find ?e :where [?e :id 7]";
  for (int k = 1; k < clauses; ++k) q += " [?e :a" + std::to_string(k % kAttrs) + " ?v" + std::to_string(k) + "]";
  return q + " [(!= ?e " + std::to_string(-1 - salt) + ")]]";
}

std::string chain_query(int clauses) {
  std::string q = "[:find ?x0 :where";
  for (int i = 0; 3 * i < clauses; ++i) {
    const std::string x = "?x" + std::to_string(i), y = "?x" + std::to_string(i + 1), b = "?b" + std::to_string(i);
    q += " [" + x + " :next " + y + "] [" + x + " :a0 " + b + "] [(>= " + b + " 0)]";
  }
  return q + "]";
}

void small(int runs) {
  Database db = make_db();
  std::printf("planning time (explain: parse, bind, plan; nothing runs), star queries, median of %d\n\n", runs);
  std::printf("| clauses | search     | ms per plan |\n|--------:|------------|------------:|\n");
  int salt = 0;
  for (int n = 2; n <= 14; n += (n < 8 ? 2 : 1)) {
    std::vector<double> ms;
    for (int r = 0; r < runs; ++r) {
      const std::string text = star_query(n, ++salt);
      const auto start = Clock::now();
      (void)must(quarry::explain(must(read_edn(text), "query"), std::vector<QueryInput>{db.db()}), "explain");
      ms.push_back(seconds_since(start) * 1000);
    }
    std::sort(ms.begin(), ms.end());
    std::printf("| %7d | %-10s | %11.3f |\n", n, n <= 10 ? "exhaustive" : "greedy", ms[ms.size() / 2]);
  }
  std::printf("\nload average (1 min): %.2f\n\n", load_average());
}

// One shape at one size in a child process: its time (plan and run) and its peak resident size.
void large_case(const Database& db, const char* shape, int clauses) {
  std::fflush(stdout);
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) std::exit(1);
  const pid_t child = fork();
  if (child == 0) {
    close(pipe_fds[0]);
    const std::string text = std::strcmp(shape, "star") == 0 ? star_query(clauses, 0) : chain_query(clauses);
    const Value query = must(read_edn(text), "query");
    const auto start = Clock::now();
    const QueryResult r = must(quarry::q(query, std::vector<QueryInput>{db.db()}), "q");
    const double s = seconds_since(start);
    char line[64];
    const int len = std::snprintf(line, sizeof line, "%.3f %zu", s, to_edn(r.value).size());
    if (write(pipe_fds[1], line, static_cast<std::size_t>(len)) != len) _exit(1);
    _exit(0);
  }
  close(pipe_fds[1]);
  char line[64] = {};
  const ssize_t got = read(pipe_fds[0], line, sizeof line - 1);
  close(pipe_fds[0]);
  int status = 0;
  rusage usage{};
  wait4(child, &status, 0, &usage);
  if (got <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::printf("| %-5s | %7d | failed |\n", shape, clauses);
    return;
  }
  double s = 0;
  std::size_t size = 0;
  std::sscanf(line, "%lf %zu", &s, &size);
  std::printf("| %-5s | %7d | %8.3f | %8.1f |\n", shape, clauses, s, static_cast<double>(usage.ru_maxrss) / 1024);
}

void large(const std::vector<int>& sizes) {
  Database db = make_db();
  rusage self{};
  getrusage(RUSAGE_SELF, &self);
  std::printf("large queries: quarry::q (plan and run), each in a child process; peak resident size of the child\n"
              "(the parent, database loaded, was at %.1f MB)\n\n", static_cast<double>(self.ru_maxrss) / 1024);
  std::printf("| shape | clauses |        s | peak MB |\n|-------|--------:|---------:|--------:|\n");
  large_case(db, "star", 1);  // the base: a child that plans and runs next to nothing
  for (const char* shape : {"star", "chain"})
    for (int n : sizes) large_case(db, shape, n);
  std::printf("\nload average (1 min): %.2f\n", load_average());
}

}  // namespace

int main(int argc, char** argv) {
  bool run_small = false, run_large = false;
  std::string one_shape;
  int one_size = 0;
  int runs = 21;
  std::vector<int> sizes{1000, 2000, 4000, 8000};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--small")) run_small = true;
    else if (!std::strcmp(argv[i], "--large")) run_large = true;
    else if (!std::strcmp(argv[i], "--one") && i + 2 < argc) {
      one_shape = argv[++i];
      one_size = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--sizes") && i + 1 < argc) {
      sizes.clear();
      std::stringstream list(argv[++i]);
      for (std::string item; std::getline(list, item, ',');) sizes.push_back(std::atoi(item.c_str()));
    } else {
      std::fprintf(stderr, "usage: bench_plan_bench [--small] [--large] [--sizes N,N,...] [--runs N] [--one SHAPE N]\n");
      return 1;
    }
  }
  if (!one_shape.empty()) {
    Database db = make_db();
    const std::string text = one_shape == "star" ? star_query(one_size, 0) : chain_query(one_size);
    const auto start = Clock::now();
    const QueryResult r = must(quarry::q(must(read_edn(text), "query"), std::vector<QueryInput>{db.db()}), "q");
    std::printf("%s %d: %.3f s, %zu bytes of result\n", one_shape.c_str(), one_size, seconds_since(start),
                to_edn(r.value).size());
    return 0;
  }
  if (!run_small && !run_large) run_small = run_large = true;
  std::printf("load average (1 min) at the start: %.2f\n\n", load_average());
  if (run_small) small(runs);
  if (run_large) large(sizes);
  return 0;
}
