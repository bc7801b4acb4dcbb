// Evaluation of the `quarry` command's forms (DESIGN.md §7) against a Database, through the
// public API only. One form in, one result Value (or an Error) out; printing is the caller's.
#pragma once

#include <quarry/quarry.hpp>

namespace quarry::repl {

// Evaluates one top-level form: (transact! ...), (schema! ...), (datoms ...), (entity ...),
// (history ...), and the database expressions $, (as-of $ T), (since $ T), (history $).
// Forms of the query language — q, pull, pull-many, explain — are recognised and answered with
// a :repl/unsupported error until the query engine lands.
[[nodiscard]] Result<Value> evaluate(Database& database, const Value& form);

}  // namespace quarry::repl
