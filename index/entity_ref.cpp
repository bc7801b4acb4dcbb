#include "index/entity_ref.hpp"

#include "codec/edn_printer.hpp"

namespace quarry::index {
namespace {

const std::vector<Value>* sequence_items(const Value& v) noexcept {
  if (auto vec = v.get_if<Vector>()) return &vec->items;
  if (auto list = v.get_if<List>()) return &list->items;
  return nullptr;
}

}  // namespace

bool is_lookup_ref(const Value& v) noexcept {
  const auto* items = sequence_items(v);
  return items && items->size() == 2 && (*items)[0].is<Keyword>();
}

Result<std::optional<EntityId>> resolve_entity(const Db& db, const Value& ref) {
  if (auto n = ref.get_if<std::int64_t>()) {
    if (*n <= 0) return fail(ErrorCode::InvalidArgument, "an entity id is a positive long, got " + to_edn(ref));
    return EntityId{static_cast<std::uint64_t>(*n)};
  }
  if (auto id = ref.get_if<EntityId>()) return *id;
  if (ref.is<Keyword>()) return db.find_unique(sys::kIdent, ref);
  if (is_lookup_ref(ref)) {
    const auto& items = *sequence_items(ref);
    const AttrSchema* attr = db.schema().find(items[0].as<Keyword>());
    if (!attr || attr->unique == Unique::None) {
      return fail(ErrorCode::TxLookupRef, "lookup ref attribute should be marked as :db/unique: " + to_edn(ref));
    }
    Value v = items[1];
    if (attr->is_ref()) {
      auto inner = resolve_entity(db, v);
      if (!inner) return std::unexpected(inner.error());
      if (!*inner) return std::nullopt;
      v = Value(**inner);
    }
    return db.find_unique(attr->id, v);
  }
  return fail(ErrorCode::InvalidArgument, "expected an entity id, lookup ref or ident, got " + to_edn(ref));
}

}  // namespace quarry::index
