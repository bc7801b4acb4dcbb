#include "query/context.hpp"

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

const Source* Context::source(const std::string& name) const {
  const std::string& key = name == "$" ? default_source : name;
  auto it = sources.find(key);
  return it == sources.end() ? nullptr : &it->second;
}

}  // namespace quarry::query
