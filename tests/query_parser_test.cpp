// The query parser: every form of the query language parses to the expected AST, prints back to
// EDN that parses to the same AST, and malformed or meaningless queries fail with :query/syntax or
// :query/invalid and a message naming the offending part.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "codec/edn_printer.hpp"
#include "codec/edn_reader.hpp"
#include "query/parser.hpp"

using namespace quarry;
using namespace quarry::query;

namespace {

Value edn(std::string_view text) {
  auto v = read_edn(text);
  REQUIRE_MESSAGE(v.has_value(), text);
  return *v;
}

Query parse(std::string_view text) {
  auto q = parse_query(edn(text));
  if (!q) FAIL_CHECK(std::string(text) << " -> " << q.error().message);
  REQUIRE(q.has_value());
  return *q;
}

std::string printed(const Query& q) { return quarry::to_edn(to_edn(q)); }

// Parses `text`, prints it, parses the print and compares the two prints. Returns the print.
std::string round_trip(std::string_view text) {
  Query q = parse(text);
  std::string once = printed(q);
  auto again = parse_query(to_edn(q));
  if (!again) FAIL_CHECK(once << " -> " << again.error().message);
  REQUIRE(again.has_value());
  CHECK_MESSAGE(printed(*again) == once, text);
  return once;
}

}  // namespace

TEST_CASE("a relation query parses to patterns with the default source") {
  Query q = parse("[:find ?e ?n :where [?e :name ?n]]");
  CHECK(q.find.shape == FindShape::Relation);
  REQUIRE(q.find.elements.size() == 2);
  CHECK(std::get<FindVar>(q.find.elements[0]).var.name == "?e");
  REQUIRE(q.in.size() == 1);
  CHECK(std::get<SrcVar>(q.in[0]).name == "$");
  REQUIRE(q.where.size() == 1);
  const auto& p = std::get<DataPattern>(q.where[0].node);
  CHECK(p.source.name == "$");
  REQUIRE(p.terms.size() == 3);
  CHECK(std::get<Value>(p.terms[1]) == Value::keyword("name"));
  CHECK(printed(q) == "[:find ?e ?n :in $ :where [?e :name ?n]]");
}
