// :where clauses: data patterns, predicates, function expressions, rule calls, not / not-join,
// or / or-join (with and-branches). Shapes follow DataScript's parser: a clause may be a vector
// or a list, and an optional leading src-var applies to patterns, rule calls, not and or.
#include <set>

#include "query/parse/parse_support.hpp"

namespace quarry::query::detail {

namespace {
constexpr std::string_view kClauseShapes =
    "Cannot parse clause, expected (data-pattern | pred-expr | fn-expr | rule-expr | not-clause "
    "| not-join-clause | or-clause | or-join-clause)";

// (quote x), as Clojure's reader writes 'x inside a quoted query: the constant x (so a symbol
// constant can be written [?e :kind (quote foo)]). nullptr for any other form.
const Value* quoted(const Value& form) {
  const auto* list = form.get_if<List>();
  if (list == nullptr || list->items.size() != 2 || !is_symbol(list->items[0], "quote"))
    return nullptr;
  return &list->items[1];
}

// A position of a data pattern or rule call. A symbol that is neither a ?variable nor _ is a
// constant there, as in DataScript ([?e :kind foo] matches the symbol foo), and so is (quote x).
Result<Term> parse_term(const Value& form, const Value& clause, std::string_view what) {
  if (is_blank(form)) return Term{Blank{}};
  if (is_variable(form)) return Term{Variable{form.as<Symbol>().name}};
  if (const Value* constant = quoted(form)) return Term{*constant};
  if (is_src_var(form) || is_rules_var(form)) {
    std::string msg = "Cannot parse ";
    msg += what;
    msg += ": " + edn_text(form) + " is neither a ?variable, _ nor a constant";
    return syntax_error(msg, clause);
  }
  return Term{form};
}

Result<std::vector<Term>> parse_terms(std::span<const Value> forms, const Value& clause,
                                      std::string_view what) {
  std::vector<Term> out;
  out.reserve(forms.size());
  for (const Value& f : forms) {
    auto t = parse_term(f, clause, what);
    if (!t) return std::unexpected(t.error());
    out.push_back(std::move(*t));
  }
  return out;
}

// (fn arg...) of a predicate or function expression.
Result<std::pair<std::string, std::vector<FnArg>>> parse_call(const Value& call,
                                                              const Value& clause) {
  const auto& items = call.as<List>().items;
  if (items.empty()) return syntax_error("Cannot parse function call: it is empty", clause);
  // A variable names the function bound to it (an input naming a built-in): ast.hpp.
  if (!is_plain_symbol(items[0]) && !is_variable(items[0]))
    return syntax_error(
        "Cannot parse function call: the function must be a symbol or a ?variable", clause);
  std::vector<FnArg> args;
  args.reserve(items.size() - 1);
  for (std::size_t i = 1; i < items.size(); ++i) {
    const Value& a = items[i];
    if (is_variable(a)) {
      args.emplace_back(Variable{a.as<Symbol>().name});
    } else if (is_src_var(a)) {
      args.emplace_back(SrcVar{a.as<Symbol>().name});
    } else if (const Value* constant = quoted(a)) {
      args.emplace_back(*constant);
    } else if (a.is<Symbol>()) {
      return syntax_error("Cannot parse function arguments: " + edn_text(a) +
                              " is not a ?variable, a src-var or a constant (a symbol constant is "
                              "written (quote " + edn_text(a) + "))",
                          clause);
    } else {
      args.emplace_back(a);
    }
  }
  return std::pair{*symbol_text(items[0]), std::move(args)};
}

Result<Clause> parse_branch(const Value& form) {
  const auto* items = sequence_items(form);
  if (items != nullptr && !items->empty() && is_symbol((*items)[0], "and")) {
    if (items->size() < 2)
      return syntax_error("Cannot parse 'and' clause, expected (and clause+)", form);
    auto clauses = parse_clauses(std::span(*items).subspan(1));
    if (!clauses) return std::unexpected(clauses.error());
    return Clause{And{std::move(*clauses)}};
  }
  return parse_clause(form);
}

Result<std::vector<Clause>> parse_branches(std::span<const Value> forms) {
  std::vector<Clause> out;
  out.reserve(forms.size());
  for (const Value& f : forms) {
    auto c = parse_branch(f);
    if (!c) return std::unexpected(c.error());
    out.push_back(std::move(*c));
  }
  return out;
}

Result<Clause> parse_not(std::optional<SrcVar> source, std::span<const Value> rest,
                         const Value& form) {
  Not n;
  n.source = std::move(source);
  n.join = is_symbol(rest[0], "not-join");
  std::size_t first_clause = 1;
  if (n.join) {
    const auto* vars = rest.size() > 1 ? sequence_items(rest[1]) : nullptr;
    if (vars == nullptr)
      return syntax_error(
          "Cannot parse 'not-join' clause, expected (src-var? not-join [?variable+] clause+)",
          form);
    if (vars->empty()) return syntax_error("Join variables should not be empty", form);
    for (const Value& v : *vars) {
      auto var = parse_variable(v, "not-join variables");
      if (!var) return std::unexpected(var.error());
      n.join_vars.push_back(std::move(*var));
    }
    first_clause = 2;
  }
  if (rest.size() <= first_clause)
    return syntax_error(n.join ? "Cannot parse 'not-join' clause, expected (src-var? not-join "
                                 "[?variable+] clause+)"
                               : "Cannot parse 'not' clause, expected (src-var? not clause+)",
                        form);
  auto clauses = parse_clauses(rest.subspan(first_clause));
  if (!clauses) return std::unexpected(clauses.error());
  n.clauses = std::move(*clauses);
  return Clause{std::move(n)};
}

Result<Clause> parse_or(std::optional<SrcVar> source, std::span<const Value> rest,
                        const Value& form) {
  Or o;
  o.source = std::move(source);
  o.join = is_symbol(rest[0], "or-join");
  std::size_t first_branch = 1;
  if (o.join) {
    const auto* vars = rest.size() > 1 ? sequence_items(rest[1]) : nullptr;
    if (vars == nullptr)
      return syntax_error(
          "Cannot parse 'or-join' clause, expected (src-var? or-join [?variable+] clause+)", form);
    auto rv = parse_rule_vars(form, *vars, "or-join variables");
    if (!rv) return std::unexpected(rv.error());
    o.required_vars = std::move(rv->required);
    o.join_vars = std::move(rv->free);
    first_branch = 2;
  }
  if (rest.size() <= first_branch)
    return syntax_error(o.join ? "Cannot parse 'or-join' clause, expected (src-var? or-join "
                                 "[?variable+] clause+)"
                               : "Cannot parse 'or' clause, expected (src-var? or clause+)",
                        form);
  auto branches = parse_branches(rest.subspan(first_branch));
  if (!branches) return std::unexpected(branches.error());
  o.branches = std::move(*branches);
  return Clause{std::move(o)};
}
}  // namespace

Result<RuleVars> parse_rule_vars(const Value& form, std::span<const Value> vars,
                                 std::string_view what) {
  std::string shape = "Cannot parse ";
  shape += what;
  shape += ", expected [?variable+] or [[?required+] ?variable*]";
  RuleVars out;
  std::span<const Value> free = vars;
  if (!vars.empty()) {
    if (const auto* required = sequence_items(vars[0])) {
      if (required->empty()) return syntax_error(shape, form);
      for (const Value& v : *required) {
        if (!is_variable(v)) return syntax_error(shape, form);
        out.required.push_back(Variable{v.as<Symbol>().name});
      }
      free = vars.subspan(1);
    }
  }
  for (const Value& v : free) {
    if (!is_variable(v)) return syntax_error(shape, form);
    out.free.push_back(Variable{v.as<Symbol>().name});
  }
  if (out.required.empty() && out.free.empty()) return syntax_error(shape, form);
  std::set<std::string> seen;
  for (const auto* list : {&out.required, &out.free})
    for (const Variable& v : *list)
      if (!seen.insert(v.name).second)
        return syntax_error("Rule variables should be distinct", form);
  return out;
}

Result<Clause> parse_clause(const Value& form) {
  const auto* items = sequence_items(form);
  if (items == nullptr) return syntax_error(kClauseShapes, form);
  std::optional<SrcVar> source;
  std::span<const Value> rest(*items);
  if (!rest.empty() && is_src_var(rest[0])) {
    source = SrcVar{rest[0].as<Symbol>().name};
    rest = rest.subspan(1);
  }
  if (rest.empty()) return syntax_error("Pattern could not be empty", form);
  const Value& head = rest[0];
  if (is_symbol(head, "not") || is_symbol(head, "not-join"))
    return parse_not(std::move(source), rest, form);
  if (is_symbol(head, "or") || is_symbol(head, "or-join"))
    return parse_or(std::move(source), rest, form);
  if (is_symbol(head, "and"))
    return syntax_error("'and' is only allowed as a branch of 'or' or 'or-join'", form);

  if (!source && head.is<List>() && (items->size() == 1 || items->size() == 2)) {
    auto call = parse_call(head, form);
    if (!call) return std::unexpected(call.error());
    if (items->size() == 1) return Clause{Predicate{std::move(call->first), std::move(call->second)}};
    auto binding = parse_binding((*items)[1]);
    if (!binding) return std::unexpected(in_context(binding.error(), form));
    return Clause{
        FunctionCall{std::move(call->first), std::move(call->second), std::move(*binding)}};
  }

  if (is_plain_symbol(head)) {
    if (rest.size() < 2) return syntax_error("rule-expr requires at least one argument", form);
    auto args = parse_terms(rest.subspan(1), form, "rule-expr arguments");
    if (!args) return std::unexpected(args.error());
    return Clause{RuleCall{std::move(source), *symbol_text(head), std::move(*args)}};
  }

  if (rest.size() > 5)
    return syntax_error("Cannot parse data pattern: at most 5 positions [e a v tx added]", form);
  auto terms = parse_terms(rest, form, "data pattern");
  if (!terms) return std::unexpected(terms.error());
  DataPattern p;
  if (source) p.source = std::move(*source);
  p.terms = std::move(*terms);
  return Clause{std::move(p)};
}

Result<std::vector<Clause>> parse_clauses(std::span<const Value> forms) {
  std::vector<Clause> out;
  out.reserve(forms.size());
  for (const Value& f : forms) {
    auto c = parse_clause(f);
    if (!c) return std::unexpected(c.error());
    out.push_back(std::move(*c));
  }
  return out;
}

}  // namespace quarry::query::detail
