#include "table.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <vector>

namespace quarry::repl {
namespace {

struct Table {
  std::vector<std::string> headers;
  std::vector<std::vector<Value>> rows;
};

// Display width in terminal columns, taken as the number of code points (EDN output escapes
// control characters; wide East Asian characters are counted as one).
std::size_t display_width(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::span<const Value> items_of(const Value& v) {
  if (auto x = v.get_if<Vector>()) return x->items;
  if (auto x = v.get_if<List>()) return x->items;
  if (auto x = v.get_if<Set>()) return x->items;
  return {};
}

bool is_sequence(const Value& v) { return v.is<Vector>() || v.is<List>(); }

const Value* map_get(const Map& m, const Value& key) {
  auto it = std::lower_bound(m.entries.begin(), m.entries.end(), key,
                             [](const auto& entry, const Value& k) { return compare(entry.first, k) < 0; });
  return it != m.entries.end() && it->first == key ? &it->second : nullptr;
}

std::vector<std::string> key_headers(const std::vector<Value>& keys) {
  std::vector<std::string> out;
  for (const Value& k : keys) out.push_back(to_edn(k));
  return out;
}

// A relation: a collection of tuples (vectors) or, with :keys, of maps.
std::optional<Table> relation_table(const Outcome& outcome) {
  Table table;
  table.headers = outcome.columns;
  for (const Value& row : items_of(outcome.value)) {
    if (auto m = row.get_if<Map>()) {
      if (outcome.row_keys.empty()) return std::nullopt;
      std::vector<Value> cells;
      for (const Value& key : outcome.row_keys) {
        const Value* cell = map_get(*m, key);
        cells.push_back(cell ? *cell : Value());
      }
      table.rows.push_back(std::move(cells));
    } else if (is_sequence(row)) {
      auto items = items_of(row);
      table.rows.emplace_back(items.begin(), items.end());
    } else {
      return std::nullopt;
    }
  }
  if (!outcome.row_keys.empty()) {
    // A set of maps sorts by its maps' sorted entries; show the rows in column order instead.
    table.headers = key_headers(outcome.row_keys);
    std::stable_sort(table.rows.begin(), table.rows.end(), [](const auto& a, const auto& b) {
      return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                          [](const Value& x, const Value& y) { return compare(x, y) < 0; });
    });
  }
  return table;
}

std::optional<Table> query_table(const Outcome& outcome) {
  switch (outcome.shape) {
    case FindShape::Relation:
      return relation_table(outcome);
    case FindShape::Collection: {
      Table table;
      table.headers = outcome.columns;
      for (const Value& v : items_of(outcome.value)) table.rows.push_back({v});
      return table;
    }
    case FindShape::Tuple: {
      if (!is_sequence(outcome.value)) return std::nullopt;  // nil: nothing matched
      Table table;
      table.headers = outcome.columns;
      auto items = items_of(outcome.value);
      table.rows.emplace_back(items.begin(), items.end());
      return table;
    }
    case FindShape::Scalar:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Table> datoms_table(const Outcome& outcome) {
  Table table{.headers = {"e", "a", "v", "tx", "added"}, .rows = {}};
  for (const Value& d : items_of(outcome.value)) {
    auto items = items_of(d);
    table.rows.emplace_back(items.begin(), items.end());
  }
  return table;
}

std::string draw(const Table& table) {
  std::size_t columns = table.headers.size();
  for (const auto& row : table.rows) columns = std::max(columns, row.size());
  std::size_t shown = std::min(table.rows.size(), kMaxTableRows);

  std::vector<std::vector<std::string>> cells(shown);
  std::vector<bool> numeric(columns, true);
  std::vector<std::size_t> width(columns, 0);
  for (std::size_t c = 0; c < columns; ++c)
    if (c < table.headers.size()) width[c] = display_width(table.headers[c]);
  for (std::size_t r = 0; r < shown; ++r) {
    for (std::size_t c = 0; c < columns; ++c) {
      const Value* v = c < table.rows[r].size() ? &table.rows[r][c] : nullptr;
      cells[r].push_back(v ? to_edn(*v) : std::string());
      if (v && !v->is_number() && !v->is<EntityId>()) numeric[c] = false;
      width[c] = std::max(width[c], display_width(cells[r][c]));
    }
  }

  auto pad = [](std::string& out, std::size_t n) { out.append(n, ' '); };
  auto cell = [&](std::string& out, const std::string& text, std::size_t c, bool right) {
    out += c == 0 ? " " : " | ";
    std::size_t gap = width[c] - display_width(text);
    if (right) pad(out, gap);
    out += text;
    if (!right && c + 1 < columns) pad(out, gap);
  };

  std::string out;
  for (std::size_t c = 0; c < columns; ++c)
    cell(out, c < table.headers.size() ? table.headers[c] : std::string(), c, false);
  while (out.ends_with(' ')) out.pop_back();
  out += '\n';
  for (std::size_t c = 0; c < columns; ++c) {
    out += c == 0 ? "" : "+";
    out.append(width[c] + 2, '-');
  }
  out += '\n';
  for (std::size_t r = 0; r < shown; ++r) {
    for (std::size_t c = 0; c < columns; ++c) cell(out, cells[r][c], c, numeric[c]);
    out += '\n';
  }
  std::size_t n = table.rows.size();
  out += "(" + std::to_string(n) + (n == 1 ? " row" : " rows");
  if (shown < n) out += "; the first " + std::to_string(shown) + " shown, .format edn prints all";
  out += ")\n";
  return out;
}

}  // namespace

std::string render_table(const Outcome& outcome) {
  std::optional<Table> table;
  if (outcome.kind == OutcomeKind::Query) table = query_table(outcome);
  if (outcome.kind == OutcomeKind::Datoms) table = datoms_table(outcome);
  if (!table) return to_edn(outcome.value) + "\n";
  return draw(*table);
}

}  // namespace quarry::repl
