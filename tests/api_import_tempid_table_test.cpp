// TempidTable (api/import_tempid_table.hpp), the import's file-wide tempid -> id table, against a
// std::map model: the same answers for random strings and negative longs through many resizes.
#include <doctest/doctest.h>

#include "api/import_tempid_table.hpp"

#include <climits>
#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace {

using quarry::EntityId;
using quarry::Value;
using quarry::import_detail::TempidTable;

// A model key: the string or the long, never equal to each other ("-5" is not -5).
using ModelKey = std::variant<std::string, std::int64_t>;

Value value_of(const ModelKey& k) {
  if (auto s = std::get_if<std::string>(&k)) return Value(*s);
  return Value(std::get<std::int64_t>(k));
}

}  // namespace

TEST_CASE("the tempid table answers as a map does: first id kept, strings and longs apart, through resizes") {
  const std::uint64_t first_seed = 7130213;
  CAPTURE(first_seed);
  std::uint64_t seed = first_seed;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return seed >> 11;
  };
  // Keys drawn from a pool a little larger than what is inserted, so lookups hit and miss.
  auto random_key = [&]() -> ModelKey {
    switch (next() % 6) {
      case 0: return std::string("p") + std::to_string(next() % 40'000);
      case 1: return std::to_string(-static_cast<std::int64_t>(next() % 50));  // text that reads as a long
      case 2: return -static_cast<std::int64_t>(next() % 50) - 1;
      case 3: return std::string(130 + next() % 200, static_cast<char>('a' + next() % 3));  // 2-byte lengths
      case 4: return next() % 2 ? std::int64_t{LLONG_MIN} : std::int64_t{-1};
      default: return next() % 8 == 0 ? std::string() : std::string("p") + std::to_string(next() % 40'000) + std::string("\0x", 2);
    }
  };
  TempidTable table;
  std::map<ModelKey, std::uint64_t> model;
  CHECK_FALSE(table.find(Value(std::string("p1"))).has_value());
  for (int step = 0; step < 60'000; ++step) {
    const ModelKey key = random_key();
    const std::uint64_t id = next() % 1'000'000 + 1;
    const bool added = table.insert(value_of(key), EntityId{id});
    const bool model_added = model.emplace(key, id).second;
    REQUIRE(added == model_added);
    if (step % 7 == 0) {
      const ModelKey probe = random_key();
      auto found = table.find(value_of(probe));
      auto it = model.find(probe);
      REQUIRE(found.has_value() == (it != model.end()));
      if (found) CHECK(found->value == it->second);
      if (auto s = std::get_if<std::string>(&probe)) {
        auto by_text = table.find(std::string_view(*s));
        REQUIRE(by_text.has_value() == found.has_value());
        if (by_text) CHECK(by_text->value == found->value);
      }
    }
  }
  REQUIRE(table.size() == model.size());
  for (const auto& [key, id] : model) {
    auto found = table.find(value_of(key));
    REQUIRE(found.has_value());
    CHECK(found->value == id);
  }
  // Values that are not tempids are never found, and the string_view insert is the string's.
  CHECK_FALSE(table.find(Value(std::int64_t{5})).has_value());
  CHECK_FALSE(table.find(Value::keyword("p1")).has_value());
  CHECK_FALSE(table.keyable(Value(std::int64_t{0})));
  CHECK(table.insert(std::string_view("fresh-one"), EntityId{9}));
  CHECK_FALSE(table.insert(Value(std::string("fresh-one")), EntityId{10}));
  CHECK(table.find(Value(std::string("fresh-one")))->value == 9);
  MESSAGE("entries ", table.size(), ", bytes ", table.memory_bytes());
}
