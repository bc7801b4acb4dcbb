#include "query/exec/inputs.hpp"

#include "codec/edn_printer.hpp"
#include "index/entity_ref.hpp"
#include "query/exec/binding_forms.hpp"
#include "query/exec/rule_sets.hpp"
#include "query/parse/clause_vars.hpp"
#include "query/parse/parser.hpp"
#include "query/plan/pattern.hpp"

namespace quarry::query {
namespace {

std::string in_text(const Query& query) {
  std::string s = "[";
  for (std::size_t i = 0; i < query.in.size(); ++i) {
    if (i) s += " ";
    const InBinding& b = query.in[i];
    if (const auto* src = std::get_if<SrcVar>(&b)) s += src->name;
    else if (std::holds_alternative<RulesBinding>(b)) s += "%";
    else s += binding_text(std::get<Binding>(b));
  }
  return s + "]";
}

bool has_rule_calls(const Clause& c) {
  if (std::holds_alternative<RuleCall>(c.node)) return true;
  if (const auto* n = std::get_if<Not>(&c.node))
    for (const Clause& x : n->clauses)
      if (has_rule_calls(x)) return true;
  if (const auto* o = std::get_if<Or>(&c.node))
    for (const Clause& x : o->branches)
      if (has_rule_calls(x)) return true;
  if (const auto* a = std::get_if<And>(&c.node))
    for (const Clause& x : a->clauses)
      if (has_rule_calls(x)) return true;
  return false;
}

Result<void> bind_rules(const Query& query, const Value& form, Context& ctx) {
  auto set = parsed_rule_set(form);
  if (!set) return std::unexpected(set.error());
  if (auto c = check_rules(query, (*set)->rules); !c) return c;
  ctx.rules = std::move(*set);
  return {};
}

// The database an input variable names entities in, when the query uses it where an entity is
// expected: in e position of a pattern, in v position of a ref attribute's pattern, or as the
// entity of a pull in :find. nullptr when it is used in no such place, or also as an attribute
// (attribute variables keep idents: they join with patterns that bind attribute idents).
const index::Db* entity_source(const Query& query, const PatternPositions& where, const Context& ctx,
                               const std::string& var) {
  if (std::find(where.attribute.begin(), where.attribute.end(), var) != where.attribute.end()) return nullptr;
  auto db_of = [&](const std::string& name) -> const index::Db* {
    const Source* s = ctx.source(name);
    return s ? s->db : nullptr;
  };
  for (const auto& [v, src] : where.entity)
    if (v == var)
      if (const index::Db* db = db_of(src)) return db;
  for (const auto& rv : where.value) {
    if (rv.var != var || !rv.attribute.is<Keyword>()) continue;
    const index::Db* db = db_of(rv.source);
    const index::AttrSchema* a = db ? db->schema().find(rv.attribute.as<Keyword>()) : nullptr;
    if (a && a->is_ref()) return db;
  }
  for (const FindElement& el : query.find.elements)
    if (const auto* p = std::get_if<FindPull>(&el); p && p->var.name == var)
      if (const index::Db* db = db_of(p->source.name)) return db;
  return nullptr;
}

// Lookup refs and idents given for entity variables become entity ids, so that they join with
// the ids the indexes hold whichever way the plan joins them; the :find output gives them back
// as they were given (Context::entity_inputs). A lookup ref that names nothing is :query/invalid, as in a pattern; an ident that names
// nothing is kept as it is (it matches no entity).
Result<void> resolve_entity_inputs(const Query& query, const PatternPositions& where, Context& ctx,
                                   Relation& rel) {
  auto names_entity = [](const Value& cell) { return cell.is<Keyword>() || index::is_lookup_ref(cell); };
  for (std::size_t col = 0; col < rel.arity(); ++col) {
    // Most inputs are strings and numbers: the variable's use is looked up only for a column that
    // holds an ident or a lookup ref.
    bool any = false;
    for (std::size_t row = 0; row < rel.size() && !any; ++row) any = names_entity(rel.at(row, col));
    if (!any) continue;
    const index::Db* db = entity_source(query, where, ctx, rel.vars()[col]);
    if (!db) continue;
    for (std::size_t row = 0; row < rel.size(); ++row) {
      Value& cell = rel.cells()[row * rel.arity() + col];
      const bool ref = index::is_lookup_ref(cell);
      if (!ref && !cell.is<Keyword>()) continue;
      auto e = ref ? resolve_entity_ref(*db, cell) : index::resolve_entity(*db, cell);
      if (!e) return std::unexpected(e.error());
      if (!*e) continue;
      const auto id = static_cast<std::int64_t>((*e)->value);
      ctx.entity_inputs[rel.vars()[col]].emplace(id, cell);
      cell = Value(id);
    }
  }
  return {};
}

}  // namespace

Result<void> bind_inputs(const Query& query, std::span<const Input> inputs, Context& ctx, Bindings& bindings) {
  if (inputs.size() != query.in.size())
    return fail(ErrorCode::QueryInput, std::string(inputs.size() < query.in.size() ? "Too few" : "Extra") +
                                           " inputs passed, expected: " + in_text(query) +
                                           ", got: " + std::to_string(inputs.size()));
  // One analysis of the where clauses for every input: which variables stand where.
  std::optional<PatternPositions> computed;
  if (!query.where_positions) computed = pattern_positions(query.where);
  const PatternPositions& where = query.where_positions ? *query.where_positions : *computed;
  ctx.attribute_vars = where.attribute;
  // Sources and rules first: value inputs are resolved against the databases.
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const InBinding& b = query.in[i];
    const Input& input = inputs[i];
    if (const auto* src = std::get_if<SrcVar>(&b)) {
      if (const auto* db = std::get_if<index::Db>(&input))
        ctx.sources[src->name] = Source{.db = db, .tuples = nullptr, .totals = std::nullopt};
      else
        ctx.sources[src->name] = Source{.db = nullptr, .tuples = &std::get<Value>(input), .totals = std::nullopt};
    } else if (std::holds_alternative<RulesBinding>(b)) {
      const Value* form = std::get_if<Value>(&input);
      if (!form) return fail(ErrorCode::QueryInput, "% takes a rule set, got a database");
      if (auto r = bind_rules(query, *form, ctx); !r) return r;
    }
  }
  if (ctx.rules)
    for (const std::string& v : ctx.rules->attribute_vars) add_unique(ctx.attribute_vars, v);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Binding* binding = std::get_if<Binding>(&query.in[i]);
    if (!binding) continue;
    const Value* value = std::get_if<Value>(&inputs[i]);
    if (!value)
      return fail(ErrorCode::QueryInput, "Cannot bind a database to " + binding_text(*binding) + " (input " +
                                             std::to_string(i + 1) + ")");
    Relation rel(binding_vars(*binding));
    if (auto d = destructure(*binding, query_value(*value), rel, ErrorCode::QueryInput); !d) return d;
    if (auto r = resolve_entity_inputs(query, where, ctx, rel); !r) return r;
    rel.dedup();
    if (auto j = bindings.join(ctx, std::move(rel)); !j) return j;
  }
  if (!ctx.rules) {
    for (const Clause& c : query.where) {
      if (has_rule_calls(c)) {
        if (auto r = check_rules(query, {}); !r) return r;
        break;
      }
    }
  }
  return {};
}

}  // namespace quarry::query
