#include "api/import_csv.hpp"

#include <algorithm>

namespace quarry::import_detail {
namespace {

constexpr std::size_t kChunk = std::size_t{1} << 20;

}  // namespace

CsvSource::CsvSource(std::istream& in, std::string name, std::shared_ptr<const index::Schema> schema,
                     char field_separator, char separator)
    : in_(in), name_(std::move(name)), schema_(std::move(schema)), field_separator_(field_separator),
      separator_(separator) {}

std::unexpected<Error> CsvSource::error(std::size_t line, const std::string& message) const {
  return std::unexpected(Error{ErrorCode::InvalidArgument, name_ + " line " + std::to_string(line) + ": " + message});
}

std::string CsvSource::separator_name() const {
  if (field_separator_ == ',') return "a comma";
  if (field_separator_ == '\t') return "a tab";
  return std::string("the separator '") + field_separator_ + "'";
}

int CsvSource::peek() {
  if (pos_ == buffer_.size()) {
    if (eof_) return -1;
    buffer_.resize(kChunk);
    in_.read(buffer_.data(), static_cast<std::streamsize>(kChunk));
    const auto got = static_cast<std::size_t>(in_.gcount());
    buffer_.resize(got);
    pos_ = 0;
    bytes_read_ += got;
    if (in_.bad()) io_error_ = true;
    if (got < kChunk || in_.bad()) eof_ = true;
    if (got == 0) return -1;
  }
  return static_cast<unsigned char>(buffer_[pos_]);
}

int CsvSource::get() {
  int c = peek();
  if (c >= 0) ++pos_;
  if (c == '\n') ++line_;
  return c;
}

Result<bool> CsvSource::read_record() {
  fields_used_ = 0;
  if (peek() < 0) {
    if (io_error_) return fail(ErrorCode::StorageIo, "cannot read " + name_ + ": a read failed");
    return false;
  }
  record_line_ = line_;
  for (;;) {  // one field per turn
    if (fields_used_ == fields_.size()) fields_.emplace_back();
    Field& field = fields_[fields_used_];
    field.text.clear();
    field.line = line_;
    int c = peek();
    if (c == '"') {
      const std::size_t open_line = line_;
      get();
      for (;;) {
        c = get();
        if (c < 0) return error(open_line, "a quoted field is not closed");
        if (c == '"') {
          if (peek() == '"') {
            get();
            field.text.push_back('"');
            continue;
          }
          break;
        }
        field.text.push_back(static_cast<char>(c));
      }
      c = peek();
      if (c >= 0 && c != field_separator_ && c != '\n' && c != '\r')
        return error(line_, "a quoted field must end at " + separator_name() + " or the end of the line (column " +
                                std::to_string(fields_used_ + 1) + ")");
    } else {
      // Up to the next separator, line end or quote, a buffer at a time (no line break is inside).
      while (peek() >= 0) {
        const char* begin = buffer_.data() + pos_;
        const char* end = buffer_.data() + buffer_.size();
        const char* p = begin;
        while (p < end && *p != field_separator_ && *p != '\n' && *p != '\r' && *p != '"') ++p;
        field.text.append(begin, p);
        pos_ += static_cast<std::size_t>(p - begin);
        if (p < end) break;
      }
      if (peek() == '"')
        return error(line_, "a quote inside an unquoted field (column " + std::to_string(fields_used_ + 1) +
                                "); quote the whole field and double the quote");
    }
    ++fields_used_;
    c = get();
    if (c == field_separator_) continue;
    if (c == '\r') {
      if (peek() == '\n') get();
      else ++line_;  // a lone CR ends the line too
    }
    if (io_error_) return fail(ErrorCode::StorageIo, "cannot read " + name_ + ": a read failed");
    return true;
  }
}

Result<void> CsvSource::read_header() {
  header_read_ = true;
  if (peek() >= 0 && std::string_view(buffer_).substr(pos_).starts_with("\xEF\xBB\xBF")) pos_ += 3;
  Result<bool> got = false;
  do {
    got = read_record();
    if (!got) return std::unexpected(got.error());
  } while (*got && fields_used_ == 1 && fields_[0].text.empty());
  if (!*got) return error(1, "no header row naming the attributes");
  for (std::size_t c = 0; c < fields_used_; ++c) {
    auto attr = attribute_name(fields_[c].text);
    if (!attr) {
      std::string message = "column " + std::to_string(c + 1) + " of the header, " + to_edn(Value(fields_[c].text)) +
                            ", is not an attribute name";
      // A header of one field holding a tab or a semicolon: most likely another separator.
      for (char other : {'\t', ';'})
        if (fields_used_ == 1 && other != field_separator_ && fields_[c].text.find(other) != std::string::npos)
          message += std::string("; if the fields are separated by ") + (other == '\t' ? "tabs" : "semicolons") +
                     ", say so (.import FILE :separator " + (other == '\t' ? "\"\\t\"" : "\";\"") +
                     ", ImportOptions::csv_separator)";
      return error(record_line_, message);
    }
    for (const ImportAttr& earlier : columns_)
      if (earlier.attr == *attr) return error(record_line_, "the header names :" + attr->qualified() + " twice");
    columns_.push_back(import_attr(*schema_, std::move(*attr)));
    has_refs_ = has_refs_ || (columns_.back().type == index::ValueType::Ref && !columns_.back().is_id);
    keys_.emplace_back(columns_.back().attr);
  }
  cells_.assign(columns_.size(), Value());
  key_order_.resize(columns_.size());
  for (std::size_t c = 0; c < key_order_.size(); ++c) key_order_[c] = c;
  std::sort(key_order_.begin(), key_order_.end(),
            [&](std::size_t x, std::size_t y) { return compare(keys_[x], keys_[y]) < 0; });
  return {};
}

void CsvSource::note_tempids(TempidCheck& check) {
  if (fields_used_ != columns_.size()) return;  // the importing pass reports it
  std::size_t filled = 0;
  for (std::size_t c = 0; c < fields_used_; ++c) filled += fields_[c].text.empty() ? 0 : 1;
  for (std::size_t c = 0; c < fields_used_; ++c) {
    const std::string& text = fields_[c].text;
    const ImportAttr& column = columns_[c];
    const bool reverse = column.attr.name.starts_with('_');
    if (text.empty() || (!column.is_id && !reverse && column.type != index::ValueType::Ref)) continue;
    split_cell(text, separator_, values_, unescaped_);
    for (std::string_view value : values_) {
      if (!tempid_text(value)) continue;
      if (column.is_id) {
        if (filled > 1) check.define(value);
      } else if (reverse) {
        check.define(value);  // a reverse attribute's value is the e of the datom it asserts
      } else {
        check.refer(value, fields_[c].line,
                    [&] { return "column " + std::to_string(c + 1) + " (:" + column.attr.qualified() + ")"; });
      }
    }
  }
}

void CsvSource::rewind(std::streampos start) {
  in_.clear();
  in_.seekg(start);
  buffer_.clear();
  pos_ = 0;
  eof_ = io_error_ = false;
  bytes_read_ = 0;
  line_ = 1;
  fields_used_ = 0;
  columns_.clear();
  keys_.clear();
  header_read_ = has_refs_ = false;
}

Result<void> CsvSource::check_tempids() {
  const std::streampos start = in_.tellg();
  if (start == std::streampos(-1)) {
    check_as_read_.emplace();
    return {};
  }
  if (auto header = read_header(); !header) return header;
  if (!has_refs_) {
    rewind(start);
    return {};
  }
  TempidCheck check;
  for (;;) {
    auto got = read_record();
    if (!got) return std::unexpected(got.error());
    if (!*got) break;
    note_tempids(check);
  }
  if (auto checked = check.finish(name_, "row"); !checked) return checked;
  rewind(start);
  if (!in_) return fail(ErrorCode::StorageIo, "cannot read " + name_ + " again after checking its tempids");
  return {};
}

Result<std::optional<Value>> CsvSource::row_map() {
  if (fields_used_ != columns_.size())
    return error(record_line_, "the row has " + std::to_string(fields_used_) + " fields but the header names " +
                                   std::to_string(columns_.size()));
  // Typed left to right (the first bad cell is the one reported), put in the map in key order
  // (make_map then has nothing to sort).
  for (Value& cell : cells_) cell = Value();
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    const Field& field = fields_[c];
    if (field.text.empty()) continue;
    const ImportAttr& column = columns_[c];
    auto where = [&] { return "column " + std::to_string(c + 1) + " (:" + column.attr.qualified() + "): "; };
    const std::size_t n = split_cell(field.text, separator_, values_, unescaped_);
    if (n == 0) continue;
    if (n > 1 && !column.many)
      return error(field.line, where() + std::to_string(n) + " values separated by '" + separator_ + "', but :" +
                                   column.attr.qualified() + " is cardinality one (write \\" + separator_ +
                                   " for a '" + separator_ + "' inside a value)");
    if (n == 1) {
      auto v = text_value(column, values_[0], Untyped::Number);
      if (!v) return error(field.line, where() + v.error().message);
      cells_[c] = std::move(*v);
      continue;
    }
    std::vector<Value> values;  // a cardinality-many attribute's values, as a vector in tx-data
    values.reserve(n);
    for (std::string_view text : values_) {
      auto v = text_value(column, text, Untyped::Number);
      if (!v) return error(field.line, where() + v.error().message);
      values.push_back(std::move(*v));
    }
    cells_[c] = Value(Vector{std::move(values)});
  }
  std::vector<std::pair<Value, Value>> entries;
  for (std::size_t c : key_order_)
    if (!cells_[c].is_nil()) {
      if (entries.empty()) entries.reserve(columns_.size());
      entries.emplace_back(keys_[c], std::move(cells_[c]));
    }
  if (entries.empty()) return std::optional<Value>();  // a row of empty cells says nothing
  Map m;
  (void)make_map(std::move(entries), m);  // the header's names are distinct
  return std::optional<Value>(Value(std::move(m)));
}

Result<std::optional<RowSource::Row>> CsvSource::next_row() {
  if (!header_read_)
    if (auto header = read_header(); !header) return std::unexpected(header.error());
  for (;;) {
    auto got = read_record();
    if (!got) return std::unexpected(got.error());
    if (!*got) {
      if (check_as_read_)
        if (auto checked = check_as_read_->finish(name_, "row"); !checked) return std::unexpected(checked.error());
      return std::optional<Row>();
    }
    if (fields_used_ == 1 && fields_[0].text.empty()) continue;  // a blank line
    if (check_as_read_ && has_refs_) note_tempids(*check_as_read_);
    auto row = row_map();
    if (!row) return std::unexpected(row.error());
    if (*row) return Row{std::move(**row), record_line_};
  }
}

}  // namespace quarry::import_detail
