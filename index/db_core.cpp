#include "index/db_core.hpp"

namespace quarry::index {

namespace detail {

Result<Spaces> resolve_spaces(const Store& store) {
  Spaces s;
  for (int i = 0; i < 4; ++i) {
    auto order = static_cast<IndexOrder>(i);
    auto c = store.space(keys::current_space(order));
    if (!c) return std::unexpected(c.error());
    auto h = store.space(keys::history_space(order));
    if (!h) return std::unexpected(h.error());
    s.current[i] = *c;
    s.history[i] = *h;
  }
  auto log = store.space(keys::kLog);
  if (!log) return std::unexpected(log.error());
  auto meta = store.space(keys::kMeta);
  if (!meta) return std::unexpected(meta.error());
  auto values = store.space(keys::kValues);
  if (!values) return std::unexpected(values.error());
  s.log = *log;
  s.meta = *meta;
  s.values = *values;
  return s;
}

Result<std::string> SnapshotValues::encoding(std::uint64_t hash) const {
  if (!snapshot_) return fail(ErrorCode::Internal, "large value read without a snapshot");
  auto v = snapshot_->get(space_, keys::value_key(hash));
  if (!v) return std::unexpected(v.error());
  if (!*v)
    return fail(ErrorCode::StorageCorruption, "large value " + std::to_string(hash) + " is missing from the values space");
  return std::move(**v);
}

}  // namespace detail

}  // namespace quarry::index
