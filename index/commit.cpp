#include "index/commit.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "codec/value_codec.hpp"
#include "index/key_layout.hpp"
#include "index/stats.hpp"

namespace quarry::index::detail {
namespace {

// A short rendering of a value for error messages (the EDN printer lives above codec's value
// types and is not needed for this).
std::string brief(const Value& v) {
  constexpr std::size_t kMax = 40;
  auto clip = [&](std::string s) { return s.size() > kMax ? s.substr(0, kMax) + "..." : s; };
  switch (v.kind()) {
    case ValueKind::Boolean: return v.as<bool>() ? "true" : "false";
    case ValueKind::Long: return std::to_string(v.as<std::int64_t>());
    case ValueKind::Double: return std::to_string(v.as<double>());
    case ValueKind::String: return "\"" + clip(v.as<std::string>()) + "\"";
    case ValueKind::Keyword: return ":" + clip(v.as<Keyword>().qualified());
    case ValueKind::Symbol: return clip(v.as<Symbol>().qualified());
    case ValueKind::Ref: return std::to_string(v.as<EntityId>().value);
    case ValueKind::Instant: return "#inst " + std::to_string(v.as<Instant>().millis);
    default: return "<" + std::string(v.is_storable() ? "value" : "unstorable value") + ">";
  }
}

// "[e :attr v]" or "[e :attr v] (retraction)", for error messages.
std::string describe(const Datom& d, const AttrSchema* attr) {
  std::string out = "[" + std::to_string(d.e.value) + " ";
  out += attr ? ":" + attr->ident.qualified() : std::to_string(d.a.value);
  out += " " + brief(d.v) + "]";
  if (!d.added) out += " (retraction)";
  return out;
}

// The four keys of a datom (VAET only for ref attributes), given the value's encoding.
struct DatomKeys {
  std::string key[4];
  bool has_vaet = false;
};

DatomKeys datom_keys(const Datom& d, std::string_view venc, bool is_ref) {
  DatomKeys k;
  auto& eavt = k.key[0];
  keys::append_entity(eavt, d.e);
  keys::append_attr(eavt, d.a);
  eavt += venc;
  auto& aevt = k.key[1];
  keys::append_attr(aevt, d.a);
  keys::append_entity(aevt, d.e);
  aevt += venc;
  auto& avet = k.key[2];
  keys::append_attr(avet, d.a);
  avet += venc;
  keys::append_entity(avet, d.e);
  if (is_ref) {
    auto& vaet = k.key[3];
    keys::append_entity(vaet, d.v.as<EntityId>());
    keys::append_attr(vaet, d.a);
    keys::append_entity(vaet, d.e);
    k.has_vaet = true;
  }
  return k;
}

std::string fixed8(std::uint64_t n) {
  std::string out;
  codec::append_uint_fixed(out, n);
  return out;
}

// Refuses schema changes that would make the stored indexes disagree with the schema: dropping the
// ident of an attribute with datoms (its datoms would lose their attribute) or changing whether an
// attribute is a ref (VAET would be missing or stale).
Result<void> check_schema_change(const DbCore& basis, const Schema& after,
                                 const std::unordered_set<std::uint64_t>& used) {
  for (const AttrSchema& old : basis.schema->attrs()) {
    const AttrSchema* now = after.find(old.id);
    if (now && now->is_ref() == old.is_ref()) continue;
    auto it = basis.stats->find(old.id);
    bool has_datoms = (it != basis.stats->end() && it->second.datoms > 0) || used.contains(old.id.value);
    if (!has_datoms) continue;
    if (!now)
      return fail(ErrorCode::TxSchema, "cannot retract the :db/ident of :" + old.ident.qualified() +
                                           " while it has datoms");
    return fail(ErrorCode::TxSchema, "cannot change whether :" + old.ident.qualified() +
                                         " is a ref attribute while it has datoms");
  }
  return {};
}

// Stores a large value's full encoding once (nothing to write if the values space has it). Two
// different values with one hash cannot both be stored: refused rather than aliased.
Result<void> store_large_value(const DbCore& basis, keys::LargeValue& large,
                               std::unordered_map<std::uint64_t, std::string>& written, WriteBatch& batch) {
  auto collision = [&] {
    return fail(ErrorCode::CodecUnstorable, "two different large values share the hash " +
                                                std::to_string(large.hash) + "; the second cannot be stored");
  };
  if (auto it = written.find(large.hash); it != written.end()) {
    if (it->second != large.encoding) return collision();
    return {};
  }
  auto stored = basis.snapshot->get(basis.spaces.values, keys::value_key(large.hash));
  if (!stored) return std::unexpected(stored.error());
  if (stored->has_value() && **stored != large.encoding) return collision();
  if (!stored->has_value()) batch.put(basis.spaces.values, keys::value_key(large.hash), large.encoding);
  written.emplace(large.hash, std::move(large.encoding));
  return {};
}

}  // namespace

Result<PreparedCommit> prepare_commit(const DbCore& basis, TxId tx, std::span<const Datom> datoms,
                                      const Excision* excision) {
  if (tx <= basis.counters.basis || tx.value >= kSystemBase)
    return fail(ErrorCode::InvalidArgument, "transaction id " + std::to_string(tx.value) +
                                                " is not after the basis " +
                                                std::to_string(basis.counters.basis.value));
  PreparedCommit out;
  out.schema = basis.schema;
  bool schema_touched = std::any_of(datoms.begin(), datoms.end(), [](const Datom& d) {
    return is_system_entity(d.e.value) && Schema::is_schema_attr(d.a);
  });
  if (schema_touched) {
    auto s = basis.schema->with(datoms);
    if (!s) return std::unexpected(s.error());
    out.schema = std::move(*s);
  }

  const Spaces& sp = basis.spaces;
  const std::string tx_compact = [&] {
    std::string t;
    keys::append_tx(t, tx);
    return t;
  }();
  const std::string tx_fixed = fixed8(tx.value);
  out.counters = basis.counters;
  out.counters.basis = tx;
  out.batch.reserve(datoms.size() * 6 + 8, datoms.size() * 128);
  StatsDelta stats;
  std::unordered_set<std::string> seen;
  std::unordered_set<std::uint64_t> used_attrs;
  std::unordered_map<std::uint64_t, std::string> large_values;  // written by this transaction
  std::uint64_t seq = 0;

  // First every datom's keys (and the checks that need no read), then whether each is current,
  // read in one batch (Snapshot::get_many: RocksDB's MultiGet), then the writes.
  struct Prepared {
    const AttrSchema* attr;
    std::string venc;
    DatomKeys keys;
  };
  std::vector<Prepared> prepared;
  prepared.reserve(datoms.size());
  for (const Datom& d : datoms) {
    const AttrSchema* attr = out.schema->find(d.a);
    if (!attr && !d.added) attr = basis.schema->find(d.a);
    if (!attr)
      return fail(ErrorCode::InvalidArgument, "unknown attribute id " + std::to_string(d.a.value) +
                                                  " in datom " + describe(d, nullptr));
    std::string venc;
    keys::LargeValue large;
    if (!keys::append_value_component(venc, d.v, &large))
      return fail(ErrorCode::CodecUnstorable, "the value of :" + attr->ident.qualified() +
                                                  " in datom " + describe(d, attr) + " is not storable");
    if (!large.encoding.empty())
      if (auto r = store_large_value(basis, large, large_values, out.batch); !r) return std::unexpected(r.error());
    if (attr->is_ref() && !d.v.is<EntityId>())
      return fail(ErrorCode::InvalidArgument, "ref attribute :" + attr->ident.qualified() +
                                                  " needs an entity id value in " + describe(d, attr));
    DatomKeys k = datom_keys(d, venc, attr->is_ref());
    if (!seen.insert(k.key[0]).second)
      return fail(ErrorCode::InvalidArgument, "datom " + describe(d, attr) + " appears twice in one transaction");
    prepared.push_back(Prepared{attr, std::move(venc), std::move(k)});
  }
  std::vector<std::string_view> eavt_keys;
  eavt_keys.reserve(prepared.size());
  for (const Prepared& p : prepared) eavt_keys.push_back(p.keys.key[0]);
  auto currents = basis.snapshot->get_many(sp.current[0], eavt_keys);
  if (!currents) return std::unexpected(currents.error());

  for (std::size_t i = 0; i < datoms.size(); ++i) {
    const Datom& d = datoms[i];
    const AttrSchema* attr = prepared[i].attr;
    const std::string* venc = &prepared[i].venc;
    const DatomKeys& k = prepared[i].keys;
    const std::optional<std::string>* current = &(*currents)[i];

    const int n = k.has_vaet ? 4 : 3;
    if (d.added) {
      if (current->has_value())
        return fail(ErrorCode::InvalidArgument, "datom " + describe(d, attr) + " is already current");
      for (int j = 0; j < n; ++j) out.batch.put(sp.current[j], k.key[j], tx_compact);
    } else {
      if (!current->has_value())
        return fail(ErrorCode::InvalidArgument, "retracted datom " + describe(d, attr) + " is not current");
      std::string_view v = **current;
      auto asserted = codec::decode_uint(v);
      if (!asserted || !v.empty())
        return fail(ErrorCode::StorageCorruption, "undecodable eavt entry for " + describe(d, attr));
      const std::string asserted_fixed = fixed8(*asserted);
      for (int j = 0; j < n; ++j) {
        out.batch.del(sp.current[j], k.key[j]);
        if (!attr->no_history) out.batch.put(sp.history[j], k.key[j] + asserted_fixed, tx_fixed);
      }
    }
    std::string log_value;
    keys::append_entity(log_value, d.e);
    keys::append_attr(log_value, d.a);
    log_value += *venc;
    log_value.push_back(d.added ? '\x01' : '\x00');
    out.batch.put(sp.log, keys::log_key(tx, seq++), log_value);

    stats.add(d.a, *venc, d.e, d.added);
    used_attrs.insert(d.a.value);
    if (is_user_entity(d.e.value)) out.counters.max_eid = std::max(out.counters.max_eid, d.e.value);
    if (is_system_entity(d.e.value))
      out.counters.next_system_id = std::max(out.counters.next_system_id, d.e.value + 1);
  }
  if (schema_touched)
    if (auto r = check_schema_change(basis, *out.schema, used_attrs); !r) return std::unexpected(r.error());

  if (excision)
    if (auto r = add_excision(basis, *excision, out.batch, stats); !r) return std::unexpected(r.error());

  std::vector<AttrId> changed;
  auto new_stats = stats.apply(basis, changed);
  if (!new_stats) return std::unexpected(new_stats.error());
  for (AttrId a : changed) {
    auto it = new_stats->find(a);
    if (it == new_stats->end()) out.batch.del(sp.meta, keys::stats_key(a));
    else out.batch.put(sp.meta, keys::stats_key(a), encode_stats(it->second));
  }
  out.stats = std::make_shared<const StatsMap>(std::move(*new_stats));
  out.batch.put(sp.meta, keys::kMetaBasis, tx_fixed);
  out.batch.put(sp.meta, keys::kMetaMaxEid, fixed8(out.counters.max_eid));
  out.batch.put(sp.meta, keys::kMetaNextSystemId, fixed8(out.counters.next_system_id));
  return out;
}

std::shared_ptr<const DbCore> next_core(const DbCore& basis, PreparedCommit prepared,
                                        std::shared_ptr<const Snapshot> after) {
  auto core = std::make_shared<DbCore>();
  core->store = basis.store;
  core->snapshot = std::move(after);
  core->spaces = basis.spaces;
  core->schema = std::move(prepared.schema);
  core->stats = std::move(prepared.stats);
  core->counters = prepared.counters;
  core->values = SnapshotValues(core->snapshot.get(), core->spaces.values);
  return core;
}

Result<std::shared_ptr<const DbCore>> publish(const DbCore& basis, PreparedCommit prepared,
                                              WriteOptions options, bool& written) {
  written = false;
  if (auto w = basis.store->write(prepared.batch, options); !w) return std::unexpected(w.error());
  written = true;
  auto snap = basis.store->snapshot();
  if (!snap) return std::unexpected(snap.error());
  return next_core(basis, std::move(prepared), std::move(*snap));
}

}  // namespace quarry::index::detail
