#include "codec/edn_printer.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "codec/edn_literals.hpp"
#include "codec/edn_string.hpp"

namespace quarry {
namespace {

template <class Integer>
void append_integer(std::string& out, Integer n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

void append_double(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "##NaN";
  } else if (std::isinf(d)) {
    out += d > 0 ? "##Inf" : "##-Inf";
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
    std::string_view text(buf, static_cast<std::size_t>(end - buf));
    out += text;
    if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
  }
}

void append_char(std::string& out, char32_t c) {
  static constexpr std::pair<char32_t, const char*> kNamed[] = {
      {U'\n', "newline"}, {U' ', "space"},     {U'\t', "tab"},
      {U'\r', "return"},  {U'\f', "formfeed"}, {U'\b', "backspace"},
  };
  out += '\\';
  for (auto [code, name] : kNamed)
    if (c == code) {
      out += name;
      return;
    }
  if (c > 0x20 && c < 0x7f) {
    out += static_cast<char>(c);
    return;
  }
  char buf[8];
  std::snprintf(buf, sizeof buf, "u%04x", static_cast<unsigned>(c <= 0xFFFF ? c : 0xFFFD));
  out += buf;
}

template <class Named>
void append_name(std::string& out, const Named& n) {
  if (!n.ns.empty()) {
    out += n.ns;
    out += '/';
  }
  out += n.name;
}

template <class Items>
void append_items(std::string& out, char open, const Items& items, char close) {
  out += open;
  bool first = true;
  for (const Value& item : items) {
    if (!first) out += ' ';
    first = false;
    append_edn(out, item);
  }
  out += close;
}

void append_map(std::string& out, const Map& map) {
  out += '{';
  bool first = true;
  for (const auto& [key, value] : map.entries) {
    if (!first) out += ", ";
    first = false;
    append_edn(out, key);
    out += ' ';
    append_edn(out, value);
  }
  out += '}';
}

// #tag "text", for the built-in literals whose payload is a string.
template <class AppendText>
void append_tagged_text(std::string& out, const char* tag, AppendText append_text) {
  out += tag;
  out += " \"";
  append_text(out);
  out += '"';
}

}  // namespace

void append_edn(std::string& out, const Value& value) {
  switch (value.kind()) {
    case ValueKind::Nil:
      out += "nil";
      return;
    case ValueKind::Boolean:
      out += value.as<bool>() ? "true" : "false";
      return;
    case ValueKind::Long:
      append_integer(out, value.as<std::int64_t>());
      return;
    case ValueKind::Double:
      append_double(out, value.as<double>());
      return;
    case ValueKind::BigInt:
      out += value.as<BigInt>().digits;
      out += 'N';
      return;
    case ValueKind::BigDec:
      out += value.as<BigDec>().text;
      out += 'M';
      return;
    case ValueKind::Instant:
      append_tagged_text(
          out, "#inst", [&](std::string& o) { edn_literals::append_inst(o, value.as<Instant>()); });
      return;
    case ValueKind::Uuid:
      append_tagged_text(out, "#uuid",
                         [&](std::string& o) { edn_literals::append_uuid(o, value.as<Uuid>()); });
      return;
    case ValueKind::Char:
      append_char(out, value.as<Char>().code_point);
      return;
    case ValueKind::String:
      append_edn_string(out, value.as<std::string>());
      return;
    case ValueKind::Keyword:
      out += ':';
      append_name(out, value.as<Keyword>());
      return;
    case ValueKind::Symbol:
      append_name(out, value.as<Symbol>());
      return;
    case ValueKind::Ref:
      append_integer(out, value.as<EntityId>().value);
      return;
    case ValueKind::Bytes:
      append_tagged_text(out, "#bytes", [&](std::string& o) {
        edn_literals::append_base64(o, value.as<Bytes>().data);
      });
      return;
    case ValueKind::Vector:
      append_items(out, '[', value.as<Vector>().items, ']');
      return;
    case ValueKind::List:
      append_items(out, '(', value.as<List>().items, ')');
      return;
    case ValueKind::Map:
      append_map(out, value.as<Map>());
      return;
    case ValueKind::Set:
      out += '#';
      append_items(out, '{', value.as<Set>().items, '}');
      return;
    case ValueKind::Tagged: {
      const Tagged& t = value.as<Tagged>();
      out += '#';
      append_name(out, t.tag);
      out += ' ';
      append_edn(out, t.value ? *t.value : Value());
      return;
    }
  }
}

std::string to_edn(const Value& value) {
  std::string out;
  append_edn(out, value);
  return out;
}

}  // namespace quarry
