#include "query/plan/clause_order.hpp"

#include <algorithm>
#include <functional>
#include <limits>

#include "query/parse/clause_vars.hpp"
#include "query/plan/range_filter.hpp"
#include "query/parse/parser.hpp"

namespace quarry::query {
namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();
using cost::kFilterSelectivity;
using cost::kFunctionCost;
using cost::kRuleCallCost;
using cost::kRuleUnboundCost;

double max_rows(const std::vector<std::string>& vars, const BoundRows& bound) {
  double r = 1;
  for (const std::string& v : vars)
    if (auto n = bound(v)) r = std::max(r, *n);
  return r;
}

std::vector<std::string> external_needs(std::span<const Clause> clauses);

// What an or needs bound from outside: its required variables, and what its branches' predicates
// and functions need that the branch does not bind itself.
std::vector<std::string> or_needs(const Or& o) {
  std::vector<std::string> needs;
  for (const Variable& v : o.required_vars) add_unique(needs, v.name);
  for (const Clause& branch : o.branches) {
    std::span<const Clause> parts(&branch, 1);
    if (const auto* a = std::get_if<And>(&branch.node)) parts = a->clauses;
    for (const std::string& v : external_needs(parts)) add_unique(needs, v);
  }
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

}  // namespace

Result<ClausePlanner> ClausePlanner::make(const Scope& ctx, std::span<const Clause> clauses,
                                          const std::vector<std::string>& bound) {
  ClausePlanner p;
  p.clauses_ = clauses;
  p.done_.assign(clauses.size(), false);
  p.remaining_ = clauses.size();
  p.patterns_.resize(clauses.size());
  p.needs_.resize(clauses.size());
  std::vector<std::vector<std::string>>& vars = p.vars_;
  vars.resize(clauses.size());
  for (std::size_t i = 0; i < clauses.size(); ++i) vars[i] = clause_vars(clauses[i]);
  for (std::size_t i : range_predicates(clauses))
    for (const std::string& v : vars[i]) p.range_predicates_[v].push_back(i);
  for (std::size_t i = 0; i < clauses.size(); ++i) {
    const Clause& c = clauses[i];
    if (const auto* dp = std::get_if<DataPattern>(&c.node)) {
      auto rp = resolve_pattern(ctx, *dp);
      if (!rp) return std::unexpected(rp.error());
      p.patterns_[i] = std::move(*rp);
    } else if (const auto* pr = std::get_if<Predicate>(&c.node)) {
      p.needs_[i] = call_inputs(pr->fn, pr->args);
    } else if (const auto* fc = std::get_if<FunctionCall>(&c.node)) {
      p.needs_[i] = call_inputs(fc->fn, fc->args);
    } else if (const auto* n = std::get_if<Not>(&c.node)) {
      if (n->join) {
        for (const Variable& v : n->join_vars) add_unique(p.needs_[i], v.name);
      } else {
        // The variables it shares with the clauses around it (or bound before them).
        for (const std::string& v : vars[i]) {
          bool shared = std::find(bound.begin(), bound.end(), v) != bound.end();
          for (std::size_t j = 0; j < clauses.size() && !shared; ++j)
            if (j != i && !std::holds_alternative<Not>(clauses[j].node))
              shared = std::find(vars[j].begin(), vars[j].end(), v) != vars[j].end();
          if (shared) add_unique(p.needs_[i], v);
        }
        if (p.needs_[i].empty() && !vars[i].empty()) {
          std::string names;
          for (const std::string& v : vars[i]) names += (names.empty() ? "" : " ") + v;
          return fail(ErrorCode::QueryInvalid,
                      "Insufficient bindings: none of #{" + names + "} is bound in " + clause_text(c));
        }
      }
    } else if (const auto* o = std::get_if<Or>(&c.node)) {
      p.needs_[i] = or_needs(*o);
      // A plain not inside a branch, like one at this level, needs the variables it shares with
      // the clauses around the or that its own branch does not bind: (or (not [?e :city]) ...)
      // runs only once ?e is bound.
      for (const Clause& branch : o->branches) {
        std::span<const Clause> parts(&branch, 1);
        if (const auto* a = std::get_if<And>(&branch.node)) parts = a->clauses;
        std::vector<std::string> outputs;
        for (const Clause& part : parts)
          for (const std::string& v : output_vars(part)) add_unique(outputs, v);
        for (const Clause& part : parts) {
          const auto* n = std::get_if<Not>(&part.node);
          if (!n || n->join) continue;
          for (const std::string& v : clause_vars(part)) {
            if (std::find(outputs.begin(), outputs.end(), v) != outputs.end()) continue;
            bool shared = std::find(bound.begin(), bound.end(), v) != bound.end();
            for (std::size_t j = 0; j < clauses.size() && !shared; ++j)
              if (j != i) shared = std::find(vars[j].begin(), vars[j].end(), v) != vars[j].end();
            if (shared) add_unique(p.needs_[i], v);
          }
        }
      }
    } else if (const auto* rc = std::get_if<RuleCall>(&c.node)) {
      const auto* branches = ctx.rules ? ctx.rules->find(rc->name) : nullptr;
      if (branches && !branches->empty()) {
        const std::size_t required = branches->front()->required_vars.size();
        for (std::size_t k = 0; k < required && k < rc->args.size(); ++k)
          if (const Variable* v = std::get_if<Variable>(&rc->args[k])) add_unique(p.needs_[i], v->name);
      }
    }
  }
  return p;
}

bool ClausePlanner::ready(std::size_t i, const BoundRows& bound) const {
  return std::all_of(needs_[i].begin(), needs_[i].end(), [&](const std::string& v) { return bound(v).has_value(); });
}

Error ClausePlanner::blocked_error(const BoundRows& bound) const {
  for (std::size_t i = 0; i < clauses_.size(); ++i) {
    if (done_[i]) continue;
    std::string missing;
    for (const std::string& v : needs_[i])
      if (!bound(v)) missing += (missing.empty() ? "" : " ") + v;
    if (!missing.empty())
      return Error{ErrorCode::QueryInvalid,
                   "Insufficient bindings: #{" + missing + "} not bound in " + clause_text(clauses_[i])};
  }
  return Error{ErrorCode::Internal, "clause planner: no clause can run"};
}

Result<PlanStep> ClausePlanner::next(const Scope& ctx, const BoundRows& bound, const ScalarLookup& scalar) {
  // A filter (predicate or not) runs as soon as it can: the first one ready, in written order.
  for (std::size_t i = 0; i < clauses_.size(); ++i) {
    const Clause& c = clauses_[i];
    if (done_[i] || !(std::holds_alternative<Predicate>(c.node) || std::holds_alternative<Not>(c.node)) ||
        !ready(i, bound))
      continue;
    PlanStep step;
    step.clause = i;
    step.cost = -1;
    step.rows = max_rows(vars_[i], bound) * kFilterSelectivity;
    done_[i] = true;
    --remaining_;
    return step;
  }
  // Otherwise the cheapest of the first kGreedyWindow ready clauses, in written order: every one
  // of them in an ordinary query, a bounded search in one of thousands of clauses.
  PlanStep best;
  double best_cost = kNever;
  bool found = false;
  std::size_t considered = 0;
  for (std::size_t i = 0; i < clauses_.size() && considered < cost::kGreedyWindow; ++i) {
    if (done_[i] || !ready(i, bound)) continue;
    ++considered;
    const Clause& c = clauses_[i];
    PlanStep step;
    step.clause = i;
    const double in_rows = max_rows(vars_[i], bound);
    double cost = 0;
    if (patterns_[i]) {
      const ResolvedPattern& rp = *patterns_[i];
      const PatternSlot& v = rp.slots[2];
      if (rp.attr && v.kind == PatternSlot::Kind::Var && !bound(v.var))
        if (auto it = range_predicates_.find(v.var); it != range_predicates_.end())
          step.range = find_range(clauses_, it->second, done_, v.var, scalar);
      step.access = choose_access(rp, bound, step.range, false, &scalar);
      cost = step.access.cost;
      step.rows = step.access.rows;
    } else if (std::holds_alternative<Predicate>(c.node) || std::holds_alternative<Not>(c.node)) {
      cost = -1;  // filters: as soon as they can run
      step.rows = in_rows * kFilterSelectivity;
    } else if (std::holds_alternative<FunctionCall>(c.node)) {
      cost = in_rows * kFunctionCost;
      step.rows = in_rows;
    } else if (const auto* o = std::get_if<Or>(&c.node)) {
      // The sum of the branches' cheapest patterns.
      for (const Clause& branch : o->branches) {
        std::span<const Clause> parts(&branch, 1);
        if (const auto* a = std::get_if<And>(&branch.node)) parts = a->clauses;
        double branch_cost = in_rows;
        bool any = false;
        for (const Clause& part : parts) {
          const auto* dp = std::get_if<DataPattern>(&part.node);
          if (!dp) continue;
          auto rp = resolve_pattern(ctx, *dp);
          if (!rp) return std::unexpected(rp.error());
          const double pc = choose_access(*rp, bound, {}).cost;
          branch_cost = any ? std::min(branch_cost, pc) : pc;
          any = true;
        }
        cost += branch_cost;
      }
      step.rows = cost;
    } else if (const auto* rc = std::get_if<RuleCall>(&c.node)) {
      bool some_bound = false;
      for (const Term& t : rc->args) {
        if (std::holds_alternative<Value>(t)) some_bound = true;
        if (const Variable* v = std::get_if<Variable>(&t); v && bound(v->name)) some_bound = true;
      }
      cost = some_bound ? in_rows * kRuleCallCost : kRuleUnboundCost;
      step.rows = in_rows * 10;
    } else {
      cost = in_rows;
      step.rows = in_rows;
    }
    if (!found || cost < best_cost) {
      found = true;
      best_cost = cost;
      step.cost = cost;
      if (patterns_[i]) step.pattern = patterns_[i];
      best = std::move(step);
    }
  }
  if (!found) return std::unexpected(blocked_error(bound));
  done_[best.clause] = true;
  --remaining_;
  return best;
}

EstimatedBindings::EstimatedBindings(const std::vector<std::pair<std::vector<std::string>, double>>& groups) {
  for (const auto& [vars, rows] : groups) {
    Group g{.vars = {}, .rows = std::max(rows, 0.0)};
    for (const std::string& v : vars)
      if (group_of_.emplace(v, groups_.size()).second) g.vars.push_back(v);
    if (g.vars.empty()) continue;
    order_.push_back(groups_.size());
    groups_.push_back(std::move(g));
  }
}

std::optional<double> EstimatedBindings::rows(const std::string& var) const {
  auto it = group_of_.find(var);
  if (it == group_of_.end()) return std::nullopt;
  return groups_[it->second].rows;
}

void EstimatedBindings::bind(const std::vector<std::string>& vars, double rows) {
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
      Group& merged = groups_[order_[touched[k]]];
      for (std::string& v : merged.vars) {
        group_of_[v] = base;
        groups_[base].vars.push_back(std::move(v));
      }
      merged.vars.clear();
    }
  }
  for (const std::string& v : vars)
    if (group_of_.emplace(v, base).second) groups_[base].vars.push_back(v);
  groups_[base].rows = std::max(rows, 0.0);
  for (std::size_t pos : touched) order_.erase(order_.begin() + static_cast<std::ptrdiff_t>(pos));
  order_.push_back(base);
}

std::vector<std::string> EstimatedBindings::bound_vars() const {
  std::vector<std::string> out;
  out.reserve(group_of_.size());
  for (std::size_t id : order_)
    out.insert(out.end(), groups_[id].vars.begin(), groups_[id].vars.end());
  return out;
}

}  // namespace quarry::query
