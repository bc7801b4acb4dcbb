// Binding a query's :in to the inputs run_query was given, in order:
//   $, $name     a database (index::Db) or a collection of tuples to match patterns against
//   %            a rule set (parsed_rule_set, rule_sets.hpp; checked against the query with check_rules)
//   ?x [?x ?y] [?x ...] [[?x ?y]]   a value destructured by the binding form (binding_forms.hpp)
// :query/input when the count differs or a value does not fit its form (a database for a
// binding, a value that is not a collection for [?x ...], ...). Refs in values become longs.
#pragma once

#include <span>

#include "codec/error.hpp"
#include "query/parse/ast.hpp"
#include "query/exec/context.hpp"
#include "query/exec/engine.hpp"
#include "query/exec/join.hpp"

namespace quarry::query {

[[nodiscard]] Result<void> bind_inputs(const Query& query, std::span<const Input> inputs, Context& ctx,
                                       Bindings& bindings);

}  // namespace quarry::query
