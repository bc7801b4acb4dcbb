#include "query_forms.hpp"

#include <vector>

#include "databases.hpp"
#include "form_syntax.hpp"

namespace quarry::repl {
namespace {

// The query and its inputs of (q QUERY INPUT...) / (explain QUERY INPUT...).
struct QueryCall {
  Value query;
  std::vector<QueryInput> inputs;
};

Result<QueryCall> query_call(EvalContext& context, const List& form, const char* usage) {
  if (form.items.size() < 2) return bad_form(std::string(usage) + " needs a query");
  QueryCall call{.query = form.items[1], .inputs = {}};
  for (std::size_t i = 2; i < form.items.size(); ++i) {
    const Value& input = form.items[i];
    if (auto db = database_expression(context.database, input)) {
      if (!*db) return std::unexpected(db->error());
      call.inputs.emplace_back(**db);
    } else {
      call.inputs.emplace_back(input);
    }
  }
  if (call.inputs.empty()) call.inputs.emplace_back(context.database.db());
  return call;
}

// The keys of :keys/:strs/:syms in the order written (as keywords, strings or symbols, as the
// result maps hold them), so tables show the columns in that order; empty without them.
std::vector<Value> return_keys(const Value& query) {
  std::vector<Value> keys;
  auto add = [&keys](std::string_view kind, const Value& name) {
    auto symbol = name.get_if<Symbol>();
    if (!symbol) return;
    if (kind == "keys") keys.push_back(Value::keyword(symbol->qualified()));
    if (kind == "strs") keys.push_back(Value(symbol->qualified()));
    if (kind == "syms") keys.push_back(name);
  };
  auto kind_of = [](const Value& v) -> std::string_view {
    auto k = v.get_if<Keyword>();
    if (!k || !k->ns.empty() || (k->name != "keys" && k->name != "strs" && k->name != "syms")) return {};
    return k->name;
  };
  if (auto v = query.get_if<Vector>()) {
    std::string_view kind;
    for (const Value& item : v->items) {
      if (item.is<Keyword>()) {
        kind = kind_of(item);
      } else if (!kind.empty()) {
        add(kind, item);
      }
    }
  } else if (auto m = query.get_if<Map>()) {
    for (const auto& [k, names] : m->entries) {
      std::string_view kind = kind_of(k);
      if (auto list = names.get_if<Vector>(); list && !kind.empty())
        for (const Value& name : list->items) add(kind, name);
    }
  }
  return keys;
}

}  // namespace

Result<Outcome> eval_query(EvalContext& context, const List& form) {
  auto call = query_call(context, form, "(q QUERY INPUT...)");
  if (!call) return std::unexpected(call.error());
  QueryOptions options;
  options.cancel = context.cancel;
  if (context.timeout) options.deadline = std::chrono::steady_clock::now() + *context.timeout;
  auto result = q(call->query, call->inputs, options);
  if (!result) return std::unexpected(result.error());
  return Outcome{.value = std::move(result->value),
                 .kind = OutcomeKind::Query,
                 .shape = result->shape,
                 .columns = std::move(result->columns),
                 .row_keys = return_keys(call->query)};
}

// (explain QUERY INPUT...) or (explain {:analyze true} QUERY INPUT...): an options map is a map
// without :find (a query in map form has one).
Result<Outcome> eval_explain(EvalContext& context, const List& form) {
  ExplainOptions options;
  options.query.cancel = context.cancel;
  if (context.timeout) options.query.deadline = std::chrono::steady_clock::now() + *context.timeout;
  List rest = form;
  if (form.items.size() >= 2) {
    if (const auto* m = form.items[1].get_if<Map>()) {
      bool is_query = false;
      for (const auto& [k, v] : m->entries) {
        const Keyword* key = k.get_if<Keyword>();
        if (key && key->ns.empty() && key->name == "find") is_query = true;
      }
      if (!is_query) {
        for (const auto& [k, v] : m->entries) {
          const Keyword* key = k.get_if<Keyword>();
          if (!key || !key->ns.empty() || key->name != "analyze" || !v.is<bool>())
            return bad_form("(explain {:analyze true|false} QUERY INPUT...): the options map takes only :analyze, a boolean");
          options.analyze = v.as<bool>();
        }
        rest.items.erase(rest.items.begin() + 1);
      }
    }
  }
  auto call = query_call(context, rest, "(explain OPTIONS? QUERY INPUT...)");
  if (!call) return std::unexpected(call.error());
  auto plan = explain(call->query, call->inputs, options);
  if (!plan) return std::unexpected(plan.error());
  return Outcome{.value = std::move(*plan)};
}

Result<Outcome> eval_pull(EvalContext& context, const List& form) {
  auto split = db_and_args(context.database, form);
  if (!split) return std::unexpected(split.error());
  auto& [db, args] = *split;
  if (args.size() != 2) return bad_form("(pull DB? PATTERN EID) takes a pattern and one entity");
  auto pulled = db.pull(args[0], args[1]);
  if (!pulled) return std::unexpected(pulled.error());
  return Outcome{.value = std::move(*pulled)};
}

Result<Outcome> eval_pull_many(EvalContext& context, const List& form) {
  auto split = db_and_args(context.database, form);
  if (!split) return std::unexpected(split.error());
  auto& [db, args] = *split;
  if (args.size() != 2) return bad_form("(pull-many DB? PATTERN [EID...]) takes a pattern and a vector of entities");
  std::span<const Value> eids;
  if (auto v = args[1].get_if<Vector>()) {
    eids = v->items;
  } else if (auto l = args[1].get_if<List>()) {
    eids = l->items;
  } else {
    return bad_form("(pull-many DB? PATTERN [EID...]) takes its entities as a vector, got " + to_edn(args[1]));
  }
  auto pulled = db.pull_many(args[0], eids);
  if (!pulled) return std::unexpected(pulled.error());
  return Outcome{.value = std::move(*pulled)};
}

}  // namespace quarry::repl
