// Database expressions of the `quarry` command (DESIGN.md §7): `$`, (as-of DB T), (since DB T)
// and (history DB), nested freely; T is a tx id or an #inst.
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

// Splits the arguments of (op DB? ARG...) into the database (default: the current one, `$`) and
// the remaining arguments.
[[nodiscard]] Result<std::pair<Db, std::vector<Value>>> db_and_args(Database& database, const List& form);

}  // namespace quarry::repl
