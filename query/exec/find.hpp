// Turning the bindings left by the where clauses into run_query's output (query/exec/find.cpp).
#pragma once

#include <memory>
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

class AggregateGroups;  // query/exec/aggregate_groups.hpp

// For a query whose :find has aggregates, with the inputs bound: the empty groups of its :find,
// for the where clauses' last step to fill with its rows as it makes them (Context::sink) instead
// of building the final relation; nullptr when the :find needs that relation (a pull, entities
// given by lookup ref or ident) or has no aggregate, or an aggregate cannot be prepared. `vars`:
// find_vars(query).
[[nodiscard]] std::unique_ptr<AggregateGroups> aggregate_sink(const Context& ctx, const Query& query,
                                                              Bindings& bindings, const std::vector<std::string>& vars);

// Consumes the bindings: their rows may be moved into the output. `vars`: find_vars(query), when
// the caller has it already. `form`: the value, or its rows (QueryOutput::cells). `streamed`: the
// groups aggregate_sink made for the run, if any; when the last step filled them (opened()) the
// output is made from them, the bindings unread.
[[nodiscard]] Result<QueryOutput> find_output(Context& ctx, const Query& query, Bindings& bindings,
                                              const std::vector<std::string>* vars = nullptr,
                                              OutputForm form = OutputForm::Value,
                                              AggregateGroups* streamed = nullptr);

// One name per :find element, as written: "?name", "(count ?e)", "(pull ?e [:name])".
[[nodiscard]] std::vector<std::string> find_columns(const Query& query);
// The :find elements as EDN, e.g. [?e (count ?f)].
[[nodiscard]] Value find_form(const Query& query);

}  // namespace quarry::query
