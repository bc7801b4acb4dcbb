#include "query/parse/parse_support.hpp"

namespace quarry::query::detail {

std::optional<std::string> symbol_text(const Value& form) {
  if (const auto* s = form.get_if<Symbol>()) return s->qualified();
  return std::nullopt;
}

namespace {
bool plain_name_starts_with(const Value& form, char c) {
  const auto* s = form.get_if<Symbol>();
  return s != nullptr && s->ns.empty() && !s->name.empty() && s->name.front() == c;
}
}  // namespace

bool is_variable(const Value& form) { return plain_name_starts_with(form, '?'); }
bool is_src_var(const Value& form) { return plain_name_starts_with(form, '$'); }
bool is_symbol(const Value& form, std::string_view name) {
  const auto* s = form.get_if<Symbol>();
  return s != nullptr && s->ns.empty() && s->name == name;
}
bool is_blank(const Value& form) { return is_symbol(form, "_"); }
bool is_rules_var(const Value& form) { return is_symbol(form, "%"); }
bool is_plain_symbol(const Value& form) {
  return form.is<Symbol>() && !is_variable(form) && !is_src_var(form) && !is_blank(form) &&
         !is_rules_var(form);
}

const std::vector<Value>* sequence_items(const Value& form) {
  if (const auto* v = form.get_if<Vector>()) return &v->items;
  if (const auto* l = form.get_if<List>()) return &l->items;
  return nullptr;
}

std::unexpected<Error> syntax_error(std::string_view message, const Value& form) {
  std::string text(message);
  text += ", got: ";
  text += edn_text(form);
  return fail(ErrorCode::QuerySyntax, std::move(text));
}

std::unexpected<Error> invalid_error(std::string message) {
  return fail(ErrorCode::QueryInvalid, std::move(message));
}

std::string var_set_text(const std::set<std::string>& names) {
  std::string out = "#{";
  bool first = true;
  for (const auto& n : names) {
    if (!first) out += ' ';
    out += n;
    first = false;
  }
  return out + "}";
}

std::string var_vector_text(const std::vector<std::string>& names) {
  std::string out = "[";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ' ';
    out += names[i];
  }
  return out + "]";
}

Result<Variable> parse_variable(const Value& form, std::string_view context) {
  if (!is_variable(form)) {
    std::string msg = "Expected a variable (a symbol starting with ?) in ";
    msg += context;
    return syntax_error(msg, form);
  }
  return Variable{form.as<Symbol>().name};
}

}  // namespace quarry::query::detail
