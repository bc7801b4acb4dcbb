// TxBuilder, constraints checked on the transaction's final datoms: attribute predicates
// (:db.attr/preds) and entity specs named by :db/ensure (:db.entity/attrs, :db.entity/preds).
#include <algorithm>

#include "tx/form_text.hpp"
#include "tx/tx_builder.hpp"

namespace quarry::tx::detail {
namespace {

namespace sys = index::sys;

bool truthy(const Value& v) { return !(v.is_nil() || (v.is<bool>() && !v.as<bool>())); }

// Entities and refs reach predicates as longs, as they reach query functions.
Value predicate_argument(const Value& v) {
  if (const auto* id = v.get_if<EntityId>()) return static_cast<std::int64_t>(id->value);
  return v;
}

// A predicate that returns an error fails the value or entity (with the predicate's own error
// code and message kept in the message).
std::unexpected<Error> predicate_failed(ErrorCode code, const Error& e, const std::string& what) {
  return fail(code, what + " failed: " + e.to_edn());
}

}  // namespace

Result<void> TxBuilder::check_attr_preds(const std::vector<Datom>& datoms) {
  auto s = schema();
  if (!s) return std::unexpected(s.error());
  const auto attrs = (*s)->attrs();
  if (std::none_of(attrs.begin(), attrs.end(), [](const index::AttrSchema& a) { return !a.preds.empty(); }))
    return {};  // no predicates: no datom to look up
  for (const Datom& d : datoms) {
    if (!d.added) continue;
    const index::AttrSchema* attr = (*s)->find(d.a);
    if (!attr || attr->preds.empty()) continue;
    const Value arg = predicate_argument(d.v);
    for (const Symbol& pred : attr->preds) {
      std::optional<Result<Value>> r;
      if (options_.hooks && options_.hooks->attr_predicate) r = options_.hooks->attr_predicate(pred, arg);
      const std::string name = form_text(Value(pred));
      if (!r)
        return fail(ErrorCode::TxAttrPred, "unknown predicate " + name + " in :db.attr/preds of " +
                                               form_text(attr->ident) + " (a query function's name)");
      if (!*r) return predicate_failed(ErrorCode::TxAttrPred, r->error(), "predicate " + name + " of " + form_text(attr->ident) + " on datom " + datom_text(d.e, d.a, d.v));
      if (!truthy(**r))
        return fail(ErrorCode::TxAttrPred, "datom " + datom_text(d.e, d.a, d.v) + " fails " + name +
                                               ", a :db.attr/preds of " + form_text(attr->ident));
    }
  }
  return {};
}

Result<void> TxBuilder::check_entity_specs(const std::vector<Datom>& datoms) {
  if (ensures_.empty()) return {};
  auto s = schema();
  if (!s) return std::unexpected(s.error());
  std::optional<index::Db> after;  // the database as the transaction leaves it, made on first need
  for (const auto& [e, spec] : ensures_) {
    auto ident = overlay_.values(spec, sys::kIdent);
    if (!ident) return std::unexpected(ident.error());
    const Value spec_name = (*ident)->empty() ? Value(static_cast<std::int64_t>(spec.value)) : (*ident)->front();
    auto attrs_now = overlay_.values(spec, sys::kEntityAttrs);
    if (!attrs_now) return std::unexpected(attrs_now.error());
    const std::vector<Value> required((*attrs_now)->begin(), (*attrs_now)->end());
    auto preds_now = overlay_.values(spec, sys::kEntityPreds);
    if (!preds_now) return std::unexpected(preds_now.error());
    const std::vector<Value> preds((*preds_now)->begin(), (*preds_now)->end());
    if (required.empty() && preds.empty())
      return fail(ErrorCode::TxEntityAttrs, ":db/ensure names " + form_text(spec_name) +
                                                " for entity " + std::to_string(e.value) +
                                                ", which is not an entity spec (it has no :db.entity/attrs or :db.entity/preds)");
    std::vector<Value> missing;
    for (const Value& k : required) {
      const auto* kw = k.get_if<Keyword>();
      const index::AttrSchema* attr = kw ? (*s)->find(*kw) : nullptr;
      bool present = false;
      if (attr) {
        auto vs = overlay_.values(e, attr->id);
        if (!vs) return std::unexpected(vs.error());
        present = !(*vs)->empty();
      }
      if (!present) missing.push_back(k);
    }
    if (!missing.empty())
      return fail(ErrorCode::TxEntityAttrs, "entity " + std::to_string(e.value) + " lacks " +
                                                form_text(Value(Vector{missing})) + ", required by the entity spec " +
                                                form_text(spec_name));
    for (const Value& p : preds) {
      const auto* sym = p.get_if<Symbol>();
      if (!sym) continue;
      if (!after) {
        auto made = basis_.with_datoms(tx_, datoms);
        if (!made) return std::unexpected(made.error());
        after = std::move(*made);
      }
      std::optional<Result<Value>> r;
      if (options_.hooks && options_.hooks->entity_predicate) r = options_.hooks->entity_predicate(*sym, *after, e);
      const std::string name = form_text(p);
      if (!r)
        return fail(ErrorCode::TxEntityPred, "unknown entity predicate " + name + " of the entity spec " +
                                                 form_text(spec_name) + " (register it with Database::register_entity_predicate)");
      if (!*r) return predicate_failed(ErrorCode::TxEntityPred, r->error(), "entity predicate " + name + " on entity " + std::to_string(e.value));
      if (!truthy(**r))
        return fail(ErrorCode::TxEntityPred, "entity " + std::to_string(e.value) + " fails " + name +
                                                 " of the entity spec " + form_text(spec_name));
    }
  }
  return {};
}

}  // namespace quarry::tx::detail
