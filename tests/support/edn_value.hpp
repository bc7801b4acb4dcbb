// EDN text -> Value for tests: the parsed value, or a failed REQUIRE naming the text and the error.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "codec/edn_reader.hpp"
#include "codec/value.hpp"

namespace quarry::testing {

inline Value edn(std::string_view text) {
  auto v = read_edn(text);
  REQUIRE_MESSAGE(v.has_value(), (std::string(text) + ": " + (v ? std::string() : v.error().message)));
  return *v;
}

}  // namespace quarry::testing
