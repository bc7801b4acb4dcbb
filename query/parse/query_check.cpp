// check_query, check_rules and the checks of a rule body: what can be said about a query before
// it meets a database or its inputs.
//
// Binding analysis. Quarry's planner orders clauses itself, so a clause may come before the clause
// that binds its variables (DataScript 1.8 would report "Insufficient bindings" there). What is an
// error is a variable that no order can bind. The analysis of one clause list, given the variables
// bound on entry (:in, or the enclosing scope):
//   1. Repeat until nothing changes: take every clause that can run with what is bound and add
//      what it binds. Data patterns and rule calls always run and bind all their variables;
//      predicates and function expressions need all their argument variables (a function then
//      binds its binding's variables); not needs one of its variables bound, not-join all its join
//      variables; or-join needs its [[required]] variables and binds its join variables; or
//      binds every variable its branches mention.
//   2. A clause left over cannot run in any order: "Insufficient bindings".
//   3. Nested clause lists are checked the same way: not's body with everything bound outside,
//      not-join's with its join variables, each or branch with what the rest of the enclosing
//      list binds (plus, for or-join, only the join variables bound there and its required ones).
//      The branches of an or must leave the same variables free (DataScript's rule), and each
//      branch of an or-join must bind those of its join variables not bound outside.
#include <algorithm>
#include <map>
#include <set>

#include "query/builtins/aggregates.hpp"
#include "query/builtins/builtins.hpp"
#include "query/parse/parse_support.hpp"
#include "query/parse/parser.hpp"

namespace quarry::query {

namespace {
using detail::invalid_error;
using detail::var_set_text;
using VarSet = std::set<std::string>;

void add_term_vars(const std::vector<Term>& terms, VarSet& out) {
  for (const Term& t : terms)
    if (const auto* v = std::get_if<Variable>(&t)) out.insert(v->name);
}

// The variables a predicate or function expression reads: its arguments' and a function variable.
void add_call_vars(const std::string& fn, const std::vector<FnArg>& args, VarSet& out) {
  if (function_variable(fn)) out.insert(fn);
  for (const FnArg& a : args)
    if (const auto* v = std::get_if<Variable>(&a)) out.insert(v->name);
}

void add_binding_vars(const Binding& b, VarSet& out) {
  std::vector<std::string> names;
  detail::binding_vars(b, names);
  out.insert(names.begin(), names.end());
}

// The variables a clause shows to its surroundings (DataScript's collect-vars): everything it
// mentions, except that not-join and or-join show only their join variables.
void visible_vars(const Clause& c, VarSet& out) {
  std::visit(
      [&](const auto& node) {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, DataPattern>) {
          add_term_vars(node.terms, out);
        } else if constexpr (std::is_same_v<T, Predicate>) {
          add_call_vars(node.fn, node.args, out);
        } else if constexpr (std::is_same_v<T, FunctionCall>) {
          add_call_vars(node.fn, node.args, out);
          add_binding_vars(node.binding, out);
        } else if constexpr (std::is_same_v<T, RuleCall>) {
          add_term_vars(node.args, out);
        } else if constexpr (std::is_same_v<T, Not>) {
          if (node.join) {
            for (const Variable& v : node.join_vars) out.insert(v.name);
          } else {
            for (const Clause& inner : node.clauses) visible_vars(inner, out);
          }
        } else if constexpr (std::is_same_v<T, Or>) {
          if (node.join) {
            for (const Variable& v : node.required_vars) out.insert(v.name);
            for (const Variable& v : node.join_vars) out.insert(v.name);
          } else {
            for (const Clause& inner : node.branches) visible_vars(inner, out);
          }
        } else if constexpr (std::is_same_v<T, And>) {
          for (const Clause& inner : node.clauses) visible_vars(inner, out);
        }
      },
      c.node);
}

VarSet missing_from(const VarSet& needed, const VarSet& bound) {
  VarSet out;
  std::set_difference(needed.begin(), needed.end(), bound.begin(), bound.end(),
                      std::inserter(out, out.end()));
  return out;
}

bool can_run(const Clause& c, const VarSet& bound) {
  if (const auto* p = std::get_if<Predicate>(&c.node)) {
    VarSet needed;
    add_call_vars(p->fn, p->args, needed);
    return missing_from(needed, bound).empty();
  }
  if (const auto* f = std::get_if<FunctionCall>(&c.node)) {
    VarSet needed;
    add_call_vars(f->fn, f->args, needed);
    return missing_from(needed, bound).empty();
  }
  if (const auto* n = std::get_if<Not>(&c.node)) {
    VarSet vars;
    visible_vars(c, vars);
    if (n->join) return missing_from(vars, bound).empty();
    return std::any_of(vars.begin(), vars.end(), [&](const auto& v) { return bound.count(v) > 0; });
  }
  if (const auto* o = std::get_if<Or>(&c.node)) {
    for (const Variable& v : o->required_vars)
      if (bound.count(v.name) == 0) return false;
  }
  return true;
}

void add_binds(const Clause& c, VarSet& bound) {
  if (std::holds_alternative<Predicate>(c.node) || std::holds_alternative<Not>(c.node)) return;
  if (const auto* f = std::get_if<FunctionCall>(&c.node)) {
    add_binding_vars(f->binding, bound);
    return;
  }
  visible_vars(c, bound);
}

struct Fixpoint {
  VarSet bound;
  std::vector<std::size_t> stuck;  // indices of clauses that can never run, in order
};

// Step 1 of the file comment; `skip` leaves one clause out (an or, to see what the others bind).
Fixpoint run_fixpoint(const std::vector<Clause>& clauses, VarSet bound,
                      std::size_t skip = static_cast<std::size_t>(-1)) {
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < clauses.size(); ++i)
    if (i != skip) pending.push_back(i);
  for (bool progress = true; progress;) {
    progress = false;
    for (auto it = pending.begin(); it != pending.end();) {
      if (can_run(clauses[*it], bound)) {
        add_binds(clauses[*it], bound);
        it = pending.erase(it);
        progress = true;
      } else {
        ++it;
      }
    }
  }
  return {std::move(bound), std::move(pending)};
}

std::unexpected<Error> stuck_error(const Clause& c, const VarSet& bound) {
  VarSet needed;
  if (const auto* p = std::get_if<Predicate>(&c.node)) add_call_vars(p->fn, p->args, needed);
  if (const auto* f = std::get_if<FunctionCall>(&c.node)) add_call_vars(f->fn, f->args, needed);
  if (const auto* o = std::get_if<Or>(&c.node))
    for (const Variable& v : o->required_vars) needed.insert(v.name);
  if (const auto* n = std::get_if<Not>(&c.node)) {
    visible_vars(c, needed);
    if (!n->join)
      return invalid_error("Insufficient bindings: none of " + var_set_text(needed) +
                           " is bound in " + clause_text(c));
  }
  return invalid_error("Insufficient bindings: " + var_set_text(missing_from(needed, bound)) +
                       " not bound in " + clause_text(c));
}

Result<void> check_function(const std::string& fn, const std::vector<FnArg>& args,
                            const Clause& c, bool predicate) {
  if (function_variable(fn)) return {};  // the function is known only when the query runs
  const Builtin* b = find_builtin(fn);
  if (b == nullptr && find_custom_function(fn)) return {};  // any arity: it checks its arguments
  if (b == nullptr)
    return invalid_error(std::string(predicate ? "Unknown predicate '" : "Unknown function '") +
                         fn + " in " + clause_text(c));
  long n = static_cast<long>(args.size());
  if (b->takes_source && !args.empty() && std::holds_alternative<SrcVar>(args[0])) --n;
  if (n < b->min_args || (b->max_args >= 0 && n > b->max_args)) {
    std::string expected = std::to_string(b->min_args);
    if (b->max_args < 0) expected += " or more";
    else if (b->max_args != b->min_args) expected += " to " + std::to_string(b->max_args);
    return invalid_error("Wrong number of arguments to '" + fn + "': expected " + expected +
                         ", got " + std::to_string(n) + " in " + clause_text(c));
  }
  return {};
}

Result<void> check_clauses(const std::vector<Clause>& clauses, const VarSet& entry,
                           VarSet* bound_out = nullptr);

// The clauses of an or branch: the branch itself, or an and's clauses.
const std::vector<Clause>& branch_clauses(const Clause& branch, std::vector<Clause>& scratch) {
  if (const auto* a = std::get_if<And>(&branch.node)) return a->clauses;
  scratch = {branch};
  return scratch;
}

Result<void> check_or(const Or& o, const Clause& c, const VarSet& outside) {
  if (!o.join) {
    std::vector<VarSet> free;
    for (const Clause& branch : o.branches) {
      VarSet vars;
      visible_vars(branch, vars);
      free.push_back(missing_from(vars, outside));
    }
    if (std::any_of(free.begin(), free.end(), [&](const VarSet& s) { return s != free[0]; })) {
      std::string had = "[";
      for (std::size_t i = 0; i < free.size(); ++i) had += (i ? " " : "") + var_set_text(free[i]);
      return invalid_error("All clauses in 'or' must use same set of free vars, had " + had +
                           "] in " + clause_text(c));
    }
    for (const Clause& branch : o.branches) {
      std::vector<Clause> scratch;
      if (auto r = check_clauses(branch_clauses(branch, scratch), outside); !r) return r;
    }
    return {};
  }
  VarSet entry, must_bind;
  for (const Variable& v : o.required_vars) entry.insert(v.name);
  for (const Variable& v : o.join_vars)
    (outside.count(v.name) ? entry : must_bind).insert(v.name);
  for (const Clause& branch : o.branches) {
    std::vector<Clause> scratch;
    VarSet bound;
    if (auto r = check_clauses(branch_clauses(branch, scratch), entry, &bound); !r) return r;
    VarSet missing = missing_from(must_bind, bound);
    if (!missing.empty())
      return invalid_error("Insufficient bindings: every branch of 'or-join' must bind its free "
                           "join variables, " +
                           var_set_text(missing) + " not bound in " +
                           detail::edn_text(to_edn(branch)) + " of " + clause_text(c));
  }
  return {};
}

Result<void> check_clauses(const std::vector<Clause>& clauses, const VarSet& entry,
                           VarSet* bound_out) {
  Fixpoint fp = run_fixpoint(clauses, entry);
  if (!fp.stuck.empty()) return stuck_error(clauses[fp.stuck.front()], fp.bound);
  for (std::size_t i = 0; i < clauses.size(); ++i) {
    const Clause& c = clauses[i];
    Result<void> r{};
    if (const auto* p = std::get_if<Predicate>(&c.node)) {
      r = check_function(p->fn, p->args, c, true);
    } else if (const auto* f = std::get_if<FunctionCall>(&c.node)) {
      r = check_function(f->fn, f->args, c, false);
    } else if (const auto* n = std::get_if<Not>(&c.node)) {
      VarSet inner;
      if (n->join) {
        for (const Variable& v : n->join_vars) inner.insert(v.name);
      } else {
        inner = fp.bound;
      }
      r = check_clauses(n->clauses, inner);
    } else if (const auto* o = std::get_if<Or>(&c.node)) {
      r = check_or(*o, c, run_fixpoint(clauses, entry, i).bound);
    } else if (std::holds_alternative<And>(c.node)) {
      r = invalid_error("'and' is only allowed as a branch of 'or' or 'or-join': " +
                        clause_text(c));
    }
    if (!r) return r;
  }
  if (bound_out != nullptr) *bound_out = std::move(fp.bound);
  return {};
}

// Every source and rule call in a clause tree.
void collect_sources(const Clause& c, VarSet& sources, std::vector<const RuleCall*>& calls) {
  std::visit(
      [&](const auto& node) {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, DataPattern>) {
          sources.insert(node.source.name);
        } else if constexpr (std::is_same_v<T, Predicate> || std::is_same_v<T, FunctionCall>) {
          for (const FnArg& a : node.args)
            if (const auto* s = std::get_if<SrcVar>(&a)) sources.insert(s->name);
        } else if constexpr (std::is_same_v<T, RuleCall>) {
          if (node.source) sources.insert(node.source->name);
          calls.push_back(&node);
        } else if constexpr (std::is_same_v<T, Not>) {
          if (node.source) sources.insert(node.source->name);
          for (const Clause& inner : node.clauses) collect_sources(inner, sources, calls);
        } else if constexpr (std::is_same_v<T, Or>) {
          if (node.source) sources.insert(node.source->name);
          for (const Clause& inner : node.branches) collect_sources(inner, sources, calls);
        } else if constexpr (std::is_same_v<T, And>) {
          for (const Clause& inner : node.clauses) collect_sources(inner, sources, calls);
        }
      },
      c.node);
}

std::string names_vector(const VarSet& names) {
  return detail::var_vector_text(std::vector<std::string>(names.begin(), names.end()));
}

Result<void> check_find(const Query& q, const VarSet& bound, const VarSet& in_vars,
                        const VarSet& in_sources) {
  VarSet find_vars, unknown;
  for (const FindElement& e : q.find.elements) {
    if (const auto* v = std::get_if<FindVar>(&e)) find_vars.insert(v->var.name);
    if (const auto* a = std::get_if<FindAggregate>(&e)) {
      find_vars.insert(a->var.name);
      const std::string text = detail::edn_text(detail::find_element_edn(e));
      int min_args = 0, max_args = 0;  // a custom aggregate takes only the variable
      if (a->fn == kAggregateInput) {
        min_args = max_args = 1;  // (aggregate ?f ?x)
      } else if (const Aggregate* agg = find_aggregate(a->fn)) {
        min_args = agg->min_const_args;
        max_args = agg->max_const_args;
      } else if (!find_custom_aggregate(a->fn)) {
        return invalid_error("Unknown aggregate '" + a->fn + " in " + text);
      }
      const int n = static_cast<int>(a->const_args.size());
      if (n < min_args || n > max_args)
        return invalid_error("Wrong number of arguments to aggregate '" + a->fn + "': expected " +
                             std::to_string(min_args) +
                             (max_args != min_args ? " to " + std::to_string(max_args)
                                                   : std::string()) +
                             " argument(s) before the variable, got " + std::to_string(n) +
                             " in " + text);
      // A variable argument, (max ?n ?x), must be an :in input.
      for (const Value& arg : a->const_args)
        if (const auto* v = arg.get_if<Symbol>(); v && !in_vars.count(v->name))
          return invalid_error("The argument " + v->name + " of aggregate '" + a->fn +
                               " must be bound by :in, in " + text);
    }
    if (const auto* p = std::get_if<FindPull>(&e)) {
      find_vars.insert(p->var.name);
      if (const auto* pv = std::get_if<Variable>(&p->pattern); pv && !in_vars.count(pv->name))
        unknown.insert(pv->name);
      if (!in_sources.count(p->source.name))
        return invalid_error("Pull uses unknown source var " + p->source.name + " in " +
                             detail::edn_text(detail::find_element_edn(e)));
    }
  }
  VarSet with_vars;
  for (const Variable& v : q.with) {
    if (!with_vars.insert(v.name).second)
      return invalid_error("Vars used in :with should be distinct: " + v.name + " appears twice");
  }
  for (const auto* set : {&find_vars, &with_vars})
    for (const auto& v : *set)
      if (!bound.count(v)) unknown.insert(v);
  if (!unknown.empty()) return invalid_error("Query for unknown vars: " + names_vector(unknown));
  VarSet shared;
  std::set_intersection(find_vars.begin(), find_vars.end(), with_vars.begin(), with_vars.end(),
                        std::inserter(shared, shared.end()));
  if (!shared.empty())
    return invalid_error(":find and :with should not use same variables: " + names_vector(shared));
  if (q.return_kind != ReturnMapKind::None && q.return_names.size() != q.find.elements.size()) {
    const char* kind = q.return_kind == ReturnMapKind::Keys   ? ":keys"
                       : q.return_kind == ReturnMapKind::Strs ? ":strs"
                                                              : ":syms";
    return invalid_error(std::string("Count of ") + kind + " must match count of :find (" +
                         std::to_string(q.return_names.size()) + " vs. " +
                         std::to_string(q.find.elements.size()) + ")");
  }
  return {};
}
}  // namespace

namespace detail {
Result<void> check_rule_body(const Rule& rule) {
  VarSet head;
  for (const Variable& v : rule.required_vars) head.insert(v.name);
  for (const Variable& v : rule.free_vars) head.insert(v.name);
  return check_clauses(rule.body, head);
}
}  // namespace detail

Result<void> check_query(const Query& q) {
  VarSet in_vars, in_sources;
  bool has_rules = false;
  for (const InBinding& b : q.in) {
    bool fresh = true;
    if (const auto* s = std::get_if<SrcVar>(&b)) fresh = in_sources.insert(s->name).second;
    if (std::holds_alternative<RulesBinding>(b)) {
      fresh = !has_rules;
      has_rules = true;
    }
    if (const auto* binding = std::get_if<Binding>(&b)) {
      std::vector<std::string> names;
      detail::binding_vars(*binding, names);
      for (const auto& n : names) fresh = in_vars.insert(n).second && fresh;
    }
    if (!fresh)
      return invalid_error("Vars used in :in should be distinct: " +
                           detail::edn_text(detail::in_binding_edn(b)) + " appears twice");
  }

  VarSet where_sources;
  std::vector<const RuleCall*> calls;
  for (const Clause& c : q.where) collect_sources(c, where_sources, calls);
  VarSet unknown_sources = missing_from(where_sources, in_sources);
  if (!unknown_sources.empty())
    return invalid_error("Where uses unknown source vars: " + names_vector(unknown_sources));
  if (!calls.empty() && !has_rules)
    return invalid_error("Missing rules var '%' in :in, needed by " +
                         clause_text(Clause{*calls.front()}));

  VarSet bound;
  if (auto r = check_clauses(q.where, in_vars, &bound); !r) return r;
  return check_find(q, bound, in_vars, in_sources);
}

Result<void> check_rules(const Query& query, std::span<const Rule> rules) {
  std::map<std::string, std::size_t, std::less<>> arity;
  for (const Rule& r : rules) arity.emplace(r.name, r.required_vars.size() + r.free_vars.size());
  VarSet sources;
  std::vector<const RuleCall*> calls;
  for (const Clause& c : query.where) collect_sources(c, sources, calls);
  for (const Rule& r : rules)
    for (const Clause& c : r.body) collect_sources(c, sources, calls);
  for (const RuleCall* call : calls) {
    auto it = arity.find(call->name);
    if (it == arity.end())
      return invalid_error("Unknown rule '" + call->name + " in " + clause_text(Clause{*call}));
    if (it->second != call->args.size())
      return invalid_error("Wrong number of arguments to rule '" + call->name + "': expected " +
                           std::to_string(it->second) + ", got " +
                           std::to_string(call->args.size()) + " in " +
                           clause_text(Clause{*call}));
  }
  return {};
}

}  // namespace quarry::query
