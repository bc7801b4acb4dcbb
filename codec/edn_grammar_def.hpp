// The EDN grammar (Boost.Spirit X3). Include from exactly one translation unit
// (codec/edn_reader.cpp); see edn_grammar.hpp.
//
// Shape: no skipper — whitespace (ws: blanks, commas, ; comments, #_ discards) is explicit, so
// token boundaries are exact. Tokens (numbers, symbols, keywords, characters) are delimited here
// and classified by codec/edn_tokens.cpp. After the first character of a construct commits to it,
// the rest is an expectation (`>`), so an error is reported where it happens, naming what was
// expected. Only ASCII classes (codec/edn_chars.hpp) are used; bytes >= 0x80 match nothing except
// inside strings, where they must form valid UTF-8.
//
// Recursion: every construct that can nest — ( [ { #{, a tagged literal, #_ — calls
// ParseState::enter, which fails beyond max_depth before the next level of C++ recursion.
#pragma once

#include <algorithm>
#include <memory>
#include <numeric>
#include <stdexcept>

#include <boost/fusion/include/at_c.hpp>

#include "codec/edn_chars.hpp"
#include "codec/edn_grammar.hpp"
#include "codec/edn_literals.hpp"
#include "codec/edn_printer.hpp"
#include "codec/edn_string.hpp"
#include "codec/edn_tokens.hpp"

namespace quarry::edn_grammar {
struct mark_parser;
}

// Error messages name what an expectation point wanted: for a parser with a semantic action, that
// is what its subject is called (a rule's name), not the action's C++ type.
namespace boost::spirit::x3 {
template <class Subject, class Action>
struct get_info<action<Subject, Action>> {
  using result_type = std::string;
  std::string operator()(action<Subject, Action> const& p) const { return what(p.subject); }
};
template <class Right>
struct get_info<sequence<quarry::edn_grammar::mark_parser, Right>> {
  using result_type = std::string;
  std::string operator()(sequence<quarry::edn_grammar::mark_parser, Right> const& p) const {
    return what(p.right);
  }
};
}  // namespace boost::spirit::x3

namespace quarry::edn_grammar {

// ---- primitives ------------------------------------------------------------------------------
//
// Positions: Boost 1.74's x3::_where gives the text *after* a match, so positions are taken with
// `mark` (a zero-width parser yielding the current iterator) and `opener`, never with _where.

// Zero-width; yields the current position.
struct mark_parser : x3::parser<mark_parser> {
  using attribute_type = Iterator;
  static bool const has_attribute = true;
  template <class Ctx, class RCtx, class Attr>
  bool parse(Iterator& first, Iterator const&, Ctx const&, RCtx&, Attr& attr) const {
    x3::traits::move_to(first, attr);
    return true;
  }
};
inline constexpr mark_parser mark{};

// Matches `text` and enters one nesting level (ParseState::enter) labelled `label`, positioned
// `back` bytes before the match (so "#{" is reported at its '#').
struct opener_parser : x3::parser<opener_parser> {
  using attribute_type = x3::unused_type;
  static bool const has_attribute = false;
  std::string_view text, label;
  std::ptrdiff_t back = 0;
  template <class Ctx, class RCtx, class Attr>
  bool parse(Iterator& first, Iterator const& last, Ctx const& ctx, RCtx&, Attr&) const {
    if (static_cast<std::size_t>(last - first) < text.size() || std::string_view(first, text.size()) != text)
      return false;
    x3::get<state_tag>(ctx).enter(first - back, label);
    first += text.size();
    return true;
  }
};
constexpr opener_parser opener(std::string_view text, std::string_view label, std::ptrdiff_t back = 0) {
  return {{}, text, label, back};
}

// One byte satisfying Pred (an edn_chars predicate; false for bytes >= 0x80).
template <auto Pred>
struct byte_if_parser : x3::parser<byte_if_parser<Pred>> {
  using attribute_type = char;
  static bool const has_attribute = true;
  template <class It, class Ctx, class RCtx, class Attr>
  bool parse(It& first, It const& last, Ctx const&, RCtx&, Attr& attr) const {
    if (first == last || !Pred(static_cast<unsigned char>(*first))) return false;
    x3::traits::move_to(*first, attr);
    ++first;
    return true;
  }
};
template <auto Pred>
inline constexpr byte_if_parser<Pred> byte_if{};

inline constexpr auto whitespace_byte = byte_if<edn_chars::is_whitespace>;
inline constexpr auto digit = byte_if<edn_chars::is_digit>;
inline constexpr auto alpha = byte_if<edn_chars::is_alpha>;
inline constexpr auto constituent = byte_if<edn_chars::is_constituent>;
inline constexpr auto symbol_start = byte_if<edn_chars::is_symbol_start>;
inline constexpr auto graphic = byte_if<edn_chars::is_graphic>;
inline constexpr auto plain_string_byte = byte_if<edn_chars::is_plain_string_byte>;
constexpr bool is_sign(unsigned char c) noexcept { return c == '+' || c == '-'; }
constexpr bool is_comment_byte(unsigned char c) noexcept { return c != '\n'; }
inline constexpr auto sign = byte_if<is_sign>;
inline constexpr auto comment_byte = byte_if<is_comment_byte>;

// One well-formed UTF-8 sequence of two to four bytes (strings only). A malformed sequence is an
// error; one cut off by the end of the buffer is reported at the end (an incomplete string).
struct utf8_sequence_parser : x3::parser<utf8_sequence_parser> {
  using attribute_type = x3::unused_type;
  static bool const has_attribute = false;
  template <class Ctx, class RCtx, class Attr>
  bool parse(Iterator& first, Iterator const& last, Ctx const&, RCtx&, Attr&) const {
    if (first == last || static_cast<unsigned char>(*first) < 0x80) return false;
    Utf8Sequence seq = decode_utf8({first, static_cast<std::size_t>(last - first)});
    if (seq.status == Utf8Status::Truncated)
      throw ParseFailure{ErrorCode::EdnSyntax, last, nullptr, {}, "expected the rest of a UTF-8 sequence", nullptr, {}};
    if (seq.status == Utf8Status::Invalid)
      throw ParseFailure{ErrorCode::EdnSyntax, first, nullptr, "invalid UTF-8 in a string",
                         "strings must be well-formed UTF-8", nullptr, {}};
    first += seq.length;
    return true;
  }
};
inline constexpr utf8_sequence_parser utf8_sequence{};

// The XXXX of a \uXXXX string escape, yielding a Unicode scalar value: a high surrogate must be
// followed by \u and a low surrogate (the pair is combined); lone surrogates are errors.
struct unicode_escape_parser : x3::parser<unicode_escape_parser> {
  using attribute_type = char32_t;
  static bool const has_attribute = true;

  template <class Ctx, class RCtx, class Attr>
  bool parse(Iterator& first, Iterator const& last, Ctx const&, RCtx&, Attr& attr) const {
    Iterator p = first;
    char32_t unit = hex4(p, last);
    if (unit >= 0xDC00 && unit <= 0xDFFF) bad_surrogate(first, "a low surrogate without a high one");
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      if (p == last || *p != '\\' || ++p == last || *p != 'u') {
        if (p == last) expected(last, "\\u and a low surrogate after a high surrogate");
        bad_surrogate(first, "a high surrogate must be followed by \\uDC00-\\uDFFF");
      }
      char32_t low = hex4(++p, last);
      if (low < 0xDC00 || low > 0xDFFF) bad_surrogate(first, "a high surrogate must be followed by \\uDC00-\\uDFFF");
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    x3::traits::move_to(unit, attr);
    first = p;
    return true;
  }

 private:
  [[noreturn]] static void expected(Iterator at, const char* what) {
    throw ParseFailure{ErrorCode::EdnSyntax, at, nullptr, {}, std::string("expected ") + what, nullptr, {}};
  }
  [[noreturn]] static void bad_surrogate(Iterator hex, const char* why) {
    throw ParseFailure{ErrorCode::EdnSyntax, hex - 2, nullptr, "invalid escape '\\u" + std::string(hex, 4) + "'", why, nullptr, {}};
  }
  static char32_t hex4(Iterator& p, Iterator last) {
    char32_t unit = 0;
    for (int i = 0; i < 4; ++i, ++p) {
      if (p == last || !edn_chars::is_hex_digit(static_cast<unsigned char>(*p)))
        expected(p, "four hex digits after \\u");
      char c = *p;
      unit = unit * 16 + static_cast<char32_t>(edn_chars::is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return unit;
  }
};
inline constexpr unicode_escape_parser unicode_escape{};

struct simple_escape_table : x3::symbols<char32_t> {
  simple_escape_table() {
    add("\"", U'"')("\\", U'\\')("b", U'\b')("f", U'\f')("n", U'\n')("r", U'\r')("t", U'\t');
  }
};
inline const simple_escape_table simple_escape;

// ---- semantic actions ------------------------------------------------------------------------

template <class Ctx>
ParseState& state_of(Ctx const& ctx) {
  return x3::get<state_tag>(ctx);
}

inline std::string quoted_token(Iterator begin, Iterator end) {
  constexpr std::ptrdiff_t kMax = 40;
  std::string text(begin, std::min(end, begin + kMax));
  return "'" + text + (end - begin > kMax ? "...'" : "'");
}

// The action for a token delimited by raw[]: classify it (edn_tokens), store the Value, or fail
// naming the token. `prefix` is the length of the leading ':', '\' or '##' the token excludes.
template <class Classify>
auto classify_token(const char* kind, std::ptrdiff_t prefix, Classify classify) {
  return [=](auto& ctx) {
    auto range = x3::_attr(ctx);
    state_of(ctx).last_token_end = range.end();
    auto result = classify(std::string_view(range.begin(), range.size()));
    if (!result)
      throw ParseFailure{ErrorCode::EdnSyntax, range.begin() - prefix, range.end(),
                         std::string("invalid ") + kind + " " + quoted_token(range.begin() - prefix, range.end()),
                         std::move(result.error()), nullptr, {}};
    x3::_val(ctx) = Value(std::move(*result));
  };
}

inline auto const leave = [](auto& ctx) { state_of(ctx).leave(); };

struct Items {
  std::vector<Value> values;
  std::vector<Iterator> starts;
};
struct MapItems {
  std::vector<std::pair<Value, Value>> entries;
  std::vector<Iterator> key_starts;
};

// Input indices in the order make_map/make_set will sort them (stable, by compare()).
template <class KeyOf>
std::vector<std::size_t> sorted_order(std::size_t n, KeyOf key_of) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return compare(key_of(a), key_of(b)) < 0; });
  return order;
}

// Throws if two keys are equal, naming the later occurrence and the earlier one.
template <class KeyOf>
void check_unique(std::size_t n, KeyOf key_of, const std::vector<Iterator>& starts, const char* what) {
  auto order = sorted_order(n, key_of);
  for (std::size_t i = 1; i < n; ++i) {
    if (compare(key_of(order[i - 1]), key_of(order[i])) != 0) continue;
    std::string shown = to_edn(key_of(order[i]));
    if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
    throw ParseFailure{ErrorCode::EdnSyntax, starts[order[i]], nullptr,
                       std::string("duplicate ") + what + " " + shown, "maps and sets cannot repeat a key",
                       starts[order[i - 1]], "first at"};
  }
}

// For (mark >> form): the attribute is (position, value).
inline auto const push_item = [](auto& ctx) {
  Items& items = x3::_val(ctx);
  items.starts.push_back(boost::fusion::at_c<0>(x3::_attr(ctx)));
  items.values.push_back(std::move(boost::fusion::at_c<1>(x3::_attr(ctx))));
};
inline auto const push_key = [](auto& ctx) {
  MapItems& items = x3::_val(ctx);
  items.key_starts.push_back(boost::fusion::at_c<0>(x3::_attr(ctx)));
  items.entries.emplace_back(std::move(boost::fusion::at_c<1>(x3::_attr(ctx))), Value());
};
inline auto const push_value = [](auto& ctx) {
  x3::_val(ctx).entries.back().second = std::move(x3::_attr(ctx));
};

inline auto const make_list = [](auto& ctx) { x3::_val(ctx) = List{std::move(x3::_attr(ctx).values)}; };
inline auto const make_vector = [](auto& ctx) { x3::_val(ctx) = Vector{std::move(x3::_attr(ctx).values)}; };
inline auto const make_set_value = [](auto& ctx) {
  Items& items = x3::_attr(ctx);
  check_unique(items.values.size(), [&](std::size_t i) -> const Value& { return items.values[i]; },
               items.starts, "set element");
  Set set;
  if (!make_set(std::move(items.values), set)) throw std::logic_error("make_set disagrees with check_unique");
  x3::_val(ctx) = std::move(set);
};
inline auto const make_map_value = [](auto& ctx) {
  MapItems& items = x3::_attr(ctx);
  check_unique(items.entries.size(), [&](std::size_t i) -> const Value& { return items.entries[i].first; },
               items.key_starts, "map key");
  Map map;
  if (!make_map(std::move(items.entries), map)) throw std::logic_error("make_map disagrees with check_unique");
  x3::_val(ctx) = std::move(map);
};

inline auto const open_string = [](auto& ctx) { state_of(ctx).string_start = x3::_attr(ctx); };
inline auto const close_string = [](auto& ctx) { state_of(ctx).string_start = nullptr; };
inline auto const append_range = [](auto& ctx) {
  auto range = x3::_attr(ctx);
  x3::_val(ctx).append(range.begin(), range.end());
};
inline auto const append_code_point = [](auto& ctx) { append_utf8(x3::_val(ctx), x3::_attr(ctx)); };
inline auto const make_string = [](auto& ctx) { x3::_val(ctx) = Value(std::move(x3::_attr(ctx))); };

inline auto const make_symbolic = classify_token("symbolic value", 2, edn_tokens::symbolic);
inline auto const make_char = classify_token("character", 1, [](std::string_view name) {
  auto c = edn_tokens::character(name);
  return c ? std::expected<Char, std::string>(Char{*c}) : std::unexpected(std::move(c.error()));
});
inline auto const make_keyword = classify_token("keyword", 1, edn_tokens::keyword);
inline auto const make_number = classify_token("number", 0, edn_tokens::number);
inline auto const make_symbol = classify_token("symbol", 0, edn_tokens::symbol);

// The tag of a tagged literal: validated, stored in the rule's value until the tagged form is read.
inline auto const start_tag = [](auto& ctx) {
  auto range = x3::_attr(ctx);
  state_of(ctx).enter(range.begin() - 1, std::string_view(range.begin() - 1, range.size() + 1));
  classify_token("tag", 1, edn_tokens::tag)(ctx);
};

// #inst, #uuid and #bytes become Instant, Uuid and Bytes; any other tag a Tagged. `at` is the
// position of `value`, for errors.
Value tagged_value(Symbol tag, Value value, Iterator at);

// For (mark >> tag_value): the attribute is (position, value).
inline auto const finish_tagged = [](auto& ctx) {
  state_of(ctx).leave();
  Symbol tag = std::get<Symbol>(x3::_val(ctx).storage());
  x3::_val(ctx) = tagged_value(std::move(tag), std::move(boost::fusion::at_c<1>(x3::_attr(ctx))),
                               boost::fusion::at_c<0>(x3::_attr(ctx)));
};

// A comment cut off by the end of the buffer (no newline yet) is treated like a token there: the
// text that follows may continue it.
inline auto const end_comment = [](auto& ctx) { state_of(ctx).last_token_end = x3::_attr(ctx).end(); };

inline auto const check_quote_allowed = [](auto& ctx) { x3::_pass(ctx) = state_of(ctx).skip_quote; };

// ---- rules -----------------------------------------------------------------------------------

// Rules that name what an expectation point wants; their names appear in error messages.
x3::rule<class discard_class> const discard = "discard";
x3::rule<class discarded_class, Value> const discarded = "a form after '#_'";
x3::rule<class quote_class> const quote = "quote";
x3::rule<class form_body_class, Value> const form_body = "a form";
x3::rule<class items_class, Items> const items = "forms";
x3::rule<class map_items_class, MapItems> const map_items = "map entries";
x3::rule<class map_value_class, Value> const map_value = "a map value (a map needs an even number of forms)";
x3::rule<class list_class, Value> const list = "list";
x3::rule<class vector_class, Value> const vector = "vector";
x3::rule<class map_class, Value> const map = "map";
x3::rule<class set_class, Value> const set = "set";
x3::rule<class close_list_class> const close_list = "')' or a form";
x3::rule<class close_vector_class> const close_vector = "']' or a form";
x3::rule<class close_map_class> const close_map = "'}' or a map key";
x3::rule<class close_set_class> const close_set = "'}' or a form";
x3::rule<class dispatch_class, Value> const dispatch = "dispatch";
x3::rule<class dispatch_body_class, Value> const dispatch_body =
    "'{', '#', '_' or a tag (a symbol starting with a letter) after '#'";
x3::rule<class symbolic_class, Value> const symbolic = "symbolic value";
x3::rule<class symbolic_name_class, Value> const symbolic_name = "Inf, -Inf or NaN after '##'";
x3::rule<class tagged_class, Value> const tagged = "tagged literal";
x3::rule<class tag_value_class, Value> const tag_value = "a form after the tag";
x3::rule<class string_class, Value> const string = "string";
x3::rule<class string_body_class, std::string> const string_body = "string characters";
x3::rule<class escape_class, char32_t> const escape =
    "an escape: \\\" \\\\ \\b \\f \\n \\r \\t or \\uXXXX";
x3::rule<class close_quote_class> const close_quote = "'\"' to end the string";
x3::rule<class character_class, Value> const character = "character";
x3::rule<class character_name_class, Value> const character_name = "a character name after '\\'";
x3::rule<class keyword_class, Value> const keyword = "keyword";
x3::rule<class keyword_name_class, Value> const keyword_name = "a keyword name after ':'";
x3::rule<class number_class, Value> const number = "number";
x3::rule<class symbol_class, Value> const symbol = "symbol";
x3::rule<class end_one_class> const end_one = "end of input (exactly one form was expected)";
x3::rule<class end_all_class> const end_all = "a form or end of input";

whitespace_rule const ws = "whitespace";
form_rule const form_ = "a form";
document_rule const document_ = "document";
documents_rule const documents_ = "documents";

auto const ws_def = *(x3::omit[+whitespace_byte] | x3::raw[x3::lit(';') >> *comment_byte][end_comment] | discard);
auto const discard_def = opener("#_", "#_") > ws > discarded[leave];
auto const discarded_def = form_;

auto const form__def = -quote >> form_body;
auto const quote_def = x3::lit('\'')[check_quote_allowed] >> ws;
auto const form_body_def = list | vector | map | dispatch | string | character | keyword | number | symbol;

auto const items_def = *((mark >> form_)[push_item] >> ws);
auto const map_items_def = *((mark >> form_)[push_key] >> ws > map_value[push_value] > ws);
auto const map_value_def = form_;
auto const list_def = (opener("(", "(") > ws > items > close_list[leave])[make_list];
auto const vector_def = (opener("[", "[") > ws > items > close_vector[leave])[make_vector];
auto const map_def = (opener("{", "{") > ws > map_items > close_map[leave])[make_map_value];
auto const set_def = (opener("{", "#{", 1) > ws > items > close_set[leave])[make_set_value];
auto const close_list_def = x3::lit(')');
auto const close_vector_def = x3::lit(']');
auto const close_map_def = x3::lit('}');
auto const close_set_def = x3::lit('}');

auto const dispatch_def = x3::lit('#') > dispatch_body;
auto const dispatch_body_def = set | symbolic | tagged;
auto const symbolic_def = x3::lit('#') > symbolic_name;
auto const symbolic_name_def = x3::raw[+constituent][make_symbolic];
auto const tagged_def = x3::raw[alpha >> *constituent][start_tag] > ws > (mark >> tag_value)[finish_tagged];
auto const tag_value_def = form_;

auto const string_def =
    (x3::omit[(mark >> x3::lit('"'))[open_string]] > string_body > close_quote[close_string])[make_string];
auto const string_body_def = *(x3::raw[+plain_string_byte][append_range] |
                               (x3::lit('\\') > escape)[append_code_point] |
                               x3::raw[utf8_sequence][append_range]);
auto const escape_def = simple_escape | (x3::lit('u') > unicode_escape);
auto const close_quote_def = x3::lit('"');

auto const character_def = x3::lit('\\') > character_name;
auto const character_name_def = x3::raw[graphic >> *constituent][make_char];
auto const keyword_def = x3::lit(':') > keyword_name;
auto const keyword_name_def = x3::raw[+constituent][make_keyword];
auto const number_def = x3::raw[-sign >> digit >> *constituent][make_number];
auto const symbol_def = x3::raw[symbol_start >> *constituent][make_symbol];

auto const document__def = ws > form_ > ws > end_one;
auto const documents__def = ws > *(form_ >> ws) > end_all;
auto const end_one_def = x3::eoi;
auto const end_all_def = x3::eoi;

BOOST_SPIRIT_DEFINE(ws, discard, discarded, quote, form_, form_body, items, map_items, map_value,
                    list, vector, map, set, close_list, close_vector, close_map, close_set,
                    dispatch, dispatch_body, symbolic, symbolic_name, tagged, tag_value, string,
                    string_body, escape, close_quote, character, character_name, keyword,
                    keyword_name, number, symbol, document_, documents_, end_one, end_all)

whitespace_rule const& whitespace() { return ws; }
form_rule const& form() { return form_; }
document_rule const& document() { return document_; }
documents_rule const& documents() { return documents_; }

}  // namespace quarry::edn_grammar
