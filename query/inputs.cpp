#include "query/inputs.hpp"

#include "codec/edn_printer.hpp"
#include "query/binding_forms.hpp"
#include "query/clause_vars.hpp"
#include "query/parser.hpp"

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
  auto parsed = parse_rules(form);
  if (!parsed) return std::unexpected(parsed.error());
  auto set = std::make_shared<RuleSet>();
  set->rules = std::move(*parsed);
  for (const Rule& r : set->rules) set->by_name[r.name].push_back(&r);
  if (auto c = check_rules(query, set->rules); !c) return c;
  ctx.rules = std::move(set);
  return {};
}

}  // namespace

Result<void> bind_inputs(const Query& query, std::span<const Input> inputs, Context& ctx, Bindings& bindings) {
  if (inputs.size() != query.in.size())
    return fail(ErrorCode::QueryInput, std::string(inputs.size() < query.in.size() ? "Too few" : "Extra") +
                                           " inputs passed, expected: " + in_text(query) +
                                           ", got: " + std::to_string(inputs.size()));
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const InBinding& b = query.in[i];
    const Input& input = inputs[i];
    if (const auto* src = std::get_if<SrcVar>(&b)) {
      if (const auto* db = std::get_if<index::Db>(&input)) ctx.sources[src->name] = Source{db, nullptr};
      else ctx.sources[src->name] = Source{nullptr, &std::get<Value>(input)};
      continue;
    }
    if (std::holds_alternative<RulesBinding>(b)) {
      const Value* form = std::get_if<Value>(&input);
      if (!form) return fail(ErrorCode::QueryInput, "% takes a rule set, got a database");
      if (auto r = bind_rules(query, *form, ctx); !r) return r;
      continue;
    }
    const Binding& binding = std::get<Binding>(b);
    const Value* value = std::get_if<Value>(&input);
    if (!value)
      return fail(ErrorCode::QueryInput, "Cannot bind a database to " + binding_text(binding) + " (input " +
                                             std::to_string(i + 1) + ")");
    Relation rel(binding_vars(binding));
    if (auto d = destructure(binding, query_value(*value), rel, ErrorCode::QueryInput); !d) return d;
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
