// order_clauses, GroupRows, BoundOrder (query/plan/clause_order.hpp) and ClauseFacts
// (query/plan/clause_facts.hpp): what each clause needs, binds and costs.
#include "query/plan/clause_order.hpp"

#include <algorithm>
#include <functional>
#include <limits>

#include "query/parse/clause_vars.hpp"
#include "query/parse/parser.hpp"
#include "query/plan/clause_facts.hpp"
#include "query/plan/range_filter.hpp"

namespace quarry::query {
namespace {

using cost::kFilterSelectivity;
using cost::kFunctionCost;
using cost::kRuleCallCost;
using cost::kRuleUnboundCost;

std::vector<std::string> external_needs(std::span<const Clause> clauses);

// The clauses of an or branch: an and's, or the branch itself.
std::span<const Clause> branch_parts(const Clause& branch) {
  if (const auto* a = std::get_if<And>(&branch.node)) return a->clauses;
  return {&branch, 1};
}

// What an or needs bound from outside: its required variables, and what its branches' predicates
// and functions need that the branch does not bind itself.
std::vector<std::string> or_needs(const Or& o) {
  std::vector<std::string> needs;
  for (const Variable& v : o.required_vars) add_unique(needs, v.name);
  for (const Clause& branch : o.branches)
    for (const std::string& v : external_needs(branch_parts(branch))) add_unique(needs, v);
  return needs;
}

std::vector<std::string> external_needs(std::span<const Clause> clauses) {
  std::vector<std::string> outputs, needs;
  for (const Clause& c : clauses)
    for (const std::string& v : output_vars(c)) add_unique(outputs, v);
  for (const Clause& c : clauses) {
    std::vector<std::string> n;
    if (const auto* p = std::get_if<Predicate>(&c.node)) n = call_inputs(p->fn, p->args);
    else if (const auto* f = std::get_if<FunctionCall>(&c.node)) n = call_inputs(f->fn, f->args);
    else if (const auto* x = std::get_if<Not>(&c.node); x && x->join)
      for (const Variable& v : x->join_vars) n.push_back(v.name);
    else if (const auto* o = std::get_if<Or>(&c.node)) n = or_needs(*o);
    else if (const auto* a = std::get_if<And>(&c.node)) n = external_needs(a->clauses);
    for (const std::string& v : n)
      if (std::find(outputs.begin(), outputs.end(), v) == outputs.end()) add_unique(needs, v);
  }
  return needs;
}

// Occurrences of each variable among the clauses' variable lists.
using Mentions = std::unordered_map<std::string, std::size_t>;

// The variables the clause needs bound before it runs (see clause_order.hpp). `bound`: bound
// before the list; `all`/`outside_not`: per variable, the clauses mentioning it (all of them / all
// but the plain nots).
Result<std::vector<std::string>> needs_of(const Scope& ctx, const Clause& c, const std::vector<std::string>& vars,
                                          const std::function<bool(const std::string&)>& bound,
                                          const Mentions& all, const Mentions& outside_not) {
  std::vector<std::string> needs;
  auto count = [](const Mentions& m, const std::string& v) {
    auto it = m.find(v);
    return it == m.end() ? std::size_t{0} : it->second;
  };
  if (const auto* pr = std::get_if<Predicate>(&c.node)) return call_inputs(pr->fn, pr->args);
  if (const auto* fc = std::get_if<FunctionCall>(&c.node)) return call_inputs(fc->fn, fc->args);
  if (const auto* n = std::get_if<Not>(&c.node)) {
    if (n->join) {
      for (const Variable& v : n->join_vars) add_unique(needs, v.name);
      return needs;
    }
    // The variables it shares with the clauses around it (or bound before them).
    for (const std::string& v : vars)
      if (bound(v) || count(outside_not, v) > 0) add_unique(needs, v);
    if (needs.empty() && !vars.empty()) {
      std::string names;
      for (const std::string& v : vars) names += (names.empty() ? "" : " ") + v;
      return fail(ErrorCode::QueryInvalid,
                  "Insufficient bindings: none of #{" + names + "} is bound in " + clause_text(c));
    }
    return needs;
  }
  if (const auto* o = std::get_if<Or>(&c.node)) {
    needs = or_needs(*o);
    // A plain not inside a branch, like one at this level, needs the variables it shares with
    // the clauses around the or that its own branch does not bind: (or (not [?e :city]) ...)
    // runs only once ?e is bound.
    for (const Clause& branch : o->branches) {
      const std::span<const Clause> parts = branch_parts(branch);
      std::vector<std::string> outputs;
      for (const Clause& part : parts)
        for (const std::string& v : output_vars(part)) add_unique(outputs, v);
      for (const Clause& part : parts) {
        const auto* n = std::get_if<Not>(&part.node);
        if (!n || n->join) continue;
        for (const std::string& v : clause_vars(part)) {
          if (std::find(outputs.begin(), outputs.end(), v) != outputs.end()) continue;
          // Mentioned by some clause besides this or (which mentions every variable of its parts).
          if (bound(v) || count(all, v) > 1) add_unique(needs, v);
        }
      }
    }
    return needs;
  }
  if (const auto* rc = std::get_if<RuleCall>(&c.node)) {
    const auto* branches = ctx.rules ? ctx.rules->find(rc->name) : nullptr;
    if (branches && !branches->empty()) {
      const std::size_t required = branches->front()->required_vars.size();
      for (std::size_t k = 0; k < required && k < rc->args.size(); ++k)
        if (const Variable* v = std::get_if<Variable>(&rc->args[k])) add_unique(needs, v->name);
    }
  }
  return needs;
}

}  // namespace

std::optional<double> GroupRows::rows(std::uint32_t var) const {
  if (parent_[var] == kUnbound) return std::nullopt;
  return rows_[root(var)];
}

std::uint32_t GroupRows::root(std::uint32_t var) const {
  while (parent_[var] != var) {
    parent_[var] = parent_[parent_[var]];  // path halving
    var = parent_[var];
  }
  return var;
}

void GroupRows::bind(std::span<const std::uint32_t> vars, double rows) {
  if (vars.empty()) return;
  std::uint32_t top = kUnbound;
  for (std::uint32_t v : vars)
    if (parent_[v] != kUnbound) {
      const std::uint32_t r = root(v);
      if (top == kUnbound) top = r;
      else if (r != top) parent_[r] = top;
    }
  if (top == kUnbound) top = vars.front();
  for (std::uint32_t v : vars)
    if (parent_[v] == kUnbound) parent_[v] = top;
  rows_[top] = std::max(rows, 0.0);
}

BoundOrder::BoundOrder(const std::vector<std::vector<std::string>>& groups) {
  for (const std::vector<std::string>& vars : groups) {
    std::vector<std::string> g;
    for (const std::string& v : vars)
      if (group_of_.emplace(v, groups_.size()).second) g.push_back(v);
    if (g.empty()) continue;
    order_.push_back(groups_.size());
    groups_.push_back(std::move(g));
  }
}

void BoundOrder::bind(const std::vector<std::string>& vars) {
  // The positions (in order_) of the groups the variables are in, latest first.
  std::vector<std::size_t> touched;
  for (const std::string& v : vars) {
    auto it = group_of_.find(v);
    if (it == group_of_.end()) continue;
    const auto pos = static_cast<std::size_t>(std::find(order_.begin(), order_.end(), it->second) - order_.begin());
    if (std::find(touched.begin(), touched.end(), pos) == touched.end()) touched.push_back(pos);
  }
  std::sort(touched.begin(), touched.end(), std::greater<>());
  std::size_t base = 0;
  if (touched.empty()) {
    if (vars.empty()) return;
    base = groups_.size();
    groups_.emplace_back();
  } else {
    base = order_[touched.front()];
    for (std::size_t k = 1; k < touched.size(); ++k) {
      std::vector<std::string>& merged = groups_[order_[touched[k]]];
      for (std::string& v : merged) {
        group_of_[v] = base;
        groups_[base].push_back(std::move(v));
      }
      merged.clear();
    }
  }
  for (const std::string& v : vars)
    if (group_of_.emplace(v, base).second) groups_[base].push_back(v);
  for (std::size_t pos : touched) order_.erase(order_.begin() + static_cast<std::ptrdiff_t>(pos));
  order_.push_back(base);
}

std::vector<std::string> BoundOrder::vars() const {
  std::vector<std::string> out;
  out.reserve(group_of_.size());
  for (std::size_t id : order_) out.insert(out.end(), groups_[id].begin(), groups_[id].end());
  return out;
}

std::uint32_t ClauseFacts::id(const std::string& var) {
  auto [it, added] = var_ids_.emplace(var, static_cast<std::uint32_t>(var_names_.size()));
  if (added) var_names_.push_back(var);
  return it->second;
}

Result<ClauseFacts> ClauseFacts::make(const Scope& ctx, std::span<const Clause> clauses, const SeedGroups& seed) {
  ClauseFacts f;
  const std::size_t n = clauses.size();
  f.clauses_ = clauses;
  f.filter_.resize(n);
  f.vars_.resize(n);
  f.needs_.resize(n);
  f.outputs_.resize(n);
  f.patterns_.resize(n);
  f.or_patterns_.resize(n);

  // The canonical order: by printed form.
  std::vector<std::string> texts(n);
  for (std::size_t i = 0; i < n; ++i) texts[i] = clause_text(clauses[i]);
  f.canonical_.resize(n);
  for (std::size_t i = 0; i < n; ++i) f.canonical_[i] = i;
  std::sort(f.canonical_.begin(), f.canonical_.end(),
            [&](std::size_t a, std::size_t b) { return texts[a] != texts[b] ? texts[a] < texts[b] : a < b; });
  f.rank_.resize(n);
  for (std::size_t r = 0; r < n; ++r) f.rank_[f.canonical_[r]] = static_cast<std::uint32_t>(r);

  std::unordered_map<std::string, std::size_t> seed_vars;
  for (const auto& [vars, rows] : seed)
    for (const std::string& v : vars) seed_vars.emplace(v, 0);
  const auto bound = [&](const std::string& v) { return seed_vars.contains(v); };
  std::vector<std::vector<std::string>> names(n);
  Mentions all, outside_not;
  for (std::size_t i = 0; i < n; ++i) {
    names[i] = clause_vars(clauses[i]);
    const bool plain_not = std::holds_alternative<Not>(clauses[i].node);
    for (const std::string& v : names[i]) {
      ++all[v];
      if (!plain_not) ++outside_not[v];
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const Clause& c = clauses[i];
    f.filter_[i] = std::holds_alternative<Predicate>(c.node) || std::holds_alternative<Not>(c.node);
    auto needs = needs_of(ctx, c, names[i], bound, all, outside_not);
    if (!needs) return std::unexpected(needs.error());
    for (const std::string& v : names[i]) f.vars_[i].push_back(f.id(v));
    for (const std::string& v : *needs) f.needs_[i].push_back(f.id(v));
    for (const std::string& v : output_vars(c)) f.outputs_[i].push_back(f.id(v));
    if (const auto* dp = std::get_if<DataPattern>(&c.node)) {
      auto rp = resolve_pattern(ctx, *dp);
      if (!rp) return std::unexpected(rp.error());
      f.patterns_[i] = std::move(*rp);
    } else if (const auto* o = std::get_if<Or>(&c.node)) {
      for (const Clause& branch : o->branches) {
        std::vector<ResolvedPattern>& resolved = f.or_patterns_[i].emplace_back();
        for (const Clause& part : branch_parts(branch)) {
          const auto* dp = std::get_if<DataPattern>(&part.node);
          if (!dp) continue;
          auto rp = resolve_pattern(ctx, *dp);
          if (!rp) return std::unexpected(rp.error());
          resolved.push_back(std::move(*rp));
        }
      }
    }
  }
  for (std::size_t i : range_predicates(clauses))
    for (const std::string& v : names[i]) f.range_predicates_[v].push_back(i);
  for (auto& [var, preds] : f.range_predicates_)
    std::sort(preds.begin(), preds.end(), [&](std::size_t a, std::size_t b) { return f.rank_[a] < f.rank_[b]; });
  for (const auto& [vars, rows] : seed)
    for (const std::string& v : vars) (void)f.id(v);
  f.seed_ = GroupRows(f.var_names_.size());
  for (const auto& [vars, rows] : seed) {
    std::vector<std::uint32_t> ids;
    for (const std::string& v : vars) ids.push_back(f.var_ids_.at(v));
    f.seed_.bind(ids, rows);
  }
  return f;
}

bool ClauseFacts::ready(std::size_t i, const GroupRows& groups) const {
  return std::all_of(needs_[i].begin(), needs_[i].end(), [&](std::uint32_t v) { return groups.bound(v); });
}

BoundRows ClauseFacts::bound_rows(std::size_t i, const GroupRows& groups) const {
  return [this, i, &groups](const std::string& var) -> std::optional<double> {
    // The clause's own variables (a few short names) first: choose_access asks about no others.
    for (std::uint32_t v : vars_[i])
      if (var_names_[v] == var) return groups.rows(v);
    auto it = var_ids_.find(var);
    if (it == var_ids_.end()) return std::nullopt;
    return groups.rows(it->second);
  };
}

PlanStep ClauseFacts::evaluate(std::size_t i, const GroupRows& groups, const ScalarLookup& scalar) const {
  const Clause& c = clauses_[i];
  PlanStep step;
  step.clause = i;
  double in_rows = 1;
  for (std::uint32_t v : vars_[i])
    if (auto r = groups.rows(v)) in_rows = std::max(in_rows, *r);
  if (filter_[i]) {
    step.cost = -1;  // as soon as it can run
    step.rows = in_rows * kFilterSelectivity;
    return step;
  }
  const BoundRows bound = bound_rows(i, groups);
  if (patterns_[i]) {
    const ResolvedPattern& rp = *patterns_[i];
    const PatternSlot& v = rp.slots[2];
    if (rp.attr && v.kind == PatternSlot::Kind::Var && !bound(v.var))
      if (auto it = range_predicates_.find(v.var); it != range_predicates_.end())
        step.range = find_range(clauses_, it->second, v.var, scalar);
    step.access = choose_access(rp, bound, step.range, false, &scalar);
    step.cost = step.access.cost;
    step.rows = step.access.rows;
  } else if (std::holds_alternative<FunctionCall>(c.node)) {
    step.cost = in_rows * kFunctionCost;
    step.rows = in_rows;
  } else if (std::holds_alternative<Or>(c.node)) {
    // The sum of the branches' cheapest patterns.
    for (const std::vector<ResolvedPattern>& branch : or_patterns_[i]) {
      double branch_cost = in_rows;
      bool any = false;
      for (const ResolvedPattern& rp : branch) {
        const double pc = choose_access(rp, bound, {}).cost;
        branch_cost = any ? std::min(branch_cost, pc) : pc;
        any = true;
      }
      step.cost += branch_cost;
    }
    step.rows = step.cost;
  } else if (const auto* rc = std::get_if<RuleCall>(&c.node)) {
    bool some_bound = false;
    for (const Term& t : rc->args) {
      if (std::holds_alternative<Value>(t)) some_bound = true;
      if (const Variable* var = std::get_if<Variable>(&t); var && bound(var->name)) some_bound = true;
    }
    step.cost = some_bound ? in_rows * kRuleCallCost : kRuleUnboundCost;
    step.rows = in_rows * 10;
  } else {
    step.cost = in_rows;
    step.rows = in_rows;
  }
  return step;
}

std::vector<std::uint32_t> ClauseFacts::touched(std::size_t i, const GroupRows& groups) const {
  std::vector<std::uint32_t> out = outputs_[i];
  for (std::uint32_t v : vars_[i])
    if (groups.bound(v) && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  return out;
}

Error ClauseFacts::blocked_error(const std::vector<bool>& done, const GroupRows& groups) const {
  for (std::size_t i : canonical_) {
    if (done[i]) continue;
    std::string missing;
    for (std::uint32_t v : needs_[i])
      if (!groups.bound(v)) missing += (missing.empty() ? "" : " ") + var_names_[v];
    if (!missing.empty())
      return Error{ErrorCode::QueryInvalid,
                   "Insufficient bindings: #{" + missing + "} not bound in " + clause_text(clauses_[i])};
  }
  return Error{ErrorCode::Internal, "clause planner: no clause can run"};
}

Result<std::vector<PlanStep>> order_clauses(const Scope& ctx, std::span<const Clause> clauses, const SeedGroups& seed,
                                            const ScalarLookup& scalar) {
  auto facts = ClauseFacts::make(ctx, clauses, seed);
  if (!facts) return std::unexpected(facts.error());
  std::size_t movers = 0;
  for (std::size_t i = 0; i < clauses.size(); ++i) movers += facts->filter(i) ? 0 : 1;
  std::optional<std::vector<PlanStep>> order;
  if (movers <= cost::kExhaustiveClauses) order = exhaustive_order(*facts, scalar);
  if (!order) {
    auto greedy = greedy_order(*facts, scalar);
    if (!greedy) return std::unexpected(greedy.error());
    order = std::move(*greedy);
  }
  for (PlanStep& step : *order) step.pattern = facts->pattern(step.clause);
  return std::move(*order);
}

}  // namespace quarry::query
