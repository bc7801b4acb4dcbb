// PlanCache, plan_key and plan_query (query/exec/plan_cache.hpp).
#include "query/exec/plan_cache.hpp"

#include <bit>
#include <functional>

#include "query/exec/solve.hpp"

namespace quarry::query {
namespace {

bool same_owner(const std::weak_ptr<const void>& a, const std::weak_ptr<const void>& b) noexcept {
  return !a.owner_before(b) && !b.owner_before(a);
}

bool same_key(const PlanKey& a, const PlanKey& b) {
  if (a.hash != b.hash || a.sources.size() != b.sources.size()) return false;
  if (a.query.owner_before(b.query) || b.query.owner_before(a.query)) return false;
  for (std::size_t i = 0; i < a.sources.size(); ++i) {
    const PlanKey::SourceState& x = a.sources[i];
    const PlanKey::SourceState& y = b.sources[i];
    if (x.name != y.name || x.as_of != y.as_of || x.since != y.since || x.history != y.history ||
        !same_owner(x.state, y.state))
      return false;
  }
  return a.shape == b.shape;
}

std::size_t mix(std::size_t h, std::size_t x) noexcept { return h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); }

}  // namespace

std::optional<PlanKey> plan_key(const std::shared_ptr<const Query>& query, std::span<const Input> inputs,
                                const Context& ctx, const Bindings& bindings) {
  if (!query) return std::nullopt;
  PlanKey key;
  key.query = query;
  std::size_t h = std::hash<const void*>{}(query.get());
  for (const auto& [name, source] : ctx.sources) {
    if (!source.db) return std::nullopt;  // a collection: estimates from its contents, not cached
    const index::Db& db = *source.db;
    key.sources.push_back({.name = name, .state = db.state(), .as_of = db.as_of_t(), .since = db.since_t(),
                           .history = db.is_history()});
    h = mix(h, std::hash<std::uint64_t>{}(db.basis().value));
  }
  // The shape: per relation bound before :where, its variables, then its one row's values or the
  // bit width of its row count; the variables given as entity references; the rule set.
  Vector shape;
  for (const Relation& r : bindings.relations()) {
    Vector vars;
    for (const std::string& v : r.vars()) vars.items.emplace_back(v);
    shape.items.emplace_back(std::move(vars));
    if (r.size() == 1) {
      Vector row;
      for (const Value& cell : r.row(0)) row.items.push_back(cell);
      shape.items.emplace_back(std::move(row));
    } else {
      shape.items.emplace_back(static_cast<std::int64_t>(std::bit_width(r.size())));
    }
  }
  Vector entity_vars;
  for (const auto& entry : ctx.entity_inputs) entity_vars.items.emplace_back(entry.first);
  shape.items.emplace_back(std::move(entity_vars));
  for (std::size_t i = 0; i < query->in.size() && i < inputs.size(); ++i)
    if (std::holds_alternative<RulesBinding>(query->in[i]))
      if (const Value* rules = std::get_if<Value>(&inputs[i])) shape.items.push_back(*rules);
  key.shape = Value(std::move(shape));
  key.hash = mix(h, hash_value(key.shape));
  return key;
}

std::optional<Plan> PlanCache::find(const PlanKey& key, const Context& ctx) {
  std::optional<Plan> plan;
  {
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (!same_key(it->key, key)) continue;
      entries_.splice(entries_.begin(), entries_, it);
      ++hits_;
      plan = entries_.front().plan;
      break;
    }
    if (!plan) {
      ++misses_;
      return std::nullopt;
    }
  }
  // The copy's patterns read this run's sources (the same databases, bound anew).
  for (PlannedStep& step : plan->steps)
    if (step.pattern) step.pattern->source = ctx.source(step.pattern->pattern->source);
  return plan;
}

void PlanCache::insert(PlanKey key, const Plan& plan) {
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (same_key(it->key, key)) {
      entries_.erase(it);
      break;
    }
  }
  entries_.push_front(Entry{.key = std::move(key), .plan = plan});
  // Entries whose query or database is gone can never be found again: drop them first.
  for (auto it = entries_.begin(); it != entries_.end();) {
    bool gone = it->key.query.expired();
    for (const PlanKey::SourceState& s : it->key.sources) gone = gone || s.state.expired();
    it = gone ? entries_.erase(it) : std::next(it);
  }
  while (entries_.size() > capacity_) entries_.pop_back();
}

std::size_t PlanCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::size_t PlanCache::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

std::size_t PlanCache::misses() const {
  std::lock_guard lock(mutex_);
  return misses_;
}

Result<Plan> plan_query(const Query& query, const std::shared_ptr<const Query>& owner, std::span<const Input> inputs,
                        const Context& ctx, const Bindings& bindings, const std::vector<std::string>& keep,
                        PlanCache* plans) {
  std::optional<PlanKey> key;
  if (plans && owner.get() == &query) key = plan_key(owner, inputs, ctx, bindings);
  if (key)
    if (auto cached = plans->find(*key, ctx)) return std::move(*cached);
  auto plan = plan_for(ctx, bindings, query.where, &keep);
  if (plan && key) plans->insert(std::move(*key), *plan);
  return plan;
}

}  // namespace quarry::query
