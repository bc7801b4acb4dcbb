// Evaluation of the `quarry` command's forms (doc/architecture.md, "The quarry command") against a Database, through the
// public API only. One form in, one Outcome (or an Error) out; printing is the caller's.
#pragma once

#include <quarry/quarry.hpp>

#include "outcome.hpp"

namespace quarry::repl {

// Evaluates one top-level form: (transact! ...), (schema! ...), (q ...), (pull ...),
// (pull-many ...), (explain ...), (datoms ...), (seek-datoms ...), (index-range ...),
// (tx-range ...), (entity ...), (history DB? EID), and the database expressions $, (as-of $ T),
// (since $ T), (history $), which evaluate to their basis tx — except (with DB TX-DATA), which
// evaluates to the speculative transaction's summary {:tx T :tempids {...} :datoms N}.
[[nodiscard]] Result<Outcome> evaluate(EvalContext& context, const Value& form);

}  // namespace quarry::repl
