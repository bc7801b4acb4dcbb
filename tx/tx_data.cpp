#include "tx/tx_data.hpp"

#include <span>
#include <string_view>

#include "index/entity_ref.hpp"
#include "tx/form_text.hpp"

namespace quarry::tx {
namespace {

bool is_kw(const Value& v, std::string_view ns, std::string_view name) {
  auto k = v.get_if<Keyword>();
  return k && k->ns == ns && k->name == name;
}

const std::vector<Value>* sequence_items(const Value& v) {
  if (auto vec = v.get_if<Vector>()) return &vec->items;
  if (auto list = v.get_if<List>()) return &list->items;
  return nullptr;
}

std::unexpected<Error> syntax(std::string what, const Value& form) {
  return fail(ErrorCode::TxSyntax, std::move(what) + " in " + form_text(form));
}

std::optional<OpKind> parse_op(const Value& v) {
  auto k = v.get_if<Keyword>();
  if (!k) return std::nullopt;
  if (k->ns == "db") {
    if (k->name == "add") return OpKind::Add;
    if (k->name == "retract") return OpKind::Retract;
    if (k->name == "retractEntity") return OpKind::RetractEntity;
    if (k->name == "cas") return OpKind::Cas;
  } else if (k->ns == "db.fn") {
    if (k->name == "retractEntity") return OpKind::RetractEntity;
    if (k->name == "retractAttribute") return OpKind::RetractAttribute;
    if (k->name == "cas") return OpKind::Cas;
  }
  return std::nullopt;
}

Result<AttrRef> parse_attr(const Value& v, const Value& form) {
  auto k = v.get_if<Keyword>();
  if (!k) return syntax("attribute must be a keyword, got " + form_text(v), form);
  return parse_attr_keyword(*k);
}

bool reserved_namespace(const Keyword& k) { return k.ns == "db" || k.ns.starts_with("db."); }

// [:my.ns/fn arg ...] or [:db.fn/call :my.ns/fn arg ...]; nullopt for other list forms.
Result<std::optional<CallForm>> parse_call(const std::vector<Value>& items, const Value& form) {
  const auto* op = items[0].get_if<Keyword>();
  if (!op) return std::nullopt;
  if (op->ns == "db.fn" && op->name == "call") {
    const Keyword* fn = items.size() > 1 ? items[1].get_if<Keyword>() : nullptr;
    if (!fn) return syntax(":db.fn/call takes the keyword naming a transaction function, then its arguments", form);
    if (reserved_namespace(*fn)) return std::nullopt;  // [:db.fn/call :db/cas ...] is [:db/cas ...]
    return CallForm{*fn, std::vector<Value>(items.begin() + 2, items.end())};
  }
  if (reserved_namespace(*op)) return std::nullopt;
  return CallForm{*op, std::vector<Value>(items.begin() + 1, items.end())};
}

Result<ListForm> parse_list(std::span<const Value> items, const Value& form) {
  if (items.empty()) return syntax("empty tx form", form);
  auto op = parse_op(items[0]);
  if (!op) {
    return syntax("unknown operation " + form_text(items[0]) +
                      " (expected :db/add, :db/retract, :db/retractEntity or :db/cas)",
                  form);
  }
  // :db/retract with two arguments is a retraction of every value of the attribute.
  if (*op == OpKind::Retract && items.size() == 3) op = OpKind::RetractAttribute;
  std::size_t want = 0;
  switch (*op) {
    case OpKind::Add:
    case OpKind::Retract: want = 4; break;
    case OpKind::RetractAttribute: want = 3; break;
    case OpKind::RetractEntity: want = 2; break;
    case OpKind::Cas: want = 5; break;
  }
  if (items.size() != want) {
    return syntax(form_text(items[0]) + " takes " + std::to_string(want - 1) + " arguments, got " +
                      std::to_string(items.size() - 1),
                  form);
  }
  ListForm out;
  out.op = *op;
  auto e = parse_entity_ref(items[1], form);
  if (!e) return std::unexpected(e.error());
  out.e = std::move(*e);
  if (want >= 3) {
    auto a = parse_attr(items[2], form);
    if (!a) return std::unexpected(a.error());
    out.a = std::move(*a);
  }
  if (want >= 4) {
    out.v = items[3];
    if (out.v.is_nil() && out.op != OpKind::Cas) return syntax("nil is not a value", form);
  }
  if (want == 5) {
    out.new_v = items[4];
    if (out.new_v.is_nil()) return syntax("nil is not a value", form);
  }
  return out;
}

Result<MapForm> parse_map(const Map& m, const Value& form) {
  MapForm out;
  out.attrs.reserve(m.entries.size());
  for (const auto& [key, value] : m.entries) {
    if (is_kw(key, "db", "id")) {
      auto id = parse_entity_ref(value, form);
      if (!id) return std::unexpected(id.error());
      out.id = std::move(*id);
      continue;
    }
    auto a = parse_attr(key, form);
    if (!a) return std::unexpected(a.error());
    if (value.is_nil()) return syntax("nil is not a value (attribute " + form_text(key) + ")", form);
    out.attrs.emplace_back(std::move(*a), value);
  }
  return out;
}

}  // namespace

AttrRef parse_attr_keyword(const Keyword& k) {
  if (k.name.size() > 1 && k.name[0] == '_') return AttrRef{Keyword{k.ns, k.name.substr(1)}, true};
  return AttrRef{k, false};
}

Keyword written_name(const AttrRef& a) {
  if (!a.reverse) return a.ident;
  return Keyword{a.ident.ns, "_" + a.ident.name};
}

bool looks_like_lookup_ref(const Value& v) { return index::is_lookup_ref(v); }

Result<EntityRef> parse_entity_ref(const Value& v, const Value& context) {
  switch (v.kind()) {
    case ValueKind::Long: {
      auto n = v.as<std::int64_t>();
      if (n > 0) return EntityId{static_cast<std::uint64_t>(n)};
      if (n < 0) return TempId{v};
      return fail(ErrorCode::TxEntityId, "0 is not an entity id in " + form_text(context));
    }
    case ValueKind::Ref:
      return v.as<EntityId>();
    case ValueKind::String:
      if (v.as<std::string>() == "datomic.tx") return CurrentTx{v};
      return TempId{v};
    case ValueKind::Keyword:
      if (is_kw(v, "db", "current-tx")) return CurrentTx{v};
      return Ident{v.as<Keyword>()};
    case ValueKind::Vector:
    case ValueKind::List:
      if (looks_like_lookup_ref(v)) {
        const auto& items = *sequence_items(v);
        if (items[1].is_nil()) return syntax("lookup ref " + form_text(v) + " has a nil value", context);
        return LookupRef{items[0].as<Keyword>(), items[1]};
      }
      break;
    default:
      break;
  }
  return syntax("expected an entity id, tempid, ident or lookup ref, got " + form_text(v), context);
}

Value entity_ref_value(const EntityRef& e) {
  struct Visit {
    Value operator()(EntityId id) const { return static_cast<std::int64_t>(id.value); }
    Value operator()(const TempId& t) const { return t.name; }
    Value operator()(const LookupRef& l) const { return Vector{{Value(l.attr), l.value}}; }
    Value operator()(const CurrentTx& c) const { return c.name; }
    Value operator()(const Ident& i) const { return i.ident; }
  };
  return std::visit(Visit{}, e);
}

Value form_value(const TxForm& form) {
  if (auto m = std::get_if<MapForm>(&form.body)) {
    std::vector<std::pair<Value, Value>> entries;
    if (m->id) entries.emplace_back(Value::keyword("db/id"), entity_ref_value(*m->id));
    for (const auto& [a, v] : m->attrs) entries.emplace_back(written_name(a), v);
    Map out;
    if (!make_map(std::move(entries), out)) return Value{};  // duplicate keys cannot come from parsing
    return out;
  }
  if (auto c = std::get_if<CallForm>(&form.body)) {
    std::vector<Value> items{Value(c->fn)};
    items.insert(items.end(), c->args.begin(), c->args.end());
    return Vector{std::move(items)};
  }
  const auto& l = std::get<ListForm>(form.body);
  std::vector<Value> items;
  switch (l.op) {
    case OpKind::Add: items = {Value::keyword("db/add"), entity_ref_value(l.e), written_name(l.a), l.v}; break;
    case OpKind::Retract:
      items = {Value::keyword("db/retract"), entity_ref_value(l.e), written_name(l.a), l.v};
      break;
    case OpKind::RetractAttribute:
      items = {Value::keyword("db/retract"), entity_ref_value(l.e), written_name(l.a)};
      break;
    case OpKind::RetractEntity: items = {Value::keyword("db/retractEntity"), entity_ref_value(l.e)}; break;
    case OpKind::Cas:
      items = {Value::keyword("db/cas"), entity_ref_value(l.e), written_name(l.a), l.v, l.new_v};
      break;
  }
  return Vector{std::move(items)};
}

Result<TxForm> parse_tx_form(const Value& form, std::size_t index) {
  if (auto m = form.get_if<Map>()) {
    auto parsed = parse_map(*m, form);
    if (!parsed) return std::unexpected(parsed.error());
    return TxForm{std::move(*parsed), index};
  }
  if (auto items = sequence_items(form)) {
    if (!items->empty()) {
      auto call = parse_call(*items, form);
      if (!call) return std::unexpected(call.error());
      if (*call) return TxForm{std::move(**call), index};
    }
    std::span<const Value> list(*items);
    if (!list.empty() && is_kw(list[0], "db.fn", "call")) list = list.subspan(1);
    auto parsed = parse_list(list, form);
    if (!parsed) return std::unexpected(parsed.error());
    return TxForm{std::move(*parsed), index};
  }
  return syntax("a tx form must be a map or a vector, got " + form_text(form), form);
}

Result<std::vector<TxForm>> parse_tx_data(const Value& tx_data) {
  auto items = sequence_items(tx_data);
  if (!items) {
    return fail(ErrorCode::TxSyntax, "tx-data must be a vector or list of forms, got " +
                                         form_text(tx_data));
  }
  std::vector<TxForm> out;
  out.reserve(items->size());
  for (std::size_t i = 0; i < items->size(); ++i) {
    if ((*items)[i].is_nil()) continue;
    auto form = parse_tx_form((*items)[i], i);
    if (!form) return std::unexpected(form.error());
    out.push_back(std::move(*form));
  }
  return out;
}

}  // namespace quarry::tx
