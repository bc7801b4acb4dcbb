#include <doctest/doctest.h>

#include "support/edn_value.hpp"

#include "codec/edn_reader.hpp"
#include "query/parse/query_cache.hpp"

namespace {

using quarry::testing::edn;

}  // namespace

TEST_CASE("a query parsed once is served from the cache the second time") {
  quarry::query::QueryCache cache;
  const auto query = edn("[:find ?e :where [?e :name \"Ivan\"]]");
  auto first = cache.parse(query);
  auto second = cache.parse(edn("[:find ?e :where [?e :name \"Ivan\"]]"));
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->get() == second->get());
  CHECK(cache.hits() == 1);
  CHECK(cache.size() == 1);
}

TEST_CASE("bad queries are reported every time and not cached") {
  quarry::query::QueryCache cache;
  const auto bad = edn("[:find ?x :where [?e :name ?n]]");
  for (int i = 0; i < 2; ++i) {
    auto r = cache.parse(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == quarry::ErrorCode::QueryInvalid);
  }
  CHECK(cache.size() == 0);
  CHECK(cache.hits() == 0);
}

TEST_CASE("the least recently used query leaves the cache first") {
  quarry::query::QueryCache cache(2);
  const auto a = edn("[:find ?e :where [?e :a]]");
  const auto b = edn("[:find ?e :where [?e :b]]");
  const auto c = edn("[:find ?e :where [?e :c]]");
  REQUIRE(cache.parse(a));
  REQUIRE(cache.parse(b));
  REQUIRE(cache.parse(a));  // a is now the most recent
  REQUIRE(cache.parse(c));  // evicts b
  CHECK(cache.size() == 2);
  const auto hits = cache.hits();
  REQUIRE(cache.parse(a));
  CHECK(cache.hits() == hits + 1);
  REQUIRE(cache.parse(b));
  CHECK(cache.hits() == hits + 1);  // b was parsed again
}
