// Predicate and function clauses (query/exec/solve.hpp): [(pred arg...)] keeps the rows for which the
// built-in returns neither nil nor false; [(fn arg...) binding] binds the result by its binding
// form (query/exec/binding_forms.hpp). A function returning nil binds nothing (the row is dropped), as
// in DataScript. A binding variable that is already bound must equal the result. A call that fails
// on a row (Context::fail_row) drops it and records it: execute() decides whether the query fails.
#include <algorithm>

#include "codec/edn_printer.hpp"
#include "query/exec/binding_forms.hpp"
#include "query/builtins/builtins.hpp"
#include "query/parse/clause_vars.hpp"
#include "query/parse/parser.hpp"
#include "query/exec/solve.hpp"

namespace quarry::query {
namespace {

// A call with its arguments resolved against one relation: per argument, a column or a constant.
// A function variable ([(?f ?x)]) is a column too: its value, a symbol naming a built-in, is looked
// up per row (the last lookup is kept, so a run of rows with one function looks it up once).
struct PreparedCall {
  const Builtin* fn = nullptr;                   // a built-in, or
  std::shared_ptr<const CustomFunction> custom;  // a function the application registered
  const index::Db* source = nullptr;
  std::vector<int> cols;      // column per argument, -1 for a constant
  std::vector<Value> consts;  // the constants (nil where a column is used)
  std::vector<Value> args;    // scratch
  int fn_col = -1;            // the function variable's column, -1 for a named built-in
  Value fn_symbol;            // the symbol `fn` was last looked up for
  const Clause* whole = nullptr;
};

Result<PreparedCall> prepare(const Context& ctx, const std::string& fn, const std::vector<FnArg>& args,
                             const Relation* rel, const Clause& whole) {
  PreparedCall call;
  call.whole = &whole;
  std::size_t first = 0;
  if (function_variable(fn)) {
    call.fn_col = rel ? rel->column(fn) : -1;
    if (call.fn_col < 0)
      return fail(ErrorCode::QueryInvalid, "Insufficient bindings: #{" + fn + "} not bound in " + clause_text(whole));
  } else {
    call.fn = find_builtin(fn);
    if (!call.fn) call.custom = find_custom_function(fn);
    if (!call.fn && !call.custom)
      return fail(ErrorCode::QueryInvalid, "Unknown function '" + fn + " in " + clause_text(whole));
  }
  if (call.fn) {
    if (call.fn->takes_source) {
      const SrcVar* src = args.empty() ? nullptr : std::get_if<SrcVar>(&args[0]);
      if (!src) return fail(ErrorCode::QueryInvalid, fn + " takes a source ($) first, in " + clause_text(whole));
      const Source* s = ctx.source(*src);
      if (!s || !s->db) return fail(ErrorCode::QueryInvalid, "Source " + src->name + " is not a database, in " + clause_text(whole));
      call.source = s->db;
      first = 1;
    }
    const int n = static_cast<int>(args.size() - first);
    if (n < call.fn->min_args || (call.fn->max_args >= 0 && n > call.fn->max_args))
      return fail(ErrorCode::QueryFunction, "Wrong number of arguments (" + std::to_string(n) + ") passed to " + fn +
                                                " in " + clause_text(whole));
  }
  for (std::size_t i = first; i < args.size(); ++i) {
    const FnArg& a = args[i];
    if (const Variable* v = std::get_if<Variable>(&a)) {
      const int col = rel ? rel->column(v->name) : -1;
      if (col < 0)
        return fail(ErrorCode::QueryInvalid,
                    "Insufficient bindings: #{" + v->name + "} not bound in " + clause_text(whole));
      call.cols.push_back(col);
      call.consts.emplace_back();
    } else if (const Value* c = std::get_if<Value>(&a)) {
      call.cols.push_back(-1);
      call.consts.push_back(query_value(*c));
    } else {
      const Source* s = ctx.source(std::get<SrcVar>(a));
      if (!s || !s->db) return fail(ErrorCode::QueryInvalid, "Unexpected source argument in " + clause_text(whole));
      return fail(ErrorCode::QueryInvalid, "A source can only be the first argument of get-else, get-some or "
                                           "missing?, in " + clause_text(whole));
    }
  }
  call.args = call.consts;
  return call;
}

// The function a function variable's value names: a symbol ('inc, 'clojure.string/upper-case,
// 'my/f) naming a built-in that takes no source, or a registered function. :query/function
// otherwise.
Result<void> resolve_function(PreparedCall& call, const Value& f) {
  if ((call.fn || call.custom) && f == call.fn_symbol) return {};
  const auto* name = f.get_if<Symbol>();
  const Builtin* b = name ? find_builtin(name->qualified()) : nullptr;
  if (!b && name) {
    if (auto custom = find_custom_function(name->qualified())) {
      call.fn = nullptr;
      call.custom = std::move(custom);
      call.fn_symbol = f;
      return {};
    }
  }
  if (!b)
    return fail(ErrorCode::QueryFunction, "Cannot call " + to_edn(f) +
                                              ": a function input must be a symbol naming a built-in or registered function, in " +
                                              clause_text(*call.whole));
  if (b->takes_source)
    return fail(ErrorCode::QueryFunction, to_edn(f) + " takes a source and cannot be passed as an input, in " +
                                              clause_text(*call.whole));
  const int n = static_cast<int>(call.cols.size());
  if (n < b->min_args || (b->max_args >= 0 && n > b->max_args))
    return fail(ErrorCode::QueryFunction, "Wrong number of arguments (" + std::to_string(n) + ") passed to " +
                                              to_edn(f) + " in " + clause_text(*call.whole));
  call.fn = b;
  call.custom = nullptr;
  call.fn_symbol = f;
  return {};
}

Result<Value> invoke(PreparedCall& call, std::span<const Value> row) {
  if (call.fn_col >= 0)
    if (auto r = resolve_function(call, row[static_cast<std::size_t>(call.fn_col)]); !r)
      return std::unexpected(r.error());
  for (std::size_t i = 0; i < call.cols.size(); ++i)
    if (call.cols[i] >= 0) call.args[i] = row[static_cast<std::size_t>(call.cols[i])];
  if (call.custom) return (*call.custom)(call.args);
  return call.fn->call(call.source, call.args);
}

// The predicate with each argument variable that a relation of its own binds to one value (a
// scalar input, say ?min in [(> ?s ?min)]) replaced by that value: read as a constant, it does not
// multiply the other relation by itself (and add a column every row repeats).
Predicate with_scalars_inlined(const Bindings& bindings, const Predicate& clause) {
  Predicate out = clause;
  for (FnArg& arg : out.args) {
    const Variable* v = std::get_if<Variable>(&arg);
    const int k = v ? bindings.find(v->name) : -1;
    if (k < 0) continue;
    const Relation& r = bindings.relations()[static_cast<std::size_t>(k)];
    if (r.size() == 1 && r.arity() == 1) arg = r.at(0, 0);
  }
  return out;
}

}  // namespace

Result<void> apply_predicate(Context& ctx, Bindings& bindings, const Predicate& written, const Clause& whole) {
  const Predicate clause = with_scalars_inlined(bindings, written);
  auto i = bindings.merge(ctx, call_inputs(clause.fn, clause.args));
  if (!i) return std::unexpected(i.error());
  Relation* rel = *i < 0 ? nullptr : &bindings.relations()[static_cast<std::size_t>(*i)];
  auto call = prepare(ctx, clause.fn, clause.args, rel, whole);
  if (!call) return std::unexpected(call.error());
  if (!rel) {  // constants only: all or nothing
    auto r = invoke(*call, {});
    if (!r) {
      const Relation unit = Relation::unit();
      if (auto f = ctx.fail_row(unit, unit.row(0), std::move(r.error())); !f) return f;
    }
    if (!r || !truthy(*r)) bindings.mark_empty();
    return {};
  }
  std::vector<char> keep(rel->size());
  std::size_t kept = 0;
  // A comparison of two arguments is tested on the cells in place: no argument copied, no result
  // value built, per row.
  const BinaryComparison test = call->fn_col < 0 && call->cols.size() == 2 ? binary_comparison(call->fn) : nullptr;
  for (std::size_t r = 0; r < rel->size(); ++r) {
    if (test) {
      auto row = rel->row(r);
      auto arg = [&](std::size_t k) -> const Value& {
        const int col = call->cols[k];
        return col >= 0 ? row[static_cast<std::size_t>(col)] : call->consts[k];
      };
      keep[r] = static_cast<char>(test(arg(0), arg(1)));
    } else {
      auto v = invoke(*call, rel->row(r));
      if (!v)
        if (auto f = ctx.fail_row(*rel, rel->row(r), std::move(v.error())); !f) return f;
      keep[r] = static_cast<char>(v && truthy(*v));
    }
    kept += static_cast<std::size_t>(keep[r]);
    if ((r & 1023) == 1023)
      if (auto t = ctx.tick(1024); !t) return t;
  }
  if (kept != rel->size()) rel->filter(keep);
  if (rel->empty()) bindings.mark_empty();
  return {};
}

Result<void> apply_function(Context& ctx, Bindings& bindings, const FunctionCall& clause, const Clause& whole) {
  auto i = bindings.merge(ctx, call_inputs(clause.fn, clause.args));
  if (!i) return std::unexpected(i.error());
  // The binding's variables that are bound elsewhere must be merged in too: results are checked
  // against them.
  const std::vector<std::string> outs = binding_vars(clause.binding);
  if (*i >= 0 || std::any_of(outs.begin(), outs.end(), [&](const std::string& v) { return bindings.bound(v); })) {
    std::vector<std::string> all = call_inputs(clause.fn, clause.args);
    for (const std::string& v : outs) add_unique(all, v);
    i = bindings.merge(ctx, all);
    if (!i) return std::unexpected(i.error());
  }
  Relation unit = Relation::unit();
  const Relation& in = *i < 0 ? unit : bindings.relations()[static_cast<std::size_t>(*i)];
  auto call = prepare(ctx, clause.fn, clause.args, *i < 0 ? nullptr : &in, whole);
  if (!call) return std::unexpected(call.error());

  // Output columns: the input's, then the binding's new variables.
  std::vector<std::pair<int, int>> checks;  // (column in results, column in input)
  std::vector<int> fresh;                   // columns in results that are new
  std::vector<std::string> vars = in.vars();
  for (std::size_t k = 0; k < outs.size(); ++k) {
    const int col = in.column(outs[k]);
    if (col >= 0) {
      checks.emplace_back(static_cast<int>(k), col);
    } else {
      fresh.push_back(static_cast<int>(k));
      vars.push_back(outs[k]);
    }
  }
  Relation out(std::move(vars));
  Relation results(outs);
  for (std::size_t r = 0; r < in.size(); ++r) {
    auto row = in.row(r);
    auto v = invoke(*call, row);
    if (!v) {
      if (auto f = ctx.fail_row(in, row, std::move(v.error())); !f) return f;
      continue;
    }
    if (v->is_nil()) continue;
    results.clear();
    if (auto d = destructure(clause.binding, query_value(*v), results, ErrorCode::QueryFunction); !d) {
      if (auto f = ctx.fail_row(in, row, std::move(d.error())); !f) return f;
      continue;
    }
    for (std::size_t k = 0; k < results.size(); ++k) {
      auto res = results.row(k);
      bool ok = true;
      for (const auto& [rc, ic] : checks)
        if (!(res[static_cast<std::size_t>(rc)] == row[static_cast<std::size_t>(ic)])) ok = false;
      if (!ok) continue;
      for (const Value& x : row) out.push(x);
      for (int f : fresh) out.push(res[static_cast<std::size_t>(f)]);
      out.end_row();
    }
    if ((r & 1023) == 1023) {
      if (auto t = ctx.tick(1024); !t) return t;
      if (auto c = ctx.check_rows(out.size(), out.arity()); !c) return c;
    }
  }
  if (auto c = ctx.check_rows(out.size(), out.arity()); !c) return c;
  // A collection result may repeat a value.
  if (!std::holds_alternative<BindScalar>(clause.binding.form)) out.dedup();
  if (*i < 0) return bindings.join(ctx, std::move(out));
  bindings.replace(*i, std::move(out));
  return {};
}


}  // namespace quarry::query
