#include "query/exec/context.hpp"

#include <atomic>

namespace quarry::query {

Result<void> Context::check_interrupt() const {
  if (limits_.cancel && limits_.cancel->load(std::memory_order_relaxed))
    return fail(ErrorCode::QueryCancelled, "query cancelled");
  if (limits_.deadline && std::chrono::steady_clock::now() > *limits_.deadline)
    return fail(ErrorCode::QueryTimeout, "query ran past its deadline");
  return {};
}

Result<void> Context::byte_limit_error(std::size_t rows, std::size_t columns) const {
  return fail(ErrorCode::QueryLimit, "an intermediate relation of " + std::to_string(rows) + " rows x " +
                                         std::to_string(columns) + " columns grew past the query's memory budget of " +
                                         std::to_string(limits_.max_bytes >> 20) + " MiB (QueryOptions::max_bytes)");
}

Result<void> Context::row_limit_error() const {
  return fail(ErrorCode::QueryLimit, "an intermediate relation grew past " + std::to_string(limits_.max_rows) +
                                         " rows (Limits::max_rows)");
}

Result<void> Context::fail_row(const Relation& in, std::span<const Value> row, Error error) {
  switch (error.code) {
    case ErrorCode::QueryCancelled:
    case ErrorCode::QueryTimeout:
    case ErrorCode::QueryLimit:
    case ErrorCode::OutOfMemory:
    case ErrorCode::Internal: return std::unexpected(std::move(error));
    default: break;
  }
  if (!failed) failed.emplace(FailedRows{Relation(in.vars()), {}});
  failed->rows.add_row(row);
  failed->errors.push_back(std::move(error));
  return check_rows(failed->rows.size(), failed->rows.arity());
}

}  // namespace quarry::query
