// Query inputs of the C API: an EDN vector in which $ and (as-of $ T), (since $ T), (history $)
// stand for the snapshot and its views, as they do in the `quarry` command.
#include <string>

#include "capi/handles.hpp"

namespace quarry::capi {
namespace {

bool is_symbol(const Value& v, std::string_view name) {
  const Symbol* s = v.get_if<Symbol>();
  return s && s->ns.empty() && s->name == name;
}

// The database `form` names, nullopt when it names none (then it is a plain value); an Error for
// a malformed database expression.
Result<std::optional<Db>> database_of(const Db& db, const Value& form) {
  if (is_symbol(form, "$")) return std::optional<Db>(db);
  const List* list = form.get_if<List>();
  if (!list || list->items.empty()) return std::optional<Db>();
  const Value& head = list->items[0];
  bool as_of = is_symbol(head, "as-of"), since = is_symbol(head, "since"), history = is_symbol(head, "history");
  if (!as_of && !since && !history) return std::optional<Db>();
  std::size_t arity = history ? 2 : 3;
  if (list->items.size() != arity)
    return fail(ErrorCode::InvalidArgument, "a database input is $, (as-of DB T), (since DB T) or (history DB): " +
                                                to_edn(form));
  auto inner = database_of(db, list->items[1]);
  if (!inner) return std::unexpected(inner.error());
  if (!*inner) return fail(ErrorCode::InvalidArgument, "not a database: " + to_edn(list->items[1]) + " in " + to_edn(form));
  if (history) return std::optional<Db>((*inner)->history());
  const std::int64_t* t = list->items[2].get_if<std::int64_t>();
  if (!t || *t <= 0) return fail(ErrorCode::InvalidArgument, "a tx id (a positive long) is expected in " + to_edn(form));
  TxId tx{static_cast<std::uint64_t>(*t)};
  return std::optional<Db>(as_of ? (*inner)->as_of(tx) : (*inner)->since(tx));
}

}  // namespace

Result<std::vector<QueryInput>> read_inputs(const Db& db, const char* inputs_edn) {
  std::vector<QueryInput> inputs;
  if (!inputs_edn) {
    inputs.emplace_back(db);
    return inputs;
  }
  auto form = read_edn(inputs_edn, EdnReadOptions{.skip_quote = true});
  if (!form) return std::unexpected(form.error());
  const Vector* items = form->get_if<Vector>();
  if (!items) return fail(ErrorCode::InvalidArgument, "query inputs are an EDN vector, not " + to_edn(*form));
  for (const Value& item : items->items) {
    auto database = database_of(db, item);
    if (!database) return std::unexpected(database.error());
    if (*database)
      inputs.emplace_back(std::move(**database));
    else
      inputs.emplace_back(item);
  }
  return inputs;
}

}  // namespace quarry::capi
