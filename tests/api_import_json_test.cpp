// The JSON reader of JSON Lines imports (api/import_json.hpp): what it accepts, and a catalogue of
// malformed input, each with the column and the words of its error.
#include <doctest/doctest.h>

#include <string>

#include "api/import_json.hpp"

using quarry::import_detail::Json;
using quarry::import_detail::kMaxJsonDepth;
using quarry::import_detail::parse_json;

TEST_CASE("JSON: values, numbers kept as written, members in order, escapes and surrogate pairs") {
  auto v = parse_json(R"( {"a": [1, -0.5, 2e10, 1E-2, 0], "b": {"c": null, "d": true, "e": false},
                           "s": "q\"\\\/\b\f\n\r\t\u00e9\u20AC\ud83d\ude00", "": ""} )");
  REQUIRE_MESSAGE(v.has_value(), (v ? "" : v.error().message));
  REQUIRE(v->kind == Json::Kind::Object);
  REQUIRE(v->members.size() == 4);
  CHECK(v->members[0].first == "a");
  const Json& a = v->members[0].second;
  REQUIRE(a.items.size() == 5);
  CHECK(a.items[0].text == "1");
  CHECK(a.items[1].text == "-0.5");
  CHECK(a.items[2].text == "2e10");
  CHECK(a.items[3].text == "1E-2");
  CHECK(a.items[4].text == "0");
  CHECK(a.column == 8);
  const Json& b = v->members[1].second;
  CHECK(b.members[0].second.kind == Json::Kind::Null);
  CHECK(b.members[1].second.boolean);
  CHECK_FALSE(b.members[2].second.boolean);
  CHECK(v->members[2].second.text == "q\"\\/\b\f\n\r\t\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  CHECK(v->members[3].first.empty());
  CHECK(parse_json("[]")->items.empty());
  CHECK(parse_json("{}")->members.empty());
  CHECK(parse_json("\"\"")->text.empty());
  // Repeated keys are kept (the importer refuses them, naming the attribute).
  CHECK(parse_json(R"({"a": 1, "a": 2})")->members.size() == 2);
  // Raw UTF-8 passes through.
  CHECK(parse_json("\"\xC3\xA9t\xC3\xA9\"")->text == "\xC3\xA9t\xC3\xA9");
}

TEST_CASE("JSON: malformed input is refused with its column") {
  struct Case {
    std::string text;
    const char* message;
  };
  const Case cases[] = {
      {"", "column 1: expected a value; found the end of the line"},
      {"   ", "column 4: expected a value; found the end of the line"},
      {"{", "column 2: expected a key (a string); found the end of the line"},
      {"{\"a\"}", "column 5: expected ':' after the key; found '}'"},
      {"{\"a\" 1}", "column 6: expected ':' after the key; found '1'"},
      {"{\"a\":}", "column 6: expected a value (an object, array, string, number, true, false or null); found '}'"},
      {"{\"a\":1,}", "column 8: expected a key (a string); found '}'"},
      {"{a:1}", "column 2: expected a key (a string); found 'a'"},
      {"{\"a\":1 \"b\":2}", "column 8: expected ',' or '}' in the object; found '\"'"},
      {"[1 2]", "column 4: expected ',' or ']' in the array; found '2'"},
      {"[1,]", "column 4: expected a value (an object, array, string, number, true, false or null); found ']'"},
      {"[1", "column 3: expected ',' or ']' in the array; found the end of the line"},
      {"01", "column 2: a number cannot start with 0"},
      {"1.", "column 3: expected digits after the decimal point; found the end of the line"},
      {".5", "column 1: expected a value (an object, array, string, number, true, false or null); found '.'"},
      {"-", "column 2: expected digits; found the end of the line"},
      {"1e", "column 3: expected digits in the exponent; found the end of the line"},
      {"+1", "column 1: expected a value (an object, array, string, number, true, false or null); found '+'"},
      {"NaN", "column 1: expected a value (an object, array, string, number, true, false or null); found 'N'"},
      {"tru", "column 1: expected a value (an object, array, string, number, true, false or null); found 't'"},
      {"nul", "column 1: expected a value (an object, array, string, number, true, false or null); found 'n'"},
      {"'a'", "column 1: expected a value (an object, array, string, number, true, false or null); found '''"},
      {"\"abc", "column 1: the string is not closed"},
      {"\"a\\", "column 1: the string is not closed"},
      {"\"\\x\"", "column 3: an unknown escape \\x"},
      {"\"\\u12\"", "column 4: \\u needs four hex digits"},
      {"\"\\u12", "column 4: \\u needs four hex digits"},
      {"\"\\udc00\"", "column 8: a lone low surrogate \\u escape"},
      {"\"\\ud800\"", "column 8: a high surrogate \\u escape without its low half"},
      {"\"\\ud800\\u0041\"", "column 14: a high surrogate \\u escape without its low half"},
      {std::string("\"a\tb\""), "column 3: a control character (byte 9) in a string; write it as \\u00XX"},
      {"1 2", "column 3: the value ends here; found '2'"},
      {"{} x", "column 4: the value ends here; found 'x'"},
      {"[1] // note", "column 5: the value ends here; found '/'"},
      {std::string("[\x01]"), "column 2: expected a value (an object, array, string, number, true, false or null); found byte 1"},
      {std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']'),
       "column 65: nested deeper than 64 levels"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    auto v = parse_json(c.text);
    REQUIRE_FALSE(v.has_value());
    CHECK(v.error().code == quarry::ErrorCode::InvalidArgument);
    CHECK(v.error().message == c.message);
  }
  // Just inside the depth limit.
  CHECK(parse_json(std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']')).has_value());
}
