// Rule sets (the % input) parsed once per text and shared by every run that passes an equal one.
//
// A parsed RuleSet (plan/scope.hpp) is never changed after it is built, so runs on any thread share
// it; and since its clauses keep their addresses while it lives, the plans of its bodies can be kept
// between runs (query/exec/plan_cache.hpp keys them by the set's identity).
#pragma once

#include <memory>

#include "codec/error.hpp"
#include "codec/value.hpp"
#include "query/plan/scope.hpp"

namespace quarry::query {

// The rule set `form` parses to (parse_rules), with its lookups built: the one kept for an equal
// form when there is one, else parsed now and kept (the 64 most recently used are kept).
// Thread-safe. Errors: parse_rules's.
[[nodiscard]] Result<std::shared_ptr<const RuleSet>> parsed_rule_set(const Value& form);

}  // namespace quarry::query
