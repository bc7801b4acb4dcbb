// A cache of parsed queries, keyed by the query's EDN value, so a query run many times is parsed
// and checked once. Least-recently-used entries are dropped beyond the capacity.
//
// Thread safety: every member may be called from any number of threads at once.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "codec/error.hpp"
#include "codec/value.hpp"
#include "query/parse/ast.hpp"

namespace quarry::query {

class QueryCache {
 public:
  explicit QueryCache(std::size_t capacity = 512) : capacity_(capacity) {}

  // The parsed form of `form` (parse_query), from the cache when it was parsed before. Errors are
  // not cached.
  [[nodiscard]] Result<std::shared_ptr<const Query>> parse(const Value& form);

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::size_t hits() const;

 private:
  using Entry = std::pair<Value, std::shared_ptr<const Query>>;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<Value, std::list<Entry>::iterator> index_;
  std::size_t hits_ = 0;
};

}  // namespace quarry::query
