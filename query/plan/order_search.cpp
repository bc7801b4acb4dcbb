// exhaustive_order and greedy_order (query/plan/clause_facts.hpp): the two searches for the order
// of a clause list.
//
// Worked example, q4 of DataScript's benchmark on people20k (estimates in datoms read):
//   [?e :name "Ivan"] [?e :last-name ?l] [?e :age ?a] [?e :sex :male]
// The exhaustive search starts from nothing bound; one clause in, the cheapest way to have run
// {[?e :name "Ivan"]} is its AVET scan (2,500), {[?e :sex :male]} an AVET scan of 10,000, and
// {[?e :age ?a]} an AEVT scan of 20,000. Two clauses in, {name, sex} is reached from {name} with
// 2,500 lookups (2,500 + 2,500 × 3.5) or from {sex} with 10,000 lookups; the first is kept. The
// plan is the cheapest way to {all four}: name, sex, then age and last-name by lookup — whatever
// order the four were written in (the lookups of age and last-name cost the same, and
// "[?e :age ?a]" prints before "[?e :last-name ?l]").
#include <algorithm>
#include <set>
#include <utility>

#include "query/plan/clause_facts.hpp"

namespace quarry::query {
namespace {

// A state of the exhaustive search: the cheapest way found to have run one subset of the clauses
// that are not filters.
struct Subset {
  bool reached = false;
  double cost = 0;
  GroupRows groups;
  std::vector<bool> filtered;   // per filter (in canonical order): run already
  std::uint32_t parent = 0;     // the subset it was reached from
  std::vector<PlanStep> steps;  // the clause that reached it, then the filters that became ready
};

}  // namespace

std::optional<std::vector<PlanStep>> exhaustive_order(const ClauseFacts& facts, const ScalarLookup& scalar) {
  std::vector<std::size_t> movers, filters;
  for (std::size_t i : facts.canonical()) (facts.filter(i) ? filters : movers).push_back(i);
  const std::size_t n = movers.size();
  // Runs every filter that is ready and has not run, in canonical order. Filters bind nothing, so
  // one pass finds them all.
  auto run_filters = [&](Subset& s) {
    for (std::size_t k = 0; k < filters.size(); ++k) {
      if (s.filtered[k] || !facts.ready(filters[k], s.groups)) continue;
      PlanStep step = facts.evaluate(filters[k], s.groups, scalar);
      s.groups.bind(facts.touched(filters[k], s.groups), step.rows);
      s.filtered[k] = true;
      s.steps.push_back(std::move(step));
    }
  };
  std::vector<Subset> subsets(std::size_t{1} << n);
  Subset& empty = subsets[0];
  empty.reached = true;
  empty.groups = facts.seed();
  empty.filtered.assign(filters.size(), false);
  run_filters(empty);
  for (std::uint32_t mask = 0; mask < subsets.size(); ++mask) {
    if (!subsets[mask].reached) continue;
    for (std::size_t b = 0; b < n; ++b) {
      if (mask & (1u << b)) continue;
      const Subset& from = subsets[mask];
      const std::size_t c = movers[b];
      if (!facts.ready(c, from.groups)) continue;
      PlanStep step = facts.evaluate(c, from.groups, scalar);
      const double cost = from.cost + std::max(0.0, step.cost);
      Subset& to = subsets[mask | (1u << b)];
      if (to.reached && !(cost < to.cost)) continue;
      Subset next;
      next.reached = true;
      next.cost = cost;
      next.parent = mask;
      next.groups = from.groups;
      next.groups.bind(facts.touched(c, from.groups), step.rows);
      next.filtered = from.filtered;
      next.steps.push_back(std::move(step));
      run_filters(next);
      to = std::move(next);
    }
  }
  const Subset& all = subsets.back();
  if (!all.reached || std::find(all.filtered.begin(), all.filtered.end(), false) != all.filtered.end())
    return std::nullopt;
  std::vector<const Subset*> path;
  for (std::uint32_t mask = static_cast<std::uint32_t>(subsets.size() - 1);; mask = subsets[mask].parent) {
    path.push_back(&subsets[mask]);
    if (mask == 0) break;
  }
  std::vector<PlanStep> order;
  for (auto it = path.rbegin(); it != path.rend(); ++it)
    for (const PlanStep& step : (*it)->steps) order.push_back(step);
  return order;
}

Result<std::vector<PlanStep>> greedy_order(const ClauseFacts& facts, const ScalarLookup& scalar) {
  const std::size_t n = facts.size();
  GroupRows groups = facts.seed();
  std::vector<bool> done(n, false), connected(n, false);
  std::vector<std::size_t> needs_left(n, 0);
  // Per variable: the clauses mentioning it, and those needing it.
  std::vector<std::vector<std::uint32_t>> mentions(facts.var_count()), needers(facts.var_count());
  // Ready clauses by canonical rank: filters; clauses sharing a variable with what is bound
  // (their cost changes as the plan grows); clauses sharing none, by their cost, which stays put
  // until one of their variables is bound.
  std::set<std::uint32_t> ready_filters, frontier;
  std::set<std::pair<double, std::uint32_t>> loose;
  std::vector<double> loose_cost(n, 0);
  auto add_ready = [&](std::size_t i) {
    if (facts.filter(i)) ready_filters.insert(facts.rank(i));
    else if (connected[i]) frontier.insert(facts.rank(i));
    else {
      loose_cost[i] = facts.evaluate(i, groups, scalar).cost;
      loose.emplace(loose_cost[i], facts.rank(i));
    }
  };
  for (std::size_t i = 0; i < n; ++i) {
    for (std::uint32_t v : facts.vars(i)) {
      mentions[v].push_back(static_cast<std::uint32_t>(i));
      if (groups.bound(v)) connected[i] = true;
    }
    for (std::uint32_t v : facts.needs(i)) {
      needers[v].push_back(static_cast<std::uint32_t>(i));
      if (!groups.bound(v)) ++needs_left[i];
    }
  }
  for (std::size_t i : facts.canonical())
    if (needs_left[i] == 0) add_ready(i);

  std::vector<PlanStep> order;
  order.reserve(n);
  while (order.size() < n) {
    PlanStep step;
    bool found = false;
    if (!ready_filters.empty()) {
      const std::size_t i = facts.canonical()[*ready_filters.begin()];
      ready_filters.erase(ready_filters.begin());
      step = facts.evaluate(i, groups, scalar);
      found = true;
    } else {
      // The cheapest of the first kGreedyWindow connected clauses and the cheapest loose one;
      // ties to the first in canonical order.
      std::size_t considered = 0;
      for (auto it = frontier.begin(); it != frontier.end() && considered < cost::kGreedyWindow; ++it, ++considered) {
        PlanStep candidate = facts.evaluate(facts.canonical()[*it], groups, scalar);
        if (!found || candidate.cost < step.cost) {
          step = std::move(candidate);
          found = true;
        }
      }
      // A loose clause starts a relation of its own, to be joined with the others later: it goes
      // first only when it is cheaper and leaves fewer rows than the best connected one (a rare
      // constant, say). On cost alone, a chain [?x0 :next ?x1] [?x1 :next ?x2] ... would scan
      // every link apart (one scan reads fewer datoms than a lookup per bound ?x1) and hold all
      // of them before joining any.
      if (!loose.empty()) {
        const std::uint32_t rank = loose.begin()->second;
        PlanStep candidate = facts.evaluate(facts.canonical()[rank], groups, scalar);
        if (!found || (candidate.cost < step.cost && candidate.rows < step.rows)) {
          step = std::move(candidate);
          found = true;
        }
      }
      if (!found) return std::unexpected(facts.blocked_error(done, groups));
      const std::size_t i = step.clause;
      if (connected[i]) frontier.erase(facts.rank(i));
      else loose.erase({loose_cost[i], facts.rank(i)});
    }
    const std::size_t i = step.clause;
    done[i] = true;
    const std::vector<std::uint32_t> touched = facts.touched(i, groups);
    std::vector<std::uint32_t> fresh;
    for (std::uint32_t v : touched)
      if (!groups.bound(v)) fresh.push_back(v);
    groups.bind(touched, step.rows);
    order.push_back(std::move(step));
    for (std::uint32_t v : fresh)
      for (std::uint32_t j : mentions[v]) {
        if (done[j] || connected[j]) continue;
        connected[j] = true;
        if (needs_left[j] == 0 && !facts.filter(j)) {
          loose.erase({loose_cost[j], facts.rank(j)});
          frontier.insert(facts.rank(j));
        }
      }
    for (std::uint32_t v : fresh)
      for (std::uint32_t j : needers[v])
        if (--needs_left[j] == 0 && !done[j]) add_ready(j);
  }
  return order;
}

}  // namespace quarry::query
