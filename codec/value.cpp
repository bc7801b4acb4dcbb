#include "codec/value.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include "codec/number_order.hpp"

namespace quarry {
namespace {

// Cross-kind rank: the numeric kinds share one rank so they interleave by value.
int rank(ValueKind k) noexcept {
  switch (k) {
    case ValueKind::Long:
    case ValueKind::Double:
    case ValueKind::BigInt:
    case ValueKind::BigDec:
      return static_cast<int>(ValueKind::Long);
    default:
      return static_cast<int>(k);
  }
}

template <class T>
int three_way(const T& a, const T& b) noexcept {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int compare_bytes(std::string_view a, std::string_view b) noexcept {
  std::size_t n = std::min(a.size(), b.size());
  int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  if (c != 0) return c < 0 ? -1 : 1;
  return three_way(a.size(), b.size());
}

// Approximate numeric value used only to place BigInt/BigDec among the other numbers.
double approx(const Value& v) noexcept {
  switch (v.kind()) {
    case ValueKind::Long: return static_cast<double>(v.as<std::int64_t>());
    case ValueKind::Double: return v.as<double>();
    case ValueKind::BigInt: return std::strtod(v.as<BigInt>().digits.c_str(), nullptr);
    case ValueKind::BigDec: return std::strtod(v.as<BigDec>().text.c_str(), nullptr);
    default: return 0;
  }
}

// See codec/number_order.hpp: (floor, remainder, kind) for long and double; BigInt and BigDec
// (never stored) are placed by their nearest double, after long/double at equal values.
int compare_numbers(const Value& a, const Value& b) noexcept {
  struct Placed {
    std::uint64_t floor_key;
    std::uint16_t remainder;
    int kind;
  };
  auto place = [](const Value& v) -> Placed {
    if (auto n = v.get_if<std::int64_t>()) {
      auto split = number_order::split_long(*n);
      return {number_order::double_key(split.floor), split.remainder, 0};
    }
    return {number_order::double_key(approx(v)), 0, static_cast<int>(v.kind()) - 2};
  };
  Placed pa = place(a), pb = place(b);
  if (int c = three_way(pa.floor_key, pb.floor_key)) return c;
  if (int c = three_way(pa.remainder, pb.remainder)) return c;
  if (int c = three_way(pa.kind, pb.kind)) return c;
  if (a.kind() == ValueKind::BigInt) return compare_bytes(a.as<BigInt>().digits, b.as<BigInt>().digits);
  if (a.kind() == ValueKind::BigDec) return compare_bytes(a.as<BigDec>().text, b.as<BigDec>().text);
  return 0;
}

int compare_named(std::string_view ans, std::string_view aname, std::string_view bns,
                  std::string_view bname) noexcept {
  if (int c = compare_bytes(ans, bns)) return c;
  return compare_bytes(aname, bname);
}

std::size_t mix(std::size_t seed, std::size_t h) noexcept {
  return seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

// A hash of text for hash_value: keywords, names and most strings a query groups or joins on are
// short, and std::hash (MurmurHash over any length) costs several times more than reading up to
// 16 bytes as two words and mixing them. Longer text goes to std::hash. In memory only: nothing
// stores these hashes.
std::size_t hash_text(std::string_view s) noexcept {
  const std::size_t n = s.size();
  if (n > 16) return std::hash<std::string_view>{}(s);
  std::uint64_t a = 0, b = 0;
  if (n >= 8) {
    std::memcpy(&a, s.data(), 8);
    std::memcpy(&b, s.data() + n - 8, 8);
  } else if (n >= 4) {
    std::uint32_t x = 0, y = 0;
    std::memcpy(&x, s.data(), 4);
    std::memcpy(&y, s.data() + n - 4, 4);
    a = x;
    b = y;
  } else if (n > 0) {
    a = static_cast<unsigned char>(s[0]) | static_cast<std::uint64_t>(static_cast<unsigned char>(s[n / 2])) << 8 |
        static_cast<std::uint64_t>(static_cast<unsigned char>(s[n - 1])) << 16;
  }
  // Two multiplications and a final avalanche (the low bits pick hash-table buckets).
  std::uint64_t h = (a ^ 0x9e3779b97f4a7c15ULL) * 0xbf58476d1ce4e5b9ULL;
  h ^= (b + n) * 0x94d049bb133111ebULL;
  h ^= h >> 31;
  h *= 0xd6e8feb86659fd93ULL;
  h ^= h >> 32;
  return static_cast<std::size_t>(h);
}

Symbol split_symbol(std::string_view q) {
  // "/" alone is the division symbol; otherwise the first '/' separates namespace and name.
  auto slash = q.find('/');
  if (q == "/" || slash == std::string_view::npos || slash == 0) return {"", std::string(q)};
  return {std::string(q.substr(0, slash)), std::string(q.substr(slash + 1))};
}

}  // namespace

bool Value::is_storable() const noexcept {
  switch (kind()) {
    case ValueKind::Boolean:
    case ValueKind::Long:
    case ValueKind::Double:
    case ValueKind::String:
    case ValueKind::Keyword:
    case ValueKind::Symbol:
    case ValueKind::Instant:
    case ValueKind::Uuid:
    case ValueKind::Ref:
    case ValueKind::Bytes:
      return true;
    case ValueKind::Vector:  // a tuple; its elements may also be nil (a missing composite part)
      return std::all_of(as<Vector>().items.begin(), as<Vector>().items.end(),
                         [](const Value& v) { return v.is_nil() || v.is_storable(); });
    default:
      return false;
  }
}

Value Value::keyword(std::string_view qualified) {
  Symbol s = split_symbol(qualified);
  return Keyword{std::move(s.ns), std::move(s.name)};
}

Value Value::symbol(std::string_view qualified) { return split_symbol(qualified); }

namespace {

// Collections and tagged values: the kinds with values inside them.
bool is_branch(ValueKind k) noexcept {
  return k == ValueKind::Vector || k == ValueKind::List || k == ValueKind::Set || k == ValueKind::Map ||
         k == ValueKind::Tagged;
}

// The values inside a branch, in the order compare and hash_value visit them: the items; a map's
// keys and values alternating; a tagged value's value. Empty for other kinds.
struct Children {
  const Value* items = nullptr;
  const std::pair<Value, Value>* entries = nullptr;
  std::size_t count = 0;
  const Value& operator[](std::size_t i) const noexcept {
    return items ? items[i] : (i % 2 == 0 ? entries[i / 2].first : entries[i / 2].second);
  }
};

Children children_of(const Value& v) noexcept {
  switch (v.kind()) {
    case ValueKind::Vector: return {v.as<Vector>().items.data(), nullptr, v.as<Vector>().items.size()};
    case ValueKind::List: return {v.as<List>().items.data(), nullptr, v.as<List>().items.size()};
    case ValueKind::Set: return {v.as<Set>().items.data(), nullptr, v.as<Set>().items.size()};
    case ValueKind::Map: return {nullptr, v.as<Map>().entries.data(), 2 * v.as<Map>().entries.size()};
    case ValueKind::Tagged: return {v.as<Tagged>().value.get(), nullptr, 1};
    default: return {};
  }
}

// Values nested deeper than this are compared and hashed with an explicit stack instead of
// recursion (a pulled chain of component entities nests one map per link: 100,000 levels would
// overflow the stack). Shallow values, nearly all of them, keep the allocation-free recursion.
constexpr int kRecursionDepth = 64;

// Everything but the children: rank, then a scalar's contents, or a tagged value's tag. 0 for two
// branches of one kind (and tag): their children decide.
int compare_heads(const Value& a, const Value& b) noexcept {
  int ra = rank(a.kind()), rb = rank(b.kind());
  if (ra != rb) return three_way(ra, rb);
  switch (a.kind()) {
    case ValueKind::Nil: return 0;
    case ValueKind::Boolean: return three_way(a.as<bool>(), b.as<bool>());
    case ValueKind::Long:
    case ValueKind::Double:
    case ValueKind::BigInt:
    case ValueKind::BigDec:
      return compare_numbers(a, b);
    case ValueKind::Instant: return three_way(a.as<Instant>().millis, b.as<Instant>().millis);
    case ValueKind::Uuid: return three_way(a.as<Uuid>().bytes, b.as<Uuid>().bytes);
    case ValueKind::Char: return three_way(a.as<Char>().code_point, b.as<Char>().code_point);
    case ValueKind::String: return compare_bytes(a.as<std::string>(), b.as<std::string>());
    case ValueKind::Keyword: {
      const auto &x = a.as<Keyword>(), &y = b.as<Keyword>();
      return compare_named(x.ns, x.name, y.ns, y.name);
    }
    case ValueKind::Symbol: {
      const auto &x = a.as<Symbol>(), &y = b.as<Symbol>();
      return compare_named(x.ns, x.name, y.ns, y.name);
    }
    case ValueKind::Ref: return three_way(a.as<EntityId>().value, b.as<EntityId>().value);
    case ValueKind::Bytes: return compare_bytes(a.as<Bytes>().data, b.as<Bytes>().data);
    case ValueKind::Tagged: {
      const auto &x = a.as<Tagged>(), &y = b.as<Tagged>();
      return compare_named(x.tag.ns, x.tag.name, y.tag.ns, y.tag.name);
    }
    case ValueKind::Vector:
    case ValueKind::List:
    case ValueKind::Set:
    case ValueKind::Map:
      return 0;
  }
  return 0;
}

int compare_at(const Value& a, const Value& b, int depth) noexcept;

// compare for two branches whose heads are equal, with an explicit stack: children first to last,
// depth first, then the child counts. If growing the stack fails, the ordinary recursion.
int compare_deep(const Value& a, const Value& b) noexcept {
  struct Frame {
    Children x, y;
    std::size_t next = 0;
  };
  try {
    std::vector<Frame> stack;
    stack.push_back({children_of(a), children_of(b)});
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.next == std::min(f.x.count, f.y.count)) {
        if (int c = three_way(f.x.count, f.y.count)) return c;
        stack.pop_back();
        continue;
      }
      const Value& ca = f.x[f.next];
      const Value& cb = f.y[f.next];
      ++f.next;
      if (int c = compare_heads(ca, cb)) return c;
      if (is_branch(ca.kind())) stack.push_back({children_of(ca), children_of(cb)});  // f is not used after
    }
    return 0;
  } catch (const std::bad_alloc&) {
    return compare_at(a, b, std::numeric_limits<int>::min());
  }
}

int compare_at(const Value& a, const Value& b, int depth) noexcept {
  if (int c = compare_heads(a, b)) return c;
  if (!is_branch(a.kind())) return 0;
  if (depth >= kRecursionDepth) return compare_deep(a, b);
  Children x = children_of(a), y = children_of(b);
  const std::size_t n = std::min(x.count, y.count);
  for (std::size_t i = 0; i < n; ++i)
    if (int c = compare_at(x[i], y[i], depth + 1)) return c;
  return three_way(x.count, y.count);
}

// A scalar's whole hash; a branch's hash before its children are mixed in (its kind, and a tagged
// value's tag).
std::size_t hash_head(const Value& v) noexcept {
  std::size_t h = std::hash<int>{}(static_cast<int>(v.kind()));
  auto str = [](std::string_view s) { return hash_text(s); };
  switch (v.kind()) {
    case ValueKind::Nil: return h;
    case ValueKind::Boolean: return mix(h, v.as<bool>());
    case ValueKind::Long: return mix(h, std::hash<std::int64_t>{}(v.as<std::int64_t>()));
    case ValueKind::Double: return mix(h, number_order::double_key(v.as<double>()));
    case ValueKind::BigInt: return mix(h, str(v.as<BigInt>().digits));
    case ValueKind::BigDec: return mix(h, str(v.as<BigDec>().text));
    case ValueKind::Instant: return mix(h, std::hash<std::int64_t>{}(v.as<Instant>().millis));
    case ValueKind::Uuid:
      return mix(h, str(std::string_view(reinterpret_cast<const char*>(v.as<Uuid>().bytes.data()), 16)));
    case ValueKind::Char: return mix(h, v.as<Char>().code_point);
    case ValueKind::String: return mix(h, str(v.as<std::string>()));
    case ValueKind::Keyword: return mix(mix(h, str(v.as<Keyword>().ns)), str(v.as<Keyword>().name));
    case ValueKind::Symbol: return mix(mix(h, str(v.as<Symbol>().ns)), str(v.as<Symbol>().name));
    case ValueKind::Ref: return mix(h, std::hash<std::uint64_t>{}(v.as<EntityId>().value));
    case ValueKind::Bytes: return mix(h, str(v.as<Bytes>().data));
    case ValueKind::Tagged: return mix(h, str(v.as<Tagged>().tag.qualified()));
    case ValueKind::Vector:
    case ValueKind::List:
    case ValueKind::Set:
    case ValueKind::Map:
      return h;
  }
  return h;
}

std::size_t hash_at(const Value& v, int depth) noexcept;

// hash_at for a branch, with an explicit stack: the same mixing, children first to last. If
// growing the stack fails, the ordinary recursion.
std::size_t hash_deep(const Value& v) noexcept {
  struct Frame {
    Children children;
    std::size_t next;
    std::size_t hash;
  };
  try {
    std::vector<Frame> stack;
    stack.push_back({children_of(v), 0, hash_head(v)});
    for (;;) {
      Frame& f = stack.back();
      if (f.next == f.children.count) {
        const std::size_t done = f.hash;
        stack.pop_back();
        if (stack.empty()) return done;
        stack.back().hash = mix(stack.back().hash, done);
        continue;
      }
      const Value& child = f.children[f.next++];
      if (is_branch(child.kind())) stack.push_back({children_of(child), 0, hash_head(child)});  // f is not used after
      else f.hash = mix(f.hash, hash_head(child));
    }
  } catch (const std::bad_alloc&) {
    return hash_at(v, std::numeric_limits<int>::min());
  }
}

std::size_t hash_at(const Value& v, int depth) noexcept {
  std::size_t h = hash_head(v);
  if (!is_branch(v.kind())) return h;
  if (depth >= kRecursionDepth) return hash_deep(v);
  Children children = children_of(v);
  for (std::size_t i = 0; i < children.count; ++i) h = mix(h, hash_at(children[i], depth + 1));
  return h;
}

}  // namespace

int compare(const Value& a, const Value& b) noexcept { return compare_at(a, b, 0); }

std::size_t hash_value(const Value& v) noexcept {
  // Longs (entity ids, most numbers) are most of what relations hash: hash_head's Long case,
  // without the dispatch.
  if (const auto* n = v.get_if<std::int64_t>())
    return mix(std::hash<int>{}(static_cast<int>(ValueKind::Long)), std::hash<std::int64_t>{}(*n));
  // Other leaves (keywords and strings, what queries group and join on next most): their head.
  if (!is_branch(v.kind())) return hash_head(v);
  return hash_at(v, 0);
}

namespace {

// True for a collection that holds something: the values whose destruction would recurse.
bool holds_children(const Value& v) noexcept {
  switch (v.kind()) {
    case ValueKind::Vector: return !v.as<Vector>().items.empty();
    case ValueKind::List: return !v.as<List>().items.empty();
    case ValueKind::Set: return !v.as<Set>().items.empty();
    case ValueKind::Map: return !v.as<Map>().entries.empty();
    default: return false;
  }
}

// True for a collection with a child that holds children: the values whose ordinary destruction
// would recurse more than two levels. A collection of scalars (a result tuple, say) is not one:
// destroying it in place costs a bounded depth.
bool holds_nested(const Value& v) noexcept {
  auto any_child_holds = [](const std::vector<Value>& items) {
    return std::any_of(items.begin(), items.end(), holds_children);
  };
  switch (v.kind()) {
    case ValueKind::Vector: return any_child_holds(v.as<Vector>().items);
    case ValueKind::List: return any_child_holds(v.as<List>().items);
    case ValueKind::Set: return any_child_holds(v.as<Set>().items);
    case ValueKind::Map:
      return std::any_of(v.as<Map>().entries.begin(), v.as<Map>().entries.end(),
                         [](const auto& e) { return holds_children(e.first) || holds_children(e.second); });
    default: return false;
  }
}

// Moves `v` onto `pending` when it holds nested children itself; otherwise destroys it now (two
// levels deep at most), while its memory is at hand: a result set of 200,000 row vectors is read
// once, not once to be checked and again to be freed.
void take_or_release(Value& v, std::vector<Value>& pending) {
  if (holds_nested(v)) pending.push_back(std::move(v));
  else v = Value();
}

}  // namespace

namespace {

// Collections nested up to this deep are copied and destroyed by plain recursion (each level a
// few stack frames); a deeper one continues with copy_collection's or release_nested's explicit
// stack.
constexpr int kRecursiveDepth = 256;
thread_local int copy_depth = 0;
thread_local int release_depth = 0;

}  // namespace

// The copy of a vector, list, map or set: std::variant's copy (recursing through the items' copy
// constructors) while the nesting is shallow; below kRecursiveDepth levels, an explicit stack
// of (source, destination) pairs: every collection is made with its items as nils first, leaves are
// copied at once and nested collections pushed, so no frame is used per level. Memory is O(items
// awaiting their copy).
void Value::copy_collection(const Value& other) {
  if (copy_depth < kRecursiveDepth) {
    ++copy_depth;
    struct Restore {
      ~Restore() { --copy_depth; }
    } restore;
    v_ = other.v_;
    return;
  }
  std::vector<std::pair<const Value*, Value*>> work{{&other, this}};
  auto copy_item = [&](const Value& from, Value& to) {
    if (holds_collection(from)) work.emplace_back(&from, &to);
    else to.v_ = from.v_;
  };
  auto copy_items = [&](const std::vector<Value>& from, std::vector<Value>& to) {
    to.resize(from.size());  // allocated once: the pointers pushed stay valid
    for (std::size_t i = 0; i < from.size(); ++i) copy_item(from[i], to[i]);
  };
  while (!work.empty()) {
    const auto [from, to] = work.back();
    work.pop_back();
    switch (from->kind()) {
      case ValueKind::Vector: copy_items(from->as<Vector>().items, to->v_.emplace<Vector>().items); break;
      case ValueKind::List: copy_items(from->as<List>().items, to->v_.emplace<List>().items); break;
      case ValueKind::Set: copy_items(from->as<Set>().items, to->v_.emplace<Set>().items); break;
      case ValueKind::Map: {
        const auto& entries = from->as<Map>().entries;
        auto& out = to->v_.emplace<Map>().entries;
        out.resize(entries.size());
        for (std::size_t i = 0; i < entries.size(); ++i) {
          copy_item(entries[i].first, out[i].first);
          copy_item(entries[i].second, out[i].second);
        }
        break;
      }
      default: to->v_ = from->v_; break;
    }
  }
}

// The destructor of a collection: plain recursion for the first kRecursiveDepth levels; below
// them an explicit stack: collections holding nested collections are moved out of their parents
// onto `pending` (a moved-from vector is empty), so each Value destroyed there has at most two
// levels left below it and its own destructor returns after one scan. Memory is O(width of the
// pending frontier). If growing the stack fails (std::bad_alloc), what remains is destroyed the
// ordinary, recursive way.
void Value::release_nested() noexcept {
  // While the nesting is shallow, the ordinary recursive destruction, one level deeper: the
  // collection is moved out and destroyed here, so its items' destructors run with the depth
  // counted. No scan of the items first (a result set of 200,000 row vectors is read once).
  if (release_depth < kRecursiveDepth) {
    ++release_depth;
    static_assert(std::is_nothrow_move_constructible_v<Storage>);
    { const Storage gone = std::move(v_); }
    --release_depth;
    return;
  }
  auto children = [](Storage& s) -> std::vector<Value>* {
    if (auto* v = std::get_if<Vector>(&s)) return &v->items;
    if (auto* l = std::get_if<List>(&s)) return &l->items;
    if (auto* t = std::get_if<Set>(&s)) return &t->items;
    return nullptr;
  };
  auto take = [&](Storage& s, std::vector<Value>& pending) {
    if (auto* items = children(s)) {
      for (Value& item : *items) take_or_release(item, pending);
    } else if (auto* m = std::get_if<Map>(&s)) {
      for (auto& [key, value] : m->entries) {
        take_or_release(key, pending);
        take_or_release(value, pending);
      }
    }
  };
  // A collection of scalars needs no stack (its ordinary destruction is one level deep).
  if (auto* items = children(v_); items && std::none_of(items->begin(), items->end(), holds_children)) return;
  if (auto* m = std::get_if<Map>(&v_);
      m && std::none_of(m->entries.begin(), m->entries.end(),
                        [](const auto& e) { return holds_children(e.first) || holds_children(e.second); }))
    return;
  try {
    std::vector<Value> pending;
    take(v_, pending);
    while (!pending.empty()) {
      Value next = std::move(pending.back());
      pending.pop_back();
      take(next.v_, pending);
    }
  } catch (...) {
  }
}

namespace {

// Exact comparison of a long with a (non-NaN) double.
int compare_long_double(std::int64_t l, double d) noexcept {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (d >= kTwo63) return -1;
  if (d < -kTwo63) return 1;
  double t = std::trunc(d);  // in [-2^63, 2^63): converts exactly
  auto ti = static_cast<std::int64_t>(t);
  if (int c = three_way(l, ti)) return c;
  return d > t ? -1 : (d < t ? 1 : 0);
}

}  // namespace

int compare_by_value(const Value& a, const Value& b) noexcept {
  // Two longs (most range predicates: ids, counts, amounts) without the general number path.
  const auto* al = a.get_if<std::int64_t>();
  const auto* bl = b.get_if<std::int64_t>();
  if (al && bl) return three_way(*al, *bl);
  const auto* ad = a.get_if<double>();
  const auto* bd = b.get_if<double>();
  if ((al || ad) && (bl || bd) && !(ad && std::isnan(*ad)) && !(bd && std::isnan(*bd))) {
    if (ad && bd) return three_way(*ad, *bd);
    if (al) return compare_long_double(*al, *bd);
    return -compare_long_double(*bl, *ad);
  }
  return compare(a, b);
}

bool make_map(std::vector<std::pair<Value, Value>> entries, Map& out, Value* duplicate) {
  // Entries given in order (the common case for maps built by code) need no sort.
  std::size_t ordered = 1;
  while (ordered < entries.size() && compare(entries[ordered - 1].first, entries[ordered].first) < 0) ++ordered;
  if (ordered >= entries.size()) {
    out.entries = std::move(entries);
    return true;
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& x, const auto& y) { return compare(x.first, y.first) < 0; });
  for (std::size_t i = 1; i < entries.size(); ++i) {
    if (compare(entries[i - 1].first, entries[i].first) == 0) {
      if (duplicate) *duplicate = entries[i].first;
      return false;
    }
  }
  out.entries = std::move(entries);
  return true;
}

bool make_set(std::vector<Value> items, Set& out, Value* duplicate) {
  std::size_t ordered = 1;
  while (ordered < items.size() && compare(items[ordered - 1], items[ordered]) < 0) ++ordered;
  if (ordered >= items.size()) {
    out.items = std::move(items);
    return true;
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const Value& x, const Value& y) { return compare(x, y) < 0; });
  for (std::size_t i = 1; i < items.size(); ++i) {
    if (compare(items[i - 1], items[i]) == 0) {
      if (duplicate) *duplicate = items[i];
      return false;
    }
  }
  out.items = std::move(items);
  return true;
}

}  // namespace quarry
