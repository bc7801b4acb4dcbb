// Internal to the query parser (parse_*.cpp, query_check.cpp, query_print.cpp): classifying EDN
// forms the way DataScript's parser does, the per-section parsers, and the AST -> EDN printers
// used both by to_edn and by error messages. Not for use outside query/.
#pragma once

#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec/edn_printer.hpp"
#include "codec/error.hpp"
#include "codec/value.hpp"
#include "query/parse/ast.hpp"

namespace quarry::query::detail {

// ---- form classification (DataScript's placeholder / variable / src-var / plain-symbol) ----

// The symbol's text when `form` is a symbol, else nullopt.
[[nodiscard]] std::optional<std::string> symbol_text(const Value& form);
// A symbol without namespace whose name starts with '?'.
[[nodiscard]] bool is_variable(const Value& form);
// A symbol without namespace whose name starts with '$'.
[[nodiscard]] bool is_src_var(const Value& form);
[[nodiscard]] bool is_blank(const Value& form);      // _
[[nodiscard]] bool is_rules_var(const Value& form);  // %
// Any symbol that is none of the above ("count", "clojure.string/includes?", "...", ".").
[[nodiscard]] bool is_plain_symbol(const Value& form);
// The symbol `name` exactly (no namespace).
[[nodiscard]] bool is_symbol(const Value& form, std::string_view name);
// Vectors and lists: DataScript accepts either wherever it expects a sequence.
[[nodiscard]] const std::vector<Value>* sequence_items(const Value& form);

// ---- errors ----

// "msg" + the form printed as EDN, with code QuerySyntax.
[[nodiscard]] std::unexpected<Error> syntax_error(std::string_view message, const Value& form);
[[nodiscard]] std::unexpected<Error> invalid_error(std::string message);
// Adds " in <whole>" to an error about a part of `whole` (unless it already quotes `whole`).
[[nodiscard]] Error in_context(Error error, const Value& whole);
// "#{?a ?b}" (sorted) — how DataScript prints a set of variables in its messages.
[[nodiscard]] std::string var_set_text(const std::set<std::string>& names);
// "[?a ?b]" in the given order.
[[nodiscard]] std::string var_vector_text(const std::vector<std::string>& names);
[[nodiscard]] inline std::string edn_text(const Value& v) { return quarry::to_edn(v); }

// ---- section parsers ----

[[nodiscard]] Result<Variable> parse_variable(const Value& form, std::string_view context);
[[nodiscard]] Result<Binding> parse_binding(const Value& form);
[[nodiscard]] Result<std::vector<InBinding>> parse_in(std::span<const Value> forms);
[[nodiscard]] Result<FindSpec> parse_find(std::span<const Value> forms);
[[nodiscard]] Result<Clause> parse_clause(const Value& form);
[[nodiscard]] Result<std::vector<Clause>> parse_clauses(std::span<const Value> forms);
// The head of a rule or an or-join's variables: [?a ?b] or [[?req ...] ?free ...].
struct RuleVars {
  std::vector<Variable> required;
  std::vector<Variable> free;
};
[[nodiscard]] Result<RuleVars> parse_rule_vars(const Value& form, std::span<const Value> vars,
                                               std::string_view what);

// ---- checks (query_check.cpp) ----

// The checks of check_query that apply to a rule branch on its own: its head variables count as
// bound, and every predicate or function argument must be bound by them or by the body.
[[nodiscard]] Result<void> check_rule_body(const Rule& rule);

// ---- printers (the inverse of the parsers) ----

[[nodiscard]] Value term_edn(const Term& term);
[[nodiscard]] Value fn_arg_edn(const FnArg& arg);
[[nodiscard]] Value binding_edn(const Binding& binding);
[[nodiscard]] Value in_binding_edn(const InBinding& binding);
[[nodiscard]] Value find_element_edn(const FindElement& element);
[[nodiscard]] Value variable_edn(const Variable& var);
// The variable names a binding binds (blanks excluded), appended to `out`.
void binding_vars(const Binding& binding, std::vector<std::string>& out);

}  // namespace quarry::query::detail
