// Binding forms, shared by :in and function expressions (DataScript's bind-scalar | bind-tuple |
// bind-coll | bind-rel), and the :in section.
#include <memory>

#include "query/parse/parse_support.hpp"

namespace quarry::query::detail {

namespace {
constexpr std::string_view kBindingShapes =
    "Cannot parse binding, expected (bind-scalar | bind-tuple | bind-coll | bind-rel)";

Result<std::vector<Binding>> parse_tuple_elements(const std::vector<Value>& items,
                                                  const Value& form) {
  if (items.empty()) return syntax_error("Tuple binding cannot be empty", form);
  std::vector<Binding> out;
  out.reserve(items.size());
  for (const Value& item : items) {
    auto b = parse_binding(item);
    if (!b) return std::unexpected(b.error());
    out.push_back(std::move(*b));
  }
  return out;
}
}  // namespace

Error in_context(Error error, const Value& whole) {
  const std::string suffix = ", got: " + edn_text(whole);
  if (!error.message.ends_with(suffix)) error.message += " in " + edn_text(whole);
  return error;
}

Result<Binding> parse_binding(const Value& form) {
  if (is_blank(form)) return Binding{BindScalar{Blank{}}};
  if (is_variable(form)) return Binding{BindScalar{Variable{form.as<Symbol>().name}}};
  const auto* items = sequence_items(form);
  if (items == nullptr) return syntax_error(kBindingShapes, form);
  // [binding ...]
  if (items->size() == 2 && is_symbol((*items)[1], "...")) {
    auto element = parse_binding((*items)[0]);
    if (!element) return std::unexpected(element.error());
    return Binding{BindCollection{std::make_shared<const Binding>(std::move(*element))}};
  }
  // [[binding+]]
  if (items->size() == 1) {
    if (const auto* inner = sequence_items((*items)[0])) {
      auto columns = parse_tuple_elements(*inner, (*items)[0]);
      if (!columns) return std::unexpected(columns.error());
      return Binding{BindRelation{std::move(*columns)}};
    }
  }
  // [binding+]
  auto elements = parse_tuple_elements(*items, form);
  if (!elements) return std::unexpected(elements.error());
  return Binding{BindTuple{std::move(*elements)}};
}

Result<std::vector<InBinding>> parse_in(std::span<const Value> forms) {
  std::vector<InBinding> out;
  out.reserve(forms.size());
  for (const Value& form : forms) {
    if (is_src_var(form)) {
      out.emplace_back(SrcVar{form.as<Symbol>().name});
    } else if (is_rules_var(form)) {
      out.emplace_back(RulesBinding{});
    } else if (is_plain_symbol(form)) {
      // DataScript's plain-symbol input (`:in $ pattern`), usable as a pull pattern: a scalar
      // binding whose variable name has no '?'. Plain symbols are not variables in :where.
      out.emplace_back(Binding{BindScalar{Variable{*symbol_text(form)}}});
    } else {
      auto b = parse_binding(form);
      if (!b) return std::unexpected(in_context(b.error(), form));
      out.emplace_back(std::move(*b));
    }
  }
  return out;
}

}  // namespace quarry::query::detail
