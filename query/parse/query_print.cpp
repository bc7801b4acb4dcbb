// AST -> EDN: the inverse of the parser, used by to_edn and to quote clauses in error messages.
// Patterns, predicates and function expressions print as vectors; rule calls, not, or and and
// as lists; the query in its vector form with :in written out.
#include "query/parse/parse_support.hpp"
#include "query/parse/parser.hpp"

namespace quarry::query {

namespace detail {

namespace {
Value sym(std::string_view qualified) { return Value::symbol(qualified); }
Value plain_sym(const std::string& name) { return Value(Symbol{"", name}); }

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};

Value list(std::vector<Value> items) { return Value(List{std::move(items)}); }
Value vec(std::vector<Value> items) { return Value(Vector{std::move(items)}); }

Value call_edn(const std::string& fn, const std::vector<FnArg>& args) {
  std::vector<Value> items{sym(fn)};
  for (const FnArg& a : args) items.push_back(fn_arg_edn(a));
  return list(std::move(items));
}

std::vector<Value> vars_edn(const std::vector<Variable>& vars) {
  std::vector<Value> out;
  for (const Variable& v : vars) out.push_back(variable_edn(v));
  return out;
}
}  // namespace

Value variable_edn(const Variable& var) { return plain_sym(var.name); }

// A constant as written in a query: a symbol constant as (quote sym), which parses back to the
// symbol wherever a constant may stand (a bare symbol would be a variable, _ or an error there).
Value constant_edn(const Value& v) {
  if (v.is<Symbol>()) return list({plain_sym("quote"), v});
  return v;
}

Value term_edn(const Term& term) {
  return std::visit(overloaded{[](const Variable& v) { return variable_edn(v); },
                               [](const Blank&) { return plain_sym("_"); },
                               [](const Value& v) { return constant_edn(v); }},
                    term);
}

Value fn_arg_edn(const FnArg& arg) {
  return std::visit(overloaded{[](const Variable& v) { return variable_edn(v); },
                               [](const SrcVar& s) { return plain_sym(s.name); },
                               [](const Value& v) { return constant_edn(v); }},
                    arg);
}

Value binding_edn(const Binding& binding) {
  return std::visit(
      overloaded{
          [](const BindScalar& s) {
            return std::visit(overloaded{[](const Variable& v) { return variable_edn(v); },
                                         [](const Blank&) { return plain_sym("_"); }},
                              s.var);
          },
          [](const BindTuple& t) {
            std::vector<Value> items;
            for (const Binding& b : t.elements) items.push_back(binding_edn(b));
            return vec(std::move(items));
          },
          [](const BindCollection& c) {
            return vec({binding_edn(*c.element), plain_sym("...")});
          },
          [](const BindRelation& r) {
            std::vector<Value> items;
            for (const Binding& b : r.columns) items.push_back(binding_edn(b));
            return vec({vec(std::move(items))});
          }},
      binding.form);
}

Value in_binding_edn(const InBinding& binding) {
  return std::visit(overloaded{[](const SrcVar& s) { return plain_sym(s.name); },
                               [](const RulesBinding&) { return plain_sym("%"); },
                               [](const Binding& b) { return binding_edn(b); }},
                    binding);
}

Value find_element_edn(const FindElement& element) {
  return std::visit(
      overloaded{[](const FindVar& v) { return variable_edn(v.var); },
                 [](const FindAggregate& a) {
                   std::vector<Value> items{sym(a.fn)};
                   for (const Value& c : a.const_args) items.push_back(c);
                   items.push_back(variable_edn(a.var));
                   return list(std::move(items));
                 },
                 [](const FindPull& p) {
                   std::vector<Value> items{plain_sym("pull")};
                   if (p.source.name != "$") items.push_back(plain_sym(p.source.name));
                   items.push_back(variable_edn(p.var));
                   items.push_back(std::visit(
                       overloaded{[](const Value& v) { return v; },
                                  [](const Variable& v) { return variable_edn(v); }},
                       p.pattern));
                   return list(std::move(items));
                 }},
      element);
}

void binding_vars(const Binding& binding, std::vector<std::string>& out) {
  std::visit(overloaded{[&](const BindScalar& s) {
                          if (const auto* v = std::get_if<Variable>(&s.var)) out.push_back(v->name);
                        },
                        [&](const BindTuple& t) {
                          for (const Binding& b : t.elements) binding_vars(b, out);
                        },
                        [&](const BindCollection& c) { binding_vars(*c.element, out); },
                        [&](const BindRelation& r) {
                          for (const Binding& b : r.columns) binding_vars(b, out);
                        }},
             binding.form);
}

}  // namespace detail

using namespace detail;

Value to_edn(const FindElement& element) { return find_element_edn(element); }

Value to_edn(const Clause& clause) {
  return std::visit(
      overloaded{
          [](const DataPattern& p) {
            std::vector<Value> items;
            if (p.source.name != "$") items.push_back(plain_sym(p.source.name));
            for (const Term& t : p.terms) items.push_back(term_edn(t));
            return vec(std::move(items));
          },
          [](const Predicate& p) { return vec({call_edn(p.fn, p.args)}); },
          [](const FunctionCall& f) { return vec({call_edn(f.fn, f.args), binding_edn(f.binding)}); },
          [](const RuleCall& r) {
            std::vector<Value> items;
            if (r.source) items.push_back(plain_sym(r.source->name));
            items.push_back(sym(r.name));
            for (const Term& t : r.args) items.push_back(term_edn(t));
            return list(std::move(items));
          },
          [](const Not& n) {
            std::vector<Value> items;
            if (n.source) items.push_back(plain_sym(n.source->name));
            items.push_back(plain_sym(n.join ? "not-join" : "not"));
            if (n.join) items.push_back(vec(vars_edn(n.join_vars)));
            for (const Clause& c : n.clauses) items.push_back(to_edn(c));
            return list(std::move(items));
          },
          [](const Or& o) {
            std::vector<Value> items;
            if (o.source) items.push_back(plain_sym(o.source->name));
            items.push_back(plain_sym(o.join ? "or-join" : "or"));
            if (o.join) {
              std::vector<Value> vars;
              if (!o.required_vars.empty()) vars.push_back(vec(vars_edn(o.required_vars)));
              for (Value& v : vars_edn(o.join_vars)) vars.push_back(std::move(v));
              items.push_back(vec(std::move(vars)));
            }
            for (const Clause& c : o.branches) items.push_back(to_edn(c));
            return list(std::move(items));
          },
          [](const And& a) {
            std::vector<Value> items{plain_sym("and")};
            for (const Clause& c : a.clauses) items.push_back(to_edn(c));
            return list(std::move(items));
          }},
      clause.node);
}

Value to_edn(const Rule& rule) {
  std::vector<Value> head{sym(rule.name)};
  if (!rule.required_vars.empty()) head.push_back(vec(vars_edn(rule.required_vars)));
  for (Value& v : vars_edn(rule.free_vars)) head.push_back(std::move(v));
  std::vector<Value> items{list(std::move(head))};
  for (const Clause& c : rule.body) items.push_back(to_edn(c));
  return vec(std::move(items));
}

Value to_edn(const Query& query) {
  std::vector<Value> items{Value::keyword("find")};
  const auto& elements = query.find.elements;
  switch (query.find.shape) {
    case FindShape::Relation:
      for (const FindElement& e : elements) items.push_back(find_element_edn(e));
      break;
    case FindShape::Scalar:
      if (!elements.empty()) items.push_back(find_element_edn(elements[0]));
      items.push_back(plain_sym("."));
      break;
    case FindShape::Collection:
      if (!elements.empty()) items.push_back(vec({find_element_edn(elements[0]), plain_sym("...")}));
      break;
    case FindShape::Tuple: {
      std::vector<Value> tuple;
      for (const FindElement& e : elements) tuple.push_back(find_element_edn(e));
      items.push_back(vec(std::move(tuple)));
      break;
    }
  }
  if (query.return_kind != ReturnMapKind::None) {
    items.push_back(Value::keyword(query.return_kind == ReturnMapKind::Keys   ? "keys"
                                   : query.return_kind == ReturnMapKind::Strs ? "strs"
                                                                              : "syms"));
    for (const std::string& n : query.return_names) items.push_back(sym(n));
  }
  if (!query.with.empty()) {
    items.push_back(Value::keyword("with"));
    for (const Variable& v : query.with) items.push_back(variable_edn(v));
  }
  items.push_back(Value::keyword("in"));
  for (const InBinding& b : query.in) items.push_back(in_binding_edn(b));
  if (!query.where.empty()) {
    items.push_back(Value::keyword("where"));
    for (const Clause& c : query.where) items.push_back(to_edn(c));
  }
  if (query.limit) items.insert(items.end(), {Value::keyword("limit"), Value(*query.limit)});
  if (query.offset) items.insert(items.end(), {Value::keyword("offset"), Value(*query.offset)});
  return vec(std::move(items));
}

std::string clause_text(const Clause& clause) { return detail::edn_text(to_edn(clause)); }

}  // namespace quarry::query
