// Destructuring a value by a binding form, for :in bindings and function results:
//   ?x           the value
//   [?a ?b]      the first elements of a sequential value (more elements are ignored; fewer is an
//                error)
//   [?x ...]     one binding per element of a collection (vector, list, set, map entries)
//   [[?a ?b]]    one binding per element, each a tuple
// Blanks (_) bind nothing. Values keep the query layer's conventions: refs become longs.
#pragma once

#include "codec/error.hpp"
#include "codec/value.hpp"
#include "query/parse/ast.hpp"
#include "query/exec/relation.hpp"

namespace quarry::query {

// Appends the rows `value` gives for `binding` to `out`, whose variables must be
// binding_vars(binding) (query/parse/clause_vars.hpp). Errors carry `code` (:query/input for :in,
// :query/function for function results), e.g. "Cannot bind value 5 to collection [?x ...]".
[[nodiscard]] Result<void> destructure(const Binding& binding, const Value& value, Relation& out, ErrorCode code);

// The binding form as written, e.g. "[?x ...]".
[[nodiscard]] std::string binding_text(const Binding& binding);

// The value with every ref (Value(EntityId)) turned into a long, recursively.
[[nodiscard]] Value query_value(const Value& value);

}  // namespace quarry::query
