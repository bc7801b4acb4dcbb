// apply_pattern: the data-pattern operator (exec/pattern_scan.cpp), reading the index for a
// planned pattern (plan/pattern.hpp) and joining the matches into the bindings.
#pragma once

#include "codec/error.hpp"
#include "query/exec/context.hpp"
#include "query/exec/join.hpp"
#include "query/plan/pattern.hpp"

namespace quarry::query {

// Joins the pattern's matches into `bindings` with the planned access: a scan of the planned
// index hash-joined with the bound relation, or one lookup per distinct binding of its probe
// variables. Two cases override the plan: bound values that name entities by ident or lookup ref
// (resolved one by one, so looked up), and probe variables bound in separate relations (the
// access is then chosen per relation, to avoid building their product).
[[nodiscard]] Result<void> apply_pattern(Context& ctx, Bindings& bindings, const ResolvedPattern& rp,
                                         const ValueRange& range, const Access& planned);

}  // namespace quarry::query
