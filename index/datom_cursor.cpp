// The view-aware cursor behind every Db read.
//
// A datom key K (e·a·v in the order's layout) has at most one entry in the current space (asserted
// at tx c, still true) and any number in the history space (K · T+ -> T-, one per past interval
// [T+, T-) during which the datom was true; intervals of one K never overlap and sort by T+). The
// cursor turns the intervals of one K into EVENTS by the view's tx window (lo, hi]:
//   state views    the interval containing hi, if it began after lo          -> [e a v T+ true]
//   history views  each assertion T+ and retraction T- inside (lo, hi]       -> [e a v T+ true],
//                                                                               [e a v T- false]
// Intervals come in T+ order and the current one last, so a history view's events for one K come
// out in tx order.
//
// Two modes:
// - CURRENT ONLY (the view ends at the basis and is not a history view): the cursor's position is
//   the current-space cursor's position, entries outside the window (since views) skipped. No
//   copies: the component views point into the storage cursor's key.
// - MERGED (as-of and history views): both spaces are walked in step, the intervals of one K
//   gathered (K copied into `key`), and the cursor steps through its events. Going forward, the
//   storage cursors sit just after K's entries; going backward, just before them; a change of
//   direction re-seeks them around K.
// Keys: the history entries of one K are contiguous and sort between K's neighbours (their 8-byte
// T+ begins with 0x00, and no datom key continues another except with the large-value marker
// 0xFF), so "K-part < X" and "K·T+ < X" agree for every seek target X used here.
#include "index/datom_cursor.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <utility>

#include "codec/value_codec.hpp"
#include "index/db_core.hpp"
#include "index/key_layout.hpp"

namespace quarry::index {
namespace {

// The length of the common prefix of a and b, inline: the keys compared while stepping (below)
// are a few components long, where a call to memcmp costs more than the comparison.
std::size_t common_prefix(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  if constexpr (std::endian::native == std::endian::little) {
    for (; i + 8 <= n; i += 8) {
      std::uint64_t x, y;
      std::memcpy(&x, a.data() + i, 8);
      std::memcpy(&y, b.data() + i, 8);
      if (x != y) return i + static_cast<std::size_t>(std::countr_zero(x ^ y)) / 8;
    }
  }
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// a < b in memcmp order, given their common prefix length.
bool less_after(std::string_view a, std::string_view b, std::size_t common) noexcept {
  if (common == b.size()) return false;
  if (common == a.size()) return true;
  return static_cast<unsigned char>(a[common]) < static_cast<unsigned char>(b[common]);
}

// The first 8 bytes of k as a big-endian integer. REQUIRES: k.size() >= 8.
std::uint64_t head8(std::string_view k) noexcept {
  std::uint64_t h;
  std::memcpy(&h, k.data(), 8);
  if constexpr (std::endian::native == std::endian::little) h = std::byteswap(h);
  return h;
}


// keys::value_into, with its common case (a value that decodes whole, no large value) inline here
// rather than behind the call: the per-datom decode of datom().
Result<void> decode_v(IndexOrder order, std::string_view encoded_v, Value& out, const keys::LargeValueSource* values) {
  if (order != IndexOrder::Vaet) {
    std::string_view in = encoded_v;
    if (auto r = codec::decode_value_into(in, out); r && in.empty()) return {};
  }
  return keys::value_into(order, encoded_v, out, values);
}

}  // namespace

struct DatomCursor::Impl {
  struct Interval {
    std::uint64_t asserted;
    std::uint64_t retracted;  // 0: still current
  };
  struct Event {
    std::uint64_t tx;
    bool added;
  };

  std::shared_ptr<const detail::DbCore> core;  // keeps the snapshot alive; destroyed last
  std::unique_ptr<Cursor> current;             // null for an empty cursor
  std::unique_ptr<Cursor> history;             // null in current-only mode
  IndexOrder order = IndexOrder::Eavt;
  detail::ScanView view;
  bool filter_since = false;  // current-only mode: skip entries with tx <= view.lo

  // The run (seek_prefix), when has_run: the keys K with run <= K < run·0xFF, i.e. those that
  // start with `run` and do not continue it with 0xFF (a large value whose stub is run's last V).
  // `run` views `target.bytes` (seek_prefix) or `run_copy` (seek_prefix_encoded); both stay
  // unchanged until the next seek, which drops the run.
  bool has_run = false;
  std::string_view run;
  std::string run_copy;
  // How many leading components of the order `run` holds, when known (a run from seek_prefix: the
  // ends are target.ends), else 0.
  std::size_t run_parts = 0;
  // KNOWN PREFIX: every key within the cursor's bounds starts with a prefix whose first
  // `bound_parts` components end at bound_ends (a cursor opened on one exact prefix); 0: none known.
  std::size_t bound_parts = 0;
  std::array<std::uint32_t, 3> bound_ends{};
  // RUN HEAD: for a run of at most 8 bytes, its bytes as a big-endian integer (zero-padded) and a
  // mask of them, so a key of 8 bytes or more is compared with the run by one integer comparison
  // instead of a byte loop or memcmp (compare_with_run). run_mask 0: not usable.
  std::uint64_t run_head = 0, run_mask = 0;
  // RUN IDS: for a run seek_id_run set on Eavt or Aevt (an {e, a} probe), its entity and attribute,
  // which every datom in the run has: e(), a() and datom() take them from here instead of decoding
  // the key's bytes (ids_known: the position is in such a run).
  bool run_ids = false;
  EntityId run_e{0};
  AttrId run_a{0};
  bool ids_known = false;
  // NEAR RE-SEEK (step_into_run): probes left before stepping is tried again after a miss, and
  // the wait the next miss sets (doubling per consecutive miss, up to kMaxStepWait).
  std::uint32_t step_wait = 0;
  std::uint32_t step_backoff = kMinStepWait;
  std::string scratch;  // seek_for_prev targets
  detail::EncodedPrefix target;  // seek buffer, reused

  // The position.
  bool positioned = false;
  std::optional<Error> error;  // sticky
  keys::DatomKeyParts parts;   // views into the key at the position
  std::string_view whole_key;
  std::uint64_t tx = 0;
  bool added = true;
  mutable char tx_bytes[9];
  mutable std::size_t tx_size = 0;  // 0: not encoded yet at this position
  // datom()'s result, in one of three Datoms by the kind of value (strings, keywords, the rest),
  // so that each keeps its value's kind from datom to datom: a string's buffer is reused by the
  // next string even when other kinds come between (a fetch of :name :email :age :salary, then
  // :name of the next entity, would otherwise free it at :age and allocate it again at :name).
  mutable std::array<Datom, 3> decoded;
  mutable std::size_t decoded_slot = 0;
  mutable bool has_decoded = false;

  // Merged mode.
  bool forward = true;              // direction of the last move
  std::string key;                  // K at the position (owned copy)
  std::vector<Interval> intervals;  // K's intervals, by T+
  std::vector<Event> events;        // K's events, in output order
  std::size_t pos = 0;              // into events

  [[nodiscard]] bool merged() const noexcept { return history != nullptr; }

  void fail(Error e) {
    if (!error) error = std::move(e);
    positioned = false;
  }
  void fail_corrupt(std::string_view space, std::string_view why) {
    fail(Error{ErrorCode::StorageCorruption, "undecodable " + std::string(space) + " entry: " + std::string(why)});
  }
  // After a move that left a storage cursor invalid: its error, if any, becomes ours.
  void take_status() {
    if (auto s = current->status(); !s) fail(s.error());
    if (history)
      if (auto s = history->status(); !s) fail(s.error());
  }
  // Lands on key k with tx/added set; splits it: only the components after those a run or the
  // bounds are known to hold (KNOWN PREFIX).
  bool land(std::string_view k) {
    const bool in_known_run = has_run && run_parts > 0;
    const std::size_t known = in_known_run ? run_parts : bound_parts;
    const std::array<std::uint32_t, 3>& ends = in_known_run ? target.ends : bound_ends;
    if (!keys::split_datom_key(order, k, known, ends, parts)) {
      auto whole = keys::split_datom_key(order, k);
      if (!whole) {
        ids_known = false;
        fail(std::move(whole.error()));
        return false;
      }
      parts = *whole;
    }
    ids_known = run_ids && has_run;
    whole_key = k;
    positioned = true;
    tx_size = 0;
    has_decoded = false;
    return true;
  }
  // The tx of a current-space value (compact, nothing after it: codec::append_uint's form).
  bool current_tx(std::uint64_t& out) {
    std::string_view v = current->value();
    const auto* p = reinterpret_cast<const unsigned char*>(v.data());
    const std::size_t len = v.empty() ? 9 : p[0];
    if (len > 8 || v.size() != 1 + len || (len > 0 && p[1] == 0)) {
      fail_corrupt(keys::current_space(order), "bad tx value");
      return false;
    }
    out = keys::read_big_endian(v.data() + 1, len);
    return true;
  }

  // ---- current-only mode ----
  // From the storage position, skips entries outside the window in the direction of travel and
  // lands on the first one inside (or ends at the end of the range or run).
  void settle_current(bool fwd) {
    positioned = false;
    if (error) return;
    while (current->valid()) {
      std::string_view k = current->key();
      if (has_run && !in_run(k)) return;
      std::uint64_t t;
      if (!current_tx(t)) return;
      if (!filter_since || t > view.lo) {
        tx = t;
        added = true;
        land(k);
        return;
      }
      if (fwd) current->next();
      else current->prev();
    }
    take_status();
  }

  // ---- merged mode ----
  // Turns `intervals` into `events` by the view's window.
  void expand() {
    events.clear();
    const std::uint64_t lo = view.lo, hi = view.hi;
    for (const Interval& iv : intervals) {
      if (view.history) {
        if (iv.asserted > lo && iv.asserted <= hi) events.push_back({iv.asserted, true});
        if (iv.retracted != 0 && iv.retracted > lo && iv.retracted <= hi) events.push_back({iv.retracted, false});
      } else {
        bool live = iv.asserted <= hi && (iv.retracted == 0 || hi < iv.retracted);
        if (live && iv.asserted > lo) events.push_back({iv.asserted, true});
      }
    }
  }
  // The K-part of the history cursor's key (REQUIRES history->valid()); false if malformed.
  bool history_k(std::string_view& out) {
    out = history->key();
    if (out.size() < 8) {
      fail_corrupt(keys::history_space(order), "short key");
      return false;
    }
    out.remove_suffix(8);
    return true;
  }
  bool history_interval(Interval& out) {
    std::string_view k = history->key();
    std::string_view value = history->value();
    std::string_view t = k.substr(k.size() - 8);
    auto asserted = codec::decode_uint_fixed(t);
    auto retracted = codec::decode_uint_fixed(value);
    if (!asserted || !retracted || !value.empty()) {
      fail_corrupt(keys::history_space(order), "bad tx");
      return false;
    }
    out = {*asserted, *retracted};
    return true;
  }
  void land_event() {
    tx = events[pos].tx;
    added = events[pos].added;
    land(key);
  }

  // Gathers the next K with events, going forward from the storage positions.
  void gather_forward() {
    positioned = false;
    forward = true;
    while (!error) {
      const bool has_current = current->valid(), has_history = history->valid();
      if (!has_current && !has_history) break;
      std::string_view hk;
      if (has_history && !history_k(hk)) return;
      const int cmp = !has_current ? 1 : !has_history ? -1 : current->key().compare(hk);
      std::string_view k = cmp <= 0 ? current->key() : hk;
      if (has_run && !in_run(k)) return;
      key.assign(k);
      intervals.clear();
      while (history->valid()) {
        std::string_view h;
        if (!history_k(h)) return;
        if (h != key) break;
        Interval iv;
        if (!history_interval(iv)) return;
        intervals.push_back(iv);
        history->next();
      }
      if (cmp <= 0) {
        std::uint64_t t;
        if (!current_tx(t)) return;
        intervals.push_back({t, 0});
        current->next();
      }
      expand();
      if (!events.empty()) {
        pos = 0;
        return land_event();
      }
    }
    if (!error) take_status();
  }

  // Gathers the previous K with events, going backward from the storage positions.
  void gather_backward() {
    positioned = false;
    forward = false;
    while (!error) {
      const bool has_current = current->valid(), has_history = history->valid();
      if (!has_current && !has_history) break;
      std::string_view hk;
      if (has_history && !history_k(hk)) return;
      const int cmp = !has_current ? -1 : !has_history ? 1 : current->key().compare(hk);
      std::string_view k = cmp >= 0 ? current->key() : hk;
      if (has_run && !in_run(k)) return;
      key.assign(k);
      intervals.clear();
      std::uint64_t current_t = 0;
      if (cmp >= 0) {
        if (!current_tx(current_t)) return;
        current->prev();
      }
      while (history->valid()) {
        std::string_view h;
        if (!history_k(h)) return;
        if (h != key) break;
        Interval iv;
        if (!history_interval(iv)) return;
        intervals.push_back(iv);
        history->prev();
      }
      std::reverse(intervals.begin(), intervals.end());
      if (cmp >= 0) intervals.push_back({current_t, 0});
      expand();
      if (!events.empty()) {
        pos = events.size() - 1;
        return land_event();
      }
    }
    if (!error) take_status();
  }

  // Storage cursors to just after / just before every entry of `key`.
  void place_after_key() {
    current->seek(key);
    if (current->valid() && current->key() == key) current->next();
    history->seek(key);
    std::string_view h;
    while (history->valid() && history_k(h) && h == key) history->next();
  }
  void place_before_key() {
    current->seek_for_prev(key);
    if (current->valid() && current->key() == key) current->prev();
    history->seek_for_prev(key);  // lands before K·T+ for every T+ (see the file comment)
  }

  // ---- moves shared by both modes ----
  void seek_storage(std::string_view target) {
    current->seek(target);
    if (history) history->seek(target);
  }
  void seek_for_prev_storage(std::string_view target) {
    current->seek_for_prev(target);
    if (history) history->seek_for_prev(target);
  }
  void settle(bool fwd) {
    if (merged()) {
      if (fwd) gather_forward();
      else gather_backward();
    } else {
      settle_current(fwd);
    }
  }
  // Every seek starts here; false if there is nothing to do (an empty cursor or a sticky error).
  bool begin_seek() {
    positioned = false;
    has_run = false;
    run_parts = 0;
    run_ids = false;
    return current && !error;
  }

  // seek: first datom whose key >= bytes.
  void seek_at(std::string_view bytes) {
    if (!begin_seek()) return;
    seek_storage(bytes);
    settle(true);
  }
  // seek_for_prev: last datom before the end of the run of `bytes` (bytes · 0xFF), or, when the
  // prefix was not exact, strictly before bytes.
  void seek_before_end(std::string_view bytes, bool exact) {
    if (!begin_seek()) return;
    if (bytes.empty()) {
      if (!exact) return;  // before the start of the index: nothing
      current->seek_to_last();
      if (history) history->seek_to_last();
      return settle(false);
    }
    scratch.assign(bytes);
    if (exact) scratch.push_back('\xff');
    seek_for_prev_storage(scratch);
    // A key equal to bytes sorts after a prefix that was cut short (!exact): step back over it.
    if (!exact && current->valid() && current->key() == bytes) current->prev();
    settle(false);
  }
  // seek_prefix: the run of `bytes` (the whole range when empty), copied.
  void seek_run(std::string_view bytes, bool last) {
    if (!begin_seek()) return;
    run_copy.assign(bytes);
    run = run_copy;
    set_run_head();
    position_in_run(last);
  }
  // seek_prefix for the probe of an index nested-loop join with a user attribute and ids only —
  // {e, a} on Eavt or Aevt, {a, v} on Avet or {v, a} on Vaet with v a ref (who refers to v
  // through a) — written here without encode_prefix's generality (a ref went through the general
  // value encoding): the run's bytes are written into `target` in place, its head taken with one
  // load, and on Eavt and Aevt its ids kept (RUN IDS). False (nothing done) for any other prefix.
  bool seek_id_run(const DatomPrefix& p) {
    if (!p.a || p.a->value < kSystemBase) return false;
    const EntityId* ref = p.v ? p.v->get_if<EntityId>() : nullptr;
    std::uint64_t first, second;
    bool ref_value = false;  // second is a V: Tag::Ref, then the compact id
    if (order == IndexOrder::Eavt && p.e && !p.v) {
      first = p.e->value;
      second = keys::attr_offset(*p.a);
    } else if (order == IndexOrder::Aevt && p.e && !p.v) {
      first = keys::attr_offset(*p.a);
      second = p.e->value;
    } else if (order == IndexOrder::Avet && ref && !p.e) {
      first = keys::attr_offset(*p.a);
      second = ref->value;
      ref_value = true;
    } else if (order == IndexOrder::Vaet && ref && !p.e) {
      first = ref->value;
      second = keys::attr_offset(*p.a);
    } else {
      return false;
    }
    // 19 bytes of room (two compact ids and a tag): from here on target.bytes has capacity for
    // 8-byte loads.
    target.bytes.resize_and_overwrite(19, [&](char* buf, std::size_t) {
      std::size_t at = keys::put_compact(buf, first);
      target.ends[0] = static_cast<std::uint32_t>(at);
      if (ref_value) buf[at++] = static_cast<char>(codec::Tag::Ref);
      at += keys::put_compact(buf + at, second);
      target.ends[1] = static_cast<std::uint32_t>(at);
      return at;
    });
    target.exact = true;
    target.ends_with_inline_value = ref_value;
    target.parts = 2;
    if (!begin_seek()) return true;
    run = target.bytes;
    run_parts = 2;
    run_ids = order == IndexOrder::Eavt || order == IndexOrder::Aevt;
    if (run_ids) {
      run_e = *p.e;
      run_a = *p.a;
    }
    set_run_head();
    if (step_into_run()) {
      has_run = true;
      settle_current(true);
    } else {
      position_in_run(false);
    }
    return true;
  }

  // The same for the prefix just encoded into `target`, which the run views (no copy).
  void seek_run_target(bool last) {
    if (!begin_seek()) return;
    run = target.bytes;
    run_parts = target.parts;
    set_run_head();
    if (!last && step_into_run()) {
      has_run = true;
      return settle_current(true);
    }
    position_in_run(last);
  }

  // NEAR RE-SEEK. A probe of an index nested-loop join usually asks for the run just after the
  // storage cursor's key: the next attribute of the same entity (EAVT E·A after E·A'·V), the next
  // entity of the same attribute (AEVT A·E after A·E'·V). Such a run shares every component but
  // its last with that key, and its first datom is most often an entry or two on, so the cursor
  // steps there with next() — on RocksDB a Next costs about a third of a Seek; in memory a step
  // costs a little less than the tree's own in-leaf re-seek — and seeks only when kMaxSteps steps
  // do not reach it. A step that lands past the run's end has found it empty, with no seek at all.
  // Adaptive: after a miss (kMaxSteps steps wasted, then a seek), stepping waits for step_backoff
  // probes, a wait that doubles with each consecutive miss up to kMaxStepWait and resets on a hit,
  // so probes that are usually far apart (sparse sorted lookups) waste at most kMaxSteps steps
  // per kMaxStepWait probes. Current-only mode (the common view); merged views always seek.
  // True when the storage cursor stands at or past `run` (settle_current takes it from there).
  static constexpr int kMaxSteps = 4;
  static constexpr std::uint32_t kMinStepWait = 8, kMaxStepWait = 1024;
  bool step_into_run() {
    if (merged() || run_parts < 2 || !current->valid()) return false;
    if (step_wait > 0) {
      --step_wait;
      return false;
    }
    // Near: the key at the position holds every component of the run but the last, and sorts
    // before the run.
    const RunCompare at = compare_with_run(current->key());
    if (at.common < target.ends[run_parts - 2] || !at.before) return false;
    for (int i = 0; i < kMaxSteps; ++i) {
      current->next();
      if (!current->valid()) break;  // the range's end or an error: the seek settles it
      if (!compare_with_run(current->key()).before) {
        step_backoff = kMinStepWait;
        return true;
      }
    }
    step_wait = step_backoff;
    step_backoff = std::min(step_backoff * 2, kMaxStepWait);
    return false;
  }

  void position_in_run(bool last) {
    has_run = !run.empty();
    if (last) {
      if (has_run) {
        scratch.assign(run);
        scratch.push_back('\xff');
        seek_for_prev_storage(scratch);
      } else {
        current->seek_to_last();
        if (history) history->seek_to_last();
      }
      return settle(false);
    }
    if (has_run) seek_storage(run);
    else {
      current->seek_to_first();
      if (history) history->seek_to_first();
    }
    settle(true);
  }
  // Whether a key, reached by moving within the range from inside the run, is still in it
  // (equivalent to run <= k < run·0xFF there, one comparison instead of two).
  [[nodiscard]] bool in_run(std::string_view k) const noexcept {
    return compare_with_run(k).common == run.size() && !(k.size() > run.size() && k[run.size()] == '\xff');
  }
  // Sets run_head and run_mask for `run` (after every change of run).
  void set_run_head() noexcept {
    run_head = run_mask = 0;
    if (run.empty() || run.size() > 8) return;
    run_mask = ~std::uint64_t{0} << (8 * (8 - run.size()));
    if (run.data() == target.bytes.data() && target.bytes.capacity() >= 8) {
      // One load: the bytes past the run are within target's buffer, and masked off.
      run_head = head8({run.data(), 8}) & run_mask;
      return;
    }
    std::memcpy(&run_head, run.data(), run.size());  // the run first in memory, zeros after
    if constexpr (std::endian::native == std::endian::little) run_head = std::byteswap(run_head);
  }
  // Key k against the run: their common prefix's length (at most run.size()) and whether k sorts
  // before the run (memcmp order).
  struct RunCompare {
    std::size_t common;
    bool before;
  };
  [[nodiscard]] RunCompare compare_with_run(std::string_view k) const noexcept {
    if (run_mask != 0 && k.size() >= 8) {
      const std::uint64_t h = head8(k) & run_mask;
      if (h == run_head) return {run.size(), false};
      return {static_cast<std::size_t>(std::countl_zero(h ^ run_head)) / 8, h < run_head};
    }
    const std::size_t common = common_prefix(k, run);
    return {common, less_after(k, run, common)};
  }

  void next() {
    has_decoded = false;
    if (!merged()) {
      current->next();
      return settle_current(true);
    }
    if (pos + 1 < events.size()) {
      ++pos;
      return land_event();
    }
    if (!forward) place_after_key();
    gather_forward();
  }
  void prev() {
    has_decoded = false;
    if (!merged()) {
      current->prev();
      return settle_current(false);
    }
    if (pos > 0) {
      --pos;
      return land_event();
    }
    if (forward) place_before_key();
    gather_backward();
  }
};

DatomCursor::DatomCursor(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
DatomCursor::DatomCursor(DatomCursor&&) noexcept = default;
DatomCursor& DatomCursor::operator=(DatomCursor&&) noexcept = default;
DatomCursor::~DatomCursor() = default;

void DatomCursor::seek_to_first() { impl_->seek_run({}, false); }
void DatomCursor::seek_to_last() { impl_->seek_run({}, true); }

Result<void> DatomCursor::seek(const DatomPrefix& prefix) {
  Impl& m = *impl_;
  if (auto r = detail::encode_prefix(m.order, prefix, m.target); !r) {
    m.begin_seek();
    return r;
  }
  m.seek_at(m.target.bytes);
  return {};
}

Result<void> DatomCursor::seek_for_prev(const DatomPrefix& prefix) {
  Impl& m = *impl_;
  if (auto r = detail::encode_prefix(m.order, prefix, m.target); !r) {
    m.begin_seek();
    return r;
  }
  m.seek_before_end(m.target.bytes, m.target.exact);
  return {};
}

Result<void> DatomCursor::seek_prefix(const DatomPrefix& prefix, bool last) {
  Impl& m = *impl_;
  if (!last && m.seek_id_run(prefix)) return {};
  if (auto r = detail::encode_prefix(m.order, prefix, m.target); !r) {
    m.begin_seek();
    return r;
  }
  if (!m.target.exact) {
    m.begin_seek();  // no datom can start with it
    return {};
  }
  m.seek_run_target(last);
  return {};
}

void DatomCursor::seek_encoded(std::string_view prefix) { impl_->seek_at(prefix); }
void DatomCursor::seek_for_prev_encoded(std::string_view prefix) { impl_->seek_before_end(prefix, true); }
void DatomCursor::seek_prefix_encoded(std::string_view prefix, bool last) { impl_->seek_run(prefix, last); }

void DatomCursor::next() { impl_->next(); }
void DatomCursor::prev() { impl_->prev(); }

bool DatomCursor::valid() const noexcept { return impl_ && impl_->positioned && !impl_->error; }

Result<void> DatomCursor::status() const {
  if (impl_ && impl_->error) return std::unexpected(*impl_->error);
  return {};
}

EntityId DatomCursor::e() const noexcept {
  return impl_->ids_known ? impl_->run_e : keys::entity_of(impl_->parts.e);
}
AttrId DatomCursor::a() const noexcept { return impl_->ids_known ? impl_->run_a : keys::attr_of(impl_->parts.a); }
void DatomCursor::ids_into(Datom& d) const noexcept {
  const Impl& m = *impl_;
  d.e = m.ids_known ? m.run_e : keys::entity_of(m.parts.e);
  d.a = m.ids_known ? m.run_a : keys::attr_of(m.parts.a);
  d.tx = TxId{m.tx};
  d.added = m.added;
}
TxId DatomCursor::tx() const noexcept { return TxId{impl_->tx}; }
bool DatomCursor::added() const noexcept { return impl_->added; }
std::string_view DatomCursor::encoded_e() const noexcept { return impl_->parts.e; }
std::string_view DatomCursor::encoded_a() const noexcept { return impl_->parts.a; }
std::string_view DatomCursor::encoded_v() const noexcept { return impl_->parts.v; }
std::string_view DatomCursor::encoded_key() const noexcept { return impl_->whole_key; }
IndexOrder DatomCursor::order() const noexcept { return impl_->order; }

std::string_view DatomCursor::encoded_tx() const noexcept {
  Impl& m = *impl_;
  if (m.tx_size == 0) {
    std::uint64_t n = m.tx;
    int len = 0;
    for (std::uint64_t x = n; x != 0; x >>= 8) ++len;
    m.tx_bytes[0] = static_cast<char>(len);
    for (int i = 0; i < len; ++i) m.tx_bytes[1 + i] = static_cast<char>(n >> (8 * (len - 1 - i)));
    m.tx_size = 1 + static_cast<std::size_t>(len);
  }
  return {m.tx_bytes, m.tx_size};
}

Result<Value> DatomCursor::v() const {
  return keys::value_of(impl_->order, impl_->parts.v, &impl_->core->values);
}

const Datom& DatomCursor::datom() const {
  Impl& m = *impl_;
  if (m.has_decoded) return m.decoded[m.decoded_slot];
  std::size_t slot = 2;
  if (m.order != IndexOrder::Vaet && !m.parts.v.empty()) {
    const auto tag = static_cast<codec::Tag>(m.parts.v[0]);
    slot = tag == codec::Tag::String ? 0 : tag == codec::Tag::Keyword ? 1 : 2;
  }
  m.decoded_slot = slot;
  Datom& d = m.decoded[slot];
  ids_into(d);
  if (auto r = decode_v(m.order, m.parts.v, d.v, &m.core->values); !r) {
    d.v = Value();
    m.fail(std::move(r.error()));
  }
  m.has_decoded = true;
  return d;
}

Result<std::vector<Datom>> collect(DatomCursor cursor, std::size_t limit) {
  std::vector<Datom> out;
  for (; cursor.valid() && out.size() < limit; cursor.next()) {
    out.push_back(cursor.datom());
    if (!cursor.valid()) break;  // the datom did not decode
  }
  if (auto s = cursor.status(); !s) return std::unexpected(s.error());
  return out;
}

Result<std::vector<Datom>> collect(Result<DatomCursor> cursor, std::size_t limit) {
  if (!cursor) return std::unexpected(cursor.error());
  return collect(std::move(*cursor), limit);
}

namespace detail {

Result<DatomCursor> open_cursor(std::shared_ptr<const DbCore> core, IndexOrder order, CursorBounds bounds,
                                ScanView view, bool empty, ReadHint hint, const EncodedPrefix* shared) {
  auto impl = std::make_unique<DatomCursor::Impl>();
  impl->core = core;
  impl->order = order;
  impl->view = view;
  if (shared && shared->exact) {
    impl->bound_parts = shared->parts;
    impl->bound_ends = shared->ends;
  }
  if (!empty) {
    CursorOptions options;
    options.long_scan = hint != ReadHint::Default;
    options.fill_cache = hint != ReadHint::OneOff;
    const bool need_history = view.history || view.hi < core->counters.basis.value;
    auto idx = static_cast<std::size_t>(order);
    if (need_history) {
      auto h = core->snapshot->cursor(core->spaces.history[idx], bounds, options);
      if (!h) return std::unexpected(h.error());
      impl->history = std::move(*h);
    } else {
      impl->filter_since = view.lo > 0;
    }
    auto c = core->snapshot->cursor(core->spaces.current[idx], std::move(bounds), options);
    if (!c) return std::unexpected(c.error());
    impl->current = std::move(*c);
  }
  return DatomCursor(std::move(impl));
}

Result<DatomCursor> open_scan(std::shared_ptr<const DbCore> core, IndexOrder order, CursorBounds bounds,
                              ScanView view, bool empty, ReadHint hint, const EncodedPrefix* shared) {
  auto c = open_cursor(std::move(core), order, std::move(bounds), view, empty, hint, shared);
  if (c) c->seek_to_first();
  return c;
}

}  // namespace detail
}  // namespace quarry::index
