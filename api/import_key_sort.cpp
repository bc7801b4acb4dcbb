#include "api/import_key_sort.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

namespace quarry::import_detail {
namespace {

constexpr std::size_t kPrefixBytes = sizeof(SortRecord::prefix);

// The key's byte at `depth`, or -1 past its end, read from the record's prefix while it can.
inline int byte_at(const char* arena, const SortRecord& r, std::size_t depth) noexcept {
  if (r.key_size <= depth) return -1;
  if (depth < kPrefixBytes) return static_cast<int>((r.prefix >> (56 - 8 * depth)) & 0xFF);
  return static_cast<unsigned char>(arena[r.offset + depth]);
}

// Sorts records [first, last), whose keys agree on their first `depth` bytes: an in-place MSD
// radix sort on the key's bytes (American flag sort), std::sort for small ranges. A comparison
// sort spent most of its comparisons on long shared prefixes (AVET keys of one attribute and a few
// distinct values, AEVT keys of one attribute): this touches each byte of a key about once. A key
// that ends at `depth` sorts first (bucket 0); keys in it are equal.
void radix_sort(const char* arena, SortRecord* first, SortRecord* last, std::size_t depth) {
  constexpr std::ptrdiff_t kSmall = 48;
  for (;;) {
    const std::ptrdiff_t n = last - first;
    if (n < 2) return;
    if (n < kSmall) {
      std::sort(first, last, [&](const SortRecord& x, const SortRecord& y) {
        // Prefixes that differ order their keys (zero padding sorts a shorter key first, as it should).
        if (x.prefix != y.prefix) return x.prefix < y.prefix;
        return x.key(arena).substr(std::min<std::size_t>(depth, x.key_size)) <
               y.key(arena).substr(std::min<std::size_t>(depth, y.key_size));
      });
      return;
    }
    auto bucket = [&](const SortRecord& r) -> std::size_t { return static_cast<std::size_t>(1 + byte_at(arena, r, depth)); };
    std::array<std::size_t, 257> count{};
    for (SortRecord* r = first; r != last; ++r) ++count[bucket(*r)];
    if (count[0] == static_cast<std::size_t>(n)) return;  // all keys equal
    if (std::find(count.begin(), count.end(), static_cast<std::size_t>(n)) != count.end()) {
      ++depth;  // one byte shared by every key: look at the next
      continue;
    }
    std::array<std::size_t, 257> next{}, end{};
    std::size_t at = 0;
    for (std::size_t b = 0; b < 257; ++b) {
      next[b] = at;
      at += count[b];
      end[b] = at;
    }
    for (std::size_t b = 0; b < 257; ++b) {
      while (next[b] < end[b]) {
        SortRecord r = first[next[b]];
        for (std::size_t k = bucket(r); k != b; k = bucket(r)) std::swap(r, first[next[k]++]);
        first[next[b]++] = r;
      }
    }
    for (std::size_t b = 1, from = count[0]; b < 257; from += count[b], ++b)
      if (count[b] > 1) radix_sort(arena, first + from, first + from + count[b], depth + 1);
    return;
  }
}

}  // namespace

SortRecord SortRecord::of(std::string_view key, std::uint64_t offset, std::uint32_t value_size) noexcept {
  unsigned char bytes[kPrefixBytes] = {};
  if (!key.empty()) std::memcpy(bytes, key.data(), std::min(key.size(), kPrefixBytes));
  std::uint64_t prefix;
  std::memcpy(&prefix, bytes, kPrefixBytes);
  if constexpr (std::endian::native == std::endian::little) prefix = __builtin_bswap64(prefix);
  return SortRecord{prefix, offset, static_cast<std::uint32_t>(key.size()), value_size};
}

void sort_records(const char* arena, std::vector<SortRecord>& records) {
  radix_sort(arena, records.data(), records.data() + records.size(), 0);
}

void sort_records(const char* arena, SortRecord* first, SortRecord* last) { radix_sort(arena, first, last, 0); }

}  // namespace quarry::import_detail
