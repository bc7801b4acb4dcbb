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

// The common probe, a prefix of ids only (no V) that is valid and exact, written in place (no
// per-component append); false (nothing written) for every other prefix.
bool encode_ids(IndexOrder order, const DatomPrefix& p, EncodedPrefix& out) {
  if (p.v || (p.a && p.a->value < kSystemBase)) return false;
  const bool e = p.e.has_value(), a = p.a.has_value();
  std::uint64_t ids[2];
  std::size_t count = 0;
  switch (order) {
    case IndexOrder::Eavt:
      if (a && !e) return false;
      if (e) ids[count++] = p.e->value;
      if (a) ids[count++] = keys::attr_offset(*p.a);
      break;
    case IndexOrder::Aevt:
      if (e && !a) return false;
      if (a) ids[count++] = keys::attr_offset(*p.a);
      if (e) ids[count++] = p.e->value;
      break;
    case IndexOrder::Avet:
      if (e) return false;
      if (a) ids[count++] = keys::attr_offset(*p.a);
      break;
    case IndexOrder::Vaet:
      if (e || a) return false;
      break;
  }
  out.bytes.resize_and_overwrite(18, [&](char* buf, std::size_t) {
    std::size_t size = 0;
    for (std::size_t i = 0; i < count; ++i) {
      size += keys::put_compact(buf + size, ids[i]);
      out.ends[i] = static_cast<std::uint32_t>(size);
    }
    return size;
  });
  out.exact = true;
  out.ends_with_inline_value = false;
  out.parts = static_cast<std::uint8_t>(count);
  return true;
}

}  // namespace

Result<void> encode_prefix(IndexOrder order, const DatomPrefix& p, EncodedPrefix& out) {
  if (encode_ids(order, p, out)) return {};
  out.bytes.clear();
  out.exact = true;
  out.ends_with_inline_value = false;
  out.parts = 0;
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
    if (out.exact) out.ends[out.parts++] = static_cast<std::uint32_t>(out.bytes.size());
  }
  return {};
}

Result<EncodedPrefix> encode_prefix(IndexOrder order, const DatomPrefix& p) {
  EncodedPrefix out;
  if (auto r = encode_prefix(order, p, out); !r) return std::unexpected(r.error());
  return out;
}

}  // namespace quarry::index::detail
