// The :find section: find-rel (?a ?b), find-scalar (?a .), find-coll ([?a ...]), find-tuple
// ([?a ?b]); each element a variable, an aggregate call or a pull expression.
#include "query/parse/parse_support.hpp"

namespace quarry::query::detail {

namespace {
constexpr std::string_view kFindShapes =
    "Cannot parse :find, expected: (find-rel | find-coll | find-tuple | find-scalar)";
constexpr std::string_view kPullShape =
    "Cannot parse pull expression, expected (pull src-var? ?variable pattern) where pattern is a "
    "vector or an :in input";

Result<FindElement> parse_pull(const std::vector<Value>& items, const Value& form) {
  if (items.size() != 3 && items.size() != 4) return syntax_error(kPullShape, form);
  const bool with_source = items.size() == 4;
  FindPull pull;
  if (with_source) {
    if (!is_src_var(items[1])) return syntax_error(kPullShape, form);
    pull.source = SrcVar{items[1].as<Symbol>().name};
  }
  const Value& var = items[with_source ? 2 : 1];
  const Value& pattern = items[with_source ? 3 : 2];
  if (!is_variable(var)) return syntax_error(kPullShape, form);
  pull.var = Variable{var.as<Symbol>().name};
  if (is_variable(pattern) || is_plain_symbol(pattern)) {
    // A plain symbol names a plain-symbol :in input (DataScript's `:in $ pattern`).
    pull.pattern = Variable{*symbol_text(pattern)};
  } else if (pattern.is<Vector>()) {
    pull.pattern = pattern;
  } else {
    return syntax_error(kPullShape, form);
  }
  return FindElement{std::move(pull)};
}

Result<FindElement> parse_aggregate(const std::vector<Value>& items, const Value& form) {
  constexpr std::string_view shape =
      "Cannot parse aggregate, expected (aggregate-fn constant* ?variable)";
  if (items.size() < 2 || !is_plain_symbol(items[0])) return syntax_error(shape, form);
  // (aggregate ?f ?x), DataScript's form for an aggregate given as an input: ?f is a leading
  // argument like any other (ast.hpp), checked by check_query and resolved when the query runs.
  if (is_symbol(items[0], "aggregate") && (items.size() != 3 || !is_variable(items[1])))
    return syntax_error("Cannot parse aggregate, expected (aggregate ?aggregate-fn ?variable)", form);
  FindAggregate agg;
  agg.fn = *symbol_text(items[0]);
  if (!is_variable(items.back())) return syntax_error(shape, form);
  agg.var = Variable{items.back().as<Symbol>().name};
  for (std::size_t i = 1; i + 1 < items.size(); ++i) {
    if (items[i].is<Symbol>() && !is_variable(items[i]))
      return syntax_error(
          "Cannot parse aggregate: the arguments before the variable must be constants or "
          ":in ?variables",
          form);
    agg.const_args.push_back(items[i]);  // a variable stays its symbol (ast.hpp)
  }
  return FindElement{std::move(agg)};
}

Result<FindElement> parse_find_element(const Value& form) {
  if (is_variable(form)) return FindElement{FindVar{Variable{form.as<Symbol>().name}}};
  if (const auto* list = form.get_if<List>()) {
    if (!list->items.empty() && is_symbol(list->items[0], "pull"))
      return parse_pull(list->items, form);
    return parse_aggregate(list->items, form);
  }
  return syntax_error(
      "Cannot parse :find element, expected (?variable | (aggregate-fn ... ?variable) | "
      "(pull ?variable pattern))",
      form);
}

Result<std::vector<FindElement>> parse_elements(std::span<const Value> forms) {
  std::vector<FindElement> out;
  out.reserve(forms.size());
  for (const Value& form : forms) {
    auto e = parse_find_element(form);
    if (!e) return std::unexpected(e.error());
    out.push_back(std::move(*e));
  }
  return out;
}
}  // namespace

Result<FindSpec> parse_find(std::span<const Value> forms) {
  const Value whole{Vector{std::vector<Value>(forms.begin(), forms.end())}};
  if (forms.empty()) return syntax_error(kFindShapes, whole);
  FindSpec spec;
  if (forms.size() == 2 && is_symbol(forms[1], ".")) {
    spec.shape = FindShape::Scalar;
    auto e = parse_find_element(forms[0]);
    if (!e) return std::unexpected(e.error());
    spec.elements.push_back(std::move(*e));
    return spec;
  }
  if (forms.size() == 1 && forms[0].is<Vector>()) {
    const auto& inner = forms[0].as<Vector>().items;
    if (inner.empty()) return syntax_error(kFindShapes, whole);
    if (inner.size() == 2 && is_symbol(inner[1], "...")) {
      spec.shape = FindShape::Collection;
      auto e = parse_find_element(inner[0]);
      if (!e) return std::unexpected(e.error());
      spec.elements.push_back(std::move(*e));
      return spec;
    }
    spec.shape = FindShape::Tuple;
    auto elements = parse_elements(inner);
    if (!elements) return std::unexpected(elements.error());
    spec.elements = std::move(*elements);
    return spec;
  }
  spec.shape = FindShape::Relation;
  auto elements = parse_elements(forms);
  if (!elements) return std::unexpected(elements.error());
  spec.elements = std::move(*elements);
  return spec;
}

}  // namespace quarry::query::detail
