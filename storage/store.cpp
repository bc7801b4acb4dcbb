#include "storage/store.hpp"

#include <algorithm>

#include "storage/write_batch.hpp"

namespace quarry {

Result<SpaceId> Store::space(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return SpaceId{static_cast<std::uint32_t>(i)};
  }
  return fail(ErrorCode::StorageUnknownSpace, "no key space named \"" + std::string(name) + "\"");
}

Result<std::vector<std::optional<std::string>>> Snapshot::get_many(
    SpaceId space, std::span<const std::string_view> keys) const {
  std::vector<std::optional<std::string>> out;
  out.reserve(keys.size());
  for (std::string_view key : keys) {
    auto value = get(space, key);
    if (!value) return std::unexpected(value.error());
    out.push_back(std::move(*value));
  }
  return out;
}

std::unexpected<Error> unknown_space(SpaceId id, std::size_t count) {
  return fail(ErrorCode::StorageUnknownSpace, "no key space with id " + std::to_string(id.index) +
                                                  " (the store has " + std::to_string(count) + ")");
}

Result<void> Store::check(SpaceId id) const {
  if (id.index < names_.size()) return {};
  return unknown_space(id, names_.size());
}

Result<void> Store::check(const WriteBatch& batch) const {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (auto ok = check(batch[i].space); !ok) return ok;
  }
  return {};
}

Result<void> Store::validate_names(std::span<const std::string> names) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) return fail(ErrorCode::InvalidArgument, "a key space name is empty");
    if (names[i] == "default") {
      return fail(ErrorCode::InvalidArgument,
                  "the key space name \"default\" is reserved for the store's own use");
    }
    if (std::find(names.begin(), names.begin() + i, names[i]) != names.begin() + i) {
      return fail(ErrorCode::InvalidArgument, "key space \"" + names[i] + "\" is named twice");
    }
  }
  return {};
}

}  // namespace quarry
