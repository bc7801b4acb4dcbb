#include "query/parse/clause_vars.hpp"

#include <algorithm>

namespace quarry::query {

void add_unique(std::vector<std::string>& out, const std::string& name) {
  if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
}

namespace {

void collect_term(const Term& t, std::vector<std::string>& out) {
  if (const Variable* v = std::get_if<Variable>(&t)) add_unique(out, v->name);
}

}  // namespace

void collect_binding_vars(const Binding& binding, std::vector<std::string>& out) {
  std::visit(
      [&](const auto& form) {
        using T = std::decay_t<decltype(form)>;
        if constexpr (std::is_same_v<T, BindScalar>) {
          if (const Variable* v = std::get_if<Variable>(&form.var)) add_unique(out, v->name);
        } else if constexpr (std::is_same_v<T, BindTuple>) {
          for (const Binding& b : form.elements) collect_binding_vars(b, out);
        } else if constexpr (std::is_same_v<T, BindCollection>) {
          collect_binding_vars(*form.element, out);
        } else {
          for (const Binding& b : form.columns) collect_binding_vars(b, out);
        }
      },
      binding.form);
}

std::vector<std::string> call_inputs(const std::string& fn, const std::vector<FnArg>& args) {
  std::vector<std::string> out;
  if (function_variable(fn)) out.push_back(fn);
  for (const FnArg& a : args)
    if (const Variable* v = std::get_if<Variable>(&a)) add_unique(out, v->name);
  return out;
}

std::vector<std::string> binding_vars(const Binding& binding) {
  std::vector<std::string> out;
  collect_binding_vars(binding, out);
  return out;
}

void collect_vars(const Clause& clause, std::vector<std::string>& out) {
  std::visit(
      [&](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, DataPattern>) {
          for (const Term& t : c.terms) collect_term(t, out);
        } else if constexpr (std::is_same_v<T, Predicate>) {
          for (const std::string& v : call_inputs(c.fn, c.args)) add_unique(out, v);
        } else if constexpr (std::is_same_v<T, FunctionCall>) {
          for (const std::string& v : call_inputs(c.fn, c.args)) add_unique(out, v);
          collect_binding_vars(c.binding, out);
        } else if constexpr (std::is_same_v<T, RuleCall>) {
          for (const Term& t : c.args) collect_term(t, out);
        } else if constexpr (std::is_same_v<T, Not>) {
          for (const Variable& v : c.join_vars) add_unique(out, v.name);
          for (const Clause& inner : c.clauses) collect_vars(inner, out);
        } else if constexpr (std::is_same_v<T, Or>) {
          for (const Variable& v : c.required_vars) add_unique(out, v.name);
          for (const Variable& v : c.join_vars) add_unique(out, v.name);
          for (const Clause& inner : c.branches) collect_vars(inner, out);
        } else {
          for (const Clause& inner : c.clauses) collect_vars(inner, out);
        }
      },
      clause.node);
}

std::vector<std::string> clause_vars(const Clause& clause) {
  std::vector<std::string> out;
  collect_vars(clause, out);
  return out;
}

namespace {

void collect_positions(const Clause& clause, const std::string& source, PatternPositions& out) {
  std::visit(
      [&](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, DataPattern>) {
          const std::string src = c.source.name == "$" ? source : c.source.name;
          auto var_at = [&](std::size_t i) -> const Variable* {
            return i < c.terms.size() ? std::get_if<Variable>(&c.terms[i]) : nullptr;
          };
          if (const Variable* e = var_at(0)) out.entity.emplace_back(e->name, src);
          if (const Variable* a = var_at(1)) add_unique(out.attribute, a->name);
          const Value* attr = c.terms.size() > 1 ? std::get_if<Value>(&c.terms[1]) : nullptr;
          if (const Variable* v = var_at(2); v && attr) out.value.push_back({v->name, src, *attr});
        } else if constexpr (std::is_same_v<T, Not>) {
          const std::string src = c.source ? c.source->name : source;
          for (const Clause& inner : c.clauses) collect_positions(inner, src, out);
        } else if constexpr (std::is_same_v<T, Or>) {
          const std::string src = c.source ? c.source->name : source;
          for (const Clause& inner : c.branches) collect_positions(inner, src, out);
        } else if constexpr (std::is_same_v<T, And>) {
          for (const Clause& inner : c.clauses) collect_positions(inner, source, out);
        }
      },
      clause.node);
}

}  // namespace

PatternPositions pattern_positions(std::span<const Clause> clauses) {
  PatternPositions out;
  for (const Clause& c : clauses) collect_positions(c, "$", out);
  return out;
}

std::vector<std::string> or_vars(const Or& clause) {
  std::vector<std::string> out;
  if (clause.join) {
    for (const Variable& v : clause.required_vars) add_unique(out, v.name);
    for (const Variable& v : clause.join_vars) add_unique(out, v.name);
    return out;
  }
  for (const Clause& branch : clause.branches) collect_vars(branch, out);
  return out;
}

std::vector<std::string> output_vars(const Clause& clause) {
  std::vector<std::string> out;
  std::visit(
      [&](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, DataPattern>) {
          for (const Term& t : c.terms) collect_term(t, out);
        } else if constexpr (std::is_same_v<T, FunctionCall>) {
          collect_binding_vars(c.binding, out);
        } else if constexpr (std::is_same_v<T, RuleCall>) {
          for (const Term& t : c.args) collect_term(t, out);
        } else if constexpr (std::is_same_v<T, Or>) {
          out = or_vars(c);
        } else if constexpr (std::is_same_v<T, And>) {
          for (const Clause& inner : c.clauses) {
            for (const std::string& v : output_vars(inner)) add_unique(out, v);
          }
        }
      },
      clause.node);
  return out;
}

}  // namespace quarry::query
