// Text helpers shared by the session and its meta commands.
#pragma once

#include <string_view>

namespace quarry::repl {

// `s` without leading and trailing blanks (spaces, tabs, commas, line ends).
[[nodiscard]] inline std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace quarry::repl
