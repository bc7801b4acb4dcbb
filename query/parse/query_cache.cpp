#include "query/parse/query_cache.hpp"

#include "query/parse/parser.hpp"

namespace quarry::query {

Result<std::shared_ptr<const Query>> QueryCache::parse(const Value& form) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(form); it != index_.end()) {
      entries_.splice(entries_.begin(), entries_, it->second);
      ++hits_;
      return it->second->second;
    }
  }
  // Parse outside the lock: two threads may parse the same new query; the second insert wins.
  auto parsed = parse_query(form);
  if (!parsed) return std::unexpected(parsed.error());
  auto query = std::make_shared<const Query>(std::move(*parsed));
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(form); it != index_.end()) {
    entries_.erase(it->second);
    index_.erase(it);
  }
  entries_.emplace_front(form, query);
  index_.emplace(form, entries_.begin());
  while (entries_.size() > capacity_) {
    index_.erase(entries_.back().first);
    entries_.pop_back();
  }
  return query;
}

std::size_t QueryCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::size_t QueryCache::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

}  // namespace quarry::query
