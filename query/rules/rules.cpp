// Rule calls (query/exec/solve.hpp): bottom-up, semi-naive evaluation to a fixpoint, driven by the
// bindings the call arrives with (magic sets).
//
// A call (r ?x ?y) with ?x bound and ?y free has the ADORNMENT bf. Each (rule, adornment) met
// gets a Table: its MAGIC set (the tuples of bound arguments it has been asked about) and its
// ANSWERS (full argument tuples). Evaluating a branch of r for adornment bf starts the body from
// the magic tuples bound to the head's first variable; a rule call inside the body adds the
// bound arguments it sees to its own table's magic set and joins that table's answers so far.
// Iterations repeat until no table gains a tuple. Tables are sets, so evaluation ends on cyclic
// data. Only what the calls need is derived: (reach 1 ?y) explores what is reachable from 1,
// not the whole closure. A table with no argument bound derives every answer of its rule, so once
// one exists the rule's calls with arguments bound read it too (table_for) rather than deriving a
// part of it again: (follows ?x ?y) through [?x :follows ?t] (follows ?t ?y) is one table, not a
// free one and a bound one that both hold nearly the whole closure.
//
// Semi-naive: every table keeps which tuples are new since the last iteration (its delta). An
// iteration evaluates each branch (a) from the new magic tuples with every table in full, and
// (b) for each rule call site in the branch, from the old magic tuples with that site reading
// only the delta of its table (skipped when that delta is empty). Every new derivation uses some
// new tuple, so nothing is missed, and old derivations are not redone.
//
// Rule bodies plan their clauses from estimates (Context::static_plans) so that each call site
// always has the same adornment. Rule calls inside `not` are evaluated to completion by a fresh
// evaluation (negation needs the complete answer; recursion through not is refused after a depth).
// An explicit source on a top-level call ($src rule ...) becomes the default source of its bodies.
// Right-linear rules (transitive closures from bound arguments) take a shortcut: see
// query/rules/rules_linear.hpp.
#include <algorithm>
#include <functional>
#include <map>
#include <memory>

#include "query/parse/clause_vars.hpp"
#include "query/parse/parser.hpp"
#include "query/rules/rule_support.hpp"
#include "query/rules/rules_linear.hpp"
#include "query/exec/solve.hpp"

namespace quarry::query {

class RuleRuntime {
 public:
  explicit RuleRuntime(const RuleSet& rules) : rules_(rules) {}

  // A call met at the top level: evaluates to fixpoint and joins the answers into `bindings`.
  Result<void> top_call(Context& ctx, Bindings& bindings, const RuleCall& call);
  // A call met inside a rule body being evaluated by this runtime.
  Result<void> body_call(Context& ctx, Bindings& bindings, const RuleCall& call);

 private:
  struct Table {
    std::string name;
    std::vector<bool> bound;  // per argument position
    RowSet magic;             // bound arguments' values, in position order
    RowSet answers;           // every argument's value
    // Rows [0, committed) are known; [prev, committed) are the delta of the last iteration;
    // rows past committed were found during this iteration.
    std::size_t magic_prev = 0, magic_committed = 0;
    std::size_t answers_prev = 0, answers_committed = 0;
    Table(std::string n, std::vector<bool> b, std::size_t n_bound, std::size_t arity)
        : name(std::move(n)), bound(std::move(b)), magic(n_bound), answers(arity) {}
  };

  Result<std::size_t> table_for(Context& ctx, const RuleCall& call, const Bindings& bindings);
  Result<void> seed(Context& ctx, Bindings& bindings, const RuleCall& call, Table& table);
  Result<void> join_answers(Context& ctx, Bindings& bindings, const RuleCall& call, const Table& table,
                            std::size_t lo, std::size_t hi);
  Result<void> run(Context& ctx);
  Result<void> eval_branch(Context& ctx, std::size_t t, const Rule& branch, std::size_t lo, std::size_t hi,
                           const RuleCall* delta_site);

  const RuleSet& rules_;
  std::vector<std::unique_ptr<Table>> tables_;
  std::size_t current_ = 0;                  // the table whose branch is running
  const RuleCall* delta_site_ = nullptr;     // the call site reading a delta, if any
  std::map<std::pair<std::size_t, const RuleCall*>, std::vector<std::size_t>> site_tables_;
};

namespace {

constexpr int kMaxRuleDepth = 16;
}  // namespace

Result<std::size_t> RuleRuntime::table_for(Context&, const RuleCall& call, const Bindings& bindings) {
  const auto* branches = rules_.find(call.name);
  if (!branches || branches->empty())
    return fail(ErrorCode::QueryInvalid, "Unknown rule '" + call.name + " in " + call_text(call));
  const std::size_t arity = head_vars(*branches->front()).size();
  if (call.args.size() != arity)
    return fail(ErrorCode::QueryInvalid, "Rule " + call.name + " takes " + std::to_string(arity) +
                                             " arguments, called with " + std::to_string(call.args.size()) +
                                             " in " + call_text(call));
  std::vector<bool> bound(arity, false);
  std::size_t n_bound = 0;
  for (std::size_t k = 0; k < arity; ++k) {
    const Term& t = call.args[k];
    const Variable* v = std::get_if<Variable>(&t);
    bound[k] = std::holds_alternative<Value>(t) || (v && bindings.bound(v->name));
    n_bound += bound[k];
  }
  for (std::size_t k = 0; k < branches->front()->required_vars.size(); ++k)
    if (!bound[k])
      return fail(ErrorCode::QueryInvalid, "Insufficient bindings: rule " + call.name + " requires argument " +
                                               std::to_string(k + 1) + " bound in " + call_text(call));
  // A table of the rule with no argument bound derives every answer: a call with some bound reads
  // that one, joined on what it binds, rather than deriving a part of it again in a table of its
  // own (magic sets narrow what a call derives; none can need more than all of it).
  for (std::size_t t = 0; t < tables_.size(); ++t)
    if (tables_[t]->name == call.name &&
        (tables_[t]->bound == bound || std::none_of(tables_[t]->bound.begin(), tables_[t]->bound.end(), std::identity{})))
      return t;
  tables_.push_back(std::make_unique<Table>(call.name, std::move(bound), n_bound, arity));
  return tables_.size() - 1;
}

// Adds the bound arguments of every row of `bindings` to the table's magic set.
Result<void> RuleRuntime::seed(Context& ctx, Bindings& bindings, const RuleCall& call, Table& table) {
  std::vector<std::string> vars;
  for (std::size_t k = 0; k < call.args.size(); ++k)
    if (const Variable* v = std::get_if<Variable>(&call.args[k]); v && table.bound[k]) add_unique(vars, v->name);
  // The bound rows go straight into the magic set, which drops their duplicates: no distinct
  // projection is built.
  auto held = bindings.holding(ctx, vars, [&] { return call_text(call); });
  if (!held) return std::unexpected(held.error());
  if (!*held) return ctx.check_rows(table.magic.size());
  const Relation& rel = **held;
  // Per bound argument: its constant, or its column in rel.
  std::vector<std::pair<const Value*, int>> sources;
  for (std::size_t k = 0; k < call.args.size(); ++k) {
    if (!table.bound[k]) continue;
    if (const Value* c = std::get_if<Value>(&call.args[k])) sources.emplace_back(c, -1);
    else sources.emplace_back(nullptr, rel.column(std::get<Variable>(call.args[k]).name));
  }
  std::vector<Value> tuple;
  tuple.reserve(sources.size());
  for (std::size_t r = 0; r < rel.size(); ++r) {
    tuple.clear();
    for (const auto& [c, col] : sources) tuple.push_back(c ? *c : rel.at(r, static_cast<std::size_t>(col)));
    table.magic.insert(tuple);
  }
  return ctx.check_rows(table.magic.size());
}

// Joins answers [lo, hi) of `table` into the bindings, by the call's arguments.
Result<void> RuleRuntime::join_answers(Context& ctx, Bindings& bindings, const RuleCall& call, const Table& table,
                                       std::size_t lo, std::size_t hi) {
  std::vector<std::string> bound_vars;
  for (const Term& t : call.args)
    if (const Variable* v = std::get_if<Variable>(&t); v && bindings.bound(v->name)) add_unique(bound_vars, v->name);
  auto i = bindings.merge(ctx, bound_vars);
  if (!i) return std::unexpected(i.error());
  Relation empty_rel = Relation::unit();
  const Relation& base = *i < 0 ? empty_rel : bindings.relations()[static_cast<std::size_t>(*i)];

  // Per argument position: a constant to check, a bound column (join key), a new column, or an
  // earlier position of the same variable to equal.
  std::vector<std::pair<std::size_t, const Value*>> consts;
  std::vector<std::pair<std::size_t, int>> keys;  // (position, column of base)
  std::vector<std::size_t> fresh;                 // positions of new variables
  std::vector<std::pair<std::size_t, std::size_t>> same;
  std::vector<std::string> vars = base.vars();
  std::vector<std::pair<std::string, std::size_t>> seen;
  for (std::size_t k = 0; k < call.args.size(); ++k) {
    const Term& t = call.args[k];
    if (const Value* c = std::get_if<Value>(&t)) {
      consts.emplace_back(k, c);
      continue;
    }
    const Variable* v = std::get_if<Variable>(&t);
    if (!v) continue;
    auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& p) { return p.first == v->name; });
    if (it != seen.end()) {
      same.emplace_back(k, it->second);
      continue;
    }
    seen.emplace_back(v->name, k);
    const int col = base.column(v->name);
    if (col >= 0) {
      keys.emplace_back(k, col);
    } else {
      fresh.push_back(k);
      vars.push_back(v->name);
    }
  }
  std::vector<int> key_cols;
  for (const auto& [k, col] : keys) key_cols.push_back(col);
  RowIndex index(base, key_cols);
  Relation out(std::move(vars));
  // Most answers meet one row of the base (a seed's bindings, or the unit): room for one each.
  out.reserve(hi - lo);
  std::vector<Value> key(keys.size());
  for (std::size_t r = lo; r < hi; ++r) {
    auto row = table.answers.row(r);
    bool ok = true;
    for (const auto& [k, c] : consts) ok = ok && row[k] == *c;
    for (const auto& [k, e] : same) ok = ok && row[k] == row[e];
    if (!ok) continue;
    for (std::size_t j = 0; j < keys.size(); ++j) key[j] = row[keys[j].first];
    index.for_each_match(key, hash_values(key), [&](std::size_t b) {
      for (const Value& x : base.row(b)) out.push(x);
      for (std::size_t k : fresh) out.push(row[k]);
      out.end_row();
    });
    if ((r & 1023) == 1023) {
      if (auto t = ctx.tick(1024); !t) return t;
      if (auto c = ctx.check_rows(out.size()); !c) return c;
    }
  }
  if (auto c = ctx.check_rows(out.size()); !c) return c;
  if (*i < 0) return bindings.join(ctx, std::move(out));
  bindings.replace(*i, std::move(out));
  return {};
}

Result<void> RuleRuntime::top_call(Context& ctx, Bindings& bindings, const RuleCall& call) {
  auto t = table_for(ctx, call, bindings);
  if (!t) return std::unexpected(t.error());
  if (auto s = seed(ctx, bindings, call, *tables_[*t]); !s) return s;
  Table& table = *tables_[*t];
  bool done = false;
  if (right_linear(rules_, table.name, table.bound)) {
    auto linear = evaluate_right_linear(ctx, rules_, table.name, table.bound, table.magic, table.answers);
    if (!linear) return std::unexpected(linear.error());
    done = *linear;
    table.answers_committed = table.answers.size();
  }
  if (!done)
    if (auto r = run(ctx); !r) return r;
  return join_answers(ctx, bindings, call, table, 0, table.answers_committed);
}

Result<void> RuleRuntime::body_call(Context& ctx, Bindings& bindings, const RuleCall& call) {
  auto t = table_for(ctx, call, bindings);
  if (!t) return std::unexpected(t.error());
  auto& callees = site_tables_[{current_, &call}];
  if (std::find(callees.begin(), callees.end(), *t) == callees.end()) callees.push_back(*t);
  Table& table = *tables_[*t];
  if (auto s = seed(ctx, bindings, call, table); !s) return s;
  if (&call == delta_site_) return join_answers(ctx, bindings, call, table, table.answers_prev, table.answers_committed);
  return join_answers(ctx, bindings, call, table, 0, table.answers_committed);
}

Result<void> RuleRuntime::eval_branch(Context& ctx, std::size_t t, const Rule& branch, std::size_t lo,
                                      std::size_t hi, const RuleCall* delta_site) {
  const std::vector<std::string> head = head_vars(branch);
  Bindings inner;
  {
    const Table& table = *tables_[t];
    if (auto j = inner.join(ctx, seed_relation(head, table.bound, table.magic, lo, hi)); !j) return j;
  }
  const std::size_t saved_current = current_;
  const RuleCall* saved_site = delta_site_;
  current_ = t;
  delta_site_ = delta_site;
  std::vector<std::string> distinct_head;
  for (const std::string& v : head) add_unique(distinct_head, v);
  auto solved = solve(ctx, inner, branch.body, &distinct_head);
  current_ = saved_current;
  delta_site_ = saved_site;
  if (!solved) return solved;

  // The answers set drops repeated tuples: the rows are read where the bindings hold them.
  auto held = inner.holding(ctx, distinct_head, [&] { return "rule " + branch.name; });
  if (!held) return std::unexpected(held.error());
  Table& table = *tables_[t];
  if (!*held) return ctx.check_rows(table.answers.size());
  table.answers.insert_columns(**held, head);
  return ctx.check_rows(table.answers.size());
}

Result<void> RuleRuntime::run(Context& ctx) {
  RuleRuntime* saved_runtime = ctx.rule_runtime;
  const bool saved_static = ctx.static_plans;
  ctx.rule_runtime = this;
  ctx.static_plans = true;
  auto restore = [&]() {
    ctx.rule_runtime = saved_runtime;
    ctx.static_plans = saved_static;
  };
  while (true) {
    bool changed = false;
    for (auto& table : tables_) {
      table->magic_prev = table->magic_committed;
      table->magic_committed = table->magic.size();
      table->answers_prev = table->answers_committed;
      table->answers_committed = table->answers.size();
      changed = changed || table->magic_committed > table->magic_prev ||
                table->answers_committed > table->answers_prev;
    }
    if (!changed) break;
    if (auto c = ctx.check_interrupt(); !c) {
      restore();
      return c;
    }
    // Tables created during this iteration wait for the next one (their magic is not committed).
    const std::size_t n = tables_.size();
    for (std::size_t t = 0; t < n; ++t) {
      const auto* branches = rules_.find(tables_[t]->name);
      for (const Rule* branch : *branches) {
        const Table& table = *tables_[t];
        Result<void> r;
        if (table.magic_committed > table.magic_prev)
          r = eval_branch(ctx, t, *branch, table.magic_prev, table.magic_committed, nullptr);
        if (r && table.magic_prev > 0) {
          std::vector<const RuleCall*> sites;
          for (const Clause& c : branch->body) collect_rule_calls(c, sites, false);
          for (const RuleCall* site : sites) {
            auto it = site_tables_.find({t, site});
            if (it != site_tables_.end() &&
                std::all_of(it->second.begin(), it->second.end(), [&](std::size_t callee) {
                  return tables_[callee]->answers_committed == tables_[callee]->answers_prev;
                }))
              continue;
            r = eval_branch(ctx, t, *branch, 0, table.magic_prev, site);
            if (!r) break;
          }
        }
        if (!r) {
          restore();
          return r;
        }
      }
    }
  }
  restore();
  return {};
}

Result<void> apply_rule_call(Context& ctx, Bindings& bindings, const RuleCall& call) {
  if (!ctx.rules)
    return fail(ErrorCode::QueryInvalid, "Unknown rule '" + call.name + " in " + call_text(call) +
                                             " (no rules were passed as %)");
  if (ctx.rule_runtime) return ctx.rule_runtime->body_call(ctx, bindings, call);
  if (ctx.rule_depth >= kMaxRuleDepth)
    return fail(ErrorCode::QueryInvalid, "Rules nest too deeply (recursion through not?) at " + call_text(call));
  const std::string saved_source = ctx.default_source;
  if (call.source) ctx.default_source = call.source->name == "$" ? saved_source : call.source->name;
  ++ctx.rule_depth;
  RuleRuntime runtime(*ctx.rules);
  auto r = runtime.top_call(ctx, bindings, call);
  --ctx.rule_depth;
  ctx.default_source = saved_source;
  return r;
}

}  // namespace quarry::query
