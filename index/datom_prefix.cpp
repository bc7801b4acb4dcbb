// detail::encode_prefix (index/db_core.hpp): a DatomPrefix as the bytes its keys start with.
#include "index/db_core.hpp"

namespace quarry::index::detail {
namespace {

const char* part_names(IndexOrder order) {
  switch (order) {
    case IndexOrder::Eavt: return "e, a, v";
    case IndexOrder::Aevt: return "a, e, v";
    case IndexOrder::Avet: return "a, v, e";
    case IndexOrder::Vaet: return "v, a, e";
  }
  return "";
}

}  // namespace

Result<void> encode_prefix(IndexOrder order, const DatomPrefix& p, EncodedPrefix& out) {
  out.bytes.clear();
  out.exact = true;
  out.ends_with_inline_value = false;
  bool gap = false;
  for (Part part : kParts[static_cast<int>(order)]) {
    bool has = part == Part::E ? p.e.has_value() : part == Part::A ? p.a.has_value() : p.v.has_value();
    if (!has) {
      gap = true;
      continue;
    }
    if (gap)
      return fail(ErrorCode::InvalidArgument, "components of :" + std::string(index_order_name(order)) +
                                                  " must be a prefix of " + part_names(order));
    if (!out.exact) continue;
    out.ends_with_inline_value = false;
    switch (part) {
      case Part::E: keys::append_entity(out.bytes, *p.e); break;
      case Part::A:
        if (p.a->value < kSystemBase) out.exact = false;
        else keys::append_attr(out.bytes, *p.a);
        break;
      case Part::V:
        if (order == IndexOrder::Vaet) {
          if (!p.v->is<EntityId>())
            return fail(ErrorCode::InvalidArgument, "the v component of :vaet must be a ref");
          keys::append_entity(out.bytes, p.v->as<EntityId>());
        } else {
          keys::LargeValue large;
          if (auto r = keys::append_value_component(out.bytes, *p.v, &large); !r) return r;
          out.ends_with_inline_value = large.encoding.empty();
        }
        break;
    }
  }
  return {};
}

Result<EncodedPrefix> encode_prefix(IndexOrder order, const DatomPrefix& p) {
  EncodedPrefix out;
  if (auto r = encode_prefix(order, p, out); !r) return std::unexpected(r.error());
  return out;
}

}  // namespace quarry::index::detail
