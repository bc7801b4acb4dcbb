// Internal: each builtin family file exports its table of Builtin entries; builtins.cpp merges
// them into one sorted registry.
#pragma once

#include <span>

#include "query/builtins.hpp"

namespace quarry::query::builtins {

std::span<const Builtin> compare_family() noexcept;

}  // namespace quarry::query::builtins
