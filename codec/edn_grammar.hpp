// Declarations of the EDN grammar (Boost.Spirit X3), following X3's example layout: this header
// declares the entry rules and the state the semantic actions share; edn_grammar_def.hpp defines
// the grammar; codec/edn_reader.cpp is the one translation unit that includes the definitions and
// runs them, so X3 is compiled once. Internal to codec/.
//
// Semantic actions build Values directly (there is no separate AST). Actions report bad input by
// throwing ParseFailure, and expectation points (`>`) throw x3::expectation_failure; both are
// caught in edn_reader.cpp and never leave it.
#pragma once

#include <boost/spirit/home/x3.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "codec/error.hpp"
#include "codec/value.hpp"

namespace quarry::edn_grammar {

namespace x3 = boost::spirit::x3;
using Iterator = const char*;

// Bad input found by a semantic action or a hand-written primitive.
struct ParseFailure {
  ErrorCode code = ErrorCode::EdnSyntax;
  Iterator where = nullptr;      // the position the message names
  Iterator token_end = nullptr;  // for a bad token: its end (a token cut off by the end of the
                                 // buffer may still become valid, so that is not yet an error)
  std::string what{};            // "invalid number '01'"; empty: describe the text at `where`
  std::string detail{};          // "leading zeros are not allowed"
  Iterator related = nullptr;    // another position the message mentions, e.g. a first occurrence
  std::string related_what{};    // "first at"
};

// Something opened and not yet closed: a collection, a tagged literal or a #_ discard.
struct Opener {
  Iterator at;
  std::string_view label;  // "[", "(", "{", "#{", "#_", or the tag, e.g. "#inst"
};

// State of one parse, shared by the semantic actions through x3::with<state_tag>.
struct ParseState {
  std::size_t max_depth = 512;
  bool skip_quote = false;
  std::vector<Opener> open;           // innermost last; size() is the current depth
  Iterator string_start = nullptr;    // the opening quote while inside a string
  Iterator last_token_end = nullptr;  // end of the most recent token or comment

  // REQUIRES (on success): a matching leave(). Throws ParseFailure(EdnDepth) beyond max_depth.
  void enter(Iterator at, std::string_view label) {
    if (open.size() >= max_depth)
      throw ParseFailure{.code = ErrorCode::EdnDepth,
                         .where = at,
                         .what = "nesting too deep",
                         .detail = "more than " + std::to_string(max_depth) +
                                   " nested collections, tagged literals and discards"};
    open.push_back({at, label});
  }
  void leave() noexcept { open.pop_back(); }
};

struct state_tag;

// Entry rules. Each expects the context to carry a ParseState under state_tag.
using whitespace_rule = x3::rule<class whitespace_class>;     // skips ws, comments, #_
using form_rule = x3::rule<class form_class, Value>;          // one form
using document_rule = x3::rule<class document_class, Value>;  // ws form ws end
using documents_rule = x3::rule<class documents_class, std::vector<Value>>;  // ws (form ws)* end

BOOST_SPIRIT_DECLARE(whitespace_rule, form_rule, document_rule, documents_rule)

[[nodiscard]] whitespace_rule const& whitespace();
[[nodiscard]] form_rule const& form();
[[nodiscard]] document_rule const& document();
[[nodiscard]] documents_rule const& documents();

}  // namespace quarry::edn_grammar
