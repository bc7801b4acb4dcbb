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
struct KeywordHash {
  std::size_t operator()(const Keyword& k) const noexcept {
    return std::hash<std::string>()(k.ns) * 31 + std::hash<std::string>()(k.name);
  }
};

// Which attributes take entities as values, for one transaction: reverse attributes (:_friend),
// refs of the schema, and refs the transaction itself declares.
class RefAttrs {
 public:
  RefAttrs(const index::Schema& schema, std::span<const Value> ops) : schema_(schema) {
    for (const Value& op : ops) {
      auto m = op.get_if<Map>();
      if (!m) continue;
      const Value *ident = nullptr, *type = nullptr;
      for (const auto& [k, v] : m->entries) {
        if (is_keyword(k, "db", "ident")) ident = &v;
        if (is_keyword(k, "db", "valueType")) type = &v;
      }
      if (ident && type && ident->is<Keyword>() && is_keyword(*type, "db.type", "ref"))
        declared_.insert(ident->as<Keyword>());
    }
  }

  // Whether the values of attribute `a` (as written) are entities. Called for every entry of
  // every form: no keyword is copied.
  [[nodiscard]] bool refers(const Value& a) const {
    auto k = a.get_if<Keyword>();
    if (!k) return false;
    if (reverse(*k)) return true;
    if (!declared_.empty() && declared_.contains(*k)) return true;
    for (const auto& [known, ref] : seen_)
      if (known.name == k->name && known.ns == k->ns) return ref;
    const index::AttrSchema* schema = schema_.find(*k);
    const bool ref = schema && schema->is_ref();
    if (seen_.size() < kSeen) seen_.emplace_back(*k, ref);
    return ref;
  }

  // As tx::parse_attr_keyword reads a reverse attribute (:_friend).
  [[nodiscard]] static bool reverse(const Keyword& k) { return k.name.size() > 1 && k.name[0] == '_'; }
  [[nodiscard]] static bool reverse(const Value& a) {
    auto k = a.get_if<Keyword>();
    return k && reverse(*k);
  }

 private:
  const index::Schema& schema_;
  std::unordered_set<Keyword, KeywordHash> declared_;
  // The first kSeen attributes asked about and the answers: the forms of one transaction use the
  // same few attributes over and over, and comparing keywords for equality is cheaper than
  // Schema::find's search.
  static constexpr std::size_t kSeen = 16;
  mutable std::vector<std::pair<Keyword, bool>> seen_;
};

bool is_tempid(const Value& v) {
  return (v.is<std::string>() && v.as<std::string>() != "datomic.tx") ||
         (v.is<std::int64_t>() && v.as<std::int64_t>() < 0);
}

bool names_transaction(const Value& v) {
  return (v.is<std::string>() && v.as<std::string>() == "datomic.tx") || is_keyword(v, "db", "current-tx");
}

// The items of a vector or list, else nullptr.
const std::vector<Value>* sequence(const Value& v) {
  if (auto x = v.get_if<Vector>()) return &x->items;
  if (auto x = v.get_if<List>()) return &x->items;
  return nullptr;
}

class Resolver {
 public:
  Resolver(const TempidTable& ids, const RefAttrs& refs) : ids_(ids), refs_(refs) {}

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
    auto id = ids_.find(v);
    if (!id) return std::nullopt;
    return Value(static_cast<std::int64_t>(id->value));
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

  bool refers(const Value& a) const { return refs_.refers(a); }

  const TempidTable& ids_;
  const RefAttrs& refs_;
};

using TempidSet = std::unordered_set<Value>;

// The tempids a transaction gives attributes to (entity positions of assertions) and those it
// mentions as ref values. The entities point into the forms, which must outlive them and stay
// unchanged: a transaction gives thousands, and only the few values need a set.
class Mentions {
 public:
  explicit Mentions(const RefAttrs& refs) : refs_(refs) {}

  void form(const Value& op) {
    if (auto m = op.get_if<Map>()) return map(*m);
    const auto* items = sequence(op);
    if (!items || items->size() < 2 || !is_keyword((*items)[0], "db", "add")) return;
    if (is_tempid((*items)[1])) entities.push_back(&(*items)[1]);
    if (items->size() > 3 && refs_.refers((*items)[2])) value((*items)[3], RefAttrs::reverse((*items)[2]));
  }

  std::vector<const Value*> entities;
  TempidSet values;

 private:
  void map(const Map& m) {
    bool has_attrs = false;
    for (const auto& [k, v] : m.entries) {
      if (is_keyword(k, "db", "id")) continue;
      has_attrs = true;
      if (refs_.refers(k)) value(v, RefAttrs::reverse(k));
    }
    if (!has_attrs) return;
    for (const auto& [k, v] : m.entries)
      if (is_keyword(k, "db", "id") && is_tempid(v)) entities.push_back(&v);
  }

  // A ref value; `as_entity` for a reverse attribute's (the tempid becomes the e of an assertion).
  void value(const Value& v, bool as_entity) {
    if (is_tempid(v)) {
      if (as_entity) entities.push_back(&v);
      else values.insert(v);
    } else if (auto m = v.get_if<Map>()) {
      map(*m);
    } else if (auto s = v.get_if<Set>()) {
      for (const Value& item : s->items) value(item, as_entity);
    } else if (const auto* items = sequence(v); items && !tx::looks_like_lookup_ref(v)) {
      for (const Value& item : *items) value(item, as_entity);
    }
  }

  const RefAttrs& refs_;
};

Value add_form(Value e, Value a, Value v) {
  return Value(Vector{{Value::keyword("db/add"), std::move(e), std::move(a), std::move(v)}});
}

}  // namespace

void ForwardRefs::settle(std::vector<Value>& ops, const index::Schema& schema, const ImportTempids& known) {
  for (;;) {
    RefAttrs refs(schema, ops);
    Mentions mentions(refs);
    for (const Value& op : ops) mentions.form(op);
    // The waiting forms this transaction can take: their tempid gets an attribute here.
    std::vector<Value> ready;
    for (std::size_t i = 0; i < mentions.entities.size() && !waiting_.empty(); ++i) {
      auto it = waiting_.find(*mentions.entities[i]);
      if (it == waiting_.end()) continue;
      count_ -= it->second.size();
      for (Value& form : it->second) ready.push_back(std::move(form));
      waiting_.erase(it);
    }
    if (!ready.empty()) {
      known.resolve(ready, schema);
      for (Value& form : ready) ops.push_back(std::move(form));
      continue;  // they may give more tempids attributes
    }
    TempidSet forward;
    for (const Value& t : mentions.values)
      if (!known.contains(t)) forward.insert(t);
    for (std::size_t i = 0; i < mentions.entities.size() && !forward.empty(); ++i) forward.erase(*mentions.entities[i]);
    if (forward.empty()) return;

    // Take the references to `forward` out: whole [:db/add e a t] forms, values out of top-level maps.
    auto wait = [&](const Value& t, Value form) {
      waiting_[t].push_back(std::move(form));
      ++count_;
    };
    std::vector<Value> kept;
    kept.reserve(ops.size());
    bool moved = false;
    for (Value& op : ops) {
      const auto* items = sequence(op);
      if (items && items->size() == 4 && is_keyword((*items)[0], "db", "add") && !names_transaction((*items)[1]) &&
          refs.refers((*items)[2]) && !RefAttrs::reverse((*items)[2]) && forward.contains((*items)[3])) {
        Value t = (*items)[3];  // before `op` is moved from
        wait(t, std::move(op));
        moved = true;
        continue;
      }
      auto m = op.get_if<Map>();
      if (!m) {
        kept.push_back(std::move(op));
        continue;
      }
      const Value* id = nullptr;
      for (const auto& [k, v] : m->entries)
        if (is_keyword(k, "db", "id")) id = &v;
      if (id && names_transaction(*id)) {
        kept.push_back(std::move(op));
        continue;
      }
      // Split each forward value off; a collection keeps its other items.
      std::vector<std::pair<Value, Value>> entries;
      std::vector<std::pair<Value, Value>> taken;  // (attribute, tempid)
      for (const auto& [k, v] : m->entries) {
        if (is_keyword(k, "db", "id") || !refs.refers(k) || RefAttrs::reverse(k)) {
          entries.emplace_back(k, v);
          continue;
        }
        if (is_tempid(v) && forward.contains(v)) {
          taken.emplace_back(k, v);
          continue;
        }
        const std::vector<Value>* collection = v.is<Set>() ? &v.as<Set>().items : sequence(v);
        if (!collection || tx::looks_like_lookup_ref(v)) {
          entries.emplace_back(k, v);
          continue;
        }
        std::vector<Value> rest;
        for (const Value& item : *collection) {
          if (is_tempid(item) && forward.contains(item)) {
            taken.emplace_back(k, item);
          } else {
            rest.push_back(item);
          }
        }
        if (!rest.empty()) entries.emplace_back(k, Value(Vector{std::move(rest)}));
      }
      if (taken.empty()) {
        kept.push_back(std::move(op));
        continue;
      }
      moved = true;
      Value entity = id ? *id : Value("quarry.import/" + std::to_string(++synthetic_));
      if (!id) entries.emplace_back(Value::keyword("db/id"), entity);
      for (auto& [a, t] : taken) wait(t, add_form(entity, a, t));
      if (entries.size() > 1) {  // something besides :db/id is left
        Map rebuilt;
        if (make_map(std::move(entries), rebuilt)) kept.push_back(Value(std::move(rebuilt)));
      }
    }
    ops = std::move(kept);
    if (!moved) return;  // only references this step does not move (nested maps): the transaction says so
  }
}

std::optional<Value> ForwardRefs::a_waiting_tempid() const {
  if (waiting_.empty()) return std::nullopt;
  // The smallest, so that the message does not depend on hashing.
  const Value* least = nullptr;
  for (const auto& [t, forms] : waiting_)
    if (!least || t < *least) least = &t;
  return *least;
}

void ImportTempids::resolve(std::vector<Value>& ops, const index::Schema& schema) const {
  if (ids_.empty()) return;
  RefAttrs refs(schema, ops);
  Resolver resolver(ids_, refs);
  for (Value& op : ops)
    if (auto changed = resolver.form(op)) op = std::move(*changed);
}

void ImportTempids::record(std::span<const std::pair<Value, EntityId>> tempids) {
  for (const auto& [name, id] : tempids) {
    if (is_tempid(name)) ids_.insert(name, id);
  }
}

}  // namespace quarry::import_detail
