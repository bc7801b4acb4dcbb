// Turning the bindings left by the where clauses into run_query's output (query/exec/find.cpp).
#pragma once

#include <string>
#include <vector>

#include "codec/error.hpp"
#include "query/parse/ast.hpp"
#include "query/exec/context.hpp"
#include "query/exec/engine.hpp"
#include "query/exec/join.hpp"

namespace quarry::query {

// The variables find_output reads from the where clauses' bindings: the :find elements' and the
// :with variables, in that order, each once (the inputs it reads are bound before the clauses).
[[nodiscard]] std::vector<std::string> find_vars(const Query& query);
// The same without a copy: Query::kept_vars when parse_query computed it, else computed into `storage`.
[[nodiscard]] const std::vector<std::string>& find_vars(const Query& query, std::vector<std::string>& storage);

// Consumes the bindings: their rows may be moved into the output. `vars`: find_vars(query), when
// the caller has it already. `form`: the value, or its rows (QueryOutput::cells).
[[nodiscard]] Result<QueryOutput> find_output(Context& ctx, const Query& query, Bindings& bindings,
                                              const std::vector<std::string>* vars = nullptr,
                                              OutputForm form = OutputForm::Value);

// One name per :find element, as written: "?name", "(count ?e)", "(pull ?e [:name])".
[[nodiscard]] std::vector<std::string> find_columns(const Query& query);
// The :find elements as EDN, e.g. [?e (count ?f)].
[[nodiscard]] Value find_form(const Query& query);

}  // namespace quarry::query
