// Database expressions of the `quarry` command (doc/architecture.md, "The quarry command"): `$`, (as-of DB T), (since DB T),
// (history DB) and (with DB TX-DATA), nested freely; T is a tx id or an #inst. (with DB TX-DATA)
// is the database after a speculative transaction on DB (Db::with), never written.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include <quarry/quarry.hpp>

namespace quarry::repl {

// The database `v` denotes; std::nullopt when `v` is not a database expression at all (so the
// caller can treat it as something else, e.g. a literal query input), an Error when it is one
// but cannot be evaluated (a bad time).
[[nodiscard]] std::optional<Result<Db>> database_expression(Database& database, const Value& v);

// The report of (with DB TX-DATA) when `v` is such a form (an Error when it is malformed or the
// transaction fails); std::nullopt for anything else.
[[nodiscard]] std::optional<Result<TxReport>> speculative_transaction(Database& database, const Value& v);

// Splits the arguments of (op DB? ARG...) into the database (default: the current one, `$`) and
// the remaining arguments.
[[nodiscard]] Result<std::pair<Db, std::vector<Value>>> db_and_args(Database& database, const List& form);

}  // namespace quarry::repl
