// A trivially correct query evaluator for differential tests: a small query AST that prints as
// EDN Datalog, evaluated by nested loops over a list of datoms, clause by clause in written order.
// It knows data patterns (3 to 5 positions), comparison predicates, not, or, or-join (its join
// variables bound before it or bound by its branches: a non-recursive rule call is the or-join of
// its bodies), and :find of variables or of count / count-distinct / min / max / sum aggregates,
// with DataScript 1.8's semantics: set semantics throughout; aggregates see the distinct tuples of
// the :find variables; no matches with aggregates gives the empty set.
//
// Values follow Quarry's query conventions: entity ids, tx ids and refs are longs, attributes are
// keywords. REQUIRES of generated queries (the evaluator does not check): every variable a
// predicate uses is bound by an earlier clause; `not` bodies share a bound variable with the
// clauses before them; every branch of an `or` binds the same variables; every branch of an or-join
// binds those of its join variables not bound before it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "codec/edn_printer.hpp"
#include "codec/value.hpp"

namespace quarry::testing::model {

// [e a v tx added] with a as its ident keyword and refs as longs.
struct Fact {
  Value e, a, v, tx;
  bool added = true;
  friend auto operator<=>(const Fact&, const Fact&) = default;
};

// A pattern or predicate position: a variable "?x", `_`, or a constant.
struct Term {
  enum Kind { Var, Blank, Const } kind = Blank;
  std::string var{};
  Value constant{};
  static Term variable(std::string name) { return {Var, std::move(name), {}}; }
  static Term blank() { return {}; }
  static Term value(Value v) { return {Const, {}, std::move(v)}; }
  [[nodiscard]] std::string edn() const { return kind == Var ? var : kind == Blank ? "_" : to_edn(constant); }
};

struct Clause {
  enum Kind { Pattern, Predicate, Not, Or, OrJoin, And } kind = Pattern;
  std::vector<Term> terms{};          // Pattern: 3-5 terms; Predicate: its two arguments
  std::string op{};                   // Predicate: < > <= >= = not=
  std::vector<Clause> body{};         // Not, And: clauses; Or, OrJoin: branches (one clause each)
  std::vector<std::string> join_vars{};  // OrJoin

  [[nodiscard]] std::string edn() const {
    std::string s;
    auto list = [&](const char* head) {
      s = std::string("(") + head;
      if (kind == OrJoin) {
        s += " [";
        for (std::size_t i = 0; i < join_vars.size(); ++i) s += (i ? " " : "") + join_vars[i];
        s += "]";
      }
      for (const Clause& c : body) s += " " + c.edn();
      s += ")";
    };
    switch (kind) {
      case Pattern:
        s = "[";
        for (std::size_t i = 0; i < terms.size(); ++i) s += (i ? " " : "") + terms[i].edn();
        return s + "]";
      case Predicate: return "[(" + op + " " + terms[0].edn() + " " + terms[1].edn() + ")]";
      case Not: list("not"); return s;
      case Or: list("or"); return s;
      case OrJoin: list("or-join"); return s;
      case And: list("and"); return s;
    }
    return s;
  }
};

// A :find element: a variable, or (aggregate ?var).
struct FindElem {
  std::string aggregate{};  // empty for a plain variable
  std::string var{};
  [[nodiscard]] std::string edn() const { return aggregate.empty() ? var : "(" + aggregate + " " + var + ")"; }
};

struct Query {
  std::vector<FindElem> find{};
  std::vector<Clause> where{};
  // Optional `:in $ [in_var ...]`, bound to in_values: lookup refs [:attr value] naming entities,
  // or entity ids (longs), bound as they are.
  std::string in_var{};
  std::vector<Value> in_values{};
  [[nodiscard]] std::string edn() const {
    std::string s = "[:find";
    for (const auto& f : find) s += " " + f.edn();
    if (!in_var.empty()) s += " :in $ [" + in_var + " ...]";
    s += " :where";
    for (const auto& c : where) s += " " + c.edn();
    return s + "]";
  }
};

using Env = std::map<std::string, Value>;

class Evaluator {
 public:
  // `facts`: the database as the query sees it (current datoms with added = true, or for a
  // history database every assertion and retraction).
  explicit Evaluator(const std::vector<Fact>& facts) : facts_(facts) {}

  [[nodiscard]] std::set<Env> run(const std::vector<Clause>& clauses, std::set<Env> envs) const {
    for (const Clause& c : clauses) envs = step(c, envs);
    return envs;
  }

  // The query's result as Quarry returns a relation: a set of vectors.
  // Lookup-ref inputs are resolved to the entities holding the value (a ref naming none is left
  // out) and given back as written in the result, as DataScript does.
  [[nodiscard]] Value result(const Query& q) const {
    std::set<Env> start;
    std::map<Value, Value> given;  // entity id -> the lookup ref as written
    if (q.in_var.empty()) start.insert(Env{});
    for (const Value& ref : q.in_values) {
      if (!ref.get_if<Vector>()) {
        start.insert(Env{{q.in_var, ref}});
        given[ref] = ref;
        continue;
      }
      const auto& items = ref.as<Vector>().items;
      for (const Fact& f : facts_)
        if (f.added && f.a == items[0] && f.v == items[1]) {
          start.insert(Env{{q.in_var, f.e}});
          given[f.e] = ref;
        }
    }
    std::set<Env> envs = run(q.where, std::move(start));
    if (!q.in_var.empty()) {
      std::set<Env> shown;
      for (Env env : envs) {
        env[q.in_var] = given.at(env.at(q.in_var));
        shown.insert(std::move(env));
      }
      envs = std::move(shown);
    }
    bool has_aggregate = false;
    for (const auto& f : q.find) has_aggregate = has_aggregate || !f.aggregate.empty();
    std::vector<Value> rows;
    if (!has_aggregate) {
      std::set<std::vector<Value>> distinct;
      for (const Env& env : envs) {
        std::vector<Value> row;
        for (const auto& f : q.find) row.push_back(env.at(f.var));
        distinct.insert(row);
      }
      for (auto& row : distinct) rows.emplace_back(Vector{row});
    } else {
      // Distinct tuples of every :find variable, grouped by the plain ones.
      std::set<std::vector<Value>> tuples;
      for (const Env& env : envs) {
        std::vector<Value> t;
        for (const auto& f : q.find) t.push_back(env.at(f.var));
        tuples.insert(t);
      }
      std::map<std::vector<Value>, std::vector<std::vector<Value>>> groups;
      for (const auto& t : tuples) {
        std::vector<Value> key;
        for (std::size_t i = 0; i < q.find.size(); ++i)
          if (q.find[i].aggregate.empty()) key.push_back(t[i]);
        groups[key].push_back(t);
      }
      for (const auto& [key, members] : groups) {
        std::vector<Value> row;
        std::size_t k = 0;
        for (std::size_t i = 0; i < q.find.size(); ++i) {
          if (q.find[i].aggregate.empty()) {
            row.push_back(key[k++]);
            continue;
          }
          std::vector<Value> bag;
          for (const auto& t : members) bag.push_back(t[i]);
          row.push_back(aggregate(q.find[i].aggregate, bag));
        }
        rows.emplace_back(Vector{row});
      }
    }
    Set out;
    (void)make_set(std::move(rows), out);
    return Value(std::move(out));
  }

 private:
  static Value aggregate(const std::string& name, const std::vector<Value>& bag) {
    if (name == "count") return Value(static_cast<std::int64_t>(bag.size()));
    if (name == "count-distinct") return Value(static_cast<std::int64_t>(std::set<Value>(bag.begin(), bag.end()).size()));
    if (name == "sum") {
      std::int64_t sum = 0;
      for (const Value& v : bag) sum += v.as<std::int64_t>();
      return Value(sum);
    }
    Value best = bag.front();
    for (const Value& v : bag)
      if (name == "min" ? compare(v, best) < 0 : compare(v, best) > 0) best = v;
    return best;
  }

  // Binds `t` to `x` in `env`: false when it conflicts with a constant or an earlier binding.
  static bool unify(const Term& t, const Value& x, Env& env) {
    switch (t.kind) {
      case Term::Blank: return true;
      case Term::Const: return t.constant == x;
      case Term::Var: {
        auto [it, inserted] = env.emplace(t.var, x);
        return inserted || it->second == x;
      }
    }
    return false;
  }

  static const Value& resolve(const Term& t, const Env& env) {
    return t.kind == Term::Var ? env.at(t.var) : t.constant;
  }

  // Comparisons as the built-ins make them: numbers by numeric value (1 = 1.0, -0.0 = 0.0), other
  // values in Quarry's order.
  static int query_order(const Value& a, const Value& b) {
    auto number = [](const Value& v, double& out) {
      if (const auto* n = v.get_if<std::int64_t>()) out = static_cast<double>(*n);
      else if (const auto* d = v.get_if<double>()) out = *d;
      else return false;
      return true;
    };
    double x = 0, y = 0;
    if (number(a, x) && number(b, y)) return x < y ? -1 : (y < x ? 1 : 0);
    return compare(a, b);
  }

  static bool holds(const std::string& op, const Value& a, const Value& b) {
    const int c = query_order(a, b);
    if (op == "<") return c < 0;
    if (op == ">") return c > 0;
    if (op == "<=") return c <= 0;
    if (op == ">=") return c >= 0;
    if (op == "=") return c == 0;
    return c != 0;  // not=
  }

  std::set<Env> step(const Clause& c, const std::set<Env>& envs) const {
    std::set<Env> out;
    switch (c.kind) {
      case Clause::Pattern:
        for (const Env& env : envs) {
          for (const Fact& f : facts_) {
            const Value* parts[5] = {&f.e, &f.a, &f.v, &f.tx, nullptr};
            const Value added(f.added);
            parts[4] = &added;
            Env next = env;
            bool ok = true;
            for (std::size_t i = 0; ok && i < c.terms.size(); ++i) ok = unify(c.terms[i], *parts[i], next);
            if (ok) out.insert(std::move(next));
          }
        }
        return out;
      case Clause::Predicate:
        for (const Env& env : envs)
          if (holds(c.op, resolve(c.terms[0], env), resolve(c.terms[1], env))) out.insert(env);
        return out;
      case Clause::Not:
        for (const Env& env : envs)
          if (run(c.body, {env}).empty()) out.insert(env);
        return out;
      case Clause::And: return run(c.body, envs);
      case Clause::Or:
        for (const Env& env : envs)
          for (const Clause& branch : c.body)
            for (Env e : run({branch}, {env})) out.insert(std::move(e));
        return out;
      case Clause::OrJoin:
        // Join variables all bound: or-join keeps the rows for which some branch matches. Those
        // not bound yet (a rule call's free arguments) take the values of each branch's matches.
        // The branches' other variables stay inside.
        for (const Env& env : envs) {
          Env inner;
          bool all_bound = true;
          for (const auto& v : c.join_vars) {
            if (auto it = env.find(v); it != env.end()) inner.emplace(v, it->second);
            else all_bound = false;
          }
          if (all_bound) {
            bool any = false;
            for (const Clause& branch : c.body) any = any || !run({branch}, {inner}).empty();
            if (any) out.insert(env);
            continue;
          }
          for (const Clause& branch : c.body)
            for (const Env& match : run({branch}, {inner})) {
              Env next = env;
              for (const auto& v : c.join_vars) next.emplace(v, match.at(v));  // every branch binds them
              out.insert(std::move(next));
            }
        }
        return out;
    }
    return out;
  }

  const std::vector<Fact>& facts_;
};

}  // namespace quarry::testing::model
