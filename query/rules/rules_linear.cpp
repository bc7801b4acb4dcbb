#include "query/rules/rules_linear.hpp"

#include <algorithm>

#include "query/parse/clause_vars.hpp"
#include "query/exec/join.hpp"
#include "query/rules/rule_support.hpp"
#include "query/exec/solve.hpp"

namespace quarry::query {
namespace {

// A recursive branch split into the clauses before the tail call and the call itself.
struct TailBranch {
  const Rule* rule = nullptr;
  const std::vector<Clause>* body = nullptr;  // the branch's clauses without the call (RuleSet::body_without)
  const RuleCall* call = nullptr;
};

// The tail call of `branch` if it is one of the allowed shape; nullptr with ok = false when the
// branch disqualifies the rule, nullptr with ok = true for a base branch.
const RuleCall* tail_call(const Rule& branch, const std::string& name, const std::vector<bool>& bound, bool& ok) {
  ok = true;
  std::vector<const RuleCall*> calls;
  for (const Clause& c : branch.body) collect_rule_calls(c, calls, true);
  if (calls.empty()) return nullptr;
  ok = false;
  if (calls.size() != 1 || calls[0]->name != name || calls[0]->source) return nullptr;
  const RuleCall* call = calls[0];
  bool direct = false;
  for (const Clause& c : branch.body)
    if (std::get_if<RuleCall>(&c.node) == call) direct = true;
  const std::vector<std::string> head = head_vars(branch);
  if (!direct || call->args.size() != head.size() || head.size() != bound.size()) return nullptr;
  for (std::size_t j = 0; j < head.size(); ++j) {
    if (bound[j]) continue;
    const Variable* v = std::get_if<Variable>(&call->args[j]);
    if (!v || v->name != head[j]) return nullptr;
    if (std::count(head.begin(), head.end(), head[j]) != 1) return nullptr;
    for (std::size_t k = 0; k < call->args.size(); ++k) {
      const Variable* w = std::get_if<Variable>(&call->args[k]);
      if (k != j && w && w->name == head[j]) return nullptr;
    }
    for (const Clause& c : branch.body) {
      if (std::get_if<RuleCall>(&c.node) == call) continue;
      auto vars = clause_vars(c);
      if (std::find(vars.begin(), vars.end(), head[j]) != vars.end()) return nullptr;
    }
  }
  ok = true;
  return call;
}

}  // namespace

bool right_linear(const RuleSet& rules, const std::string& name, const std::vector<bool>& bound) {
  const auto* branches = rules.find(name);
  if (!branches || std::none_of(bound.begin(), bound.end(), [](bool b) { return b; }) ||
      std::all_of(bound.begin(), bound.end(), [](bool b) { return b; }))
    return false;
  bool any_tail = false;
  for (const Rule* b : *branches) {
    bool ok = true;
    if (tail_call(*b, name, bound, ok)) any_tail = true;
    if (!ok) return false;
  }
  if (!any_tail) return false;
  // No other rule may call this one: its callers would need its answers per seed.
  for (const Rule& r : rules.rules) {
    if (r.name == name) continue;
    std::vector<const RuleCall*> calls;
    for (const Clause& c : r.body) collect_rule_calls(c, calls, true);
    for (const RuleCall* c : calls)
      if (c->name == name) return false;
  }
  return true;
}

Result<bool> evaluate_right_linear(Context& ctx, const RuleSet& rules, const std::string& name,
                                   const std::vector<bool>& bound, const RowSet& seeds, RowSet& answers) {
  const auto& branches = *rules.find(name);
  std::vector<const Rule*> base;
  std::vector<TailBranch> tails;
  for (const Rule* b : branches) {
    bool ok = true;
    const RuleCall* call = tail_call(*b, name, bound, ok);
    if (!call) {
      base.push_back(b);
      continue;
    }
    tails.push_back(TailBranch{b, &rules.body_without.at(call), call});
  }
  const std::size_t arity = bound.size();

  // 1. Seeds (magic tuples) reachable from the given ones, the edges between them, and the base
  //    branches' answers for each.
  RowSet magic(seeds.arity());
  for (std::size_t i = 0; i < seeds.size(); ++i) magic.insert(seeds.row(i));
  const std::size_t n_top = magic.size();
  RowSet base_answers(arity);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
  std::vector<Value> parent(seeds.arity()), child(seeds.arity());
  for (std::size_t lo = 0; lo < magic.size();) {
    const std::size_t hi = magic.size();
    if (auto c = ctx.check_interrupt(); !c) return std::unexpected(c.error());
    for (const Rule* b : base) {
      const std::vector<std::string> head = head_vars(*b);
      Bindings inner;
      if (auto j = inner.join(ctx, seed_relation(head, bound, magic, lo, hi)); !j) return std::unexpected(j.error());
      if (auto s = solve(ctx, inner, b->body); !s) return std::unexpected(s.error());
      std::vector<std::string> distinct;
      for (const std::string& v : head) add_unique(distinct, v);
      // The answers set drops repeated tuples: the rows are read where the bindings hold them.
      auto held = inner.holding(ctx, distinct, [&] { return "rule " + name; });
      if (!held) return std::unexpected(held.error());
      if (*held) base_answers.insert_columns(**held, head);
    }
    for (const TailBranch& t : tails) {
      const std::vector<std::string> head = head_vars(*t.rule);
      Bindings inner;
      if (auto j = inner.join(ctx, seed_relation(head, bound, magic, lo, hi)); !j) return std::unexpected(j.error());
      auto s = solve(ctx, inner, *t.body);
      if (!s) return std::unexpected(s.error());
      // parent: the head's bound variables; child: the call's bound arguments.
      std::vector<std::string> vars;
      for (std::size_t k = 0; k < arity; ++k)
        if (bound[k]) add_unique(vars, head[k]);
      for (std::size_t k = 0; k < arity; ++k) {
        if (!bound[k]) continue;
        const Variable* v = std::get_if<Variable>(&t.call->args[k]);
        if (!v) continue;
        if (inner.is_empty()) break;
        if (!inner.bound(v->name)) return false;  // the call would have another adornment
        add_unique(vars, v->name);
      }
      auto rows = inner.project(ctx, vars, [&] { return "rule " + name; });
      if (!rows) return std::unexpected(rows.error());
      for (std::size_t r = 0; r < rows->size(); ++r) {
        std::size_t j = 0;
        for (std::size_t k = 0; k < arity; ++k) {
          if (!bound[k]) continue;
          parent[j] = rows->at(r, static_cast<std::size_t>(rows->column(head[k])));
          const Term& arg = t.call->args[k];
          if (const Value* c = std::get_if<Value>(&arg)) child[j] = *c;
          else child[j] = rows->at(r, static_cast<std::size_t>(rows->column(std::get<Variable>(arg).name)));
          ++j;
        }
        const std::size_t p = magic.index_of(parent);
        magic.insert(child);
        const std::size_t c = magic.index_of(child);
        edges.emplace_back(static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(c));
      }
    }
    if (auto c = ctx.check_rows(magic.size() + base_answers.size() + edges.size()); !c) return std::unexpected(c.error());
    lo = hi;
  }

  // 2. Adjacency (CSR) and the base answers of each seed.
  const std::size_t n = magic.size();
  std::vector<std::uint32_t> start(n + 1, 0), adj(edges.size());
  for (const auto& [p, c] : edges) ++start[p + 1];
  for (std::size_t i = 0; i < n; ++i) start[i + 1] += start[i];
  {
    std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
    for (const auto& [p, c] : edges) adj[fill[p]++] = c;
  }
  std::vector<std::vector<std::uint32_t>> base_of(n);
  std::vector<Value> key(seeds.arity());
  for (std::size_t r = 0; r < base_answers.size(); ++r) {
    auto row = base_answers.row(r);
    std::size_t j = 0;
    for (std::size_t k = 0; k < arity; ++k)
      if (bound[k]) key[j++] = row[k];
    const std::size_t m = magic.index_of(key);
    if (m != RowSet::kAbsent) base_of[m].push_back(static_cast<std::uint32_t>(r));
  }

  // 3. One search per top-level seed: its answers are the base answers of every seed it reaches,
  //    with the bound positions set to its own values.
  RowSet result(arity);
  std::vector<std::uint32_t> stamp(n, 0), queue;
  std::vector<Value> tuple(arity);
  for (std::size_t s = 0; s < n_top; ++s) {
    const auto mark = static_cast<std::uint32_t>(s + 1);
    queue.assign(1, static_cast<std::uint32_t>(s));
    stamp[s] = mark;
    auto top = magic.row(s);
    for (std::size_t qi = 0; qi < queue.size(); ++qi) {
      const std::uint32_t m = queue[qi];
      for (std::uint32_t r : base_of[m]) {
        auto row = base_answers.row(r);
        std::size_t j = 0;
        for (std::size_t k = 0; k < arity; ++k) tuple[k] = bound[k] ? top[j++] : row[k];
        result.insert(tuple);
      }
      for (std::uint32_t e = start[m]; e < start[m + 1]; ++e)
        if (stamp[adj[e]] != mark) {
          stamp[adj[e]] = mark;
          queue.push_back(adj[e]);
        }
      if ((qi & 1023) == 1023) {
        if (auto t = ctx.tick(1024); !t) return std::unexpected(t.error());
        if (auto c = ctx.check_rows(result.size()); !c) return std::unexpected(c.error());
      }
    }
  }
  for (std::size_t r = 0; r < result.size(); ++r) answers.insert(result.row(r));
  return true;
}

}  // namespace quarry::query
