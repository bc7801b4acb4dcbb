#include "storage/write_batch.hpp"

namespace quarry {

void WriteBatch::add(Kind kind, SpaceId space, std::string_view key, std::string_view value) {
  entries_.push_back(Entry{kind, space, static_cast<std::uint32_t>(key.size()),
                           static_cast<std::uint32_t>(value.size()), arena_.size()});
  arena_.append(key);
  arena_.append(value);
}

void WriteBatch::put(SpaceId space, std::string_view key, std::string_view value) {
  add(Kind::Put, space, key, value);
}

void WriteBatch::del(SpaceId space, std::string_view key) { add(Kind::Delete, space, key, {}); }

void WriteBatch::delete_range(SpaceId space, std::string_view begin, std::string_view end) {
  add(Kind::DeleteRange, space, begin, end);
}

void WriteBatch::clear() noexcept {
  arena_.clear();
  entries_.clear();
}

void WriteBatch::reserve(std::size_t ops, std::size_t bytes) {
  entries_.reserve(ops);
  arena_.reserve(bytes);
}

WriteBatch::Op WriteBatch::operator[](std::size_t i) const noexcept {
  const Entry& e = entries_[i];
  std::string_view all(arena_);
  return Op{e.kind, e.space, all.substr(e.offset, e.key_size),
            all.substr(e.offset + e.key_size, e.value_size)};
}

}  // namespace quarry
