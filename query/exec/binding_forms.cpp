#include "query/exec/binding_forms.hpp"

#include <functional>

#include "codec/edn_printer.hpp"

namespace quarry::query {
namespace {

// The elements of a sequential or collection value; nullptr for anything else. Map entries are
// turned into [k v] vectors in `scratch`.
const std::vector<Value>* elements(const Value& v, bool allow_unordered, std::vector<Value>& scratch) {
  if (const auto* x = v.get_if<Vector>()) return &x->items;
  if (const auto* x = v.get_if<List>()) return &x->items;
  if (!allow_unordered) return nullptr;
  if (const auto* x = v.get_if<Set>()) return &x->items;
  if (const auto* x = v.get_if<Map>()) {
    scratch.clear();
    for (const auto& [k, val] : x->entries) scratch.push_back(Value(Vector{{k, val}}));
    return &scratch;
  }
  return nullptr;
}

class Destructurer {
 public:
  Destructurer(Relation& out, ErrorCode code) : out_(out), code_(code), row_(out.arity()) {}

  Result<void> bind(const Binding& b, const Value& v, const std::function<Result<void>()>& k) {
    if (const auto* s = std::get_if<BindScalar>(&b.form)) {
      if (const Variable* var = std::get_if<Variable>(&s->var)) row_[static_cast<std::size_t>(out_.column(var->name))] = v;
      return k();
    }
    std::vector<Value> scratch;
    if (const auto* t = std::get_if<BindTuple>(&b.form)) {
      const std::vector<Value>* items = elements(v, false, scratch);
      if (!items)
        return fail(code_, "Cannot bind value " + to_edn(v) + " to tuple " + binding_text(b));
      if (items->size() < t->elements.size())
        return fail(code_, "Not enough elements in a collection " + to_edn(v) + " to bind tuple " + binding_text(b));
      return bind_tuple(t->elements, *items, 0, k);
    }
    if (const auto* c = std::get_if<BindCollection>(&b.form)) {
      const std::vector<Value>* items = elements(v, true, scratch);
      if (!items)
        return fail(code_, "Cannot bind value " + to_edn(v) + " to collection " + binding_text(b));
      for (const Value& item : *items)
        if (auto r = bind(*c->element, item, k); !r) return r;
      return {};
    }
    const auto& rel = std::get<BindRelation>(b.form);
    const std::vector<Value>* items = elements(v, true, scratch);
    if (!items) return fail(code_, "Cannot bind value " + to_edn(v) + " to relation " + binding_text(b));
    Binding tuple{BindTuple{rel.columns}};
    for (const Value& item : *items)
      if (auto r = bind(tuple, item, k); !r) return r;
    return {};
  }

  Result<void> emit() {
    out_.add_row(row_);
    return {};
  }

 private:
  Result<void> bind_tuple(const std::vector<Binding>& elems, const std::vector<Value>& items, std::size_t i,
                          const std::function<Result<void>()>& k) {
    if (i == elems.size()) return k();
    return bind(elems[i], items[i], [&]() { return bind_tuple(elems, items, i + 1, k); });
  }

  Relation& out_;
  ErrorCode code_;
  std::vector<Value> row_;
};

}  // namespace

Result<void> destructure(const Binding& binding, const Value& value, Relation& out, ErrorCode code) {
  if (const auto* s = std::get_if<BindScalar>(&binding.form)) {  // the common case, without recursion
    if (out.arity() == 0) {
      out.end_row();
      return {};
    }
    out.push(value);
    out.end_row();
    (void)s;
    return {};
  }
  Destructurer d(out, code);
  return d.bind(binding, value, [&]() { return d.emit(); });
}

std::string binding_text(const Binding& binding) {
  return std::visit(
      [](const auto& form) -> std::string {
        using T = std::decay_t<decltype(form)>;
        if constexpr (std::is_same_v<T, BindScalar>) {
          if (const Variable* v = std::get_if<Variable>(&form.var)) return v->name;
          return "_";
        } else if constexpr (std::is_same_v<T, BindTuple>) {
          std::string s = "[";
          for (std::size_t i = 0; i < form.elements.size(); ++i)
            s += (i ? " " : "") + binding_text(form.elements[i]);
          return s + "]";
        } else if constexpr (std::is_same_v<T, BindCollection>) {
          return "[" + binding_text(*form.element) + " ...]";
        } else {
          std::string s = "[[";
          for (std::size_t i = 0; i < form.columns.size(); ++i)
            s += (i ? " " : "") + binding_text(form.columns[i]);
          return s + "]]";
        }
      },
      binding.form);
}

Value query_value(const Value& value) {
  switch (value.kind()) {
    case ValueKind::Ref: return Value(static_cast<std::int64_t>(value.as<EntityId>().value));
    case ValueKind::Vector: {
      Vector out;
      for (const Value& v : value.as<Vector>().items) out.items.push_back(query_value(v));
      return Value(std::move(out));
    }
    case ValueKind::List: {
      List out;
      for (const Value& v : value.as<List>().items) out.items.push_back(query_value(v));
      return Value(std::move(out));
    }
    case ValueKind::Set: {
      std::vector<Value> items;
      for (const Value& v : value.as<Set>().items) items.push_back(query_value(v));
      Set out;
      if (!make_set(std::move(items), out)) return value;
      return Value(std::move(out));
    }
    default: return value;
  }
}

}  // namespace quarry::query
