// The EDN reader: every kind of form, the errors (code, line, column, message), nesting limits,
// the incremental stream reader, and crash freedom on random and mutated input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "codec/edn_printer.hpp"
#include "codec/edn_reader.hpp"

using namespace quarry;

namespace {

Value read_ok(std::string_view text, const EdnReadOptions& options = {}) {
  auto r = read_edn(text, options);
  INFO("input: ", std::string(text));
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
  return *r;
}

Error read_error(std::string_view text, const EdnReadOptions& options = {}) {
  auto r = read_edn(text, options);
  INFO("input: ", std::string(text));
  REQUIRE_MESSAGE(!r.has_value(), "read as " << (r ? to_edn(*r) : ""));
  return r.error();
}

void check_reads_as(std::string_view text, const Value& expected) {
  Value got = read_ok(text);
  CHECK_MESSAGE(compare(got, expected) == 0,
                text << " read as " << to_edn(got) << ", expected " << to_edn(expected));
}

Value vec(std::vector<Value> items) {
  return Vector{std::move(items)};
}
Value lst(std::vector<Value> items) {
  return List{std::move(items)};
}
Value map_of(std::vector<std::pair<Value, Value>> entries) {
  Map m;
  REQUIRE(make_map(std::move(entries), m));
  return m;
}
Value set_of(std::vector<Value> items) {
  Set s;
  REQUIRE(make_set(std::move(items), s));
  return s;
}
Value kw(std::string_view q) {
  return Value::keyword(q);
}
Value sym(std::string_view q) {
  return Value::symbol(q);
}
Value tagged(std::string_view tag, Value v) {
  return Tagged{Value::symbol(tag).as<Symbol>(), std::make_shared<const Value>(std::move(v))};
}

}  // namespace

namespace doctest {
template <>
struct StringMaker<TextPosition> {
  static String convert(const TextPosition& p) {
    return ("{offset " + std::to_string(p.offset) + ", line " + std::to_string(p.line) +
            ", column " + std::to_string(p.column) + "}")
        .c_str();
  }
};
}  // namespace doctest

namespace {

std::string where(std::size_t line, std::size_t column) {
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

TEST_CASE("scalars read as their Values") {
  check_reads_as("nil", Value());
  check_reads_as("true", Value(true));
  check_reads_as("false", Value(false));
  check_reads_as("0", Value(0));
  check_reads_as("-0", Value(0));
  check_reads_as("+42", Value(42));
  check_reads_as("-42", Value(-42));
  check_reads_as("9223372036854775807", Value(std::numeric_limits<std::int64_t>::max()));
  check_reads_as("-9223372036854775808", Value(std::numeric_limits<std::int64_t>::min()));
  check_reads_as("1.5", Value(1.5));
  check_reads_as("-0.0", Value(-0.0));
  check_reads_as("1e3", Value(1000.0));
  check_reads_as("1E+3", Value(1000.0));
  check_reads_as("2.5e-3", Value(0.0025));
  check_reads_as("1.", Value(1.0));
  check_reads_as("1e400", Value(std::numeric_limits<double>::infinity()));
  check_reads_as("-1e400", Value(-std::numeric_limits<double>::infinity()));
  check_reads_as("1e-400", Value(0.0));
  check_reads_as("0.000000000000000000000000000001e-400", Value(0.0));
  check_reads_as("##Inf", Value(std::numeric_limits<double>::infinity()));
  check_reads_as("##-Inf", Value(-std::numeric_limits<double>::infinity()));
  check_reads_as("##NaN", Value(std::numeric_limits<double>::quiet_NaN()));
  check_reads_as("123N", Value(BigInt{"123"}));
  check_reads_as("-123N", Value(BigInt{"-123"}));
  check_reads_as("+0N", Value(BigInt{"0"}));
  check_reads_as("-0N", Value(BigInt{"0"}));
  check_reads_as("99999999999999999999N", Value(BigInt{"99999999999999999999"}));
  check_reads_as("1.50M", Value(BigDec{"1.50"}));
  check_reads_as("+7M", Value(BigDec{"7"}));
  check_reads_as("-1.5e10M", Value(BigDec{"-1.5e10"}));
  CHECK(read_ok("1.0").is<double>());
  CHECK(read_ok("1").is<std::int64_t>());
}

TEST_CASE("strings decode escapes and keep UTF-8") {
  check_reads_as(R"("")", Value(""));
  check_reads_as(R"("a\tb\rc\nd\\e\"f\bg\fh")", Value("a\tb\rc\nd\\e\"f\bg\fh"));
  check_reads_as(R"("\u00e9\u00E9")", Value("\xc3\xa9\xc3\xa9"));
  check_reads_as(R"("\u0000")", Value(std::string(1, '\0')));
  check_reads_as(R"("\ud83d\ude00")", Value("\xf0\x9f\x98\x80"));
  check_reads_as("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
                 Value("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  check_reads_as("\"two\nlines, ; not a comment\"", Value("two\nlines, ; not a comment"));
}

TEST_CASE("characters, keywords and symbols") {
  check_reads_as(R"(\a)", Value(Char{U'a'}));
  check_reads_as(R"(\\)", Value(Char{U'\\'}));
  check_reads_as(R"(\()", Value(Char{U'('}));
  check_reads_as(R"(\")", Value(Char{U'"'}));
  check_reads_as(R"(\newline)", Value(Char{U'\n'}));
  check_reads_as(R"(\space)", Value(Char{U' '}));
  check_reads_as(R"(\tab)", Value(Char{U'\t'}));
  check_reads_as(R"(\return)", Value(Char{U'\r'}));
  check_reads_as(R"(\formfeed)", Value(Char{U'\f'}));
  check_reads_as(R"(\backspace)", Value(Char{U'\b'}));
  check_reads_as(R"(\u00e9)", Value(Char{0xe9}));
  check_reads_as(R"(\u)", Value(Char{U'u'}));
  check_reads_as(R"([\a\b])", vec({Char{U'a'}, Char{U'b'}}));

  check_reads_as(":a", kw("a"));
  check_reads_as(":ns/name", kw("ns/name"));
  check_reads_as(":a.b-c/d?e!", kw("a.b-c/d?e!"));
  check_reads_as(":1", kw("1"));
  check_reads_as(":a:b#c", kw("a:b#c"));
  CHECK(read_ok(":db/id").as<Keyword>().ns == "db");

  for (const char* s : {"a", "ns/name", "+", "-", ".", "...", "->x", "-a", "+a", "-.5", "a1",
                        "<=", "a#b", "a:b", "*foo*", "!?$%&=<>_", "clojure.core//"})
    check_reads_as(s, sym(s));
  check_reads_as("/", Value(Symbol{"", "/"}));
  check_reads_as("nil?", sym("nil?"));
  check_reads_as("true-ish", sym("true-ish"));
}

TEST_CASE("collections, tagged literals, comments and discards") {
  check_reads_as("()", lst({}));
  check_reads_as("[]", vec({}));
  check_reads_as("{}", map_of({}));
  check_reads_as("#{}", set_of({}));
  check_reads_as("(1 [2 {:a #{3}}])", lst({1, vec({2, map_of({{kw("a"), set_of({3})}})})}));
  check_reads_as("{:b 2, :a 1,}", map_of({{kw("a"), 1}, {kw("b"), 2}}));
  check_reads_as("#{3 1 2}", set_of({1, 2, 3}));
  check_reads_as("{1 :long 1.0 :double}", map_of({{1, kw("long")}, {1.0, kw("double")}}));
  check_reads_as("[1 ; comment ]\n 2]", vec({1, 2}));
  check_reads_as("[1 #_ 2 3]", vec({1, 3}));
  check_reads_as("[#_ #_ 1 2 3]", vec({3}));
  check_reads_as("#_ [ignored (stuff)] 4", 4);
  check_reads_as("[#_1]", vec({}));
  check_reads_as(",,[,1,,2,],,", vec({1, 2}));
  check_reads_as("\t\r\n\f\v[1]", vec({1}));
  check_reads_as("#myapp/point [1 2]", tagged("myapp/point", vec({1, 2})));
  check_reads_as("#a #b 1", tagged("a", tagged("b", 1)));
  check_reads_as("#tag #_ 1 2", tagged("tag", 2));
  check_reads_as("[a\"s\"1]", vec({sym("a"), "s", 1}));
}

TEST_CASE("#inst, #uuid and #bytes become Instant, Uuid and Bytes") {
  check_reads_as(R"(#inst "1970-01-01T00:00:00Z")", Instant{0});
  check_reads_as(R"(#inst "1985-04-12T23:20:50.52Z")", Instant{482196050520});
  check_reads_as(R"(#inst "1985-04-12T23:20:50.520123Z")", Instant{482196050520});
  check_reads_as(R"(#inst "1985-04-12T19:20:50.52-04:00")", Instant{482196050520});
  check_reads_as(R"(#inst "1985-04-13T01:20:50.52+02:00")", Instant{482196050520});
  check_reads_as(R"(#inst "1985-04-12t23:20:50.52z")", Instant{482196050520});
  check_reads_as(R"(#inst "1985-04-12T23:20:50.52")", Instant{482196050520});
  check_reads_as(R"(#inst "1985")", Instant{473385600000});
  check_reads_as(R"(#inst "1985-04-12")", Instant{482112000000});
  check_reads_as(R"(#inst "1969-12-31T23:59:59.999Z")", Instant{-1});
  check_reads_as(R"(#inst "2000-02-29T00:00:00Z")", Instant{951782400000});
  check_reads_as(R"(#inst "1998-12-31T23:59:60Z")", Instant{915148800000});
  check_reads_as(R"(#inst "0000-01-01T00:00:00Z")", Instant{-62167219200000});
  check_reads_as(R"(#inst "+10000-01-01T00:00:00.000Z")", Instant{253402300800000});
  check_reads_as(R"(#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6")",
                 Uuid{{0xf8, 0x1d, 0x4f, 0xae, 0x7d, 0xec, 0x11, 0xd0, 0xa7, 0x65, 0x00, 0xa0, 0xc9,
                       0x1e, 0x6b, 0xf6}});
  check_reads_as(R"(#uuid "F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6")",
                 read_ok(R"(#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6")"));
  check_reads_as(R"(#bytes "")", Bytes{""});
  check_reads_as(R"(#bytes "aGVsbG8=")", Bytes{"hello"});
  check_reads_as(R"(#bytes "AP8=")", Bytes{std::string("\x00\xff", 2)});
  check_reads_as(R"(#inst/x "not builtin")", tagged("inst/x", "not builtin"));
}

TEST_CASE("a quote before a form is skipped only when asked") {
  EdnReadOptions quoting;
  quoting.skip_quote = true;
  CHECK(compare(read_ok("'[:find ?e]", quoting), vec({kw("find"), sym("?e")})) == 0);
  CHECK(compare(read_ok("(q '[:find ?e] ' x)", quoting),
                lst({sym("q"), vec({kw("find"), sym("?e")}), sym("x")})) == 0);
  CHECK(read_error("'x").message.find(where(1, 1)) != std::string::npos);
  CHECK_FALSE(read_edn("''x", quoting).has_value());
  CHECK(read_edn("[1 ']", quoting)
            .error()
            .message.find("unexpected character ']' at line 1, column 5: expected a form") !=
        std::string::npos);
  CHECK(read_next_form("'", {}, false, quoting).status == ReadStatus::Incomplete);
  CHECK(read_next_form("' \n", {}, false, quoting).status == ReadStatus::Incomplete);
}

TEST_CASE("read_edn wants one form, read_edn_all any number") {
  CHECK(read_ok("  ; lead\n 1 ; trail\n #_ 2 ") == Value(1));
  auto all = read_edn_all("1 [2] ; c\n :x #_ y");
  REQUIRE(all.has_value());
  REQUIRE(all->size() == 3);
  CHECK((*all)[2] == kw("x"));
  auto none = read_edn_all(" ; nothing\n ");
  REQUIRE(none.has_value());
  CHECK(none->empty());
  auto bad = read_edn_all("1 2 )");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.find("unexpected character ')' at " + where(1, 5)) !=
        std::string::npos);
}

// ---- errors
// --------------------------------------------------------------------------------------

namespace {

struct BadInput {
  std::string text;
  ErrorCode code;
  std::size_t line, column;
  std::string says;  // a substring of the message
};

std::vector<BadInput> bad_inputs() {
  const auto S = ErrorCode::EdnSyntax;
  return {
      {"[1 2", S, 1, 5,
       "unexpected end of input at line 1, column 5: expected ']' or a form (the '[' at line 1, "
       "column 1 is not closed)"},
      {"{:a}", S, 1, 4, "unexpected character '}' at line 1, column 4: expected a map value"},
      {"{1 2 3}", S, 1, 7, "expected a map value"},
      {"{:a #_ 1}", S, 1, 9, "expected a map value"},
      {"{:a 1 :a 2}", S, 1, 7,
       "duplicate map key :a at line 1, column 7: maps and sets cannot repeat a key (first at line "
       "1, column 2)"},
      {"#{1 1}", S, 1, 5, "duplicate set element 1"},
      {"#{[1 2] 3 [1 2]}", S, 1, 11, "duplicate set element [1 2]"},
      {"\"abc", S, 1, 5,
       "expected '\"' to end the string (the string at line 1, column 1 is not closed)"},
      {"\"\\q\"", S, 1, 3, "unexpected character 'q' at line 1, column 3: expected an escape"},
      {"\"\\\xff\"", S, 1, 3,
       "unexpected non-ASCII byte 0xff at line 1, column 3: expected an escape"},
      {"\"\\u12\"", S, 1, 6, "expected four hex digits after \\u"},
      {"\"\\udc00\"", S, 1, 2, "a low surrogate without a high one"},
      {"\"\\ud800x\"", S, 1, 2, "high surrogate must be followed"},
      {"\"\\ud800\\u0041\"", S, 1, 2, "high surrogate must be followed"},
      {"99999999999999999999", S, 1, 1,
       "invalid number '99999999999999999999' at line 1, column 1: integer out of the 64-bit "
       "range"},
      {"[9223372036854775808]", S, 1, 2, "64-bit"},
      {"-9223372036854775809", S, 1, 1, "64-bit"},
      {"01", S, 1, 1, "leading zeros"},
      {"-007.5", S, 1, 1, "leading zeros"},
      {"0x1F", S, 1, 1, "invalid number '0x1F'"},
      {"1/2", S, 1, 1, "ratios"},
      {"1.5N", S, 1, 1, "use M"},
      {"1e", S, 1, 1, "exponent needs digits"},
      {"12abc", S, 1, 1, "invalid number"},
      {"::kw", S, 1, 1, "invalid keyword '::kw' at line 1, column 1: auto-resolved"},
      {":", S, 1, 2, "expected a keyword name after ':'"},
      {":/", S, 1, 1, "invalid keyword"},
      {":a/1", S, 1, 1, "cannot start with a digit"},
      {"a/b/c", S, 1, 1, "invalid symbol 'a/b/c'"},
      {"/a", S, 1, 1, "must not be empty"},
      {"a/", S, 1, 1, "must not be empty"},
      {".5", S, 1, 1, "cannot continue with a digit"},
      {"a:", S, 1, 1, "cannot end with ':'"},
      {"\\", S, 1, 2,
       "unexpected end of input at line 1, column 2: expected a character name after '\\'"},
      {"\\ x", S, 1, 2, "expected a character name"},
      {"\\ab", S, 1, 1, "invalid character '\\ab'"},
      {"\\u12345", S, 1, 1, "invalid character"},
      {"\\uzzzz", S, 1, 1, "invalid character"},
      {"#inst \"nope\"", S, 1, 7, "invalid #inst \"nope\" at line 1, column 7"},
      {"#inst \"1985-02-29T00:00:00Z\"", S, 1, 7, "day"},
      {"#inst \"1985-04-12T24:00:00Z\"", S, 1, 7, "hour"},
      {"#inst \"1985-04-12T23:20:50Z junk\"", S, 1, 7, "after the timestamp"},
      {"#inst \"1985-04-12T23:20:50+25:00\"", S, 1, 7, "offset"},
      {"#inst 12", S, 1, 7, "#inst takes a string"},
      {"#uuid \"x\"", S, 1, 7, "invalid #uuid \"x\""},
      {"#uuid \"f81d4fae-7dec-11d0-a765-00a0c91e6bfg\"", S, 1, 7, "8-4-4-4-12"},
      {"#bytes \"abc\"", S, 1, 8, "multiple of 4"},
      {"#bytes \"ab!=\"", S, 1, 8, "base64"},
      {"\xff", S, 1, 1, "unexpected non-ASCII byte 0xff at line 1, column 1"},
      {"[1 \xc3\xa9]", S, 1, 4, "non-ASCII byte 0xc3"},
      {"caf\xc3\xa9", S, 1, 4, "non-ASCII"},
      {"\"\xff\"", S, 1, 2, "invalid UTF-8 in a string at line 1, column 2"},
      {"\"a\xc3(\"", S, 1, 3, "UTF-8"},
      {"\"\xc0\x80\"", S, 1, 2, "UTF-8"},
      {"\"\xed\xa0\x80\"", S, 1, 2, "UTF-8"},
      {"\"\xf4\x90\x80\x80\"", S, 1, 2, "UTF-8"},
      {"\"\xe2\x82\"", S, 1, 2, "UTF-8"},
      {")", S, 1, 1, "unexpected character ')' at line 1, column 1: expected a form"},
      {"]", S, 1, 1, "unexpected character ']'"},
      {"[1 2)", S, 1, 5, "expected ']' or a form"},
      {"(1 2]", S, 1, 5, "expected ')' or a form"},
      {"#", S, 1, 2, "after '#'"},
      {"# x", S, 1, 2, "after '#'"},
      {"#:a{:b 1}", S, 1, 2, "after '#'"},
      {"#\"re\"", S, 1, 2, "after '#'"},
      {"#1 2", S, 1, 2, "after '#'"},
      {"#_", S, 1, 3,
       "expected a form after '#_' (the #_ at line 1, column 1 has no form to discard)"},
      {"[1 #_]", S, 1, 6, "expected a form after '#_'"},
      {"#foo", S, 1, 5,
       "expected a form after the tag (the tag #foo at line 1, column 1 has no form)"},
      {"#a::b 1", S, 1, 1, "invalid tag"},
      {"##Foo", S, 1, 1, "invalid symbolic value '##Foo'"},
      {"## Inf", S, 1, 3, "Inf, -Inf or NaN"},
      {"1 2", S, 1, 3,
       "unexpected character '2' at line 1, column 3: expected end of input (exactly one form"},
      {"", S, 1, 1, "unexpected end of input at line 1, column 1: expected a form"},
      {" ; only a comment", S, 1, 18, "expected a form"},
      {"'x", S, 1, 1, "unexpected character '''"},
      {"@x", S, 1, 1, "unexpected character '@'"},
      {"[1\x01]", S, 1, 3, "control byte 0x01"},
      {"[1\n 2\n (3 @)]", S, 3, 5,
       "unexpected character '@' at line 3, column 5: expected ')' or a form"},
      {"{:a 1\n :b}", S, 2, 4, "expected a map value"},
      {"\"multi\nline", S, 2, 5, "the string at line 1, column 1 is not closed"},
      {"\"\xc3\xa9\" x", S, 1, 5, "exactly one form"},
      {"[\n\n  \"\xe2\x82\xac\xe2\x82\xac\" @]", S, 3, 8, "'@' at line 3, column 8"},
      {std::string(1000, '['), ErrorCode::EdnDepth, 1, 513,
       "nesting too deep at line 1, column 513: more than 512"},
  };
}

}  // namespace

TEST_CASE("bad input gives a positioned error with the expected code") {
  for (const auto& bad : bad_inputs()) {
    auto r = read_edn(bad.text);
    INFO("input: ", bad.text);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == bad.code);
    CHECK_MESSAGE(r.error().message.find(" at " + where(bad.line, bad.column)) != std::string::npos,
                  r.error().message);
    CHECK_MESSAGE(r.error().message.find(bad.says) != std::string::npos, r.error().message);
  }
}

// ---- nesting depth
// -------------------------------------------------------------------------------

TEST_CASE("nesting is bounded: a million openers give EdnDepth, not a stack overflow") {
  std::size_t n = 1'000'000;
  for (std::string opener : {"[", "(", "{", "#{", "#_ ", "#t ", "{:k "}) {
    std::string text;
    text.reserve(n * opener.size());
    for (std::size_t i = 0; i < n; ++i) text += opener;
    auto r = read_edn(text);
    INFO("opener: ", opener);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::EdnDepth);
    auto step = read_next_form(text, {}, false);
    CHECK(step.status == ReadStatus::Error);
    CHECK(step.error->code == ErrorCode::EdnDepth);
  }
}

TEST_CASE("max_depth is exact and configurable") {
  auto nested = [](std::size_t n) { return std::string(n, '[') + std::string(n, ']'); };
  CHECK(read_edn(nested(512)).has_value());
  CHECK(read_edn(nested(513)).error().code == ErrorCode::EdnDepth);
  EdnReadOptions shallow;
  shallow.max_depth = 2;
  CHECK(read_edn("[[1]]", shallow).has_value());
  CHECK(read_edn("#a [1]", shallow).has_value());
  CHECK(read_edn("[[[1]]]", shallow).error().code == ErrorCode::EdnDepth);
  CHECK(read_edn("[#_ 1 2]", shallow).has_value());  // the discard is a level too
  CHECK(read_edn("[#_ [1] 2]", shallow).error().code == ErrorCode::EdnDepth);
  CHECK(read_edn("#a #b #c 1", shallow).error().code == ErrorCode::EdnDepth);
  EdnReadOptions flat;
  flat.max_depth = 0;
  CHECK(read_edn("1", flat).has_value());
  CHECK(read_edn("[]", flat).error().code == ErrorCode::EdnDepth);
}

// ---- incremental reading
// -------------------------------------------------------------------------

TEST_CASE("read_next_form tells a form, the end, incomplete input and an error apart") {
  auto step = read_next_form("  [1 2] rest", {}, false);
  REQUIRE(step.status == ReadStatus::Form);
  CHECK(step.consumed == 7);
  CHECK(step.form->value == vec({1, 2}));
  CHECK(step.form->start == TextPosition{2, 1, 3});
  CHECK(step.form->end == TextPosition{7, 1, 8});

  for (const char* partial :
       {"[1 2", "(a\n(b", "\"open string", "\"\\", "\"\\u00", "\"\xc3", "#", "#_", "#_ 1", "#inst",
        "\\", ":", "{:a 1 :b", "12", "abc", "#{1 1", ";c\n 1", " ; comment"}) {
    INFO("input: ", std::string(partial));
    CHECK(read_next_form(partial, {}, false).status == ReadStatus::Incomplete);
    CHECK(read_next_form(partial, {}, true).status != ReadStatus::Incomplete);
  }
  CHECK(read_next_form("12 ", {}, false).status == ReadStatus::Form);
  CHECK(read_next_form("[12]", {}, false).status == ReadStatus::Form);
  CHECK(read_next_form("\"s\"", {}, false).status == ReadStatus::Form);
  CHECK(read_next_form("12", {}, true).status == ReadStatus::Form);

  for (const char* text : {"", "  ", " ; comment\n", "#_ [1] ", ", ,\n"}) {
    auto end = read_next_form(text, {}, false);
    CHECK(end.status == ReadStatus::End);
    CHECK(end.consumed == std::string_view(text).size());
  }

  for (const char* bad : {"[1 \"\\q\"", ")", "[1 2)", "{:a 1 :a", "0x", "#{1 1}"}) {
    INFO("input: ", std::string(bad));
    auto error = read_next_form(bad, {}, false);
    CHECK(error.status == (std::string_view(bad) == "0x" || std::string_view(bad) == "{:a 1 :a"
                               ? ReadStatus::Incomplete
                               : ReadStatus::Error));
  }
}

TEST_CASE("errors are positioned in the whole stream") {
  auto step = read_next_form("[1\n  @]", TextPosition{100, 7, 4}, true);
  REQUIRE(step.status == ReadStatus::Error);
  CHECK(step.error->message.find("at line 8, column 3") != std::string::npos);
}

TEST_CASE("the stream reader yields forms with stream positions across feeds") {
  EdnStreamReader reader;
  reader.feed("1\n  [2\n");
  auto first = reader.next();
  REQUIRE(first.has_value());
  REQUIRE(first->has_value());
  CHECK((*first)->value == Value(1));
  CHECK((*first)->start == TextPosition{0, 1, 1});
  auto none = reader.next();
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
  CHECK(reader.has_partial_form());
  reader.feed("3]  :x");
  auto second = reader.next();
  REQUIRE(second.has_value());
  REQUIRE(second->has_value());
  CHECK((*second)->value == vec({2, 3}));
  CHECK((*second)->start == TextPosition{4, 2, 3});
  CHECK((*second)->end == TextPosition{9, 3, 3});
  auto pending = reader.next();  // ":x" may still grow
  REQUIRE(pending.has_value());
  CHECK_FALSE(pending->has_value());
  reader.finish();
  auto third = reader.next();
  REQUIRE(third.has_value());
  REQUIRE(third->has_value());
  CHECK((*third)->value == kw("x"));
  CHECK((*third)->start == TextPosition{11, 3, 5});
  CHECK(reader.at_end());
  CHECK_FALSE(reader.next()->has_value());
}

TEST_CASE("the stream reader reports an error and goes on after the bad form") {
  EdnStreamReader reader;
  reader.feed("(a\n  \"\\q\"\n  b)\n(c) [d\n");
  reader.finish();
  auto error = reader.next();
  REQUIRE_FALSE(error.has_value());
  CHECK(error.error().message.find("at line 2, column 5") != std::string::npos);
  auto c = reader.next();
  REQUIRE(c.has_value());
  REQUIRE(c->has_value());
  CHECK((*c)->value == lst({sym("c")}));
  CHECK((*c)->start == TextPosition{15, 4, 1});
  auto unterminated = reader.next();
  REQUIRE_FALSE(unterminated.has_value());
  CHECK(unterminated.error().message.find("unexpected end of input at line 5, column 1") !=
        std::string::npos);
  CHECK(unterminated.error().message.find("the '[' at line 4, column 5 is not closed") !=
        std::string::npos);
  CHECK(reader.at_end());
}

TEST_CASE("an interactive error drops the unfinished form at once") {
  EdnStreamReader reader;
  reader.feed("[1 \"\\q\"\n");  // brackets still open, but the error is already certain
  auto error = reader.next();
  REQUIRE_FALSE(error.has_value());
  CHECK_FALSE(reader.has_partial_form());
  reader.feed("(+ 1 2)\n");
  auto form = reader.next();
  REQUIRE(form.has_value());
  REQUIRE(form->has_value());
  CHECK((*form)->value == lst({sym("+"), 1, 2}));
  CHECK((*form)->start.line == 2);
  reader.feed("[unfinished");
  CHECK_FALSE(reader.next()->has_value());
  reader.discard_pending();
  CHECK_FALSE(reader.has_partial_form());
  CHECK(reader.position().offset == 27);
}

TEST_CASE("WholeForm: an error in the first line of a form skips the whole form, however fed") {
  const std::string text = "(a \"\\q\"\n (b)\n [c\n (d)])\n(e)\n";
  for (std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{8}, text.size()}) {
    EdnStreamReader reader({}, {}, StreamErrors::WholeForm);
    std::vector<std::string> seen;
    for (std::size_t i = 0; i < text.size(); i += piece) {
      reader.feed(std::string_view(text).substr(i, piece));
      for (;;) {
        auto r = reader.next();
        if (!r) {
          seen.push_back("error at line " + std::to_string(reader.position().line));
          continue;
        }
        if (!*r) break;
        seen.push_back(to_edn((*r)->value));
      }
    }
    reader.finish();
    CHECK_FALSE(reader.next()->has_value());
    CHECK(reader.at_end());
    // (b), [c …] and (d) are never read as forms of their own.
    CHECK(seen == std::vector<std::string>{"error at line 4", "(e)"});
  }
}

TEST_CASE("WholeForm: a form completing mid-line is read even when the next one has begun") {
  EdnStreamReader reader({}, {}, StreamErrors::WholeForm);
  reader.feed("[1\n");
  CHECK_FALSE(reader.next()->has_value());
  reader.feed("2] (x\n");
  auto first = reader.next();
  REQUIRE(first.has_value());
  REQUIRE(first->has_value());
  CHECK((*first)->value == vec({1, 2}));
  CHECK_FALSE(reader.next()->has_value());
  CHECK(reader.has_partial_form());
  reader.finish();
  CHECK_FALSE(reader.next().has_value());  // (x cut off by the end of input
}

TEST_CASE("WholeForm: a long multi-line form is read once, in linear time") {
  EdnStreamReader reader({}, {}, StreamErrors::WholeForm);
  reader.feed("[\n");
  const int lines = 400'000;  // re-parsing per line would take hours
  int early = 0;
  for (int i = 0; i < lines; ++i) {
    reader.feed("  1\n");
    auto r = reader.next();
    early += !r.has_value() || r->has_value();
  }
  CHECK(early == 0);
  reader.feed("]\n");
  auto r = reader.next();
  REQUIRE(r.has_value());
  REQUIRE(r->has_value());
  CHECK((*r)->value.as<Vector>().items.size() == lines);
}

namespace {

// Feeds `text` in pieces of the given sizes (cycled), collecting forms and error messages.
std::vector<std::string> read_in_pieces(std::string_view text, std::vector<std::size_t> sizes) {
  EdnStreamReader reader;
  std::vector<std::string> out;
  auto drain = [&] {
    for (;;) {
      auto r = reader.next();
      if (!r) {
        out.push_back("error: " + r.error().message);
        continue;
      }
      if (!*r) return;
      out.push_back(to_edn((*r)->value) + " @" + std::to_string((*r)->start.offset) + "-" +
                    std::to_string((*r)->end.offset) + " " +
                    where((*r)->start.line, (*r)->start.column));
    }
  };
  std::size_t i = 0, piece = 0;
  while (i < text.size()) {
    std::size_t n = std::min(sizes[piece++ % sizes.size()], text.size() - i);
    reader.feed(text.substr(i, n));
    i += n;
    drain();
  }
  reader.finish();
  drain();
  CHECK(reader.at_end());
  return out;
}

}  // namespace

TEST_CASE("feeding a stream in any pieces gives the same forms and positions") {
  std::string text =
      "1 -2 3.5 :kw sym \"str\xc3\xa9\xf0\x9f\x98\x80\" \\a \\newline #inst "
      "\"1985-04-12T23:20:50.52Z\"\n"
      "; comment\n{:a [1 2 #{3}] \"k\" (x y)} #_ dropped #tag [v] ##NaN 12N 1.5M\n"
      "(\"\xc3\xa9\" \n \\u20ac) nil true";
  auto whole = read_in_pieces(text, {text.size()});
  REQUIRE(whole.size() == 17);
  CHECK(whole[5] == "\"str\xc3\xa9\xf0\x9f\x98\x80\" @17-28 line 1, column 18");
  CHECK(whole[14] == "(\"\xc3\xa9\" \\u20ac) @144-159 line 4, column 1");
  CHECK(whole[16] == "true @164-168 line 5, column 14");
  std::mt19937_64 rng(7);
  for (std::vector<std::size_t> sizes : {std::vector<std::size_t>{1}, {2}, {3, 1, 7}, {5, 11}}) {
    auto pieces = read_in_pieces(text, sizes);
    CHECK(pieces == whole);
    for (std::size_t i = 0; i < std::min(pieces.size(), whole.size()); ++i)
      if (pieces[i] != whole[i]) {
        MESSAGE(pieces[i] << " vs " << whole[i]);
        break;
      }
  }
  for (int round = 0; round < 20; ++round) {
    std::vector<std::size_t> sizes;
    for (int k = 0; k < 16; ++k) sizes.push_back(1 + rng() % 24);
    CHECK(read_in_pieces(text, sizes) == whole);
  }
}

TEST_CASE("a large form fed line by line completes without quadratic re-reading") {
  EdnStreamReader reader;
  reader.feed("[\n");
  const int lines = 200'000;  // 2.6 MB: re-parsing it on every line would take minutes
  int early = 0;
  for (int i = 0; i < lines; ++i) {
    reader.feed("\"line\" 12345\n");
    auto r = reader.next();
    early += !r.has_value() || r->has_value();
  }
  CHECK(early == 0);
  CHECK(reader.has_partial_form());
  reader.feed("]\n");
  auto r = reader.next();
  REQUIRE(r.has_value());
  REQUIRE(r->has_value());
  CHECK((*r)->value.as<Vector>().items.size() == 2 * lines);
  CHECK((*r)->end.line == lines + 2);
}

// ---- crash freedom
// -------------------------------------------------------------------------------

namespace {

const char* const kCorpus[] = {
    "{:a 1, :b [2 3.5 \"x\\ny\"] :c #{:d \\e} :f (g h/i) :j nil :k true}",
    "#inst \"1985-04-12T23:20:50.52Z\"",
    "#uuid \"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\"",
    "[#_ #_ 1 2 3 ; comment\n ##Inf ##-Inf ##NaN 12N -1.5e-3M]",
    "(q '[:find ?e :where [?e :person/name \"Ann\"]])",
    "\"\\u00e9\\ud83d\\ude00 caf\xc3\xa9\"",
    "#myapp/tag {[1 2] #{3}} #bytes \"aGVsbG8=\"",
    "[\\newline \\u0041 \\( -> ... / a/b :a/b]",
};

void check_outcome(const Result<Value>& r) {
  if (r) {  // anything read must print and read back to itself
    auto again = read_edn(to_edn(*r));
    REQUIRE_MESSAGE(again.has_value(), to_edn(*r));
    CHECK(compare(*again, *r) == 0);
  } else {
    CHECK(!r.error().message.empty());
    CHECK(r.error().message.find("line ") != std::string::npos);
  }
}

}  // namespace

TEST_CASE("random and mutated input never crashes the reader (seeded)") {
  constexpr std::uint64_t kSeed = 20261121;
  constexpr int kRandom = 3000, kMutated = 3000;
  std::printf("edn reader fuzz seed: %llu, %d random + %d mutated inputs\n",
              static_cast<unsigned long long>(kSeed), kRandom, kMutated);
  std::mt19937_64 rng(kSeed);
  const std::string syntax = "()[]{}#_\\\";:,' \n/.-+0123456789eENMabcinstuvwxyz\xc3\xa9\xff";
  auto random_byte = [&] {
    return rng() % 4 == 0 ? static_cast<char>(rng() % 256) : syntax[rng() % syntax.size()];
  };
  for (int i = 0; i < kRandom; ++i) {
    std::string text;
    for (std::size_t n = rng() % 48; n > 0; --n) text += random_byte();
    check_outcome(read_edn(text));
    (void)read_edn_all(text);
    (void)read_next_form(text, {}, false);
  }
  for (int i = 0; i < kMutated; ++i) {
    std::string text = kCorpus[rng() % std::size(kCorpus)];
    for (int edits = 1 + static_cast<int>(rng() % 4); edits > 0 && !text.empty(); --edits) {
      std::size_t at = rng() % text.size();
      switch (rng() % 4) {
        case 0:
          text[at] = random_byte();
          break;
        case 1:
          text.erase(at, 1 + rng() % 3);
          break;
        case 2:
          text.insert(at, 1, random_byte());
          break;
        case 3:
          text.resize(at);
          break;
      }
    }
    check_outcome(read_edn(text));
    (void)read_edn_all(text);
    EdnStreamReader reader;
    reader.feed(text);
    reader.finish();
    for (int guard = 0; guard < 1000 && !reader.at_end(); ++guard) (void)reader.next();
    CHECK(reader.at_end());
  }
}

TEST_CASE("keywords read again and again, and past the kept table's size, read as themselves") {
  // The reader keeps the keywords it met lately on this thread (codec/kept_keywords.hpp, 4,096 at
  // most, then it starts over): a text repeating some keywords and naming 10,000 distinct ones
  // must read back exactly, invalid keywords must still be refused after a valid one was kept, and
  // a keyword read before must not change when the table starts over.
  std::string text = "[";
  for (int i = 0; i < 10000; ++i) text += " :ns" + std::to_string(i % 5) + "/k" + std::to_string(i) + " :name :a/b";
  text += "]";
  auto first = read_edn(":a/b");
  REQUIRE(first.has_value());
  auto all = read_edn(text);
  REQUIRE(all.has_value());
  const auto& items = all->as<Vector>().items;
  REQUIRE(items.size() == 30000);
  for (int i = 0; i < 10000; ++i) {
    CHECK(items[3 * i].as<Keyword>() == Keyword{"ns" + std::to_string(i % 5), "k" + std::to_string(i)});
    CHECK(items[3 * i + 1].as<Keyword>() == Keyword{"", "name"});
    CHECK(items[3 * i + 2].as<Keyword>() == Keyword{"a", "b"});
  }
  CHECK(first->as<Keyword>() == Keyword{"a", "b"});
  CHECK_FALSE(read_edn(":a/").has_value());
  CHECK_FALSE(read_edn("::a").has_value());
}

TEST_CASE("advance_position counts lines and UTF-8 characters as the byte-by-byte rule does") {
  // The rule: a newline starts the next line at column 1; every other byte that is not a UTF-8
  // continuation byte (10xxxxxx) is one column; the offset counts bytes.
  auto model = [](TextPosition from, std::string_view text) {
    for (char ch : text) {
      auto c = static_cast<unsigned char>(ch);
      if (c == '\n') {
        ++from.line;
        from.column = 1;
      } else if ((c & 0xC0) != 0x80) {
        ++from.column;
      }
    }
    from.offset += text.size();
    return from;
  };
  const std::vector<std::string> pieces{"a", "\n", "é", "日本", "𝄞", " ", "\t", "{:k \"v\"}", "\n\n", "\xC3"};
  std::mt19937 rng(2026);
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
    const TextPosition from{static_cast<std::size_t>(rng() % 100), 1 + rng() % 5, 1 + rng() % 7};
    CAPTURE(text);
    CHECK(advance_position(from, text) == model(from, text));
  }
}

TEST_CASE("maps and sets read in any key order keep make_map's order and reject repeats") {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    const int n = 1 + static_cast<int>(rng() % 40);  // both sides of the small-map sort's cut-off
    std::vector<int> keys(n);
    for (int i = 0; i < n; ++i) keys[i] = i;
    std::shuffle(keys.begin(), keys.end(), rng);
    std::string map_text = "{", set_text = "#{";
    std::vector<std::pair<Value, Value>> entries;
    std::vector<Value> items;
    auto key_text = [](int k) {
      const std::string n = std::to_string(k);
      return k % 3 == 0 ? ":a/k" + n : k % 3 == 1 ? ":k" + n : "\"s" + n + "\"";
    };
    for (int k : keys) {
      const std::string key = key_text(k);
      map_text += key + " " + std::to_string(k) + " ";
      set_text += key + " ";
      entries.emplace_back(read_ok(key), Value(static_cast<std::int64_t>(k)));
      items.push_back(read_ok(key));
    }
    Map expected_map;
    REQUIRE(make_map(entries, expected_map));
    Set expected_set;
    REQUIRE(make_set(items, expected_set));
    CHECK(read_ok(map_text + "}") == Value(expected_map));
    CHECK(read_ok(set_text + "}") == Value(expected_set));
    // The same key again, anywhere: an error naming the repeat and where the first one was.
    const std::string again = key_text(keys[0]);
    auto bad = read_edn(map_text + again + " 0}");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().message.find("duplicate map key") != std::string::npos);
    CHECK(bad.error().message.find("(first at line 1, column 2)") != std::string::npos);
    auto bad_set = read_edn(set_text + again + "}");
    REQUIRE_FALSE(bad_set.has_value());
    CHECK(bad_set.error().message.find("duplicate set element") != std::string::npos);
  }
}
