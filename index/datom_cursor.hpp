// DatomCursor: a position in one index order of one database view, over a fixed key range.
//
// Usage, a scan (Db::datoms and friends return a cursor already on its first datom):
//   auto c = db.datoms(IndexOrder::Aevt, {.a = name});
//   if (!c) return std::unexpected(c.error());
//   for (; c->valid(); c->next()) use(c->datom());
//   if (auto s = c->status(); !s) return std::unexpected(s.error());
//
// Usage, probes of an index nested-loop join (one cursor for many lookups; Db::cursor returns it
// unpositioned):
//   auto c = db.cursor(IndexOrder::Eavt);
//   for (EntityId e : sorted_entities) {
//     if (auto r = c->seek_prefix({.e = e, .a = age}); !r) return r;
//     for (; c->valid(); c->next()) use(c->e(), c->encoded_v());   // only e's :age datoms
//   }
//   if (auto s = c->status(); !s) return std::unexpected(s.error());
//
// RANGE AND RUN. A cursor never leaves the key range it was opened on (the datoms of its prefix,
// or of index_range's bounds). seek_prefix narrows it further, to a RUN: the datoms in range that
// start with the given components; next() and prev() stop at the run's ends, until the next seek
// of any kind, which drops the run (seek_prefix sets a new one).
//
// SEEKS go in any direction, and a cursor is made to be reused for many of them. Forward re-seeks
// to a nearby position are the cheap case (the stores step forward instead of searching from the
// root; see storage/store.hpp), so sort probes by key. A seek_prefix on a DatomPrefix whose run
// shares all its components but the last with the key at the position (the next attribute of the
// same entity on Eavt, the next entity of the same attribute on Aevt) first steps forward a few
// entries, and seeks only if that does not reach the run (adaptively: after a miss it waits a
// while before stepping again; datom_cursor.cpp, step_into_run). seek* on a DatomPrefix encodes it
// into a buffer the cursor reuses (no allocation per probe once warm); the *_encoded forms take
// the bytes directly, e.g. components another cursor returned.
//
// THE DATOM AT THE POSITION, all REQUIRES valid():
//   e(), a(), tx(), added()          the ids, from the key (cheap: no Value is built);
//   ids_into(d)                      all four at once
//   encoded_e(), encoded_a(),        the components' bytes as they sort in the index, for comparing,
//   encoded_v(), encoded_tx()        hashing and copying without decoding (layout: key_layout.hpp).
//                                    Equal bytes <=> equal components, and memcmp order is the
//                                    component's order in the index. encoded_e() and encoded_a()
//                                    are the same bytes in every order (compact ids). encoded_v()
//                                    is the value's encoding (tag byte first) — except on Vaet,
//                                    where it is the referenced entity's compact id, the bytes
//                                    encoded_e() would give it; elsewhere a ref value's encoded_v()
//                                    is codec::Tag::Ref followed by those bytes. encoded_tx() is the
//                                    compact form (keys::append_tx) whatever the view.
//   v(), datom()                     decoded on demand (v() on each call; datom() once per position,
//                                    then cached)
// LIFETIME: the string_views and the datom() reference stay valid until the cursor next moves
// (next, prev, any seek) or is destroyed; copy what must outlive that.
//
// ERRORS. valid() turns false at the end of the range or run, and on an error; status() tells them
// apart and MUST be checked after a loop. A malformed key is an error at the move that meets it. A
// value that cannot be decoded (corrupt bytes, an unreadable out-of-line large value) is found only
// when decoded: v() returns the error; datom() returns the datom with a nil v and makes the cursor
// fail (valid() false, status() the error), so a loop that checks status() afterwards reports it.
// Errors are sticky: after one, the cursor stays invalid whatever is called. A seek with a bad
// prefix is not such an error: it returns InvalidArgument or CodecUnstorable and leaves the cursor
// invalid (unpositioned) but usable.
//
// Ownership: move-only. A cursor keeps its Db's storage snapshot alive (it shares it), so it may
// outlive the Db value it came from. Thread safety: one thread at a time per cursor; different
// cursors, even of the same Db, may be used concurrently.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "codec/error.hpp"
#include "index/datom.hpp"

namespace quarry::index {

// Leading components of an index position. Which fields may be set depends on the order: they
// must form a prefix of the order's own component order —
//   Eavt: e, a, v     Aevt: a, e, v     Avet: a, v, e     Vaet: v, a, e  (v must be a ref)
// e.g. {.a = name, .v = Value("Ann")} on Avet. Any other combination is InvalidArgument.
// (C++ designated initializers are always written in declaration order: .e, .a, .v.)
struct DatomPrefix {
  std::optional<EntityId> e = std::nullopt;
  std::optional<AttrId> a = std::nullopt;
  std::optional<Value> v = std::nullopt;
};

// How a cursor will be used; read strategy only, never results (storage::CursorOptions).
enum class ReadHint : std::uint8_t {
  Default,  // short scans and probes
  LongScan, // long scans of one range (read ahead on RocksDB)
  OneOff,   // a long scan not worth caching (a full export): reads ahead and leaves the cache alone
};

class DatomCursor {
 public:
  struct Impl;  // defined in datom_cursor.cpp
  explicit DatomCursor(std::unique_ptr<Impl> impl) noexcept;
  DatomCursor(DatomCursor&&) noexcept;
  DatomCursor& operator=(DatomCursor&&) noexcept;
  ~DatomCursor();

  // ---- positioning ----
  void seek_to_first();  // the first datom of the range
  void seek_to_last();   // the last datom of the range
  // The first datom at or after the position `prefix` names (the first datom starting with it, or
  // the first after where it would be). Drops any run.
  [[nodiscard]] Result<void> seek(const DatomPrefix& prefix);
  // The last datom at or before the end of `prefix`'s run (the last datom starting with it, or the
  // last before where it would be). Drops any run.
  [[nodiscard]] Result<void> seek_for_prev(const DatomPrefix& prefix);
  // Narrows the cursor to the run of datoms starting with `prefix` and positions it on the first
  // of them (on the last when `last`); invalid when the run is empty.
  [[nodiscard]] Result<void> seek_prefix(const DatomPrefix& prefix, bool last = false);
  // The same on encoded prefixes: `prefix` is whole components concatenated in the order's
  // component order (as the encoded_* accessors give them; an empty prefix is the whole range).
  // REQUIRES: it ends at a component boundary (else the positions are unspecified, never unsafe).
  void seek_encoded(std::string_view prefix);
  void seek_for_prev_encoded(std::string_view prefix);
  void seek_prefix_encoded(std::string_view prefix, bool last = false);
  void next();  // REQUIRES: valid()
  void prev();  // REQUIRES: valid()

  [[nodiscard]] bool valid() const noexcept;
  // Ok at the end of the range or run; the first storage or decoding error otherwise (sticky).
  [[nodiscard]] Result<void> status() const;

  // ---- the datom at the position (REQUIRES: valid(); see LIFETIME) ----
  [[nodiscard]] EntityId e() const noexcept;
  [[nodiscard]] AttrId a() const noexcept;
  [[nodiscard]] TxId tx() const noexcept;
  [[nodiscard]] bool added() const noexcept;
  // e(), a(), tx() and added() into d in one call (the per-datom read of a scan that needs no
  // value); d.v is left as it is.
  void ids_into(Datom& d) const noexcept;
  [[nodiscard]] std::string_view encoded_e() const noexcept;
  [[nodiscard]] std::string_view encoded_a() const noexcept;
  [[nodiscard]] std::string_view encoded_v() const noexcept;
  [[nodiscard]] std::string_view encoded_tx() const noexcept;
  // The key's E·A·V bytes in the order's layout (the components concatenated).
  [[nodiscard]] std::string_view encoded_key() const noexcept;
  [[nodiscard]] Result<Value> v() const;
  [[nodiscard]] const Datom& datom() const;

  [[nodiscard]] IndexOrder order() const noexcept;

 private:
  std::unique_ptr<Impl> impl_;
};

// Drains the cursor (at most `limit` datoms) into a vector, checking status().
[[nodiscard]] Result<std::vector<Datom>> collect(
    DatomCursor cursor, std::size_t limit = std::numeric_limits<std::size_t>::max());
// Same, for the Result a Db read returns: collect(db.datoms(...)).
[[nodiscard]] Result<std::vector<Datom>> collect(
    Result<DatomCursor> cursor, std::size_t limit = std::numeric_limits<std::size_t>::max());

}  // namespace quarry::index
