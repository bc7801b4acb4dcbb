// The query AST: what query/parse/parser.hpp makes of a Datalog query written as EDN, and what the
// planner and executor consume. It depends on nothing but codec/ (a parser that needs a database
// is the thing not to build): attributes, idents and lookup refs stay as written (constants) and
// are resolved against a database only when the query runs.
//
// Names keep their sigils: a Variable's name is "?x", a source is "$" or "$hist", a rules input
// is "%". Constants are EDN Values exactly as written (a long in entity position stays a long).
//
// Example — the query
//   [:find ?n (count ?f) :in $ ?min :where [?e :name ?n] [?e :friend ?f] [(> ?f ?min)]]
// parses to Query{find = {Relation, [FindVar ?n, FindAggregate count [?f]]},
//                 in = [SourceBinding $, ScalarBinding ?min],
//                 where = [DataPattern $ [?e :name ?n], DataPattern $ [?e :friend ?f],
//                          Predicate > [?f ?min]]}.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "codec/value.hpp"

namespace quarry::query {

struct Variable {
  std::string name;  // with its '?', e.g. "?e"
  friend auto operator<=>(const Variable&, const Variable&) = default;
};

// `_`: matches anything, binds nothing.
struct Blank {
  friend auto operator<=>(const Blank&, const Blank&) = default;
};

// A source variable: "$" (the default database) or "$name".
struct SrcVar {
  std::string name;
  friend auto operator<=>(const SrcVar&, const SrcVar&) = default;
};

// A position in a data pattern or a rule call: a variable, `_`, or a constant.
using Term = std::variant<Variable, Blank, Value>;

// An argument of a predicate or function expression: a variable, a constant, or a source
// (e.g. the $ in [(get-else $ ?e :age 0) ?age]).
using FnArg = std::variant<Variable, Value, SrcVar>;

// ---- binding forms (:in and function results) ----
struct Binding;
struct BindScalar {
  std::variant<Variable, Blank> var;  // ?x or _
};
struct BindTuple {
  std::vector<Binding> elements;  // [?a ?b]
};
struct BindCollection {
  std::shared_ptr<const Binding> element;  // [?x ...]; never null
};
struct BindRelation {
  std::vector<Binding> columns;  // [[?a ?b]]
};
struct Binding {
  std::variant<BindScalar, BindTuple, BindCollection, BindRelation> form;
};

// ---- where clauses ----
struct Clause;

// [$? e a v tx added] with 1 to 5 terms (fewer terms are trailing blanks).
struct DataPattern {
  SrcVar source{"$"};
  std::vector<Term> terms;
};

// [(pred arg...)]: keeps the rows for which the function returns neither nil nor false.
// The function is a symbol naming a built-in, or a variable ([(?f ?x)]): the function the
// variable is bound to (an input symbol naming a built-in), see function_variable().
struct Predicate {
  std::string fn;  // the symbol as written, e.g. ">", "re-find", or "?f"
  std::vector<FnArg> args;
};

// [(fn arg...) binding]; fn as in Predicate.
struct FunctionCall {
  std::string fn;
  std::vector<FnArg> args;
  Binding binding;
};

// ($? rule-name arg...)
struct RuleCall {
  std::optional<SrcVar> source;  // nullopt when written without one
  std::string name;
  std::vector<Term> args;
};

// (not clause...) / (not-join [?v...] clause...)
struct Not {
  std::optional<SrcVar> source;
  bool join = false;              // not-join
  std::vector<Variable> join_vars;  // only for not-join
  std::vector<Clause> clauses;
};

// (or branch...) / (or-join [[?req...] ?v...] branch...). Each branch is one clause; a branch
// written (and c1 c2) is an And clause.
struct Or {
  std::optional<SrcVar> source;
  bool join = false;                    // or-join
  std::vector<Variable> required_vars;  // or-join's [[?req ...] ...] part (must be bound)
  std::vector<Variable> join_vars;      // or-join's other variables
  std::vector<Clause> branches;
};

// (and clause...), only inside or / or-join.
struct And {
  std::vector<Clause> clauses;
};

struct Clause {
  std::variant<DataPattern, Predicate, FunctionCall, RuleCall, Not, Or, And> node;
};

// True when a predicate's or function expression's `fn` is a variable ("?f") rather than the name
// of a built-in: the function is then the value bound to that variable, read when the clause runs.
[[nodiscard]] inline bool function_variable(std::string_view fn) noexcept {
  return !fn.empty() && fn.front() == '?';
}

// ---- rules ----
// One rule branch: [(name ?a [?b] ...) clause...]. Several branches with one name form one rule
// (their union). required_vars are the bracketed ones, which callers must bind.
struct Rule {
  std::string name;
  std::vector<Variable> required_vars;
  std::vector<Variable> free_vars;
  std::vector<Clause> body;
};

// ---- :find ----
struct FindVar {
  Variable var;
};
// (count ?x), (max 3 ?x), (max ?n ?x), (count-distinct ?x): leading arguments, then the
// aggregated variable. A leading argument is a constant, or a variable bound by :in to one value,
// kept here as its symbol (?n) and replaced by that value when the query runs (constants are never
// symbols: the parser refuses them).
struct FindAggregate {
  std::string fn;
  std::vector<Value> const_args;
  Variable var;
};
// (pull ?e pattern) or (pull $src ?e pattern); pattern is a constant or an :in variable.
struct FindPull {
  SrcVar source{"$"};
  Variable var;
  std::variant<Value, Variable> pattern;
};
using FindElement = std::variant<FindVar, FindAggregate, FindPull>;

enum class FindShape : std::uint8_t {
  Relation,    // :find ?a ?b       -> a set of tuples
  Collection,  // :find [?a ...]    -> a vector of values
  Scalar,      // :find ?a .        -> one value (nil when there is none)
  Tuple,       // :find [?a ?b]     -> one tuple (nil when there is none)
};

struct FindSpec {
  FindShape shape = FindShape::Relation;
  std::vector<FindElement> elements;
};

// :keys / :strs / :syms: return maps keyed by these names instead of tuples.
enum class ReturnMapKind : std::uint8_t { None, Keys, Strs, Syms };

// ---- :in ----
struct RulesBinding {};  // %
using InBinding = std::variant<SrcVar, RulesBinding, Binding>;

struct PatternPositions;  // query/parse/clause_vars.hpp

struct Query {
  FindSpec find;
  ReturnMapKind return_kind = ReturnMapKind::None;
  std::vector<std::string> return_names;  // as written, without sigils: "name" for :keys [name]
  std::vector<Variable> with;
  std::vector<InBinding> in;  // the parser fills in [$] when :in is absent
  std::vector<Clause> where;
  // :limit / :offset (Datomic's client API): how many result rows to skip and at most how many to
  // return, counted in the result's sorted order (find.cpp). Non-negative; absent: no limit, 0.
  std::optional<std::int64_t> limit;
  std::optional<std::int64_t> offset;
  // pattern_positions(where), computed once by parse_query (binding inputs reads it on every run);
  // null for a Query built some other way, whose users compute it themselves.
  std::shared_ptr<const PatternPositions> where_positions;
  // to_edn of each where clause (query/parse/parser.hpp), printed once by parse_query for explain;
  // empty for a Query built some other way.
  std::vector<Value> where_forms;
  // Computed once by parse_query (empty for a Query built some other way, whose users compute
  // them, exec/find.hpp): the variables the :find elements and :with read, in that order, each
  // once; and one column name per :find element, as written ("?name", "(count ?e)").
  std::vector<std::string> kept_vars;
  std::vector<std::string> columns;
};

}  // namespace quarry::query
