// The query-language forms of the `quarry` command: (q QUERY INPUT...), (explain QUERY INPUT...),
// (pull DB? PATTERN EID), (pull-many DB? PATTERN [EID...]).
#pragma once

#include <quarry/quarry.hpp>

#include "outcome.hpp"

namespace quarry::repl {

// (q QUERY INPUT...): each input is a database expression ($, (as-of $ T), ...) or a literal EDN
// value (a scalar, a collection, a relation, a rules vector); with no inputs the query runs on
// `$`. Cancelled through context.cancel.
[[nodiscard]] Result<Outcome> eval_query(EvalContext& context, const List& form);
// (explain QUERY INPUT...): the plan q would follow, as EDN.
[[nodiscard]] Result<Outcome> eval_explain(EvalContext& context, const List& form);
[[nodiscard]] Result<Outcome> eval_pull(EvalContext& context, const List& form);
[[nodiscard]] Result<Outcome> eval_pull_many(EvalContext& context, const List& form);

}  // namespace quarry::repl
