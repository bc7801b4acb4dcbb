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
#include "codec/kept_keywords.hpp"
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
    if (static_cast<std::size_t>(last - first) < text.size() ||
        std::string_view(first, text.size()) != text)
      return false;
    x3::get<state_tag>(ctx).enter(first - back, label);
    first += text.size();
    return true;
  }
};
constexpr opener_parser opener(std::string_view text, std::string_view label,
                               std::ptrdiff_t back = 0) {
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
constexpr bool is_sign(unsigned char c) noexcept {
  return c == '+' || c == '-';
}
constexpr bool is_comment_byte(unsigned char c) noexcept {
  return c != '\n';
}
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
      throw ParseFailure{.where = last, .detail = "expected the rest of a UTF-8 sequence"};
    if (seq.status == Utf8Status::Invalid)
      throw ParseFailure{.where = first,
                         .what = "invalid UTF-8 in a string",
                         .detail = "strings must be well-formed UTF-8"};
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
    if (unit >= 0xDC00 && unit <= 0xDFFF)
      bad_surrogate(first, "a low surrogate without a high one");
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      if (p == last || *p != '\\' || ++p == last || *p != 'u') {
        if (p == last) expected(last, "\\u and a low surrogate after a high surrogate");
        bad_surrogate(first, "a high surrogate must be followed by \\uDC00-\\uDFFF");
      }
      char32_t low = hex4(++p, last);
      if (low < 0xDC00 || low > 0xDFFF)
        bad_surrogate(first, "a high surrogate must be followed by \\uDC00-\\uDFFF");
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    x3::traits::move_to(unit, attr);
    first = p;
    return true;
  }

 private:
  [[noreturn]] static void expected(Iterator at, const char* what) {
    throw ParseFailure{.where = at, .detail = std::string("expected ") + what};
  }
  [[noreturn]] static void bad_surrogate(Iterator hex, const char* why) {
    throw ParseFailure{
        .where = hex - 2, .what = "invalid escape '\\u" + std::string(hex, 4) + "'", .detail = why};
  }
  static char32_t hex4(Iterator& p, Iterator last) {
    char32_t unit = 0;
    for (int i = 0; i < 4; ++i, ++p) {
      if (p == last || !edn_chars::is_hex_digit(static_cast<unsigned char>(*p)))
        expected(p, "four hex digits after \\u");
      char c = *p;
      unit = unit * 16 +
             static_cast<char32_t>(edn_chars::is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return unit;
  }
};
inline constexpr unicode_escape_parser unicode_escape{};

// The character after a backslash in a string, for the escapes other than \u: " \ b f n r t.
struct simple_escape_parser : x3::parser<simple_escape_parser> {
  using attribute_type = char32_t;
  static bool const has_attribute = true;
  template <class Ctx, class RCtx, class Attr>
  bool parse(Iterator& first, Iterator const& last, Ctx const&, RCtx&, Attr& attr) const {
    if (first == last) return false;
    char32_t c;
    switch (*first) {
      case '"':
        c = U'"';
        break;
      case '\\':
        c = U'\\';
        break;
      case 'b':
        c = U'\b';
        break;
      case 'f':
        c = U'\f';
        break;
      case 'n':
        c = U'\n';
        break;
      case 'r':
        c = U'\r';
        break;
      case 't':
        c = U'\t';
        break;
      default:
        return false;
    }
    x3::traits::move_to(c, attr);
    ++first;
    return true;
  }
};
inline constexpr simple_escape_parser simple_escape{};

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
constexpr auto classify_token(const char* kind, std::ptrdiff_t prefix, Classify classify) {
  return [=](auto& ctx) {
    auto range = x3::_attr(ctx);
    state_of(ctx).last_token_end = range.end();
    auto result = classify(std::string_view(range.begin(), range.size()));
    if (!result)
      throw ParseFailure{.where = range.begin() - prefix,
                         .token_end = range.end(),
                         .what = std::string("invalid ") + kind + " " +
                                 quoted_token(range.begin() - prefix, range.end()),
                         .detail = std::move(result.error())};
    x3::_val(ctx) = Value(std::move(*result));
  };
}

inline constexpr auto leave = [](auto& ctx) { state_of(ctx).leave(); };

struct Items {
  std::vector<Value> values;
  std::vector<Iterator> starts;
};
struct MapItems {
  std::vector<std::pair<Value, Value>> entries;
  std::vector<Iterator> key_starts;
};

// Input indices in compare() order, stable, after checking that no two keys are equal: the
// order a map's entries or a set's elements are kept in. Throws on a repeated key, naming the
// later occurrence and the earlier one. A map of a few keys — what imports read by the million —
// is sorted by insertion, without stable_sort's buffer.
template <class KeyOf>
std::vector<std::size_t> unique_order(std::size_t n, KeyOf key_of, const std::vector<Iterator>& starts,
                                      const char* what) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto before = [&](std::size_t a, std::size_t b) { return compare(key_of(a), key_of(b)) < 0; };
  if (n <= 16) {
    for (std::size_t i = 1; i < n; ++i) {
      const std::size_t x = order[i];
      std::size_t j = i;
      for (; j > 0 && before(x, order[j - 1]); --j) order[j] = order[j - 1];
      order[j] = x;
    }
  } else {
    std::stable_sort(order.begin(), order.end(), before);
  }
  for (std::size_t i = 1; i < n; ++i) {
    if (before(order[i - 1], order[i])) continue;
    std::string shown = to_edn(key_of(order[i]));
    if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
    throw ParseFailure{.where = starts[order[i]],
                       .what = std::string("duplicate ") + what + " " + shown,
                       .detail = "maps and sets cannot repeat a key",
                       .related = starts[order[i - 1]],
                       .related_what = "first at"};
  }
  return order;
}

// For (mark >> form): the attribute is (position, value).
inline constexpr auto push_item = [](auto& ctx) {
  Items& items = x3::_val(ctx);
  items.starts.push_back(boost::fusion::at_c<0>(x3::_attr(ctx)));
  items.values.push_back(std::move(boost::fusion::at_c<1>(x3::_attr(ctx))));
};
inline constexpr auto push_key = [](auto& ctx) {
  MapItems& items = x3::_val(ctx);
  items.key_starts.push_back(boost::fusion::at_c<0>(x3::_attr(ctx)));
  items.entries.emplace_back(std::move(boost::fusion::at_c<1>(x3::_attr(ctx))), Value());
};
inline constexpr auto push_value = [](auto& ctx) {
  x3::_val(ctx).entries.back().second = std::move(x3::_attr(ctx));
};

inline constexpr auto make_list = [](auto& ctx) {
  x3::_val(ctx) = List{std::move(x3::_attr(ctx).values)};
};
inline constexpr auto make_vector = [](auto& ctx) {
  x3::_val(ctx) = Vector{std::move(x3::_attr(ctx).values)};
};
// Sets and maps are built in unique_order, as make_set/make_map would keep them, with one sort.
inline constexpr auto make_set_value = [](auto& ctx) {
  Items& items = x3::_attr(ctx);
  const auto order = unique_order(
      items.values.size(), [&](std::size_t i) -> const Value& { return items.values[i]; },
      items.starts, "set element");
  Set set;
  set.items.reserve(order.size());
  for (std::size_t i : order) set.items.push_back(std::move(items.values[i]));
  x3::_val(ctx) = std::move(set);
};
inline constexpr auto make_map_value = [](auto& ctx) {
  MapItems& items = x3::_attr(ctx);
  const auto order = unique_order(
      items.entries.size(), [&](std::size_t i) -> const Value& { return items.entries[i].first; },
      items.key_starts, "map key");
  Map map;
  map.entries.reserve(order.size());
  for (std::size_t i : order) map.entries.push_back(std::move(items.entries[i]));
  x3::_val(ctx) = std::move(map);
};

inline constexpr auto open_string = [](auto& ctx) { state_of(ctx).string_start = x3::_attr(ctx); };
inline constexpr auto close_string = [](auto& ctx) { state_of(ctx).string_start = nullptr; };
inline constexpr auto append_range = [](auto& ctx) {
  auto range = x3::_attr(ctx);
  x3::_val(ctx).append(range.begin(), range.end());
};
inline constexpr auto append_code_point = [](auto& ctx) {
  append_utf8(x3::_val(ctx), x3::_attr(ctx));
};
inline constexpr auto make_string = [](auto& ctx) {
  x3::_val(ctx) = Value(std::move(x3::_attr(ctx)));
};

inline constexpr auto make_symbolic = classify_token("symbolic value", 2, edn_tokens::symbolic);
inline constexpr auto make_char = classify_token("character", 1, [](std::string_view name) {
  auto c = edn_tokens::character(name);
  return c ? std::expected<Char, std::string>(Char{*c}) : std::unexpected(std::move(c.error()));
});
// A keyword met lately on this thread is taken as kept, sharing its box (codec/kept_keywords.hpp).
inline constexpr auto make_keyword = [](auto& ctx) {
  auto range = x3::_attr(ctx);
  const std::string_view name(range.begin(), range.size());
  if (const Value* kept = kept_keywords::find(name)) {
    state_of(ctx).last_token_end = range.end();
    x3::_val(ctx) = *kept;
    return;
  }
  classify_token("keyword", 1, edn_tokens::keyword)(ctx);
  kept_keywords::keep(name, x3::_val(ctx));
};
inline constexpr auto make_number = classify_token("number", 0, edn_tokens::number);
inline constexpr auto make_symbol = classify_token("symbol", 0, edn_tokens::symbol);

// The tag of a tagged literal: validated, stored in the rule's value until the tagged form is read.
inline constexpr auto start_tag = [](auto& ctx) {
  auto range = x3::_attr(ctx);
  state_of(ctx).enter(range.begin() - 1, std::string_view(range.begin() - 1, range.size() + 1));
  classify_token("tag", 1, edn_tokens::tag)(ctx);
};

// #inst, #uuid and #bytes become Instant, Uuid and Bytes; any other tag a Tagged. `at` is the
// position of `value`, for errors.
Value tagged_value(Symbol tag, Value value, Iterator at);

// For (mark >> tag_value): the attribute is (position, value).
inline constexpr auto finish_tagged = [](auto& ctx) {
  state_of(ctx).leave();
  Symbol tag = x3::_val(ctx).template as<Symbol>();
  x3::_val(ctx) = tagged_value(std::move(tag), std::move(boost::fusion::at_c<1>(x3::_attr(ctx))),
                               boost::fusion::at_c<0>(x3::_attr(ctx)));
};

// A comment cut off by the end of the buffer (no newline yet) is treated like a token there: the
// text that follows may continue it.
inline constexpr auto end_comment = [](auto& ctx) {
  state_of(ctx).last_token_end = x3::_attr(ctx).end();
};

inline constexpr auto check_quote_allowed = [](auto& ctx) {
  x3::_pass(ctx) = state_of(ctx).skip_quote;
};

// ---- rules -----------------------------------------------------------------------------------

// Rules that name what an expectation point wants; their names appear in error messages.
constexpr x3::rule<class discard_class> discard = "discard";
constexpr x3::rule<class discarded_class, Value> discarded = "a form after '#_'";
constexpr x3::rule<class quote_class> quote = "quote";
constexpr x3::rule<class form_body_class, Value> form_body = "a form";
constexpr x3::rule<class items_class, Items> items = "forms";
constexpr x3::rule<class map_items_class, MapItems> map_items = "map entries";
constexpr x3::rule<class map_value_class, Value> map_value =
    "a map value (a map needs an even number of forms)";
constexpr x3::rule<class list_class, Value> list = "list";
constexpr x3::rule<class vector_class, Value> vector = "vector";
constexpr x3::rule<class map_class, Value> map = "map";
constexpr x3::rule<class set_class, Value> set = "set";
constexpr x3::rule<class close_list_class> close_list = "')' or a form";
constexpr x3::rule<class close_vector_class> close_vector = "']' or a form";
constexpr x3::rule<class close_map_class> close_map = "'}' or a map key";
constexpr x3::rule<class close_set_class> close_set = "'}' or a form";
constexpr x3::rule<class dispatch_class, Value> dispatch = "dispatch";
constexpr x3::rule<class dispatch_body_class, Value> dispatch_body =
    "'{', '#', '_' or a tag (a symbol starting with a letter) after '#'";
constexpr x3::rule<class symbolic_class, Value> symbolic = "symbolic value";
constexpr x3::rule<class symbolic_name_class, Value> symbolic_name = "Inf, -Inf or NaN after '##'";
constexpr x3::rule<class tagged_class, Value> tagged = "tagged literal";
constexpr x3::rule<class tag_value_class, Value> tag_value = "a form after the tag";
constexpr x3::rule<class string_class, Value> string = "string";
constexpr x3::rule<class string_body_class, std::string> string_body = "string characters";
constexpr x3::rule<class escape_class, char32_t> escape =
    "an escape: \\\" \\\\ \\b \\f \\n \\r \\t or \\uXXXX";
constexpr x3::rule<class close_quote_class> close_quote = "'\"' to end the string";
constexpr x3::rule<class character_class, Value> character = "character";
constexpr x3::rule<class character_name_class, Value> character_name =
    "a character name after '\\'";
constexpr x3::rule<class keyword_class, Value> keyword = "keyword";
constexpr x3::rule<class keyword_name_class, Value> keyword_name = "a keyword name after ':'";
constexpr x3::rule<class number_class, Value> number = "number";
constexpr x3::rule<class symbol_class, Value> symbol = "symbol";
constexpr x3::rule<class end_one_class> end_one = "end of input (exactly one form was expected)";
constexpr x3::rule<class end_all_class> end_all = "a form or end of input";

constexpr whitespace_rule ws = "whitespace";
constexpr form_rule form_ = "a form";
constexpr document_rule document_ = "document";
constexpr documents_rule documents_ = "documents";

constexpr auto ws_def =
    *(x3::omit[+whitespace_byte] | x3::raw[x3::lit(';') >> *comment_byte][end_comment] | discard);
constexpr auto discard_def = opener("#_", "#_") > ws > discarded[leave];
constexpr auto discarded_def = form_;

constexpr auto form__def = (quote > form_body) | form_body;
constexpr auto quote_def = x3::lit('\'')[check_quote_allowed] >> ws;
constexpr auto form_body_def =
    list | vector | map | dispatch | string | character | keyword | number | symbol;

constexpr auto items_def = *((mark >> form_)[push_item] >> ws);
constexpr auto map_items_def = *((mark >> form_)[push_key] >> ws > map_value[push_value] > ws);
constexpr auto map_value_def = form_;
constexpr auto list_def = (opener("(", "(") > ws > items > close_list[leave])[make_list];
constexpr auto vector_def = (opener("[", "[") > ws > items > close_vector[leave])[make_vector];
constexpr auto map_def = (opener("{", "{") > ws > map_items > close_map[leave])[make_map_value];
constexpr auto set_def = (opener("{", "#{", 1) > ws > items > close_set[leave])[make_set_value];
constexpr auto close_list_def = x3::lit(')');
constexpr auto close_vector_def = x3::lit(']');
constexpr auto close_map_def = x3::lit('}');
constexpr auto close_set_def = x3::lit('}');

constexpr auto dispatch_def = x3::lit('#') > dispatch_body;
constexpr auto dispatch_body_def = set | symbolic | tagged;
constexpr auto symbolic_def = x3::lit('#') > symbolic_name;
constexpr auto symbolic_name_def = x3::raw[+constituent][make_symbolic];
constexpr auto tagged_def = x3::raw[alpha >> *constituent][start_tag] > ws >
                            (mark >> tag_value)[finish_tagged];
constexpr auto tag_value_def = form_;

constexpr auto string_def = (x3::omit[(mark >> x3::lit('"'))[open_string]] > string_body >
                             close_quote[close_string])[make_string];
constexpr auto string_body_def =
    *(x3::raw[+plain_string_byte][append_range] | (x3::lit('\\') > escape)[append_code_point] |
      x3::raw[utf8_sequence][append_range]);
constexpr auto escape_def = simple_escape | (x3::lit('u') > unicode_escape);
constexpr auto close_quote_def = x3::lit('"');

constexpr auto character_def = x3::lit('\\') > character_name;
constexpr auto character_name_def = x3::raw[graphic >> *constituent][make_char];
constexpr auto keyword_def = x3::lit(':') > keyword_name;
constexpr auto keyword_name_def = x3::raw[+constituent][make_keyword];
constexpr auto number_def = x3::raw[-sign >> digit >> *constituent][make_number];
constexpr auto symbol_def = x3::raw[symbol_start >> *constituent][make_symbol];

constexpr auto document__def = ws > form_ > ws > end_one;
constexpr auto documents__def = ws > *(form_ >> ws) > end_all;
constexpr auto end_one_def = x3::eoi;
constexpr auto end_all_def = x3::eoi;

BOOST_SPIRIT_DEFINE(ws, discard, discarded, quote, form_, form_body, items, map_items, map_value,
                    list, vector, map, set, close_list, close_vector, close_map, close_set,
                    dispatch, dispatch_body, symbolic, symbolic_name, tagged, tag_value, string,
                    string_body, escape, close_quote, character, character_name, keyword,
                    keyword_name, number, symbol, document_, documents_, end_one, end_all)

whitespace_rule const& whitespace() {
  return ws;
}
form_rule const& form() {
  return form_;
}
document_rule const& document() {
  return document_;
}
documents_rule const& documents() {
  return documents_;
}

}  // namespace quarry::edn_grammar
