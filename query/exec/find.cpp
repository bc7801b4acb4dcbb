// The :find part (query/exec/find.hpp): projection, :with, aggregates, pull, shapes and return maps.
//
// As DataScript does: the rows are the DISTINCT tuples of the :find variables and the :with
// variables; without aggregates, a :with query keeps one result row per such tuple (a bag,
// returned as a vector). Aggregates group those tuples by the non-aggregate :find elements and
// see, per group, one value per tuple (duplicates kept). A relation with a pull element is a bag
// as well: the tuples (or groups) are pulled one by one and never merged, as DataScript does.
// Results are deterministic: relations are sets (sorted), and bags and collections are sorted too.
#include "query/exec/find.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <numeric>
#include <span>
#include <utility>

#include "codec/edn_printer.hpp"
#include "query/builtins/aggregates.hpp"
#include "query/exec/aggregate_groups.hpp"
#include "query/exec/buffer_pool.hpp"
#include "query/parse/clause_vars.hpp"
#include "query/parse/parser.hpp"
#include "index/entity_ref.hpp"
#include "query/pull/pull.hpp"

namespace quarry::query {
namespace {

const std::string& element_var(const FindElement& e) {
  return std::visit([](const auto& x) -> const std::string& { return x.var.name; }, e);
}

// The one value `var` is bound to (a scalar :in input), or nullptr when it is not bound to exactly
// one value.
const Value* input_value(Bindings& bindings, const std::string& var) {
  const int i = bindings.find(var);
  const Relation* r = i < 0 ? nullptr : &bindings.relations()[static_cast<std::size_t>(i)];
  if (!r || r->size() != 1) return nullptr;
  return &r->at(0, static_cast<std::size_t>(r->column(var)));
}

Result<AggregateSpec> prepare_aggregate(const FindAggregate& a, Bindings& bindings) {
  AggregateSpec spec;
  if (a.fn == kAggregateInput) {  // (aggregate ?f ?x): the aggregate ?f names, with no arguments
    const std::string& var = a.const_args.at(0).as<Symbol>().name;
    const Value* f = input_value(bindings, var);
    if (!f) return fail(ErrorCode::QueryInvalid, "the aggregate " + var + " must be bound to one value by :in");
    const auto* name = f->get_if<Symbol>();
    if (name) spec.builtin = find_aggregate(name->qualified());
    if (name && !spec.builtin) spec.custom = find_custom_aggregate(name->qualified());
    if ((!spec.builtin && !spec.custom) || (spec.builtin && spec.builtin->min_const_args > 0))
      return fail(ErrorCode::QueryFunction,
                  "Cannot aggregate with " + to_edn(*f) +
                      ": (aggregate ?f ?x) needs a symbol naming an aggregate that takes only the variable");
    return spec;
  }
  spec.builtin = find_aggregate(a.fn);
  if (!spec.builtin) {
    spec.custom = find_custom_aggregate(a.fn);
    if (!spec.custom) return fail(ErrorCode::QueryInvalid, "Unknown aggregate function '" + a.fn);
  }
  for (const Value& arg : a.const_args) {
    const auto* var = arg.get_if<Symbol>();  // an :in variable (ast.hpp)
    if (!var) {
      spec.args.push_back(arg);
      continue;
    }
    const Value* v = input_value(bindings, var->name);
    if (!v)
      return fail(ErrorCode::QueryInvalid, "the argument " + var->name + " of aggregate '" + a.fn +
                                               " must be bound to one value by :in");
    spec.args.push_back(*v);
  }
  if (spec.builtin) spec.fold = AggregateFold::of(*spec.builtin, spec.args);
  return spec;
}

// The (empty) groups of an aggregate :find over rows of `vars`, its aggregates prepared (`aggs`:
// one per :find element, nullopt for the others).
std::unique_ptr<AggregateGroups> make_groups(const Query& query, const std::vector<std::string>& vars,
                                             std::vector<std::optional<AggregateSpec>> aggs) {
  std::vector<AggregateGroups::Element> elements;
  for (std::size_t k = 0; k < query.find.elements.size(); ++k)
    elements.push_back({element_var(query.find.elements[k]), std::move(aggs[k])});
  return std::make_unique<AggregateGroups>(vars, std::move(elements));
}

bool has_aggregate(const Query& query) {
  return std::any_of(query.find.elements.begin(), query.find.elements.end(),
                     [](const FindElement& e) { return std::holds_alternative<FindAggregate>(e); });
}

// A pull element ready to run: its database and parsed pattern.
struct PullSpec {
  const index::Db* db = nullptr;
  std::shared_ptr<const PullPattern> pattern;
};

Result<PullSpec> prepare_pull(const Context& ctx, const FindPull& p, Bindings& bindings) {
  PullSpec spec;
  const Source* src = ctx.source(p.source);
  if (!src || !src->db) return fail(ErrorCode::QueryInvalid, "pull needs a database source, " + p.source.name + " is not one");
  spec.db = src->db;
  const Value* pattern = std::get_if<Value>(&p.pattern);
  if (!pattern) {
    const std::string& var = std::get<Variable>(p.pattern).name;
    pattern = input_value(bindings, var);
    if (!pattern) return fail(ErrorCode::QueryInvalid, "the pull pattern " + var + " must be bound to one value by :in");
  }
  auto parsed = parse_pull_pattern(*pattern);
  if (!parsed) return std::unexpected(parsed.error());
  spec.pattern = std::move(*parsed);
  return spec;
}

// The entity may be an id, or an ident or lookup ref (bound by a function, or by an input the
// where clauses do not use as an entity): resolved here, nil when it names nothing.
Result<Value> run_pull(const PullSpec& spec, const Value& e) {
  if (const auto* n = e.get_if<std::int64_t>()) {
    if (*n <= 0) return Value();
    return pull(*spec.db, *spec.pattern, EntityId{static_cast<std::uint64_t>(*n)});
  }
  if (!e.is<Keyword>() && !index::is_lookup_ref(e)) return Value();
  auto id = index::resolve_entity(*spec.db, e);
  if (!id) return std::unexpected(id.error());
  if (!*id) return Value();
  return pull(*spec.db, *spec.pattern, **id);
}

// The key of return map entry `name`: a keyword (:keys), a string (:strs) or a symbol (:syms).
Value return_key(const Query& q, const std::string& name) {
  switch (q.return_kind) {
    case ReturnMapKind::Keys: return Value::keyword(name);
    case ReturnMapKind::Strs: return Value(name);
    default: return Value::symbol(name);
  }
}

// A relation's distinct rows, in result order, as its set. As vectors they compare element by
// element, so they are in Set order already, except return maps (ordered by their sorted keys),
// which make_set sorts.
Result<Value> relation_set(const Query& query, std::vector<Value> items) {
  Set set;
  if (query.return_kind == ReturnMapKind::None) set.items = std::move(items);
  else if (!make_set(std::move(items), set)) return fail(ErrorCode::Internal, "find: duplicate result rows");
  return Value(std::move(set));
}

// `out` with the result rows `items` as its value: a vector when they are a bag (`bag`), else
// their set (relation_set).
Result<QueryOutput> with_relation(const Query& query, QueryOutput out, std::vector<Value> items, bool bag) {
  if (bag) {
    out.value = Value(Vector{std::move(items)});
    return out;
  }
  auto set = relation_set(query, std::move(items));
  if (!set) return std::unexpected(set.error());
  out.value = std::move(*set);
  return out;
}

Value return_map(const Query& q, const std::vector<Value>& row) {
  std::vector<std::pair<Value, Value>> entries;
  for (std::size_t i = 0; i < row.size() && i < q.return_names.size(); ++i)
    entries.emplace_back(return_key(q, q.return_names[i]), row[i]);
  Map m;
  if (!make_map(std::move(entries), m)) return Value();
  return Value(std::move(m));
}

// Sorts rows whose K result columns all hold longs, on packed keys.
template <std::size_t K>
void sort_long_rows(const PooledVector<std::int64_t>& longs, PooledVector<std::uint32_t>& order) {
  struct Key {
    std::array<std::int64_t, K> cells;
    std::uint32_t row;
  };
  PooledVector<Key> keys(order.size());
  for (std::size_t r = 0; r < keys.size(); ++r) {
    for (std::size_t c = 0; c < K; ++c) keys[r].cells[c] = longs[r * K + c];
    keys[r].row = static_cast<std::uint32_t>(r);
  }
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) { return a.cells < b.cells; });
  for (std::size_t i = 0; i < keys.size(); ++i) order[i] = keys[i].row;
}

// Sorts `items` ascending by key_of(item), an unsigned key of `bits` bits, with an LSD radix sort:
// as few passes as digits of at most 13 bits allow (a 38-bit key takes three passes of 13 bits,
// not four of 11), each a counting pass and a scatter into `scratch` (same size as `items`).
template <class T, class KeyOf>
void radix_sort(PooledVector<T>& items, PooledVector<T>& scratch, unsigned bits, KeyOf key_of) {
  constexpr unsigned kMaxDigitBits = 13;
  if (bits == 0) return;
  const unsigned passes = (bits + kMaxDigitBits - 1) / kMaxDigitBits;
  const unsigned digit_bits = (bits + passes - 1) / passes;
  const std::size_t buckets = std::size_t{1} << digit_bits;
  const std::uint64_t mask = buckets - 1;
  std::vector<std::uint32_t> counts(buckets);
  for (unsigned shift = 0; shift < bits; shift += digit_bits) {
    std::fill(counts.begin(), counts.end(), 0u);
    for (const T& e : items) ++counts[(key_of(e) >> shift) & mask];
    std::uint32_t sum = 0;
    for (std::uint32_t& c : counts) sum += std::exchange(c, sum);
    for (const T& e : items) scratch[counts[(key_of(e) >> shift) & mask]++] = e;
    items.swap(scratch);
  }
}

// Sorts rows whose k result columns all hold longs when the columns' value ranges fit 64 bits
// together (entity ids and most numbers of one result do): each row becomes one unsigned key, column
// by column its offset from the column's minimum, and radix_sort orders the keys. The order is the
// packed columns' order, element by element. False, with `order` untouched, when the ranges do not
// fit. With `sorted`, the rows' longs are unpacked from the sorted keys into it instead, row after
// row in result order (n * k longs), and `order` is left as it is: a key holds its whole row, so
// the keys alone are sorted (8 bytes moved per row and pass, not 16 with a row number), and the
// result is built from them in one sequential pass instead of a gather over the relation's cells.
bool radix_sort_long_rows(const PooledVector<std::int64_t>& longs, std::size_t k, PooledVector<std::uint32_t>& order,
                          PooledVector<std::int64_t>* sorted = nullptr) {
  const std::size_t n = order.size();
  std::vector<std::uint64_t> low(k), widths(k);
  std::size_t total = 0;
  for (std::size_t c = 0; c < k; ++c) {
    std::int64_t lo = longs[c], hi = longs[c];
    for (std::size_t r = 1; r < n; ++r) {
      lo = std::min(lo, longs[r * k + c]);
      hi = std::max(hi, longs[r * k + c]);
    }
    low[c] = static_cast<std::uint64_t>(lo);
    widths[c] = static_cast<std::uint64_t>(std::bit_width(static_cast<std::uint64_t>(hi) - low[c]));
    total += widths[c];
  }
  if (total > 64) return false;
  auto key_of_row = [&](std::size_t r) {
    std::uint64_t key = 0;
    for (std::size_t c = 0; c < k; ++c) {
      if (widths[c] == 0) continue;  // one value: no bits
      const std::uint64_t offset = static_cast<std::uint64_t>(longs[r * k + c]) - low[c];
      key = widths[c] == 64 ? offset : (key << widths[c]) | offset;
    }
    return key;
  };
  const auto bits = static_cast<unsigned>(total);
  if (sorted) {
    PooledVector<std::uint64_t> keys(n), scratch(n);
    for (std::size_t r = 0; r < n; ++r) keys[r] = key_of_row(r);
    radix_sort(keys, scratch, bits, [](std::uint64_t key) { return key; });
    sorted->resize(n * k);
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t key = keys[i];
      for (std::size_t c = k; c-- > 0;) {
        const std::uint64_t w = widths[c];
        const std::uint64_t offset = w == 64 ? key : key & ((std::uint64_t{1} << w) - 1);
        key = w == 64 ? 0 : key >> w;
        (*sorted)[i * k + c] = static_cast<std::int64_t>(low[c] + offset);
      }
    }
    return true;
  }
  struct Entry {
    std::uint64_t key;
    std::uint32_t row;
  };
  PooledVector<Entry> a(n), b(n);
  for (std::size_t r = 0; r < n; ++r) a[r] = Entry{key_of_row(r), static_cast<std::uint32_t>(r)};
  radix_sort(a, b, bits, [](const Entry& e) { return e.key; });
  for (std::size_t i = 0; i < n; ++i) order[i] = a[i].row;
  return true;
}

// The rows of `rel` in result order: element by element on `cols`, as result tuples compare.
// Rows already in that order (an index scan's often are) are found so in one pass over the cells;
// columns of longs (entity ids, most numbers) compare as integers. With `needed` below the row
// count only that many first rows are returned (a partial sort: :limit on a large result). With
// `sorted`, a result of longs only that is radix sorted gets its cells there in result order
// (radix_sort_long_rows), and then only the size of the order returned counts (its rows are left
// unsorted); `sorted` is left empty otherwise.
PooledVector<std::uint32_t> result_order(const Relation& rel, std::span<const int> cols, std::size_t needed = SIZE_MAX,
                                         PooledVector<std::int64_t>* sorted = nullptr) {
  const std::size_t n = rel.size(), k = cols.size();
  PooledVector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  if (n < 2 || k == 0) return order;
  // Rows already in order are found so straight from the cells (longs compared as integers),
  // before the columns are copied out for sorting; an unordered relation usually stops this pass
  // within its first rows.
  auto row_cmp = [&](std::size_t a, std::size_t b) {
    for (std::size_t c = 0; c < k; ++c) {
      const auto col = static_cast<std::size_t>(cols[c]);
      const Value &x = rel.at(a, col), &y = rel.at(b, col);
      const auto *lx = x.get_if<std::int64_t>(), *ly = y.get_if<std::int64_t>();
      const int cmp = lx && ly ? (*lx > *ly) - (*lx < *ly) : compare(x, y);
      if (cmp != 0) return cmp;
    }
    return 0;
  };
  bool in_order = true;
  for (std::size_t i = 1; i < n && in_order; ++i) in_order = row_cmp(i - 1, i) <= 0;
  if (in_order) return order;
  std::vector<char> is_long(k);
  PooledVector<std::int64_t> longs(n * k);
  bool all_long = true;
  for (std::size_t c = 0; c < k; ++c) {
    is_long[c] = 1;
    for (std::size_t r = 0; r < n && is_long[c]; ++r) {
      const auto* x = rel.at(r, static_cast<std::size_t>(cols[c])).get_if<std::int64_t>();
      if (x) longs[r * k + c] = *x;
      else is_long[c] = 0;
    }
    all_long = all_long && is_long[c];
  }
  auto less = [&](std::uint32_t a, std::uint32_t b) {
    for (std::size_t c = 0; c < k; ++c) {
      if (is_long[c]) {
        const std::int64_t x = longs[a * k + c], y = longs[b * k + c];
        if (x != y) return x < y;
        continue;
      }
      const auto col = static_cast<std::size_t>(cols[c]);
      if (const int cmp = compare(rel.at(a, col), rel.at(b, col)); cmp != 0) return cmp < 0;
    }
    return false;
  };
  if (needed < n) {
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(needed), order.end(), less);
    order.resize(needed);
    return order;
  }
  // Radix sorting pays from about a thousand rows; below, comparisons are as quick.
  if (all_long && n >= 1024 && radix_sort_long_rows(longs, k, order, sorted)) return order;
  if (all_long && k == 1) sort_long_rows<1>(longs, order);
  else if (all_long && k == 2) sort_long_rows<2>(longs, order);
  else if (all_long && k == 3) sort_long_rows<3>(longs, order);
  else if (all_long && k == 4) sort_long_rows<4>(longs, order);
  else std::sort(order.begin(), order.end(), less);
  return order;
}

// Drops the rows :offset skips and :limit leaves out of a sequence in result order.
template <class Rows>
void apply_offset_limit(const Query& query, Rows& rows) {
  if (!query.offset && !query.limit) return;
  const auto skip = static_cast<std::size_t>(
      std::min<std::int64_t>(query.offset.value_or(0), static_cast<std::int64_t>(rows.size())));
  rows.erase(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(skip));
  if (query.limit && static_cast<std::uint64_t>(*query.limit) < rows.size())
    rows.resize(static_cast<std::size_t>(*query.limit));
}

// The output of a query without aggregates or pulls: the tuples' rows in result order, each made
// its result value directly. Cells are moved out of `tuples`.
Result<QueryOutput> plain_output(Context& ctx, const Query& query, QueryOutput out, Relation& tuples,
                                 std::span<const int> cols, OutputForm form) {
  // :limit needs only the first offset + limit rows in order.
  std::size_t needed = SIZE_MAX;
  if (query.limit)
    needed = static_cast<std::size_t>(std::min<std::uint64_t>(
        static_cast<std::uint64_t>(query.offset.value_or(0)) + static_cast<std::uint64_t>(*query.limit), SIZE_MAX));
  // A large result of longs in a set or vector of tuples is built from the sort's own copy of its
  // cells, read in order, rather than gathered from the relation's cells in sorted order (a random
  // read per row once the relation outgrows the CPU caches).
  const bool tuples_only = (query.find.shape == FindShape::Relation || query.find.shape == FindShape::Collection) &&
                           query.return_kind == ReturnMapKind::None && !query.offset && !query.limit;
  PooledVector<std::int64_t> sorted_longs;
  PooledVector<std::uint32_t> order = result_order(tuples, cols, needed, tuples_only ? &sorted_longs : nullptr);
  apply_offset_limit(query, order);
  const std::size_t arity = tuples.arity();
  // A column named by one element only can give its cells away.
  std::vector<char> movable(cols.size());
  for (std::size_t k = 0; k < cols.size(); ++k) movable[k] = std::count(cols.begin(), cols.end(), cols[k]) == 1;
  auto cell_of = [&](std::uint32_t r, std::size_t k) -> Value& {
    return tuples.cells()[r * arity + static_cast<std::size_t>(cols[k])];
  };
  auto take = [&](std::uint32_t r, std::size_t k) -> Value {
    Value& cell = cell_of(r, k);
    return movable[k] ? std::move(cell) : cell;
  };
  // take(r, k) appended to `to`, built in place (a long, most cells, without the general move).
  auto append = [&](std::vector<Value>& to, std::uint32_t r, std::size_t k) {
    Value& cell = cell_of(r, k);
    if (const auto* n = cell.get_if<std::int64_t>()) to.emplace_back(*n);
    else if (movable[k]) to.emplace_back(std::move(cell));
    else to.emplace_back(cell);
  };
  auto row_vector = [&](std::uint32_t r) {
    Vector row;
    row.items.reserve(cols.size());
    for (std::size_t k = 0; k < cols.size(); ++k) append(row.items, r, k);
    return row;
  };
  auto row_value = [&](std::uint32_t r) -> Value {
    Vector row = row_vector(r);
    if (query.return_kind != ReturnMapKind::None) return return_map(query, row.items);
    return Value(std::move(row));
  };
  switch (query.find.shape) {
    case FindShape::Scalar:
      out.value = order.empty() || cols.empty() ? Value() : take(order.front(), 0);
      return out;
    case FindShape::Tuple:
      out.value = order.empty() ? Value() : row_value(order.front());
      return out;
    case FindShape::Collection:
    case FindShape::Relation: break;
  }
  const bool collection = query.find.shape == FindShape::Collection;
  if (collection && cols.empty()) order.clear();
  const bool maps = query.return_kind != ReturnMapKind::None;
  const std::size_t width = cols.size();
  if (form == OutputForm::Rows) {
    // The rows' cells in one block, in the same order; a return map's values are its row.
    out.width = collection ? 1 : width;
    out.cells.reserve(order.size() * out.width);
    if (!sorted_longs.empty()) {
      // A collection's sort key is its one column: the sorted longs are its cells as they are.
      for (const std::int64_t cell : sorted_longs) out.cells.emplace_back(cell);
    } else {
      for (std::size_t i = 0; i < order.size(); ++i) {
        for (std::size_t k = 0; k < out.width; ++k) append(out.cells, order[i], k);
        if ((i & 1023) == 1023)
          if (auto t = ctx.tick(1024); !t) return std::unexpected(t.error());
      }
    }
    return out;
  }
  std::vector<Value> items;
  items.reserve(order.size());
  // Two loops, one per source of cells (the sort's longs; the relation's cells in `order`): one
  // loop testing the source per row cost q1 about 3% more instructions (bench/README, round 27).
  for (std::size_t i = 0; i < order.size() && !sorted_longs.empty(); ++i) {
    const std::int64_t* cells = sorted_longs.data() + i * width;
    if (collection) {
      items.emplace_back(cells[0]);
    } else {
      // The row's cells made where they lie from its longs, in one allocation of their size.
      items.emplace_back(Vector{std::vector<Value>(cells, cells + width)});
    }
    if ((i & 1023) == 1023)
      if (auto t = ctx.tick(1024); !t) return std::unexpected(t.error());
  }
  for (std::size_t i = 0; i < order.size() && sorted_longs.empty(); ++i) {
    if (collection) append(items, order[i], 0);
    else if (maps) items.push_back(row_value(order[i]));
    else items.emplace_back(row_vector(order[i]));
    if ((i & 1023) == 1023)
      if (auto t = ctx.tick(1024); !t) return std::unexpected(t.error());
  }
  return with_relation(query, std::move(out), std::move(items), collection || !query.with.empty());
}

}  // namespace

std::vector<std::string> find_vars(const Query& query) {
  if (!query.kept_vars.empty()) return query.kept_vars;
  std::vector<std::string> vars;
  vars.reserve(query.find.elements.size() + query.with.size());
  for (const FindElement& e : query.find.elements) add_unique(vars, element_var(e));
  for (const Variable& w : query.with) add_unique(vars, w.name);
  return vars;
}

const std::vector<std::string>& find_vars(const Query& query, std::vector<std::string>& storage) {
  if (!query.kept_vars.empty()) return query.kept_vars;
  return storage = find_vars(query);
}

std::vector<std::string> find_columns(const Query& query) {
  if (!query.columns.empty()) return query.columns;
  std::vector<std::string> columns;
  for (const FindElement& e : query.find.elements) {
    // A variable prints as its name (a symbol): no value built and printed for it.
    if (const auto* v = std::get_if<FindVar>(&e)) columns.push_back(v->var.name);
    else columns.push_back(to_edn(to_edn(e)));
  }
  return columns;
}

Value find_form(const Query& query) {
  Vector v;
  for (const FindElement& e : query.find.elements) v.items.push_back(to_edn(e));
  return Value(std::move(v));
}

namespace {

// The output of result rows that aggregates or pulls made: sorted, cut by :offset and :limit,
// and shaped. `bag`: a relation is a vector of its rows (one per tuple), not a set.
Result<QueryOutput> rows_output(const Query& query, QueryOutput out, std::vector<std::vector<Value>> rows, bool bag) {
  // Aggregates and pulls produced new values: the rows are sorted on them.
  std::sort(rows.begin(), rows.end(), [](const std::vector<Value>& a, const std::vector<Value>& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), value_less);
  });
  apply_offset_limit(query, rows);
  auto as_value = [&](std::vector<Value>& row) -> Value {
    if (query.return_kind != ReturnMapKind::None) return return_map(query, row);
    return Value(Vector{std::move(row)});
  };
  switch (query.find.shape) {
    case FindShape::Scalar:
      out.value = rows.empty() || rows.front().empty() ? Value() : rows.front().front();
      return out;
    case FindShape::Tuple:
      out.value = rows.empty() ? Value() : as_value(rows.front());
      return out;
    case FindShape::Collection: {
      Vector v;
      v.items.reserve(rows.size());
      for (auto& row : rows)
        if (!row.empty()) v.items.push_back(std::move(row.front()));
      out.value = Value(std::move(v));
      return out;
    }
    case FindShape::Relation: break;
  }
  std::vector<Value> items;
  items.reserve(rows.size());
  for (auto& row : rows) items.push_back(as_value(row));
  // With a pull, a relation is a bag too, as in DataScript (which pulls after making the set of
  // tuples): one row per tuple, so two entities that pull equal maps are two rows, not one.
  return with_relation(query, std::move(out), std::move(items), !query.with.empty() || bag);
}

// Runs the pull elements of a result row (`pulls`: empty, or one per element), in place.
Result<void> run_pulls(std::span<const PullSpec> pulls, std::vector<Value>& row) {
  for (std::size_t k = 0; k < pulls.size(); ++k) {
    if (!pulls[k].pattern) continue;
    auto pulled = run_pull(pulls[k], row[k]);
    if (!pulled) return std::unexpected(pulled.error());
    row[k] = std::move(*pulled);
  }
  return {};
}

// The output of an aggregate :find from its groups (filled by the where clauses' last step, or
// from the tuples): one row per group, its pulls run (`pulls`, empty or one per element).
Result<QueryOutput> aggregate_output(Context& ctx, const Query& query, QueryOutput out, AggregateGroups& groups,
                                     std::span<const PullSpec> pulls) {
  const std::size_t width = query.find.elements.size();
  std::vector<std::vector<Value>> rows;
  rows.reserve(groups.size());
  for (std::size_t g = 0; g < groups.size(); ++g) {
    std::vector<Value> row(width);
    for (std::size_t k = 0; k < width; ++k) {
      if (!std::holds_alternative<FindAggregate>(query.find.elements[k])) {
        row[k] = groups.key(g, k);
        continue;
      }
      auto v = groups.aggregate(g, k);
      if (!v) return std::unexpected(v.error());
      row[k] = std::move(*v);
    }
    if (auto f = run_pulls(pulls, row); !f) return std::unexpected(f.error());
    rows.push_back(std::move(row));
    if ((g & 1023) == 1023)
      if (auto t = ctx.tick(1024); !t) return std::unexpected(t.error());
  }
  return rows_output(query, std::move(out), std::move(rows), !pulls.empty());
}

// find_output's work; with OutputForm::Rows only the plain path (plain_output) builds rows itself,
// the others leave their value for find_output to take apart.
Result<QueryOutput> build_output(Context& ctx, const Query& query, Bindings& bindings,
                                 const std::vector<std::string>* vars, OutputForm form, AggregateGroups* streamed) {
  QueryOutput out;
  out.shape = query.find.shape;
  out.columns = find_columns(query);
  const auto& elements = query.find.elements;
  std::vector<std::string> computed;
  if (!vars) vars = &find_vars(query, computed);
  // The groups the last where step filled as it ran (aggregate_sink): the rows are theirs.
  if (streamed && streamed->opened()) return aggregate_output(ctx, query, std::move(out), *streamed, {});

  // Pulls and aggregates read their :in arguments from the bindings, before the rows are taken.
  const bool any_aggregate = has_aggregate(query);
  const bool any_pull = std::any_of(elements.begin(), elements.end(),
                                    [](const FindElement& e) { return std::holds_alternative<FindPull>(e); });
  std::vector<PullSpec> pulls(any_pull ? elements.size() : 0);
  // The groups aggregate_sink made (their aggregates prepared; never with pulls) when the last
  // step did not fill them, else new ones.
  std::unique_ptr<AggregateGroups> own_groups;
  AggregateGroups* groups = streamed;
  std::vector<std::optional<AggregateSpec>> aggs(any_aggregate && !groups ? elements.size() : 0);
  for (std::size_t k = 0; k < elements.size() && (any_pull || (any_aggregate && !groups)); ++k) {
    if (const auto* p = std::get_if<FindPull>(&elements[k])) {
      auto spec = prepare_pull(ctx, *p, bindings);
      if (!spec) return std::unexpected(spec.error());
      pulls[k] = std::move(*spec);
    } else if (const auto* a = std::get_if<FindAggregate>(&elements[k])) {
      auto spec = prepare_aggregate(*a, bindings);
      if (!spec) return std::unexpected(spec.error());
      aggs[k] = std::move(*spec);
    }
  }
  if (any_aggregate && !groups) {
    own_groups = make_groups(query, *vars, std::move(aggs));
    groups = own_groups.get();
  }

  // The distinct tuples of the find and :with variables.
  auto tuples = bindings.take_projection(ctx, *vars, [] { return std::string(":find"); }, /*any_column_order=*/true);
  if (!tuples) return std::unexpected(tuples.error());
  // Entities given by lookup ref or ident come back as they were given (DataScript's answer).
  for (const auto& [var, given] : ctx.entity_inputs) {
    const int col = tuples->column(var);
    if (col < 0) continue;
    for (std::size_t r = 0; r < tuples->size(); ++r) {
      Value& cell = tuples->cells()[r * tuples->arity() + static_cast<std::size_t>(col)];
      const auto* id = cell.get_if<std::int64_t>();
      if (!id) continue;
      if (auto it = given.find(*id); it != given.end()) cell = it->second;
    }
  }
  std::vector<int> cols;
  for (const FindElement& e : elements) cols.push_back(tuples->column(element_var(e)));

  // Without aggregates and pulls the result is the tuples in result order: each row becomes its
  // result value at once, no intermediate row vectors.
  if (!any_aggregate && !any_pull) return plain_output(ctx, query, std::move(out), *tuples, cols, form);
  if (groups) {
    if (!groups->open(tuples->vars())) return fail(ErrorCode::Internal, "find: the tuples lack a :find variable");
    for (std::size_t r = 0; r < tuples->size(); ++r) {
      groups->add(tuples->row(r), {});
      if ((r & 1023) == 1023)
        if (auto t = ctx.tick(1024); !t) return std::unexpected(t.error());
    }
    return aggregate_output(ctx, query, std::move(out), *groups, pulls);
  }

  // Pulls: one row per tuple, the rows sorted again on what was pulled (rows_output).
  std::vector<std::vector<Value>> rows;
  rows.reserve(tuples->size());
  for (std::size_t r = 0, done = 0; r < tuples->size(); ++r) {
    std::vector<Value> row;
    row.reserve(elements.size());
    for (std::size_t k = 0; k < cols.size(); ++k) row.push_back(tuples->at(r, static_cast<std::size_t>(cols[k])));
    if (auto f = run_pulls(pulls, row); !f) return std::unexpected(f.error());
    rows.push_back(std::move(row));
    if ((++done & 1023) == 0)
      if (auto t = ctx.tick(1024); !t) return std::unexpected(t.error());
  }
  return rows_output(query, std::move(out), std::move(rows), true);
}

// The rows of a value build_output made (QueryOutput::cells), copied out of it: only results with
// aggregates, pulls or a scalar or tuple shape come here, whose rows are few or costly anyway.
void take_rows(const Query& query, QueryOutput& out) {
  out.width = query.find.shape == FindShape::Collection ? 1 : query.find.elements.size();
  const Value value = std::exchange(out.value, Value());
  std::vector<Value> keys;  // a return map's, in :keys order
  for (const std::string& name : query.return_names) keys.push_back(return_key(query, name));
  auto add_row = [&](const Value& row) {
    if (const auto* v = row.get_if<Vector>()) {
      out.cells.insert(out.cells.end(), v->items.begin(), v->items.end());
    } else if (const auto* m = row.get_if<Map>()) {  // a return map: its values in :keys order
      for (const Value& key : keys) {
        auto it = std::find_if(m->entries.begin(), m->entries.end(), [&](const auto& e) { return e.first == key; });
        out.cells.push_back(it == m->entries.end() ? Value() : it->second);
      }
    }
  };
  switch (query.find.shape) {
    case FindShape::Scalar:
      if (!value.is_nil()) out.cells.push_back(value);
      return;
    case FindShape::Tuple:
      if (!value.is_nil()) add_row(value);
      return;
    case FindShape::Collection:
      if (const auto* v = value.get_if<Vector>()) out.cells = v->items;
      return;
    case FindShape::Relation: break;
  }
  const std::vector<Value>* rows = nullptr;
  if (const auto* set = value.get_if<Set>()) rows = &set->items;
  if (const auto* bag = value.get_if<Vector>()) rows = &bag->items;
  if (!rows) return;
  out.cells.reserve(rows->size() * out.width);
  for (const Value& row : *rows) add_row(row);
  if (query.return_kind == ReturnMapKind::None) return;
  // The maps were ordered as maps (keys first): the rows, like every other result's, as tuples.
  const std::size_t w = out.width, n = out.cells.size() / w;
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return std::lexicographical_compare(out.cells.begin() + a * w, out.cells.begin() + (a + 1) * w,
                                        out.cells.begin() + b * w, out.cells.begin() + (b + 1) * w, value_less);
  });
  std::vector<Value> sorted;
  sorted.reserve(out.cells.size());
  for (std::uint32_t r : order)
    for (std::size_t k = 0; k < w; ++k) sorted.push_back(std::move(out.cells[r * w + k]));
  out.cells = std::move(sorted);
}

}  // namespace

std::unique_ptr<AggregateGroups> aggregate_sink(const Context& ctx, const Query& query, Bindings& bindings,
                                                const std::vector<std::string>& vars) {
  // Entities given by lookup ref or ident are put back into the tuples before grouping, and
  // pulls run per tuple or group: both want the tuples.
  if (!has_aggregate(query) || !ctx.entity_inputs.empty()) return nullptr;
  std::vector<std::optional<AggregateSpec>> aggs(query.find.elements.size());
  for (std::size_t k = 0; k < aggs.size(); ++k) {
    const FindElement& e = query.find.elements[k];
    if (std::holds_alternative<FindPull>(e)) return nullptr;
    const auto* a = std::get_if<FindAggregate>(&e);
    if (!a) continue;
    // An aggregate that cannot be prepared fails the query after its where clauses, as
    // build_output reports it: their own errors come first.
    auto spec = prepare_aggregate(*a, bindings);
    if (!spec) return nullptr;
    aggs[k] = std::move(*spec);
  }
  return make_groups(query, vars, std::move(aggs));
}

Result<QueryOutput> find_output(Context& ctx, const Query& query, Bindings& bindings,
                                const std::vector<std::string>* vars, OutputForm form, AggregateGroups* streamed) {
  auto out = build_output(ctx, query, bindings, vars, form, streamed);
  if (out && form == OutputForm::Rows && out->width == 0) take_rows(query, *out);
  return out;
}

}  // namespace quarry::query
