#include "query/range_filter.hpp"

namespace quarry::query {
namespace {

enum class Op { Lt, Le, Gt, Ge };

std::optional<Op> comparison(const std::string& fn) {
  if (fn == "<") return Op::Lt;
  if (fn == "<=") return Op::Le;
  if (fn == ">") return Op::Gt;
  if (fn == ">=") return Op::Ge;
  return std::nullopt;
}

Op flipped(Op op) {
  switch (op) {
    case Op::Lt: return Op::Gt;
    case Op::Le: return Op::Ge;
    case Op::Gt: return Op::Lt;
    case Op::Ge: return Op::Le;
  }
  return op;
}

const Value* operand(const FnArg& a, const ScalarLookup& scalar) {
  if (const Value* c = std::get_if<Value>(&a)) return c;
  if (const Variable* v = std::get_if<Variable>(&a)) return scalar(v->name);
  return nullptr;
}

bool is_var(const FnArg& a, const std::string& var) {
  const Variable* v = std::get_if<Variable>(&a);
  return v && v->name == var;
}

void tighten_low(std::optional<Value>& slot, const Value& c) {
  if (!slot || compare(c, *slot) > 0) slot = c;
}
void tighten_high(std::optional<Value>& slot, const Value& c) {
  if (!slot || compare(c, *slot) < 0) slot = c;
}

}  // namespace

ValueRange find_range(std::span<const Clause> clauses, const std::vector<bool>& done, const std::string& var,
                      const ScalarLookup& scalar) {
  ValueRange range;
  for (std::size_t i = 0; i < clauses.size(); ++i) {
    if (done[i]) continue;
    const Predicate* p = std::get_if<Predicate>(&clauses[i].node);
    if (!p || p->args.size() != 2) continue;
    auto op = comparison(p->fn);
    if (!op) continue;
    const Value* c = nullptr;
    if (is_var(p->args[0], var)) {
      c = operand(p->args[1], scalar);
    } else if (is_var(p->args[1], var)) {
      c = operand(p->args[0], scalar);
      op = flipped(*op);
    }
    if (!c || !c->is_storable() || c->is<EntityId>()) continue;
    switch (*op) {
      case Op::Gt:
      case Op::Ge: tighten_low(range.start, *c); break;
      case Op::Lt: tighten_high(range.end, *c); break;
      case Op::Le: tighten_high(range.last, *c); break;
    }
  }
  return range;
}

}  // namespace quarry::query
