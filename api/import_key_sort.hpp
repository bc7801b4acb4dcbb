// Internal to api/: the in-memory sort of the import's bulk path (import_bulk_sort.hpp): index
// entries held in one arena, sorted by key through small records that point into it.
//
// A record carries the first 8 bytes of its key, so that the sort reads the arena only for keys
// that agree on those: an in-place MSD radix sort (American flag sort) on the key's bytes, whose
// first eight levels read the record alone. Reading the byte of each level from the arena had
// cost a cache miss per record per level (the arena is up to half the sort budget: 128 MiB), the
// most expensive part of the sort at 1M and 10M datoms; the entries' first 8 bytes (compact
// entity and attribute ids, the start of a value) decide most of the order.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace quarry::import_detail {

struct SortRecord {
  std::uint64_t prefix;  // the key's first 8 bytes, big-endian, zero-padded (key_of gives the key)
  std::uint64_t offset;  // in the arena: key then value
  std::uint32_t key_size;
  std::uint32_t value_size;

  // The record of an entry whose key and value start at `offset` of an arena.
  [[nodiscard]] static SortRecord of(std::string_view key, std::uint64_t offset, std::uint32_t value_size) noexcept;
  [[nodiscard]] std::string_view key(const char* arena) const noexcept { return {arena + offset, key_size}; }
  [[nodiscard]] std::string_view value(const char* arena) const noexcept {
    return {arena + offset + key_size, value_size};
  }
};

// Sorts `records` (of entries in `arena`) into ascending key order (bytewise, a key before the
// keys it is a prefix of); records of equal keys end up next to each other, in no given order.
// Sorts in place: no memory beyond the recursion (at most one level per key byte).
void sort_records(const char* arena, std::vector<SortRecord>& records);
// The same for the records [first, last).
void sort_records(const char* arena, SortRecord* first, SortRecord* last);

}  // namespace quarry::import_detail
