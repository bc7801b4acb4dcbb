// Query parsing: EDN Values (as codec/edn_reader.hpp reads them) -> the AST of query/parse/ast.hpp, the
// semantic checks that need no database, and printing an AST back to EDN.
//
// Accepted forms (Datomic's and DataScript's query language, doc/query.md):
//   [:find ... :keys ... :with ... :in ... :where ...]   vector form
//   {:find [...] :in [...] :where [...]}                   map form
// A leading (quote ...) form is unwrapped. Errors are :query/syntax (wrong shape; the message
// quotes the offending part as EDN) or :query/invalid (see check_query).
#pragma once

#include <span>
#include <vector>

#include "codec/error.hpp"
#include "codec/value.hpp"
#include "query/parse/ast.hpp"

namespace quarry::query {

// Parses and checks (check_query) one query.
[[nodiscard]] Result<Query> parse_query(const Value& form);

// Parses a rule set, the value passed for `%`: [[(name ?a ?b) clause...] ...].
[[nodiscard]] Result<std::vector<Rule>> parse_rules(const Value& form);

// The checks that need no database and no inputs, run by parse_query:
//  - every variable of :find, :with and :keys-count agreement, and of a predicate or function
//    argument is bound by :in or some where clause (DataScript's "Insufficient bindings"),
//  - or branches bind the same variables (or-join: its join variables), not-join/or-join variables
//    are bound where required,
//  - :keys/:strs/:syms have as many names as :find has elements,
//  - the function of a predicate or function expression is a known built-in (query/builtins/builtins.hpp)
//    and aggregates are known (query/builtins/aggregates.hpp).
// :query/invalid with a message naming the variable or clause.
[[nodiscard]] Result<void> check_query(const Query& query);

// Checks rule calls against a rule set: every called rule exists and is called with as many
// arguments as it has variables. :query/invalid otherwise.
[[nodiscard]] Result<void> check_rules(const Query& query, std::span<const Rule> rules);

// The EDN form of an AST: the vector form, :in always written out. parse_query(to_edn(q))
// gives back q.
[[nodiscard]] Value to_edn(const Query& query);
[[nodiscard]] Value to_edn(const Clause& clause);
[[nodiscard]] Value to_edn(const Rule& rule);
// A :find element: ?e, (count ?e), (pull ?e [:name]).
[[nodiscard]] Value to_edn(const FindElement& element);
// "[(> ?x 1)]" etc.: a clause as EDN text, for error messages and explain.
[[nodiscard]] std::string clause_text(const Clause& clause);

}  // namespace quarry::query
