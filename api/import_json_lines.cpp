#include "api/import_json_lines.hpp"

namespace quarry::import_detail {
namespace {

std::unexpected<Error> invalid(std::string message) {
  return std::unexpected(Error{ErrorCode::InvalidArgument, std::move(message)});
}

bool integral_text(const std::string& number) { return number.find_first_of(".eE") == std::string::npos; }

// A tuple element, or a lookup ref's value when its attribute is not typed: JSON's own types.
Result<Value> plain_value(const Json& v) {
  switch (v.kind) {
    case Json::Kind::Null: return Value();
    case Json::Kind::Boolean: return Value(v.boolean);
    case Json::Kind::String: return Value(v.text);
    case Json::Kind::Number:
      if (integral_text(v.text))
        if (auto n = whole_long(v.text)) return Value(*n);
      if (auto d = whole_double(v.text)) return Value(*d);
      return invalid(v.text + " is not a number Quarry can hold");
    case Json::Kind::Array: {
      std::vector<Value> items;
      for (const Json& item : v.items) {
        auto x = plain_value(item);
        if (!x) return x;
        items.push_back(std::move(*x));
      }
      return Value(Vector{std::move(items)});
    }
    case Json::Kind::Object:
      break;
  }
  return invalid("an object is only a ref attribute's value (a nested entity)");
}

}  // namespace

JsonLinesSource::JsonLinesSource(std::istream& in, std::string name, std::shared_ptr<const index::Schema> schema)
    : in_(in), name_(std::move(name)), schema_(std::move(schema)) {}

Result<const ImportAttr*> JsonLinesSource::attr_of(const std::string& key) {
  if (auto found = attrs_.find(key); found != attrs_.end()) return &found->second;
  auto attr = attribute_name(key);
  if (!attr) return invalid("the key " + to_edn(Value(key)) + " is not an attribute name");
  return &attrs_.emplace(key, import_attr(*schema_, std::move(*attr))).first->second;
}

Result<Value> JsonLinesSource::single_value(const ImportAttr& attr, const Json& v) {
  using index::ValueType;
  auto wrong = [&](const std::string& what) {
    return invalid(std::string(json_kind_name(v.kind)) + (v.kind == Json::Kind::Number ? " " + v.text : "") +
                   " is not " + what);
  };
  switch (v.kind) {
    case Json::Kind::Null:
      return wrong("a value (null only stands for a missing key)");
    case Json::Kind::String:
      return text_value(attr, v.text, Untyped::Text);
    case Json::Kind::Boolean:
      if (attr.is_id || (attr.type != ValueType::Any && attr.type != ValueType::Boolean))
        return wrong("a value of this attribute");
      return Value(v.boolean);
    case Json::Kind::Number:
      if (attr.is_id || attr.type == ValueType::Ref) {
        auto n = integral_text(v.text) ? whole_long(v.text) : std::nullopt;
        if (!n || *n <= 0) return wrong("an entity id (a positive integer)");
        return Value(*n);
      }
      if (attr.type == ValueType::Long) {
        auto n = integral_text(v.text) ? whole_long(v.text) : std::nullopt;
        if (!n) return wrong("a long");
        return Value(*n);
      }
      if (attr.type == ValueType::Double) {
        if (auto d = whole_double(v.text)) return Value(*d);
        return wrong("a double");
      }
      if (attr.type == ValueType::Any) return plain_value(v);
      return wrong("a value of this attribute (:db.type/" +
                   (index::value_type_keyword(attr.type) ? index::value_type_keyword(attr.type)->name : "?") +
                   ")");
    case Json::Kind::Array:
      if (attr.type == ValueType::Tuple) return plain_value(v);
      if (attr.type == ValueType::Ref && !attr.is_id) {
        if (v.items.size() != 2 || v.items[0].kind != Json::Kind::String)
          return wrong("a lookup ref [\"attr\", value]");
        auto ref_attr = attr_of(v.items[0].text);
        if (!ref_attr) return std::unexpected(ref_attr.error());
        auto x = single_value(**ref_attr, v.items[1]);
        if (!x) return x;
        return Value(Vector{{Value((*ref_attr)->attr), std::move(*x)}});
      }
      return wrong("a value of this attribute (an array is the values of a cardinality-many attribute, a "
                   "lookup ref or a tuple)");
    case Json::Kind::Object:
      if (attr.type == ValueType::Ref && !attr.is_id) {
        auto nested = entity(v);
        if (!nested) return std::unexpected(nested.error());
        if (!*nested) return wrong("an entity (it has no attributes)");
        return std::move(**nested);
      }
      return wrong("a value of this attribute (an object is a ref attribute's nested entity)");
  }
  return wrong("a value");
}

Result<Value> JsonLinesSource::attr_value(const ImportAttr& attr, const Json& v) {
  if (v.kind != Json::Kind::Array || !attr.many) return single_value(attr, v);
  std::vector<Value> values;
  values.reserve(v.items.size());
  for (const Json& item : v.items) {
    auto x = single_value(attr, item);
    if (!x) return x;
    values.push_back(std::move(*x));
  }
  return Value(Vector{std::move(values)});
}

Result<std::optional<Value>> JsonLinesSource::entity(const Json& object) {
  std::vector<std::pair<Value, Value>> entries;
  entries.reserve(object.members.size());
  for (const auto& [key, v] : object.members) {
    auto attr = attr_of(key);
    if (!attr) return std::unexpected(attr.error());
    for (const auto& [k, unused] : entries)
      if (k.as<Keyword>() == (*attr)->attr)
        return invalid("the object names :" + (*attr)->attr.qualified() + " twice");
    if (v.kind == Json::Kind::Null) {
      entries.emplace_back(Value((*attr)->attr), Value());  // held only to catch a repeat
      continue;
    }
    auto x = attr_value(**attr, v);
    if (!x) return invalid("the key " + to_edn(Value(key)) + " (column " + std::to_string(v.column) + "): " +
                           x.error().message);
    entries.emplace_back(Value((*attr)->attr), std::move(*x));
  }
  std::erase_if(entries, [](const auto& e) { return e.second.is_nil(); });
  if (entries.empty()) return std::optional<Value>();
  Map m;
  (void)make_map(std::move(entries), m);  // keys are distinct
  return std::optional<Value>(Value(std::move(m)));
}

Result<std::optional<std::string_view>> JsonLinesSource::next_line() {
  for (;;) {
    if (!std::getline(in_, line_text_)) {
      if (in_.bad()) return fail(ErrorCode::StorageIo, "cannot read " + name_ + ": a read failed");
      return std::optional<std::string_view>();
    }
    ++line_;
    bytes_read_ += line_text_.size() + (in_.eof() ? 0 : 1);
    std::string_view text = line_text_;
    if (line_ == 1 && text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    if (text.ends_with('\r')) text.remove_suffix(1);
    if (text.find_first_not_of(" \t") == std::string_view::npos) continue;
    return std::optional<std::string_view>(text);
  }
}

Result<Json> JsonLinesSource::object_line(std::string_view text) const {
  const std::string at = name_ + " line " + std::to_string(line_);
  auto json = parse_json(text);
  if (!json) return invalid(at + ", " + json.error().message);
  if (json->kind != Json::Kind::Object)
    return invalid(at + ": a line must be one JSON object (one entity), not " + json_kind_name(json->kind));
  return json;
}

void JsonLinesSource::note_tempids(const Json& object, TempidCheck& check) {
  bool has_value = false;
  const Json* id = nullptr;
  for (const auto& [key, v] : object.members) {
    auto attr = attr_of(key);
    if (!attr) continue;  // the importing pass reports it
    const ImportAttr& a = **attr;
    if (a.is_id) {
      id = &v;
      continue;
    }
    has_value = has_value || v.kind != Json::Kind::Null;
    const bool reverse = a.attr.name.starts_with('_');
    if (!reverse && a.type != index::ValueType::Ref) continue;
    auto one = [&](const Json& x) {
      if (x.kind == Json::Kind::Object) {
        note_tempids(x, check);
      } else if (x.kind == Json::Kind::String && tempid_text(x.text)) {
        if (reverse) check.define(x.text);
        else check.refer(x.text, line_, [&] { return "the key " + to_edn(Value(key)); });
      }
    };
    if (v.kind == Json::Kind::Array && (a.many || reverse)) {
      for (const Json& item : v.items) one(item);
    } else if (v.kind != Json::Kind::Array) {
      one(v);  // an array for a cardinality-one ref is a lookup ref
    }
  }
  if (id && has_value && id->kind == Json::Kind::String && tempid_text(id->text)) check.define(id->text);
}

Result<void> JsonLinesSource::check_tempids() {
  const std::streampos start = in_.tellg();
  if (start == std::streampos(-1)) {
    check_as_read_.emplace();
    return {};
  }
  // Without a user's ref attribute no value is a tempid (:db/... refs are the system's own).
  bool refs = false;
  for (const index::AttrSchema& a : schema_->attrs())
    refs = refs || (a.is_ref() && a.ident.ns != "db" && !a.ident.ns.starts_with("db."));
  if (!refs) return {};
  TempidCheck check;
  for (;;) {
    auto text = next_line();
    if (!text) return std::unexpected(text.error());
    if (!*text) break;
    auto json = object_line(**text);
    if (!json) return std::unexpected(json.error());
    note_tempids(*json, check);
  }
  if (auto checked = check.finish(name_, "line"); !checked) return checked;
  in_.clear();
  in_.seekg(start);
  line_ = 0;
  bytes_read_ = 0;
  if (!in_) return fail(ErrorCode::StorageIo, "cannot read " + name_ + " again after checking its tempids");
  return {};
}

Result<std::optional<RowSource::Row>> JsonLinesSource::next_row() {
  for (;;) {
    auto text = next_line();
    if (!text) return std::unexpected(text.error());
    if (!*text) {
      if (check_as_read_)
        if (auto checked = check_as_read_->finish(name_, "line"); !checked) return std::unexpected(checked.error());
      return std::optional<Row>();
    }
    auto json = object_line(**text);
    if (!json) return std::unexpected(json.error());
    if (check_as_read_) note_tempids(*json, *check_as_read_);
    auto row = entity(*json);
    if (!row) return invalid(name_ + " line " + std::to_string(line_) + ": " + row.error().message);
    if (*row) return Row{std::move(**row), line_};
  }
}

}  // namespace quarry::import_detail
