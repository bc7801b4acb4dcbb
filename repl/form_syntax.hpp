// Small helpers for reading the shape of the `quarry` command's forms: (head arg ...) lists.
#pragma once

#include <string>
#include <string_view>

#include <quarry/quarry.hpp>

namespace quarry::repl {

// A malformed form: the user's mistake, reported as :quarry/invalid-argument.
[[nodiscard]] inline std::unexpected<Error> bad_form(std::string message) {
  return fail(ErrorCode::InvalidArgument, std::move(message));
}

// True when `v` is the unqualified symbol `name`.
[[nodiscard]] inline bool is_symbol(const Value& v, std::string_view name) {
  auto s = v.get_if<Symbol>();
  return s && s->ns.empty() && s->name == name;
}

// The head symbol's name of a list form, e.g. "transact!" for (transact! ...); empty otherwise.
[[nodiscard]] inline std::string head_of(const Value& form) {
  auto list = form.get_if<List>();
  if (!list || list->items.empty()) return {};
  auto s = list->items.front().get_if<Symbol>();
  return s ? s->qualified() : std::string();
}

}  // namespace quarry::repl
