// PlanCache, run_key, use_plan_cache and cached_plan (query/exec/plan_cache.hpp).
#include "query/exec/plan_cache.hpp"

#include <bit>
#include <algorithm>
#include <functional>

#include "codec/edn_printer.hpp"
#include "query/exec/solve.hpp"

namespace quarry::query {
namespace {

bool same_owner(const std::weak_ptr<const void>& a, const std::weak_ptr<const void>& b) noexcept {
  return !a.owner_before(b) && !b.owner_before(a);
}

bool same_run(const RunKey& a, const RunKey& b) {
  if (&a == &b) return true;
  if (a.hash != b.hash || a.sources.size() != b.sources.size()) return false;
  if (a.query.owner_before(b.query) || b.query.owner_before(a.query) || a.rules != b.rules) return false;
  for (std::size_t i = 0; i < a.sources.size(); ++i) {
    const RunKey::SourceState& x = a.sources[i];
    const RunKey::SourceState& y = b.sources[i];
    if (x.name != y.name || x.as_of != y.as_of || x.since != y.since || x.history != y.history ||
        !same_owner(x.state, y.state))
      return false;
  }
  return a.shape == b.shape;
}

// The same key but perhaps for its shape (compared by the callers: built or live).
bool same_list(const PlanKey& a, const PlanKey& b) {
  return a.hash == b.hash && a.clauses == b.clauses && a.count == b.count && same_run(*a.run, *b.run);
}

bool gone(const RunKey& run) {
  if (run.query.expired()) return true;
  return std::any_of(run.sources.begin(), run.sources.end(), [](const RunKey::SourceState& s) { return s.state.expired(); });
}

std::size_t mix(std::size_t h, std::size_t x) noexcept { return h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); }

Vector strings(const std::vector<std::string>& names) {
  Vector out;
  out.items.reserve(names.size());
  for (const std::string& n : names) out.items.emplace_back(n);
  return out;
}

bool same_strings(const Value& built, const std::vector<std::string>& names) {
  const auto* v = built.get_if<Vector>();
  if (!v || v->items.size() != names.size()) return false;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto* s = v->items[i].get_if<std::string>();
    if (!s || *s != names[i]) return false;
  }
  return true;
}

std::size_t hash_strings(std::size_t h, const std::vector<std::string>& names) {
  h = mix(h, names.size());
  for (const std::string& n : names) h = mix(h, std::hash<std::string_view>{}(n));
  return h;
}

}  // namespace

BindingsShape::BindingsShape(const Context& ctx, const Bindings& bindings, const std::vector<std::string>* keep)
    : ctx_(ctx), bindings_(bindings), keep_(keep) {
  std::size_t h = std::hash<std::string_view>{}(ctx.default_source);
  h = keep ? hash_strings(mix(h, 1), *keep) : mix(h, 0);
  for (const Relation& r : bindings.relations()) {
    h = hash_strings(h, r.vars());
    if (ctx.static_plans) continue;
    if (r.size() == 1) {
      for (const Value& cell : r.row(0)) h = mix(h, hash_value(cell));
    } else {
      h = mix(h, 0x5bd1e995u + static_cast<std::size_t>(std::bit_width(r.size())));
    }
  }
  hash_ = h;
}

Value BindingsShape::build() const {
  Vector shape;
  shape.items.emplace_back(ctx_.default_source);
  shape.items.emplace_back(keep_ ? Value(strings(*keep_)) : Value());
  for (const Relation& r : bindings_.relations()) {
    shape.items.emplace_back(strings(r.vars()));
    if (ctx_.static_plans) continue;
    if (r.size() == 1) {
      Vector row;
      for (const Value& cell : r.row(0)) row.items.push_back(cell);
      shape.items.emplace_back(std::move(row));
    } else {
      shape.items.emplace_back(static_cast<std::int64_t>(std::bit_width(r.size())));
    }
  }
  return Value(std::move(shape));
}

bool BindingsShape::equals(const Value& built) const {
  const auto* shape = built.get_if<Vector>();
  if (!shape) return false;
  const std::vector<Value>& items = shape->items;
  const std::size_t per_relation = ctx_.static_plans ? 1 : 2;
  if (items.size() != 2 + per_relation * bindings_.relations().size()) return false;
  const auto* source = items[0].get_if<std::string>();
  if (!source || *source != ctx_.default_source) return false;
  if (keep_ ? !same_strings(items[1], *keep_) : !items[1].is_nil()) return false;
  std::size_t i = 2;
  for (const Relation& r : bindings_.relations()) {
    if (!same_strings(items[i++], r.vars())) return false;
    if (ctx_.static_plans) continue;
    const Value& what = items[i++];
    if (r.size() == 1) {
      const auto* row = what.get_if<Vector>();
      if (!row || row->items.size() != r.arity()) return false;
      for (std::size_t c = 0; c < r.arity(); ++c)
        if (compare(row->items[c], r.at(0, c)) != 0) return false;
    } else {
      const auto* width = what.get_if<std::int64_t>();
      if (!width || *width != static_cast<std::int64_t>(std::bit_width(r.size()))) return false;
    }
  }
  return true;
}

std::shared_ptr<const RunKey> run_key(const std::shared_ptr<const Query>& query, const Context& ctx) {
  if (!query) return nullptr;
  auto key = std::make_shared<RunKey>();
  key->query = query;
  std::size_t h = std::hash<const void*>{}(query.get());
  for (const auto& [name, source] : ctx.sources) {
    if (!source.db) return nullptr;  // a collection: estimates from its contents, not cached
    const index::Db& db = *source.db;
    key->sources.push_back({.name = name, .state = db.state(), .as_of = db.as_of_t(), .since = db.since_t(),
                            .history = db.is_history()});
    h = mix(h, std::hash<std::uint64_t>{}(db.basis().value));
  }
  key->rules = ctx.rules;
  h = mix(h, std::hash<const void*>{}(ctx.rules.get()));
  Vector shape;
  Vector entity_vars;
  for (const auto& entry : ctx.entity_inputs) entity_vars.items.emplace_back(entry.first);
  shape.items.emplace_back(std::move(entity_vars));
  key->shape = Value(std::move(shape));
  key->hash = mix(h, hash_value(key->shape));
  return key;
}

void PlanCache::erase(Entries::iterator it) {
  auto [first, last] = by_hash_.equal_range(it->key.hash);
  for (auto h = first; h != last; ++h) {
    if (h->second == it) {
      by_hash_.erase(h);
      break;
    }
  }
  entries_.erase(it);
}

namespace {

// The plan's patterns read this run's sources (the same databases, bound anew).
void point_at_sources(Plan& plan, const Context& ctx) {
  for (PlannedStep& step : plan.steps)
    if (step.pattern) step.pattern->source = ctx.source(step.pattern->pattern->source);
}

}  // namespace

PlanHold::~PlanHold() {
  if (lent_) lent_->lent.store(false, std::memory_order_release);
}

const Plan* PlanCache::find(const PlanKey& key, const BindingsShape& shape, const Context& ctx, PlanHold& hold,
                            std::shared_ptr<const RunKey>* kept_run) {
  std::shared_ptr<const Plan> original;
  std::shared_ptr<LentPlan> working;
  {
    std::lock_guard lock(mutex_);
    auto [first, last] = by_hash_.equal_range(key.hash);
    for (auto h = first; h != last; ++h) {
      const PlanKey& kept = h->second->key;
      if (!same_list(kept, key) || !shape.equals(kept.shape)) continue;
      if (kept_run && kept.run != key.run) *kept_run = kept.run;
      entries_.splice(entries_.begin(), entries_, h->second);
      ++hits_;
      original = entries_.front().original;
      working = entries_.front().working;
      break;
    }
    if (!original) {
      ++misses_;
      return nullptr;
    }
  }
  // acquire: the previous holder's writes (its sources, value counts) happen before ours.
  if (!working->lent.exchange(true, std::memory_order_acquire)) {
    point_at_sources(working->plan, ctx);
    hold.lent_ = std::move(working);
    return &hold.lent_->plan;
  }
  hold.owned = *original;
  point_at_sources(*hold.owned, ctx);
  return &*hold.owned;
}

void PlanCache::insert(PlanKey key, const Plan& plan) {
  auto original = std::make_shared<const Plan>(plan);
  auto working = std::make_shared<LentPlan>();
  working->plan = plan;
  std::lock_guard lock(mutex_);
  auto [first, last] = by_hash_.equal_range(key.hash);
  for (auto h = first; h != last; ++h) {
    if (same_list(h->second->key, key) && h->second->key.shape == key.shape) {
      erase(h->second);
      break;
    }
  }
  entries_.push_front(Entry{.key = std::move(key), .original = std::move(original), .working = std::move(working)});
  by_hash_.emplace(entries_.front().key.hash, entries_.begin());
  // Entries whose query or database is gone can never be found again: those go first.
  if (entries_.size() > capacity_)
    for (auto it = entries_.begin(); it != entries_.end();) {
      auto next = std::next(it);
      if (gone(*it->key.run)) erase(it);
      it = next;
    }
  while (entries_.size() > capacity_) erase(std::prev(entries_.end()));
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

void use_plan_cache(Context& ctx, const PlanCaching& caching, const Query& query) {
  if (!caching.plans || caching.query.get() != &query) return;
  ctx.plans = caching.plans;
  ctx.run_key = run_key(caching.query, ctx);
}

Result<const Plan*> cached_plan(Context& ctx, const Bindings& bindings, std::span<const Clause> clauses,
                                const std::vector<std::string>* keep, PlanHold& hold) {
  const BindingsShape shape(ctx, bindings, keep);
  // A rule body: looked up once per run, then held for the rest of it (bodies are evaluated again
  // and again, nested in themselves too).
  Context::RulePlan* rule_plan = nullptr;
  if (ctx.static_plans) {
    const std::size_t h = mix(std::hash<const void*>{}(clauses.data()), shape.hash());
    auto [first, last] = ctx.rule_plans.equal_range(h);
    for (auto it = first; it != last; ++it) {
      if (it->second.clauses != clauses.data() || !shape.equals(it->second.shape)) continue;
      if (it->second.plan) return it->second.plan;
      rule_plan = &it->second;  // left without a plan by a failed planning
      break;
    }
    if (!rule_plan) {
      rule_plan = &ctx.rule_plans.emplace(h, Context::RulePlan{.clauses = clauses.data(), .shape = shape.build(),
                                                               .hold = nullptr, .plan = nullptr})->second;
    }
    rule_plan->hold = std::make_shared<PlanHold>();
  }
  PlanHold& held = rule_plan ? *rule_plan->hold : hold;
  auto done = [&](const Plan* plan) -> const Plan* {
    if (rule_plan) rule_plan->plan = plan;
    return plan;
  };
  std::optional<PlanKey> key;
  if (ctx.plans && ctx.run_key) {
    key.emplace(PlanKey{.run = ctx.run_key, .clauses = clauses.data(), .count = clauses.size(), .shape = Value()});
    key->hash = mix(mix(ctx.run_key->hash, std::hash<const void*>{}(clauses.data())), shape.hash());
    std::shared_ptr<const RunKey> kept_run;
    if (const Plan* kept = ctx.plans->find(*key, shape, ctx, held, &kept_run)) {
      // Equal to this run's key: taken as it, so that the run's next look-ups (the branches of an
      // or, rule bodies) compare run keys by pointer (same_run).
      if (kept_run) ctx.run_key = std::move(kept_run);
      return done(kept);
    }
  }
  auto plan = plan_for(ctx, bindings, clauses, keep);
  if (!plan) return std::unexpected(plan.error());
  held.owned = std::move(*plan);
  if (key) {
    key->shape = rule_plan ? rule_plan->shape : shape.build();
    ctx.plans->insert(std::move(*key), *held.owned);
  }
  return done(&*held.owned);
}

}  // namespace quarry::query
