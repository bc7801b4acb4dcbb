#include <array>

#include "query/builtin_families.hpp"

namespace quarry::query::builtins {
namespace {

Result<Value> eq(const index::Db*, std::span<const Value> args) {
  for (std::size_t i = 1; i < args.size(); ++i)
    if (compare(args[i - 1], args[i]) != 0) return Value(false);
  return Value(true);
}

constexpr std::array kTable{
    Builtin{"=", 1, -1, false, &eq},
};

}  // namespace

std::span<const Builtin> compare_family() noexcept { return kTable; }

}  // namespace quarry::query::builtins
