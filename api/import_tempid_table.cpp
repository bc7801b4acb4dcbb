#include "api/import_tempid_table.hpp"

#include <bit>
#include <cstring>
#include <functional>

namespace quarry::import_detail {
namespace {

constexpr unsigned kOffsetBits = 40;  // arena offsets up to 1 TiB
constexpr std::uint64_t kOffsetMask = (std::uint64_t{1} << kOffsetBits) - 1;

std::uint64_t tag_bits(std::uint64_t hash) noexcept { return (hash >> kOffsetBits) << kOffsetBits; }

}  // namespace

bool TempidTable::keyable(const Value& tempid) noexcept {
  return tempid.is<std::string>() || (tempid.is<std::int64_t>() && tempid.as<std::int64_t>() < 0);
}

TempidTable::Key TempidTable::key_of(const Value& tempid, char (&buffer)[8]) {
  Key key;
  if (tempid.is<std::string>()) {
    key.tag = 's';
    key.bytes = tempid.as<std::string>();
  } else {
    key.tag = 'l';
    auto n = static_cast<std::uint64_t>(tempid.as<std::int64_t>());
    for (int i = 0; i < 8; ++i) buffer[i] = static_cast<char>(n >> (56 - 8 * i));
    key.bytes = std::string_view(buffer, 8);
  }
  return key;
}

std::uint64_t TempidTable::hash_of(const Key& key) noexcept {
  std::uint64_t h = std::hash<std::string_view>()(key.bytes) ^ (key.tag == 'l' ? 0x9E3779B97F4A7C15ULL : 0);
  // std::hash of a string_view is a good 64-bit hash; a final mix spreads longs' bytes too.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

TempidTable::Key TempidTable::stored_key(std::uint64_t offset) const noexcept {
  const char* p = arena_.data() + offset;
  Key key;
  key.tag = *p++;
  std::size_t length = 8;
  if (key.tag == 's') {
    length = 0;
    for (unsigned shift = 0;; shift += 7) {
      const auto byte = static_cast<unsigned char>(*p++);
      length |= static_cast<std::size_t>(byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
  }
  key.bytes = std::string_view(p, length);
  return key;
}

std::size_t TempidTable::probe(const Key& key, std::uint64_t hash) const noexcept {
  const std::size_t mask = slots_.size() - 1;
  const std::uint64_t tag = tag_bits(hash);
  for (std::size_t i = static_cast<std::size_t>(hash) & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.where == 0) return i;
    if (tag_bits(s.where) != tag) continue;
    const Key stored = stored_key((s.where & kOffsetMask) - 1);
    if (stored.tag == key.tag && stored.bytes == key.bytes) return i;
  }
}

std::optional<EntityId> TempidTable::find(const Value& tempid) const {
  if (size_ == 0 || !keyable(tempid)) return std::nullopt;
  char buffer[8];
  return find(key_of(tempid, buffer));
}

bool TempidTable::insert(const Value& tempid, EntityId id) {
  char buffer[8];
  return insert(key_of(tempid, buffer), id);
}

std::optional<EntityId> TempidTable::find(std::string_view tempid) const {
  if (size_ == 0) return std::nullopt;
  return find(Key{'s', tempid});
}

bool TempidTable::insert(std::string_view tempid, EntityId id) { return insert(Key{'s', tempid}, id); }

std::optional<EntityId> TempidTable::find(const Key& key) const {
  const Slot& s = slots_[probe(key, hash_of(key))];
  if (s.where == 0) return std::nullopt;
  return EntityId{s.id};
}

bool TempidTable::insert(const Key& key, EntityId id) {
  if ((size_ + 1) * 10 > slots_.size() * 7) grow();
  const std::uint64_t hash = hash_of(key);
  Slot& s = slots_[probe(key, hash)];
  if (s.where != 0) return false;
  const std::uint64_t offset = arena_.size();
  arena_.push_back(key.tag);
  if (key.tag == 's')
    for (std::size_t n = key.bytes.size();; n >>= 7) {
      arena_.push_back(static_cast<char>(n < 0x80 ? n : (n & 0x7f) | 0x80));
      if (n < 0x80) break;
    }
  arena_.append(key.bytes);
  s.where = tag_bits(hash) | (offset + 1);
  s.id = id.value;
  ++size_;
  return true;
}

void TempidTable::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
  const std::size_t mask = slots_.size() - 1;
  // The hash's low bits are not kept: each key is hashed again from the arena.
  for (const Slot& s : old) {
    if (s.where == 0) continue;
    std::size_t i = static_cast<std::size_t>(hash_of(stored_key((s.where & kOffsetMask) - 1))) & mask;
    while (slots_[i].where != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

std::size_t TempidTable::memory_bytes() const noexcept {
  return arena_.capacity() + slots_.capacity() * sizeof(Slot);
}

}  // namespace quarry::import_detail
