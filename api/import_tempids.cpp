#include "api/import_tempids.hpp"

#include <optional>

#include "tx/tx_data.hpp"

namespace quarry::import_detail {
namespace {

bool is_keyword(const Value& v, std::string_view ns, std::string_view name) {
  auto k = v.get_if<Keyword>();
  return k && k->ns == ns && k->name == name;
}

// One pass over one transaction's forms. Each function returns the rewritten value, or nullopt
// when nothing in it changed (the common case costs no copy).
class Resolver {
 public:
  Resolver(const std::unordered_map<Value, EntityId>& ids, const index::Schema& schema,
           std::span<const Value> ops)
      : ids_(ids), schema_(schema) {
    // Ref attributes the transaction declares itself.
    for (const Value& op : ops) {
      auto m = op.get_if<Map>();
      if (!m) continue;
      const Value *ident = nullptr, *type = nullptr;
      for (const auto& [k, v] : m->entries) {
        if (is_keyword(k, "db", "ident")) ident = &v;
        if (is_keyword(k, "db", "valueType")) type = &v;
      }
      if (ident && type && ident->is<Keyword>() && is_keyword(*type, "db.type", "ref"))
        declared_refs_.insert(ident->as<Keyword>());
    }
  }

  std::optional<Value> form(const Value& op) const {
    if (auto m = op.get_if<Map>()) return map(*m);
    const std::vector<Value>* items = nullptr;
    if (auto v = op.get_if<Vector>()) items = &v->items;
    if (auto l = op.get_if<List>()) items = &l->items;
    if (!items || items->empty()) return std::nullopt;
    const Value& kind = (*items)[0];
    // Which positions take an entity: e always; the values when the attribute refers.
    std::size_t values_from = items->size();
    if (is_keyword(kind, "db", "add") || is_keyword(kind, "db", "retract")) {
      values_from = 3;
    } else if (is_keyword(kind, "db", "cas") || is_keyword(kind, "db.fn", "cas")) {
      values_from = 3;
    } else if (!is_keyword(kind, "db", "retractEntity") && !is_keyword(kind, "db.fn", "retractEntity") &&
               !is_keyword(kind, "db.fn", "retractAttribute")) {
      return std::nullopt;  // a transaction function call: its arguments stay as written
    }
    if (items->size() < 2) return std::nullopt;
    const bool values_refer = items->size() > 3 && refers((*items)[2]);
    std::optional<std::vector<Value>> out;
    auto set = [&](std::size_t i, Value v) {
      if (!out) out = *items;
      (*out)[i] = std::move(v);
    };
    if (auto e = entity((*items)[1])) set(1, std::move(*e));
    if (values_refer)
      for (std::size_t i = values_from; i < items->size(); ++i)
        if (auto v = value((*items)[i])) set(i, std::move(*v));
    if (!out) return std::nullopt;
    if (op.is<List>()) return Value(List{std::move(*out)});
    return Value(Vector{std::move(*out)});
  }

 private:
  // An entity position: a tempid the file resolved before becomes its id.
  std::optional<Value> entity(const Value& v) const {
    if (!v.is<std::string>() && !(v.is<std::int64_t>() && v.as<std::int64_t>() < 0)) return std::nullopt;
    auto it = ids_.find(v);
    if (it == ids_.end()) return std::nullopt;
    return Value(static_cast<std::int64_t>(it->second.value));
  }

  // The value of a ref attribute: an entity, a nested map, a lookup ref, or a collection of them.
  std::optional<Value> value(const Value& v) const {
    if (auto m = v.get_if<Map>()) return map(*m);
    if (auto s = v.get_if<Set>()) {
      auto items = collection(s->items);
      if (!items) return std::nullopt;
      Set out;
      if (!make_set(std::move(*items), out)) return std::nullopt;  // two tempids of one entity: leave it
      return Value(std::move(out));
    }
    const std::vector<Value>* items = nullptr;
    if (auto x = v.get_if<Vector>()) items = &x->items;
    if (auto x = v.get_if<List>()) items = &x->items;
    if (items) {
      if (tx::looks_like_lookup_ref(v)) return std::nullopt;
      auto out = collection(*items);
      if (!out) return std::nullopt;
      if (v.is<List>()) return Value(List{std::move(*out)});
      return Value(Vector{std::move(*out)});
    }
    return entity(v);
  }

  std::optional<std::vector<Value>> collection(const std::vector<Value>& items) const {
    std::optional<std::vector<Value>> out;
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto changed = value(items[i]);
      if (!changed) continue;
      if (!out) out = items;
      (*out)[i] = std::move(*changed);
    }
    return out;
  }

  std::optional<Value> map(const Map& m) const {
    std::optional<std::vector<std::pair<Value, Value>>> out;
    for (std::size_t i = 0; i < m.entries.size(); ++i) {
      const auto& [k, v] = m.entries[i];
      std::optional<Value> changed;
      if (is_keyword(k, "db", "id")) {
        changed = entity(v);
      } else if (refers(k)) {
        changed = value(v);
      }
      if (!changed) continue;
      if (!out) out = m.entries;
      (*out)[i].second = std::move(*changed);
    }
    if (!out) return std::nullopt;
    Map rebuilt;
    if (!make_map(std::move(*out), rebuilt)) return std::nullopt;  // cannot happen: the keys are unchanged
    return Value(std::move(rebuilt));
  }

  // Whether the values of attribute `a` (as written) are entities.
  bool refers(const Value& a) const {
    auto k = a.get_if<Keyword>();
    if (!k) return false;
    const tx::AttrRef attr = tx::parse_attr_keyword(*k);
    if (attr.reverse) return true;
    if (declared_refs_.contains(attr.ident)) return true;
    const index::AttrSchema* schema = schema_.find(attr.ident);
    return schema && schema->is_ref();
  }

  struct KeywordHash {
    std::size_t operator()(const Keyword& k) const noexcept {
      return std::hash<std::string>()(k.ns) * 31 + std::hash<std::string>()(k.name);
    }
  };

  const std::unordered_map<Value, EntityId>& ids_;
  const index::Schema& schema_;
  std::unordered_set<Keyword, KeywordHash> declared_refs_;
};

}  // namespace

void ImportTempids::resolve(std::vector<Value>& ops, const index::Schema& schema) const {
  if (ids_.empty()) return;
  Resolver resolver(ids_, schema, ops);
  for (Value& op : ops)
    if (auto changed = resolver.form(op)) op = std::move(*changed);
}

void ImportTempids::record(std::span<const std::pair<Value, EntityId>> tempids) {
  for (const auto& [name, id] : tempids) {
    const bool tempid = (name.is<std::string>() && name.as<std::string>() != "datomic.tx") ||
                        (name.is<std::int64_t>() && name.as<std::int64_t>() < 0);
    if (tempid) ids_.emplace(name, id);
  }
}

}  // namespace quarry::import_detail
