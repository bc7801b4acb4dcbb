// Joins of relations, and Bindings: the variables bound so far while a clause list runs.
//
// Bindings keeps independent relations with disjoint variables; the current result is their
// product. A clause that touches variables of several of them merges those first (their product),
// so a cartesian product is only built when a clause needs it — as DataScript does.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec/error.hpp"
#include "query/exec/context.hpp"
#include "query/exec/relation.hpp"

namespace quarry::query {

// Rows of a and b that agree on their shared variables; columns: a's, then b's others. With no
// shared variable, the product. Distinct inputs give a distinct result.
[[nodiscard]] Result<Relation> hash_join(Context& ctx, const Relation& a, const Relation& b);
// Rows of a with no row of b agreeing on their shared variables (all of b's variables must be
// a's, or the extra ones are ignored).
[[nodiscard]] Result<Relation> anti_join(Context& ctx, const Relation& a, const Relation& b);

class Bindings {
 public:
  // The unit: nothing bound, one empty row.
  Bindings() = default;

  [[nodiscard]] std::vector<Relation>& relations() noexcept { return rels_; }
  [[nodiscard]] const std::vector<Relation>& relations() const noexcept { return rels_; }

  // Index of the relation binding `var`, or -1.
  [[nodiscard]] int find(std::string_view var) const noexcept;
  [[nodiscard]] bool bound(std::string_view var) const noexcept { return find(var) >= 0; }
  // Rows of the relation binding `var` (1 when unbound: the unit).
  [[nodiscard]] std::size_t rows_of(std::string_view var) const noexcept;
  // True when the product is empty (some relation has no rows): no clause can add a row.
  [[nodiscard]] bool is_empty() const noexcept { return empty_; }
  void mark_empty() noexcept { empty_ = true; }

  // Merges the relations binding any of `vars` into one (their product) and returns its index;
  // -1 when none is bound.
  [[nodiscard]] Result<int> merge(Context& ctx, std::span<const std::string> vars);
  // The whole product as one relation (the unit when nothing is bound).
  [[nodiscard]] Result<Relation> collapse(Context& ctx);
  // The distinct rows of the product restricted to `vars` (in that order). Relations binding
  // none of them only matter by being empty. A variable not bound at all is :query/invalid
  // ("Insufficient bindings"), naming the clause whose text where() builds (only for that error).
  template <class Where>
  [[nodiscard]] Result<Relation> project(Context& ctx, std::span<const std::string> vars, Where&& where) {
    auto held = holding(ctx, vars, where);
    if (!held) return std::unexpected(held.error());
    return projection(*held, vars, false, false);
  }
  // The same, for a caller done with these bindings: the cells may be moved out, and the
  // bindings are left unusable. With `any_column_order` the columns are `vars` in whichever order
  // the bindings hold them (the caller finds them with Relation::column), so a relation holding
  // exactly `vars` is handed over as it is instead of having its cells reordered.
  template <class Where>
  [[nodiscard]] Result<Relation> take_projection(Context& ctx, std::span<const std::string> vars, Where&& where,
                                                 bool any_column_order = false) {
    auto held = holding(ctx, vars, where);
    if (!held) return std::unexpected(held.error());
    return projection(*held, vars, true, any_column_order);
  }
  // The rows of the product over `vars`, for a caller that reads the columns it needs itself and
  // keeps its own set of them (no distinct copy is built): the relation binding them (the
  // relations binding any of them merged into one), the unit when none is bound, or nullptr when
  // the product is empty. Its rows may repeat a tuple of `vars`. The same errors as project().
  template <class Where>
  [[nodiscard]] Result<const Relation*> holding(Context& ctx, std::span<const std::string> vars, Where&& where) {
    if (empty_) return nullptr;
    for (const std::string& v : vars)
      if (!bound(v)) return fail(ErrorCode::QueryInvalid, "Insufficient bindings: " + v + " is not bound in " + where());
    return merged(ctx, vars);
  }

  // Adds a relation: joined with the relations sharing its variables, kept apart otherwise.
  [[nodiscard]] Result<void> join(Context& ctx, Relation rel);
  // Projects `vars` away (unbound ones are ignored): each relation holding some of them keeps its
  // other columns, its rows deduplicated; one left with no column is the unit, and goes.
  [[nodiscard]] Result<void> drop(Context& ctx, std::span<const std::string> vars);
  // Replaces relation i (e.g. after filtering or extending it in place).
  void replace(int i, Relation rel);

 private:
  // project() (take false) and take_projection() (take true) of what holding() returned.
  [[nodiscard]] Relation projection(const Relation* held, std::span<const std::string> vars, bool take,
                                    bool any_column_order);

  // holding() once every variable is known to be bound.
  [[nodiscard]] Result<const Relation*> merged(Context& ctx, std::span<const std::string> vars);

  std::vector<Relation> rels_;
  bool empty_ = false;
};

}  // namespace quarry::query
