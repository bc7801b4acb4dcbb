// Plans of a query's clause lists kept between runs, so that a query run again with inputs of the
// same shape is not planned again (planning was most of the time of a small query: q5 of the
// benchmark spent three quarters of it choosing the order of five clauses).
//
// A plan is reused only where planning again would build the same plan:
//  - the same parsed query (the QueryCache's object: plans point into its clauses) and the same
//    clause list in it (:where, the branch of an or/not/and, or a rule body of its rule set);
//  - every source the same database state and view (index::Db::state(): snapshot, schema and
//    statistics; as-of, since, history), so attribute ids, resolved lookup refs and estimates
//    still hold. After a transaction the next run plans again;
//  - the same inputs' shape: the variables given as lookup refs or idents and the same parsed
//    rule set (equal rule texts share one, exec/inputs.cpp); and
//    the same bindings before the list: each relation's variables, the values of a relation of
//    one row (a scalar input: its value is counted and narrows ranges while planning), the size
//    class (bit width of the row count) of larger ones; the same default source and kept variables.
// Runs whose sources include a collection of tuples (not a database) are not cached.
//
// Rule bodies are planned from estimates alone (Context::static_plans): a body's plan depends only
// on the variables bound before it, so it is kept like any other plan, under the same run key
// (which holds the parsed rule set the body belongs to), and a run looks each one up once
// (Context::rule_plans) however often the body is evaluated.
//
// A cache hit does not copy the plan: each kept plan has a working copy that is lent to one run at
// a time (PlanHold returns it when the run is done), its patterns pointed at that run's sources.
// A run that finds it lent to another (the same query running on two threads at once) copies the
// kept original instead, which no run ever changes. (The working copy is changed while lent: its
// sources are rebound, and execution may fill a pattern's ResolvedPattern::value_rows.)
//
// Thread safety: every member may be called from any number of threads at once.
#pragma once

#include <atomic>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
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

// What every plan of one run shares in its key: the query, the sources' states and views, the
// variables given as entity references and the rule set (see the file comment).
struct RunKey {
  struct SourceState {
    std::string name;
    std::weak_ptr<const void> state;  // index::Db::state()
    std::optional<TxId> as_of;
    std::optional<TxId> since;
    bool history = false;
  };
  std::weak_ptr<const Query> query;
  std::vector<SourceState> sources;
  // The rule set, by identity (equal texts share one parsed set while it is cached, exec/inputs.cpp):
  // plans of rule bodies point into it, so the key keeps it alive.
  std::shared_ptr<const RuleSet> rules;
  Value shape;
  std::size_t hash = 0;
};

// The run's share of its plan keys once its inputs are bound (ctx, from bind_inputs), or nullptr
// when the run's plans are not cached (a collection source).
[[nodiscard]] std::shared_ptr<const RunKey> run_key(const std::shared_ptr<const Query>& query, const Context& ctx);

// What one cached plan is valid for: its run's key, the clause list (in the query's AST), and
// what is bound before it (see the file comment) with the default source and kept variables.
struct PlanKey {
  std::shared_ptr<const RunKey> run;
  const Clause* clauses = nullptr;
  std::size_t count = 0;
  Value shape;  // BindingsShape::build()
  std::size_t hash = 0;
};

// What is bound before a clause list, as planning reads it: the default source, the kept
// variables, and per relation its variables, then its one row's values or the bit width of its row
// count (rule bodies: the variables alone, since they are planned from estimates). Hashed and
// compared straight from the bindings, so a cache hit builds nothing; built as a Value to be kept.
class BindingsShape {
 public:
  BindingsShape(const Context& ctx, const Bindings& bindings, const std::vector<std::string>* keep);
  [[nodiscard]] std::size_t hash() const noexcept { return hash_; }
  // Whether `built` (a build() of another moment) describes these bindings.
  [[nodiscard]] bool equals(const Value& built) const;
  [[nodiscard]] Value build() const;

 private:
  const Context& ctx_;
  const Bindings& bindings_;
  const std::vector<std::string>* keep_;
  std::size_t hash_ = 0;
};

// A kept plan's working copy and whether a run holds it.
struct LentPlan {
  Plan plan;
  std::atomic<bool> lent{false};
};

// The plan one run uses, held for as long as the run uses it: built or copied for the run
// (`owned`), or a kept plan's working copy lent to this run alone and returned when the hold ends.
class PlanHold {
 public:
  PlanHold() = default;
  PlanHold(const PlanHold&) = delete;
  PlanHold& operator=(const PlanHold&) = delete;
  ~PlanHold();

  std::optional<Plan> owned;

 private:
  friend class PlanCache;
  std::shared_ptr<LentPlan> lent_;
};

class PlanCache {
 public:
  explicit PlanCache(std::size_t capacity = 1024) : capacity_(capacity) {}

  // The plan kept under `key` (whose shape is `shape`: key.shape is not read), its patterns
  // pointed at ctx's sources and held by `hold` (lent, or copied into hold.owned when lent to
  // another run); nullptr when none is kept. On a hit whose entry holds a run key other than
  // key.run (but equal to it), `kept_run` is set to the entry's: a run that takes it as its own
  // finds its next plans by comparing pointers instead of run keys.
  [[nodiscard]] const Plan* find(const PlanKey& key, const BindingsShape& shape, const Context& ctx, PlanHold& hold,
                                 std::shared_ptr<const RunKey>* kept_run = nullptr);
  void insert(PlanKey key, const Plan& plan);

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::size_t hits() const;
  [[nodiscard]] std::size_t misses() const;

 private:
  struct Entry {
    PlanKey key;
    std::shared_ptr<const Plan> original;  // never changed: what a run copies when `working` is lent
    std::shared_ptr<LentPlan> working;
  };
  using Entries = std::list<Entry>;
  void erase(Entries::iterator it);
  std::size_t capacity_;
  mutable std::mutex mutex_;
  Entries entries_;  // most recently used first
  std::unordered_multimap<std::size_t, Entries::iterator> by_hash_;
  std::size_t hits_ = 0;
  std::size_t misses_ = 0;
};

// Makes the run of `query` whose inputs ctx has bound keep its plans in caching.plans (sets
// Context::plans and run_key), unless there is no cache or caching.query is not `query` (a query
// that is not the QueryCache's object has no identity to key on).
void use_plan_cache(Context& ctx, const PlanCaching& caching, const Query& query);

// The plan of `clauses` given what `bindings` holds (plan_for), taken from the run's plan cache
// (Context::plans) when it holds one for this key and kept there otherwise. The result stays
// valid while `hold` lives: it points into hold (a plan built or copied for this run, or one lent
// by the cache) or, for a rule body (Context::static_plans), into the run's rule plans, which live
// as long as ctx.
[[nodiscard]] Result<const Plan*> cached_plan(Context& ctx, const Bindings& bindings, std::span<const Clause> clauses,
                                              const std::vector<std::string>* keep, PlanHold& hold);

}  // namespace quarry::query
