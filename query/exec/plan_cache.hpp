// Plans of a query's :where kept between runs, so that a query run again with inputs of the same
// shape is not planned again (planning is most of the time of a small query: q5 of the benchmark
// spends three quarters of it choosing the order of five clauses).
//
// A plan is reused only where planning again would build the same plan:
//  - the same parsed query (the QueryCache's object: the plan points into its clauses);
//  - every source the same database state and view (index::Db::state(): snapshot, schema and
//    statistics; as-of, since, history), so attribute ids, resolved lookup refs and estimates
//    still hold. After a transaction the next run plans again;
//  - the same input shape: each relation bound before :where with the same variables, the values
//    of a relation of one row (a scalar input; its value is counted and narrows ranges while
//    planning), the size class (bit width of the row count) of larger ones, the same variables
//    given as lookup refs or idents, and the same rule set.
// Runs whose sources include a collection of tuples (not a database) are not cached.
//
// Only the top-level clause list is cached; the branches of or/not and rule bodies are planned
// when they run, from what is bound then (query/exec/solve.hpp).
//
// Thread safety: every member may be called from any number of threads at once. A plan taken
// from the cache is a copy the caller owns.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "codec/value.hpp"
#include "query/exec/context.hpp"
#include "query/exec/engine.hpp"
#include "query/exec/join.hpp"
#include "query/plan/plan.hpp"

namespace quarry::query {

// What a cached plan is valid for (see the file comment).
struct PlanKey {
  struct SourceState {
    std::string name;
    std::weak_ptr<const void> state;  // index::Db::state()
    std::optional<TxId> as_of;
    std::optional<TxId> since;
    bool history = false;
  };
  std::weak_ptr<const Query> query;
  std::vector<SourceState> sources;
  Value shape;  // the input shape as one value, compared with ==
  std::size_t hash = 0;
};

// The key of a run whose inputs are bound (ctx, bindings from bind_inputs), or nullopt when such
// a run is not cached.
[[nodiscard]] std::optional<PlanKey> plan_key(const std::shared_ptr<const Query>& query, std::span<const Input> inputs,
                                              const Context& ctx, const Bindings& bindings);

class PlanCache {
 public:
  explicit PlanCache(std::size_t capacity = 256) : capacity_(capacity) {}

  // A copy of the plan kept under `key`, its patterns pointed at ctx's sources; nullopt when none.
  [[nodiscard]] std::optional<Plan> find(const PlanKey& key, const Context& ctx);
  void insert(PlanKey key, const Plan& plan);

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::size_t hits() const;
  [[nodiscard]] std::size_t misses() const;

 private:
  struct Entry {
    PlanKey key;
    Plan plan;
  };
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first; a short list is searched by hash
  std::size_t hits_ = 0;
  std::size_t misses_ = 0;
};

// The plan of query.where for a run: from `plans` when it holds one for this run's key, else
// planned (plan_for) and kept there. Not cached when `plans` is null or `owner` does not hold
// `query` (a query that is not the QueryCache's object has no identity to key on).
[[nodiscard]] Result<Plan> plan_query(const Query& query, const std::shared_ptr<const Query>& owner,
                                      std::span<const Input> inputs,
                                      const Context& ctx, const Bindings& bindings,
                                      const std::vector<std::string>& keep, PlanCache* plans);

}  // namespace quarry::query
