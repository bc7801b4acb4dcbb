// sort_records (api/import_key_sort.hpp), the bulk import's in-memory sort, against std::sort of
// the same keys: random keys that share long prefixes, end inside and past the 8 bytes a record
// carries, and hold zero and 0xFF bytes (a key that is a prefix of another, "a" before "a\0").
#include <doctest/doctest.h>

#include "api/import_key_sort.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using quarry::import_detail::SortRecord;
using quarry::import_detail::sort_records;

struct Entries {
  std::string arena;
  std::vector<SortRecord> records;
  std::vector<std::string> keys;

  void add(const std::string& key, const std::string& value) {
    records.push_back(SortRecord::of(key, arena.size(), static_cast<std::uint32_t>(value.size())));
    arena += key;
    arena += value;
    keys.push_back(key);
  }
};

// Sorts `e` and checks the keys come out as std::sort orders them, each with its own value.
void check_sorted(Entries& e) {
  sort_records(e.arena.data(), e.records);
  std::vector<std::string> expected = e.keys;
  std::sort(expected.begin(), expected.end());
  REQUIRE(e.records.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    REQUIRE(e.records[i].key(e.arena.data()) == expected[i]);
    // Each value is "v" + its key: the record kept its own entry.
    REQUIRE(e.records[i].value(e.arena.data()) == "v" + expected[i]);
  }
}

}  // namespace

TEST_CASE("import entries sort by their keys' bytes, across the 8 bytes a record carries") {
  const std::uint64_t first_seed = 20261207;
  CAPTURE(first_seed);
  std::uint64_t seed = first_seed;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return seed >> 11;
  };
  // Sizes below, around and far above the radix sort's small-range cut (48).
  for (std::size_t n : {0, 1, 2, 47, 48, 200, 5'000, 60'000}) {
    CAPTURE(n);
    Entries e;
    // A few shared stems (as AVET keys of one attribute and value share theirs), some of them
    // longer than 8 bytes, then random tails over a small alphabet with 0x00 and 0xFF.
    const std::string stems[] = {"", std::string("\x01\x02", 2), std::string("\x01\x02\x00\x00\x00\x00\x00", 7),
                                 std::string("\x01\x02\x00\x00\x00\x00\x00\x00\x00", 9), "abcdefghijklmnop"};
    const char alphabet[] = {'\x00', '\x01', 'a', 'b', '\x7f', '\x80', '\xff'};
    for (std::size_t i = 0; i < n; ++i) {
      std::string key = stems[next() % std::size(stems)];
      const std::size_t tail = next() % 14;
      for (std::size_t j = 0; j < tail; ++j) key += alphabet[next() % std::size(alphabet)];
      e.add(key, "v" + key);
    }
    check_sorted(e);
  }
}

TEST_CASE("a key sorts before the keys it is a prefix of, also where zero bytes follow it") {
  Entries e;
  // Many copies so the radix sort (not only the small-range sort) sees them.
  for (int i = 0; i < 30; ++i) {
    for (const std::string& k : {std::string("a"), std::string("a\0", 2), std::string("a\0\0\0\0\0\0\0\0", 9),
                                 std::string("a\0\0\0\0\0\0\0", 8), std::string(""), std::string("\0", 1),
                                 std::string("a\0\0\0\0\0\0\0\x01", 9), std::string("b")})
      e.add(k, "v" + k);
  }
  check_sorted(e);
}
