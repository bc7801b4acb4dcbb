// Parsed pull patterns: the syntax of query/pull/pull.hpp as data, before any database is involved.
// parse_pull_pattern (declared in query/pull/pull.hpp, defined in pull_pattern.cpp) builds these;
// query/pull/pull_plan.hpp binds them to a schema.
//
// Grammar (DataScript 1.8's, with Quarry's restrictions noted):
//   pattern      = [attr-spec*] | (attr-spec*)
//   attr-spec    = attr-name | wildcard | map-spec | attr-expr
//   attr-name    = :ns/name | :ns/_name (reverse) | :db/id       (keywords only: Quarry has no
//                                                                  string attributes)
//   wildcard     = * | :* | "*"
//   attr-expr    = [attr-name option+] | (attr-name option+)      option = :as any | :limit n-or-nil
//                | (limit attr-name n-or-nil) | (default attr-name any)     | :default any
//                  (limit/default as symbols or strings)
//   map-spec     = {(attr-name | attr-expr) (pattern | recursion)*}
//   recursion    = ... | "..." | positive long                   (DataScript also takes doubles)
// :xform is DataScript-only (it takes a function) and is a :pull/syntax error here.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "codec/value.hpp"

namespace quarry::query {

struct PullPattern;
struct PullPlan;  // query/pull/pull_plan.hpp

// One attribute of a pattern, whichever way it was spelt.
struct PullAttrSpec {
  bool db_id = false;     // :db/id (attr and reverse unused)
  Keyword attr;           // the forward ident: :friend for both :friend and :_friend
  bool reverse = false;
  Value key;              // the result map's key: the :as alias, else the attribute as written
  bool has_limit = false; // an explicit :limit; limit == nullopt then means :limit nil
  std::optional<std::int64_t> limit;
  std::optional<Value> default_value;  // never nil (a nil default is no default, as in DataScript)

  enum class Nested : std::uint8_t { None, Pattern, Recursion };
  Nested nested = Nested::None;
  std::shared_ptr<const PullPattern> pattern;  // Nested::Pattern
  std::optional<std::int64_t> recursion_limit; // Nested::Recursion; nullopt = unbounded (...)

  Value source;  // the spec as written, for error messages
};

struct PullPattern {
  bool wildcard = false;
  // At most one spec per result key (a later spec with the same key replaces an earlier one, as
  // DataScript keys its specs by :as), in the order written.
  std::vector<PullAttrSpec> attrs;
  Value source;  // the whole pattern as written

  // The plan for the last schema this pattern ran against (query/pull/pull_plan.cpp). Only the
  // outermost pattern of a parse uses it.
  mutable std::mutex plan_mutex;
  mutable std::shared_ptr<const PullPlan> plan;
};

}  // namespace quarry::query
