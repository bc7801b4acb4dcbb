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

Result<void> Context::row_limit_error() const {
  return fail(ErrorCode::QueryLimit, "an intermediate relation grew past " + std::to_string(limits_.max_rows) +
                                         " rows (Limits::max_rows)");
}

}  // namespace quarry::query
