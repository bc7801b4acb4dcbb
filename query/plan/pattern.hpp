// Data patterns: [$? e a v tx added] against a database (or a collection of tuples).
//
// resolve_pattern turns the pattern's constants into index terms once: the attribute keyword into
// its AttrSchema (an unknown attribute matches nothing, no error), idents and lookup refs in e
// position and in the v position of a ref attribute into entity ids (one that names nothing is
// :query/invalid, as in DataScript; bound values that are idents or lookup refs are resolved the
// same way, per binding). choose_access then picks how to read the index given which of the
// pattern's variables are already bound:
//
// Expected rows come from attr_stats (datoms and distinct values per attribute), AVET size
// figures for ranges, and exact counts (capped) for a known attribute and value.
//
//   known (constant or bound)   index   prefix
//   e                           EAVT    e
//   e a (v)                     AEVT    a, e, v if known   (EAVT e, a, v when a is a bound variable)
//   a v                         AVET    a, v
//   a                           AEVT    a          (AVET a [start, end) under a range predicate)
//   v                           AVET    per attribute of the schema: a, v
//   nothing                     EAVT    everything
//
// A pattern whose variables are partly bound runs either as a SCAN of the constants' prefix
// hash-joined with the bound relation, or as a PROBE: one index lookup per distinct binding of
// the bound variables that extend the prefix. The cheaper by estimate wins (attr_stats; a lookup
// costs about cost::kLookupCost datoms read; plan/cost_model.hpp).
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "codec/error.hpp"
#include "index/db.hpp"
#include "query/parse/ast.hpp"
#include "query/plan/cost_model.hpp"
#include "query/plan/scope.hpp"

namespace quarry::query {

enum class Pos : int { E = 0, A = 1, V = 2, Tx = 3, Added = 4 };

struct PatternSlot {
  enum class Kind : std::uint8_t { Blank, Var, Const };
  Kind kind = Kind::Blank;
  std::string var;  // Var
  Value value;      // Const, in query form (ids as longs, attributes as keywords)
};

struct ResolvedPattern {
  const DataPattern* pattern = nullptr;
  const Source* source = nullptr;
  std::array<PatternSlot, 5> slots;
  // Matches nothing whatever is bound (unknown attribute, an ident naming nothing, ...).
  bool impossible = false;
  // Constants in index form.
  std::optional<EntityId> e;
  const index::AttrSchema* attr = nullptr;
  std::optional<Value> v;  // only when attr is known (a ref attribute's as an EntityId)
  // Datoms of the attribute with value v (the constant v, or the one value a scalar input binds
  // the v variable to): counted when first needed (cost::kValueCountCap), then kept, since a
  // pattern is resolved per plan and its inputs do not change while it is planned.
  mutable std::optional<double> value_rows;
  // The e variable is also an attribute variable of the query (Context::attribute_vars):
  // attribute entities in e position bind as their idents.
  bool e_is_attribute = false;
  // Distinct variables, in position order.
  std::vector<std::string> vars;
  // Figures for estimates, from the source's statistics.
  double total_datoms = 0;
  double attr_count = 1;
  double datoms_per_entity = 4;
};

// One range predicate as the scan applies it to each datom's v: (op v bound), compared as the
// built-in comparisons compare (query_compare).
struct RangeTest {
  enum class Op : std::uint8_t { Lt, Le, Gt, Ge };
  Op op = Op::Gt;
  Value bound;
  // The test's verdict given query_compare(v, bound).
  [[nodiscard]] bool holds(int cmp) const noexcept {
    switch (op) {
      case Op::Lt: return cmp < 0;
      case Op::Le: return cmp <= 0;
      case Op::Gt: return cmp > 0;
      case Op::Ge: return cmp >= 0;
    }
    return false;
  }
};

// A restriction of the v variable from range predicates ([(> ?v 10)] ...), for AVET range scans.
// start is inclusive, end exclusive, last inclusive (the scan stops after it). The range only
// narrows the scan (it is widened where index order and the comparisons disagree); the predicates
// themselves still decide: as `tests`, applied by the scan to each datom it reads, when a plan
// gives them to a range scan (their filter steps are then not run: plan.cpp), else as filter steps.
struct ValueRange {
  std::optional<Value> start;
  std::optional<Value> end;
  std::optional<Value> last;
  std::vector<RangeTest> tests;
  [[nodiscard]] bool any() const noexcept { return start || end || last; }
};

struct Access {
  IndexOrder order = IndexOrder::Eavt;
  bool probe = false;          // one lookup per distinct binding of probe_vars
  std::vector<std::string> probe_vars;
  bool per_attribute = false;  // AVET (a, v) for each attribute
  bool range = false;          // index_range on AVET
  double cost = 0;             // in datoms read
  double rows = 0;             // expected output rows
};


// The rows of the relation binding each variable, or nullopt for an unbound one.
using BoundRows = std::function<std::optional<double>(const std::string& var)>;
// The value of a variable bound to exactly one value (a scalar input), or nullptr.
using ScalarLookup = std::function<const Value*(const std::string& var)>;

[[nodiscard]] Result<ResolvedPattern> resolve_pattern(const Scope& ctx, const DataPattern& pattern);
// force_probe: look up per binding whenever some bound variable extends the prefix (bindings
// that name entities by lookup ref or ident must be resolved one by one). scalar, when given,
// names the values of scalar inputs, so that [?e :name ?n] with ?n one value is counted as
// [?e :name "Ivan"] is.
[[nodiscard]] Access choose_access(const ResolvedPattern& rp, const BoundRows& bound, const ValueRange& range,
                                   bool force_probe = false, const ScalarLookup* scalar = nullptr);

// A positive long or an EntityId as an entity id; nullopt for anything else.
[[nodiscard]] std::optional<EntityId> as_entity(const Value& v);
// A query-form value as attribute `attr`'s index value (a ref attribute's as an EntityId); nullopt
// when it cannot be one (no datom of the attribute holds it).
[[nodiscard]] std::optional<Value> index_value(const index::AttrSchema& attr, const Value& v);

// The entity an ident or lookup ref names; :query/invalid "Nothing found for entity id" when it
// names none (as DataScript).
[[nodiscard]] Result<std::optional<EntityId>> resolve_entity_ref(const index::Db& db, const Value& ref);

}  // namespace quarry::query
