// resolve_pattern and choose_access (query/plan/pattern.hpp).
#include <algorithm>

#include "codec/edn_printer.hpp"
#include "index/entity_ref.hpp"
#include "query/plan/pattern.hpp"
#include "query/plan/range_filter.hpp"

namespace quarry::query {
namespace {

// A constant in query form: refs as longs.
Value query_form(const Value& v) {
  if (const EntityId* id = v.get_if<EntityId>()) return Value(static_cast<std::int64_t>(id->value));
  return v;
}

// The entity a constant names, for e positions and ref values. nullopt: names nothing (no error
// for values that are not entity references at all: they simply match nothing).
Result<std::optional<EntityId>> constant_entity(const index::Db& db, const Value& v) {
  if (const auto* n = v.get_if<std::int64_t>()) {
    if (*n <= 0) return std::optional<EntityId>{};
    return std::optional<EntityId>{EntityId{static_cast<std::uint64_t>(*n)}};
  }
  if (const EntityId* id = v.get_if<EntityId>()) return std::optional<EntityId>{*id};
  if (!v.is<Keyword>() && !index::is_lookup_ref(v)) return std::optional<EntityId>{};
  return resolve_entity_ref(db, v);
}

}  // namespace

Result<std::optional<EntityId>> resolve_entity_ref(const index::Db& db, const Value& ref) {
  auto e = index::resolve_entity(db, ref);
  if (!e) return std::unexpected(e.error());
  if (!*e) return fail(ErrorCode::QueryInvalid, "Nothing found for entity id " + to_edn(ref));
  return e;
}

std::optional<EntityId> as_entity(const Value& v) {
  if (const auto* n = v.get_if<std::int64_t>()) {
    if (*n > 0) return EntityId{static_cast<std::uint64_t>(*n)};
    return std::nullopt;
  }
  if (const EntityId* id = v.get_if<EntityId>()) return *id;
  return std::nullopt;
}

std::optional<Value> index_value(const index::AttrSchema& attr, const Value& v) {
  if (attr.is_ref()) {
    auto e = as_entity(v);
    if (!e) return std::nullopt;
    return Value(*e);
  }
  if (!v.is_storable() || v.is<EntityId>()) return std::nullopt;
  return v;
}

Result<ResolvedPattern> resolve_pattern(const Scope& ctx, const DataPattern& pattern) {
  ResolvedPattern rp;
  rp.pattern = &pattern;
  rp.source = ctx.source(pattern.source);
  if (!rp.source)
    return fail(ErrorCode::QueryInvalid, "Source " + pattern.source.name + " is not bound by :in");
  if (pattern.terms.empty() || pattern.terms.size() > 5)
    return fail(ErrorCode::QuerySyntax, "a data pattern has 1 to 5 positions");
  for (std::size_t i = 0; i < pattern.terms.size(); ++i) {
    PatternSlot& slot = rp.slots[i];
    const Term& t = pattern.terms[i];
    if (const Variable* var = std::get_if<Variable>(&t)) {
      slot.kind = PatternSlot::Kind::Var;
      slot.var = var->name;
      if (std::find(rp.vars.begin(), rp.vars.end(), var->name) == rp.vars.end()) rp.vars.push_back(var->name);
    } else if (const Value* c = std::get_if<Value>(&t)) {
      slot.kind = PatternSlot::Kind::Const;
      slot.value = query_form(*c);
    }
  }
  if (rp.slots[0].kind == PatternSlot::Kind::Var)
    rp.e_is_attribute = std::find(ctx.attribute_vars.begin(), ctx.attribute_vars.end(), rp.slots[0].var) !=
                        ctx.attribute_vars.end();
  if (!rp.source->db) {
    const Value& coll = *rp.source->tuples;
    double n = 0;
    if (const auto* v = coll.get_if<Vector>()) n = static_cast<double>(v->items.size());
    else if (const auto* l = coll.get_if<List>()) n = static_cast<double>(l->items.size());
    else if (const auto* s = coll.get_if<Set>()) n = static_cast<double>(s->items.size());
    rp.total_datoms = n;
    return rp;
  }
  const index::Db& db = *rp.source->db;
  const auto& e_slot = rp.slots[0];
  const auto& a_slot = rp.slots[1];
  const auto& v_slot = rp.slots[2];
  if (e_slot.kind == PatternSlot::Kind::Const) {
    auto e = constant_entity(db, e_slot.value);
    if (!e) return std::unexpected(e.error());
    if (!*e) rp.impossible = true;
    else {
      rp.e = **e;
      rp.slots[0].value = Value(static_cast<std::int64_t>(rp.e->value));
    }
  }
  if (a_slot.kind == PatternSlot::Kind::Const) {
    const Keyword* k = a_slot.value.get_if<Keyword>();
    rp.attr = k ? db.schema().find(*k) : nullptr;
    if (!rp.attr) rp.impossible = true;
  }
  if (v_slot.kind == PatternSlot::Kind::Const && rp.attr) {
    if (rp.attr->is_ref()) {
      auto e = constant_entity(db, v_slot.value);
      if (!e) return std::unexpected(e.error());
      if (!*e) rp.impossible = true;
      else {
        rp.v = Value(**e);
        rp.slots[2].value = Value(static_cast<std::int64_t>((*e)->value));
      }
    } else if (v_slot.value.is_storable()) {
      rp.v = v_slot.value;
    } else {
      rp.impossible = true;
    }
  }
  // Statistics for the estimates, summed once per source.
  if (!rp.source->totals) {
    Source::Totals t;
    for (const index::AttrSchema& a : db.schema().attrs()) {
      auto s = db.attr_stats(a.id);
      if (s.datoms == 0) continue;
      t.datoms += static_cast<double>(s.datoms);
      t.attrs += 1;
    }
    rp.source->totals = t;
  }
  const double total = rp.source->totals->datoms, attrs = rp.source->totals->attrs;
  rp.total_datoms = std::max(1.0, total);
  rp.attr_count = std::max(1.0, attrs);
  rp.datoms_per_entity = std::max(1.0, total / std::max<double>(1.0, static_cast<double>(db.max_eid())));
  return rp;
}

namespace {

// Expected datoms matching a prefix with these components known.
double estimate(const ResolvedPattern& rp, bool e, bool a, bool v) {
  if (rp.impossible) return 0;
  if (!rp.source->db) return rp.total_datoms;
  double n = rp.total_datoms / rp.attr_count, distinct = 1;
  bool many = true;
  if (rp.attr) {
    auto s = rp.source->db->attr_stats(rp.attr->id);
    n = static_cast<double>(s.datoms);
    distinct = std::max<double>(1.0, static_cast<double>(s.distinct_values));
    many = rp.attr->many;
  } else {
    distinct = std::max(1.0, n / 4);
  }
  // An entity's value of a known attribute matches a known value with about 1/distinct odds:
  // [?e :sex :male] per ?e keeps about half the rows, [?e :name ?n] with ?n bound very few.
  if (e && a) return v ? 1.0 / distinct : (many ? 3 : 1);
  if (e) return rp.datoms_per_entity;
  if (a && v) return std::max(1.0, n / distinct);
  if (a) return std::max(1.0, n);
  if (v) return rp.attr_count;
  return rp.total_datoms;
}

// Expected datoms of an AVET range scan of rp's attribute: the store's size figures for the range
// the scan reads (plan/range_filter.hpp's scan_range); a fixed share of `all` (the attribute's
// datoms) when the store cannot tell.
double range_rows(const ResolvedPattern& rp, const ValueRange& range, double all) {
  const ValueRange scan = scan_range(range);
  const std::optional<Value>& end = scan.end ? scan.end : scan.last;
  auto n = rp.source->db->estimate_avet_range(rp.attr->id, scan.start, end);
  if (!n) {
    const bool two_sided = range.start && (range.end || range.last);
    return all * (two_sided ? cost::kTwoSidedRangeShare : cost::kOneSidedRangeShare);
  }
  return std::clamp(static_cast<double>(*n), 1.0, std::max(1.0, all));
}

// Datoms of rp's attribute with value `v` (in query form), counted on AVET up to
// cost::kValueCountCap; `average` (the attribute's datoms per distinct value) when there are more,
// when v cannot be an index value, or when the count fails (the query reports read errors).
double known_value_rows(const ResolvedPattern& rp, const Value& v, double average) {
  auto term = index_value(*rp.attr, v);
  if (!term) return 0;  // no datom holds it
  auto cursor = rp.source->db->datoms(IndexOrder::Avet, {.a = rp.attr->id, .v = std::move(*term)});
  if (!cursor) return average;
  double n = 0;
  for (; cursor->valid() && n < cost::kValueCountCap; cursor->next()) ++n;
  if (!cursor->status()) return average;
  return n < cost::kValueCountCap ? n : std::max(n, average);
}

// The rows of [_ a v] with v known: rp's constant v, or a scalar input bound to its v variable.
std::optional<double> value_rows(const ResolvedPattern& rp, const BoundRows& bound, const ScalarLookup* scalar,
                                 double average) {
  if (!rp.attr || !rp.source->db) return std::nullopt;
  const PatternSlot& vs = rp.slots[2];
  const Value* v = nullptr;
  if (vs.kind == PatternSlot::Kind::Const && rp.v) v = &*rp.v;
  else if (vs.kind == PatternSlot::Kind::Var && scalar && *scalar && bound(vs.var)) v = (*scalar)(vs.var);
  if (!v) return std::nullopt;
  if (!rp.value_rows) rp.value_rows = known_value_rows(rp, *v, average);
  return rp.value_rows;
}

bool is_bound_var(const PatternSlot& s, const BoundRows& bound) {
  return s.kind == PatternSlot::Kind::Var && bound(s.var).has_value();
}

}  // namespace

Access choose_access(const ResolvedPattern& rp, const BoundRows& bound, const ValueRange& range, bool force_probe,
                     const ScalarLookup* scalar) {
  Access scan;
  const bool e_c = rp.e.has_value(), a_c = rp.attr != nullptr;
  // A constant v helps a scan only with a known attribute (AVET) or through every attribute.
  const bool v_c = rp.slots[2].kind == PatternSlot::Kind::Const && !rp.impossible;
  double scan_rows = estimate(rp, e_c, a_c, v_c && a_c);
  if (!rp.source->db) {
    scan.cost = scan.rows = scan_rows;
  } else if (e_c) {
    scan.order = IndexOrder::Eavt;
  } else if (a_c && v_c) {
    scan.order = IndexOrder::Avet;
    if (auto n = value_rows(rp, bound, scalar, scan_rows)) scan_rows = *n;
  } else if (a_c && range.any() && rp.slots[2].kind == PatternSlot::Kind::Var && !bound(rp.slots[2].var)) {
    scan.order = IndexOrder::Avet;
    scan.range = true;
    scan_rows = range_rows(rp, range, scan_rows);
  } else if (a_c) {
    scan.order = IndexOrder::Aevt;
  } else if (v_c) {
    scan.order = IndexOrder::Avet;
    scan.per_attribute = true;
    scan_rows = estimate(rp, false, false, true);
  } else {
    scan.order = IndexOrder::Eavt;
  }
  scan.cost = scan_rows;
  scan.rows = scan_rows;

  // Bound variables of the pattern: their relation's size bounds the number of probes.
  double r = 0;
  bool any_bound = false;
  for (const std::string& v : rp.vars) {
    if (auto n = bound(v)) {
      any_bound = true;
      r = std::max(r, *n);
    }
  }
  if (!any_bound) return scan;
  if (!rp.source->db) {
    scan.cost = scan_rows + r;
    scan.rows = std::min(scan_rows, r);
    return scan;
  }

  const bool e_b = is_bound_var(rp.slots[0], bound), a_b = is_bound_var(rp.slots[1], bound),
             v_b = is_bound_var(rp.slots[2], bound);
  const bool e_k = e_c || e_b, a_k = a_c || a_b, v_k = v_c || v_b;
  double per_probe = estimate(rp, e_k, a_k, v_k);
  if (!e_k && a_c && v_b)
    if (auto n = value_rows(rp, bound, scalar, per_probe)) per_probe = *n;
  // Output: each bound row keeps about per_probe matches (never more than the scan holds).
  const double out_rows = r * per_probe;
  scan.cost = scan_rows + r;
  scan.rows = out_rows;

  Access probe;
  probe.probe = true;
  probe.rows = out_rows;
  auto add = [&](const PatternSlot& s) {
    if (s.kind == PatternSlot::Kind::Var && bound(s.var) &&
        std::find(probe.probe_vars.begin(), probe.probe_vars.end(), s.var) == probe.probe_vars.end())
      probe.probe_vars.push_back(s.var);
  };
  if (e_k) {
    // A constant attribute: AEVT (a, e[, v]). Probes sorted by entity then step through one
    // attribute's keys, which lie closer together than whole entities do in EAVT, so more of the
    // re-seeks are short steps forward (storage/store.hpp).
    probe.order = a_c ? IndexOrder::Aevt : IndexOrder::Eavt;
    add(rp.slots[0]);
    if (a_k) {
      add(rp.slots[1]);
      if (v_k) add(rp.slots[2]);
    }
  } else if (a_k) {
    probe.order = v_k ? IndexOrder::Avet : IndexOrder::Aevt;
    add(rp.slots[1]);
    if (v_k) add(rp.slots[2]);
  } else if (v_k) {
    probe.order = IndexOrder::Avet;
    probe.per_attribute = true;
    add(rp.slots[2]);
  }
  if (probe.probe_vars.empty()) return scan;  // bound variables only in tx/added: filter
  const double per_lookup = cost::kLookupCost * (probe.per_attribute ? rp.attr_count : 1.0);
  probe.cost = r * (per_lookup + per_probe);
  return force_probe || probe.cost < scan.cost ? probe : scan;
}

}  // namespace quarry::query
