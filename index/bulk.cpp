#include "index/bulk.hpp"

#include <algorithm>

#include "codec/value_codec.hpp"
#include "index/db_core.hpp"
#include "index/key_layout.hpp"
#include "index/stats.hpp"

namespace quarry::index {
namespace {

constexpr auto mix = PendingFilter::mix;

std::uint64_t hash_of(std::uint64_t a, std::uint64_t b, std::string_view bytes) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ mix(mix(a) ^ (b * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL));
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix(h);
}

// The bloom filter's key of (e, a) for a cardinality-one attribute (card-many keys hash e, a and
// the value's encoding, which is never empty).
std::uint64_t card_one_key(const Datom& d) noexcept { return hash_of(d.a.value, d.e.value, {}); }

std::string fixed8(std::uint64_t n) {
  std::string out;
  codec::append_uint_fixed(out, n);
  return out;
}

}  // namespace

BulkLoad::BulkLoad(Db basis, std::size_t bloom_bytes)
    : basis_(basis.core_), last_tx_(basis_->counters.basis), max_eid_(basis_->counters.max_eid), bloom_(bloom_bytes) {}

std::size_t BulkLoad::bloom_bytes_for(std::uint64_t datoms) noexcept {
  if (datoms == 0) return kBloomBytes;
  const std::uint64_t bytes = std::min<std::uint64_t>(datoms, kMaxBloomBytes) * 54 / 8;  // no overflow
  return static_cast<std::size_t>(std::clamp<std::uint64_t>(bytes, kMinBloomBytes, kMaxBloomBytes));
}

BulkLoad::~BulkLoad() = default;

Db BulkLoad::view() const {
  auto core = std::make_shared<detail::DbCore>(*basis_);
  core->counters.basis = last_tx_;
  core->counters.max_eid = max_eid_;
  core->values = detail::SnapshotValues(core->snapshot.get(), core->spaces.values);
  return Db(std::shared_ptr<const detail::DbCore>(std::move(core)));
}

std::uint64_t BulkLoad::stored_max_eid() const noexcept { return basis_->counters.max_eid; }

SpaceId BulkLoad::current(IndexOrder order) const noexcept { return basis_->spaces.current[static_cast<int>(order)]; }
SpaceId BulkLoad::log() const noexcept { return basis_->spaces.log; }
SpaceId BulkLoad::meta() const noexcept { return basis_->spaces.meta; }
SpaceId BulkLoad::values() const noexcept { return basis_->spaces.values; }

bool BulkLoad::pending_entity(std::uint64_t e) const noexcept {
  const std::uint64_t word = e >> 6;
  return word < entities_.size() && (entities_[word] >> (e & 63) & 1) != 0;
}

void BulkLoad::mark_entity(std::uint64_t e) {
  const std::uint64_t word = e >> 6;
  if (word >= entities_.size()) entities_.resize(std::max<std::size_t>(word + 1, entities_.size() * 2), 0);
  entities_[word] |= std::uint64_t{1} << (e & 63);
}

std::optional<std::string> BulkLoad::conflict(TxId tx, std::span<const Datom> datoms) const {
  const Schema& schema = *basis_->schema;
  std::string venc;
  for (const Datom& d : datoms) {
    if (!d.added) return "a retraction";
    if (!is_user_entity(d.e.value) && d.e.value != tx.value) {
      return is_system_entity(d.e.value) ? "a schema change" : "a datom about an earlier transaction";
    }
    const AttrSchema* attr = schema.find(d.a);
    if (!attr) return "an attribute the schema does not hold yet";
    if (attr->is_composite() || !attr->tuple_attrs.empty()) return "a composite tuple";
    const bool pending_e = is_user_entity(d.e.value) && pending_entity(d.e.value);
    if (attr->unique == Unique::None && !pending_e) continue;
    venc.clear();
    if (!keys::append_value_component(venc, d.v, nullptr)) return "an unstorable value";
    if (attr->unique != Unique::None && unique_values_.contains(hash_of(d.a.value, 0, venc)))
      return "a unique value asserted earlier in the load";
    if (pending_e && bloom_.may_hold(attr->many ? hash_of(d.a.value, d.e.value, venc) : card_one_key(d)))
      return attr->many ? "a cardinality-many datom that may repeat one earlier in the load"
                        : "a cardinality-one attribute that may have a value earlier in the load";
  }
  // Composite tuples read the entity's other attributes: any attribute that is a component of one.
  for (const AttrSchema& a : schema.attrs())
    if (a.is_composite())
      for (const Datom& d : datoms)
        if (const AttrSchema* attr = schema.find(d.a); attr && std::find(a.tuple_attrs.begin(), a.tuple_attrs.end(), attr->ident) != a.tuple_attrs.end())
          return "an attribute of a composite tuple";
  return std::nullopt;
}

Result<void> BulkLoad::add(TxId tx, std::span<const Datom> datoms, BulkSink& sink) {
  const Schema& schema = *basis_->schema;
  const detail::Spaces& sp = basis_->spaces;
  std::string tx_compact;
  keys::append_tx(tx_compact, tx);
  // A transaction names a few attributes over and over (an import's maps): they are found here by
  // comparing ids, with their counter, rather than by a search of the schema and of counts_ per
  // datom (up to kKnownAttrs; others are searched).
  struct KnownAttr {
    AttrId id;
    const AttrSchema* attr;
    std::uint64_t* count;
  };
  constexpr std::size_t kKnownAttrs = 16;
  std::vector<KnownAttr> known;
  // Each datom's E and A are encoded once and copied into its four keys and its log record.
  std::string venc, e_enc, a_enc, key, log_value;
  std::string log_prefix;
  keys::append_tx_fixed(log_prefix, tx);
  std::string log_key = log_prefix;
  std::uint64_t seq = 0;
  for (const Datom& d : datoms) {
    const AttrSchema* attr = nullptr;
    std::uint64_t* count = nullptr;
    for (const KnownAttr& k : known)
      if (k.id == d.a) {
        attr = k.attr;
        count = k.count;
        break;
      }
    if (!attr) {
      attr = schema.find(d.a);
      if (!attr) return fail(ErrorCode::Internal, "index/bulk.cpp: unknown attribute in a bulk datom");
      count = &counts_[d.a];
      if (known.size() < kKnownAttrs) known.push_back(KnownAttr{d.a, attr, count});
    }
    venc.clear();
    keys::LargeValue large;
    if (!keys::append_value_component(venc, d.v, &large))
      return fail(ErrorCode::CodecUnstorable, "the value of :" + attr->ident.qualified() + " is not storable");
    if (!large.encoding.empty()) {
      auto stored = basis_->snapshot->get(sp.values, keys::value_key(large.hash));
      if (!stored) return std::unexpected(stored.error());
      if (stored->has_value() && **stored != large.encoding)
        return fail(ErrorCode::CodecUnstorable, "two different large values share the hash " +
                                                    std::to_string(large.hash) + "; the second cannot be stored");
      if (!stored->has_value())
        if (auto r = sink.put(sp.values, keys::value_key(large.hash), large.encoding); !r) return r;
    }
    if (attr->is_ref() && !d.v.is<EntityId>())
      return fail(ErrorCode::InvalidArgument, "ref attribute :" + attr->ident.qualified() + " needs an entity id value");
    e_enc.clear();
    keys::append_entity(e_enc, d.e);
    a_enc.clear();
    keys::append_attr(a_enc, d.a);
    for (IndexOrder order : {IndexOrder::Eavt, IndexOrder::Aevt, IndexOrder::Avet, IndexOrder::Vaet}) {
      if (order == IndexOrder::Vaet && !attr->is_ref()) continue;
      key.clear();
      switch (order) {
        case IndexOrder::Eavt:
          key += e_enc;
          key += a_enc;
          key += venc;
          break;
        case IndexOrder::Aevt:
          key += a_enc;
          key += e_enc;
          key += venc;
          break;
        case IndexOrder::Avet:
          key += a_enc;
          key += venc;
          key += e_enc;
          break;
        case IndexOrder::Vaet:
          keys::append_entity(key, d.v.as<EntityId>());
          key += a_enc;
          key += e_enc;
          break;
      }
      if (auto r = sink.put(sp.current[static_cast<int>(order)], key, tx_compact); !r) return r;
    }
    log_value.clear();
    log_value += e_enc;
    log_value += a_enc;
    log_value += venc;
    log_value.push_back('\x01');
    log_key.resize(log_prefix.size());  // keys::log_key(tx, seq), without a string per datom
    codec::append_uint(log_key, seq++);
    if (auto r = sink.put(sp.log, log_key, log_value); !r) return r;

    ++*count;
    ++datoms_;
    if (is_user_entity(d.e.value)) {
      max_eid_ = std::max(max_eid_, d.e.value);
      bloom_.add(attr->many ? hash_of(d.a.value, d.e.value, venc) : card_one_key(d));
    }
    if (attr->unique != Unique::None) unique_values_.insert(hash_of(d.a.value, 0, venc));
  }
  // Marked after the whole transaction: within one, the tx layer itself saw every datom.
  for (const Datom& d : datoms)
    if (is_user_entity(d.e.value)) mark_entity(d.e.value);
  last_tx_ = tx;
  ++transactions_;
  return sink.end_transaction();
}

Result<void> BulkLoad::avet_key(std::string_view key) {
  // The A·V prefix: A is a compact id, V a value component (a large one ends in FF · 8 bytes).
  std::string_view rest = key;
  auto a = codec::decode_uint(rest);
  if (!a) return std::unexpected(a.error());
  if (auto s = codec::skip_value(rest); !s) return std::unexpected(s.error());
  if (!rest.empty() && static_cast<unsigned char>(rest.front()) == 0xFF) {
    if (rest.size() < 9) return fail(ErrorCode::StorageCorruption, "index/bulk.cpp: truncated large-value reference");
    rest.remove_prefix(9);
  }
  std::string_view group = key.substr(0, key.size() - rest.size());
  if (group == last_group_) return {};
  last_group_.assign(group);
  const AttrId attr{*a + kSystemBase};
  // A value the basis already holds is not new (nothing of the basis is retracted by a bulk load).
  auto it = basis_->stats->find(attr);
  if (it != basis_->stats->end() && it->second.datoms > 0) {
    if (!stored_avet_) {
      auto c = basis_->snapshot->cursor(basis_->spaces.current[static_cast<int>(IndexOrder::Avet)]);
      if (!c) return std::unexpected(c.error());
      stored_avet_ = std::move(*c);
    }
    stored_avet_->seek(group);
    if (auto s = stored_avet_->status(); !s) return std::unexpected(s.error());
    if (stored_avet_->valid() && stored_avet_->key().starts_with(group)) {
      std::string_view k = stored_avet_->key();
      // A key continuing the inline value with FF belongs to a large value with this stub.
      if (k.size() == group.size() || static_cast<unsigned char>(k[group.size()]) != 0xFF) return {};
    }
  }
  ++distinct_[attr];
  return {};
}

Result<std::vector<std::pair<std::string, std::string>>> BulkLoad::meta_records() {
  std::map<std::string, std::string> out;
  for (const auto& [a, n] : counts_) {
    AttrStats s;
    if (auto it = basis_->stats->find(a); it != basis_->stats->end()) s = it->second;
    s.datoms += n;
    if (auto it = distinct_.find(a); it != distinct_.end()) s.distinct_values += it->second;
    out.emplace(keys::stats_key(a), detail::encode_stats(s));
  }
  out.emplace(std::string(keys::kMetaBasis), fixed8(last_tx_.value));
  out.emplace(std::string(keys::kMetaMaxEid), fixed8(max_eid_));
  out.emplace(std::string(keys::kMetaNextSystemId), fixed8(basis_->counters.next_system_id));
  return std::vector<std::pair<std::string, std::string>>(out.begin(), out.end());
}

}  // namespace quarry::index
