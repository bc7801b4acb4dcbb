#include "csv_import.hpp"

#include <charconv>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

namespace quarry::repl {
namespace {

struct Field {
  std::string text;
  std::size_t line;  // where the field starts, 1-based
};

struct Record {
  std::vector<Field> fields;
  std::size_t line;
};

std::unexpected<Error> csv_error(const std::string& path, std::size_t line, const std::string& message) {
  return fail(ErrorCode::InvalidArgument, path + " line " + std::to_string(line) + ": " + message);
}

// Splits RFC 4180 text into records. A record that is one empty field (a blank line) is skipped.
Result<std::vector<Record>> parse_csv(const std::string& path, std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<Record> records;
  std::size_t line = 1, i = 0;
  while (i < text.size()) {
    Record record{{}, line};
    for (;;) {  // one field per turn
      Field field{{}, line};
      if (i < text.size() && text[i] == '"') {
        std::size_t open_line = line;
        ++i;
        for (;;) {
          if (i >= text.size()) return csv_error(path, open_line, "a quoted field is not closed");
          char c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') {
              field.text.push_back('"');
              ++i;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          field.text.push_back(c);
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
          return csv_error(path, line, "a quoted field must end at a comma or the end of the line (column " +
                                           std::to_string(record.fields.size() + 1) + ")");
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"')
            return csv_error(path, line, "a quote inside an unquoted field (column " +
                                             std::to_string(record.fields.size() + 1) +
                                             "); quote the whole field and double the quote");
          field.text.push_back(text[i++]);
        }
      }
      record.fields.push_back(std::move(field));
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < text.size() && text[i] == '\r') ++i;
      if (i < text.size() && text[i] == '\n') ++i;
      ++line;
      break;
    }
    if (record.fields.size() == 1 && record.fields[0].text.empty()) continue;
    records.push_back(std::move(record));
  }
  return records;
}

template <class T>
std::optional<T> parse_number(std::string_view s) {
  T out{};
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return out;
}

// What a column holds.
struct Column {
  Keyword attr;
  std::string type;  // the :db.type/ name ("long", "ref", ...); empty when undeclared or untyped
  bool is_id = false;
};

// The declared value type of `attr`, by name; empty when it has none or is not declared.
std::string declared_type(const Db& db, const Keyword& attr) {
  auto entity = db.entity(Value(attr));
  if (!entity || !entity->is<Map>()) return {};
  for (const auto& [k, v] : entity->as<Map>().entries) {
    auto key = k.get_if<Keyword>();
    auto type = v.get_if<Keyword>();
    if (key && type && key->ns == "db" && key->name == "valueType") return type->name;
  }
  return {};
}

Result<Value> read_tagged(std::string_view tag, const std::string& cell) {
  std::string edn = "#" + std::string(tag) + " " + to_edn(Value(cell));
  return read_edn(edn);
}

// The value of one non-empty cell, or a message saying why it does not fit.
Result<Value> cell_value(const Column& column, const std::string& cell) {
  auto wrong = [&](std::string_view what) {
    return fail(ErrorCode::InvalidArgument, to_edn(Value(cell)) + " is not " + std::string(what));
  };
  const std::string& type = column.type;
  if (column.is_id) {
    auto n = parse_number<std::int64_t>(cell);
    if (!n || *n <= 0) return wrong("an entity id (a positive long)");
    return Value(*n);
  }
  if (type.empty()) {
    if (auto n = parse_number<std::int64_t>(cell)) return Value(*n);
    if (auto d = parse_number<double>(cell)) return Value(*d);
    return Value(cell);
  }
  if (type == "string") return Value(cell);
  if (type == "long") {
    if (auto n = parse_number<std::int64_t>(cell)) return Value(*n);
    return wrong("a long");
  }
  if (type == "double" || type == "float") {
    if (auto d = parse_number<double>(cell)) return Value(*d);
    return wrong("a double");
  }
  if (type == "boolean") {
    if (cell == "true") return Value(true);
    if (cell == "false") return Value(false);
    return wrong("a boolean (true or false)");
  }
  if (type == "keyword") {
    std::string_view name = cell;
    if (name.starts_with(':')) name.remove_prefix(1);
    auto k = read_edn(":" + std::string(name));
    if (!k || !k->is<Keyword>()) return wrong("a keyword");
    return *k;
  }
  if (type == "instant" || type == "uuid") {
    auto v = read_tagged(type == "instant" ? "inst" : "uuid", cell);
    if (!v) return wrong(type == "instant" ? "an instant (e.g. 2024-01-31 or 2024-01-31T10:00:00Z)" : "a uuid");
    return *v;
  }
  if (type == "ref") {
    if (auto n = parse_number<std::int64_t>(cell)) {
      if (*n <= 0) return wrong("an entity id");
      return Value(*n);
    }
    auto v = read_edn(cell);
    if (!v || !v->is<Vector>() || v->as<Vector>().items.size() != 2 || !v->as<Vector>().items[0].is<Keyword>())
      return wrong("an entity id or a lookup ref [:attr value]");
    return *v;
  }
  auto v = read_edn(cell);  // symbol, bytes, tuple: EDN
  if (!v) return wrong("EDN for :db.type/" + type);
  return *v;
}

Result<std::vector<Column>> header_columns(const std::string& path, const Record& header, const Db& db) {
  std::vector<Column> columns;
  for (std::size_t c = 0; c < header.fields.size(); ++c) {
    std::string_view name = header.fields[c].text;
    if (name.starts_with(':')) name.remove_prefix(1);
    auto k = read_edn(":" + std::string(name));
    if (name.empty() || !k || !k->is<Keyword>())
      return csv_error(path, header.line, "column " + std::to_string(c + 1) + " of the header, " +
                                              to_edn(Value(header.fields[c].text)) + ", is not an attribute name");
    Column column{k->as<Keyword>(), {}, false};
    for (const Column& earlier : columns)
      if (earlier.attr == column.attr)
        return csv_error(path, header.line, "the header names :" + column.attr.qualified() + " twice");
    column.is_id = column.attr.ns == "db" && column.attr.name == "id";
    if (!column.is_id) column.type = declared_type(db, column.attr);
    columns.push_back(std::move(column));
  }
  return columns;
}

}  // namespace

Result<ImportSummary> import_csv(Database& database, const std::string& path, const ImportOptions& options) {
  auto start = std::chrono::steady_clock::now();
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::StorageIo, "cannot read " + path + ": no such file, or not readable");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(ErrorCode::StorageIo, "cannot read " + path);

  auto records = parse_csv(path, text.str());
  if (!records) return std::unexpected(records.error());
  if (records->empty()) return csv_error(path, 1, "no header row naming the attributes");
  const Db db = database.db();
  auto columns = header_columns(path, records->front(), db);
  if (!columns) return std::unexpected(columns.error());

  // Every row typed before anything is written.
  std::vector<Value> entities;
  entities.reserve(records->size() - 1);
  for (std::size_t r = 1; r < records->size(); ++r) {
    const Record& record = (*records)[r];
    if (record.fields.size() != columns->size())
      return csv_error(path, record.line, "the row has " + std::to_string(record.fields.size()) +
                                              " fields but the header names " + std::to_string(columns->size()));
    std::vector<std::pair<Value, Value>> entries;
    for (std::size_t c = 0; c < columns->size(); ++c) {
      const Field& field = record.fields[c];
      if (field.text.empty()) continue;
      const Column& column = (*columns)[c];
      auto v = cell_value(column, field.text);
      if (!v)
        return csv_error(path, field.line, "column " + std::to_string(c + 1) + " (:" + column.attr.qualified() +
                                               "): " + v.error().message);
      entries.emplace_back(Value(column.attr), std::move(*v));
    }
    if (entries.empty()) continue;  // a row of empty cells says nothing
    Map m;
    (void)make_map(std::move(entries), m);  // header names are distinct
    entities.emplace_back(std::move(m));
  }

  ImportSummary summary;
  const std::size_t batch = std::max<std::size_t>(options.batch_size, 1);
  for (std::size_t begin = 0; begin < entities.size(); begin += batch) {
    if (options.cancel && options.cancel->load())
      return fail(ErrorCode::QueryCancelled, "import of " + path + " interrupted after " +
                                                 std::to_string(summary.transactions) + " transactions");
    std::size_t end = std::min(entities.size(), begin + batch);
    auto report = database.transact(Value(Vector{std::vector<Value>(entities.begin() + begin, entities.begin() + end)}));
    if (!report)
      return fail(report.error().code, "transaction " + std::to_string(summary.transactions + 1) + " of " + path +
                                           " (entities " + std::to_string(begin + 1) + " to " + std::to_string(end) +
                                           ") failed (" + std::to_string(summary.transactions) +
                                           " committed before it): " + report.error().message);
    ++summary.transactions;
    summary.datoms += report->datoms.size();
    if (options.progress) options.progress(end, entities.size());
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace quarry::repl
