#include "api/import_cells.hpp"

#include <charconv>

namespace quarry::import_detail {
namespace {

template <class T>
std::optional<T> whole_number(std::string_view s) {
  T out{};
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return out;
}

Result<Value> read_tagged(std::string_view tag, std::string_view text) {
  return read_edn("#" + std::string(tag) + " " + to_edn(Value(std::string(text))));
}

// An entity: a positive long is its id, other text a tempid.
Result<Value> entity_text(std::string_view text, const char* what) {
  if (auto n = whole_long(text)) {
    if (*n <= 0)
      return fail(ErrorCode::InvalidArgument,
                  to_edn(Value(std::string(text))) + " is not " + what + " (a positive long, or a tempid)");
    return Value(*n);
  }
  if (text == "datomic.tx")
    return fail(ErrorCode::InvalidArgument, "\"datomic.tx\" names the transaction, not " + std::string(what));
  return Value(std::string(text));
}

}  // namespace

std::size_t split_cell(std::string_view text, char separator, std::vector<std::string_view>& out,
                       std::string& scratch) {
  out.clear();
  const char special[] = {separator, '\\'};
  if (separator == '\0' || text.find_first_of(std::string_view(special, 2)) == std::string_view::npos) {
    if (!text.empty()) out.push_back(text);
    return out.size();
  }
  // Unescaped into `scratch`, which never grows past text.size(): the views stay valid.
  scratch.clear();
  scratch.reserve(text.size());
  std::size_t begin = 0;
  auto close = [&] {
    if (scratch.size() > begin) out.push_back(std::string_view(scratch).substr(begin));
    begin = scratch.size();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size() && (text[i + 1] == separator || text[i + 1] == '\\')) {
      scratch.push_back(text[++i]);
    } else if (c == separator) {
      close();
    } else {
      scratch.push_back(c);
    }
  }
  close();
  return out.size();
}

std::optional<std::int64_t> whole_long(std::string_view text) { return whole_number<std::int64_t>(text); }
std::optional<double> whole_double(std::string_view text) { return whole_number<double>(text); }

std::optional<Keyword> attribute_name(std::string_view text) {
  if (text.starts_with(':')) text.remove_prefix(1);
  while (text.ends_with(' ')) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  auto k = read_edn(":" + std::string(text));
  // The whole text must be the keyword: EDN would read "name;age" as :name and a comment.
  if (!k || !k->is<Keyword>() || k->as<Keyword>().qualified() != text) return std::nullopt;
  return k->as<Keyword>();
}

ImportAttr import_attr(const index::Schema& schema, Keyword attr) {
  ImportAttr out{std::move(attr)};
  if (out.attr.ns == "db" && out.attr.name == "id") {
    out.is_id = true;
    return out;
  }
  if (const index::AttrSchema* a = schema.find(out.attr)) {
    out.type = a->type;
    out.many = a->many;
  }
  return out;
}

Result<Value> text_value(const ImportAttr& attr, std::string_view text, Untyped untyped) {
  using index::ValueType;
  auto wrong = [&](std::string_view what) {
    return fail(ErrorCode::InvalidArgument, to_edn(Value(std::string(text))) + " is not " + std::string(what));
  };
  if (attr.is_id) return entity_text(text, "an entity id");
  switch (attr.type) {
    case ValueType::Any:
      if (untyped == Untyped::Number) {
        if (auto n = whole_long(text)) return Value(*n);
        if (auto d = whole_double(text)) return Value(*d);
      }
      return Value(std::string(text));
    case ValueType::String:
      return Value(std::string(text));
    case ValueType::Long:
      if (auto n = whole_long(text)) return Value(*n);
      return wrong("a long");
    case ValueType::Double:
      if (auto d = whole_double(text)) return Value(*d);
      return wrong("a double");
    case ValueType::Boolean:
      if (text == "true") return Value(true);
      if (text == "false") return Value(false);
      return wrong("a boolean (true or false)");
    case ValueType::Keyword: {
      auto k = attribute_name(text);
      if (!k) return wrong("a keyword");
      return Value(std::move(*k));
    }
    case ValueType::Instant:
      if (auto v = read_tagged("inst", text)) return *v;
      return wrong("an instant (e.g. 2024-01-31 or 2024-01-31T10:00:00Z)");
    case ValueType::Uuid:
      if (auto v = read_tagged("uuid", text)) return *v;
      return wrong("a uuid");
    case ValueType::Ref: {
      if (!text.starts_with('[')) return entity_text(text, "an entity");
      auto v = read_edn(text);
      if (!v || !v->is<Vector>() || v->as<Vector>().items.size() != 2 || !v->as<Vector>().items[0].is<Keyword>())
        return wrong("an entity id, a lookup ref [:attr value] or a tempid");
      return *v;
    }
    case ValueType::Symbol:
    case ValueType::Bytes:
    case ValueType::Tuple:
      break;
  }
  auto v = read_edn(text);
  if (!v) {
    auto name = index::value_type_keyword(attr.type);
    return wrong("EDN for :" + (name ? name->qualified() : std::string("db.type/?")));
  }
  return *v;
}

}  // namespace quarry::import_detail
