// What evaluating one form produced: its value, plus what the table printer needs to know about
// its shape. Script mode prints only `value` (as one line of EDN).
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <quarry/quarry.hpp>

namespace quarry::repl {

enum class OutcomeKind : unsigned char {
  Plain,   // any value; tables show it as EDN
  Datoms,  // a vector of [e a v tx added] (datoms, entity history)
  Query,   // a query result: `shape` and `columns` describe `value`
};

struct Outcome {
  Value value{};
  OutcomeKind kind = OutcomeKind::Plain;
  FindShape shape = FindShape::Relation;
  std::vector<std::string> columns{};
  // For a relation of maps (:keys, :strs, :syms): the map keys in the order the query wrote them.
  std::vector<Value> row_keys{};
};

// What a form is evaluated against.
struct EvalContext {
  Database& database;
  // Set (by the Ctrl-C handler) to stop the running query; passed as QueryOptions::cancel.
  const std::atomic<bool>* cancel = nullptr;
  // The query deadline (.timeout, --timeout), counted from the start of each query; none: no limit.
  std::optional<std::chrono::milliseconds> timeout = std::nullopt;
};

}  // namespace quarry::repl
