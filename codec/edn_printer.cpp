#include "codec/edn_printer.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

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

// #tag "text", for the built-in literals whose payload is a string.
template <class AppendText>
void append_tagged_text(std::string& out, const char* tag, AppendText append_text) {
  out += tag;
  out += " \"";
  append_text(out);
  out += '"';
}

// Every kind except the collections and tagged literals, which append_edn walks itself.
void append_scalar(std::string& out, const Value& value) {
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
    case ValueKind::List:
    case ValueKind::Map:
    case ValueKind::Set:
    case ValueKind::Tagged:
      return;  // walked by append_edn
  }
}

const std::vector<Value>* sequence_items(const Value& v) {
  if (auto* x = v.get_if<Vector>()) return &x->items;
  if (auto* x = v.get_if<List>()) return &x->items;
  if (auto* x = v.get_if<Set>()) return &x->items;
  return nullptr;
}

// A collection being printed and the position of its next child (for a map, 2*entry + 0 for the
// key, + 1 for the value).
struct Frame {
  const Value* value;
  std::size_t next = 0;
};

// Appends a scalar, or the opening of a collection and pushes its frame.
void open_value(std::string& out, const Value& value, std::vector<Frame>& stack) {
  switch (value.kind()) {
    case ValueKind::Vector: out += '['; break;
    case ValueKind::List: out += '('; break;
    case ValueKind::Set: out += "#{"; break;
    case ValueKind::Map: out += '{'; break;
    case ValueKind::Tagged:
      out += '#';
      append_name(out, value.as<Tagged>().tag);
      out += ' ';
      break;
    default: return append_scalar(out, value);
  }
  stack.push_back(Frame{&value});
}

}  // namespace

// Iterative: an explicit stack of frames instead of one call per nesting level.
void append_edn(std::string& out, const Value& value) {
  static const Value nil;
  std::vector<Frame> stack;
  open_value(out, value, stack);
  while (!stack.empty()) {
    Frame& frame = stack.back();
    const Value& v = *frame.value;
    const Value* child = nullptr;
    if (const std::vector<Value>* items = sequence_items(v)) {
      if (frame.next < items->size()) {
        if (frame.next > 0) out += ' ';
        child = &(*items)[frame.next++];
      } else {
        out += v.kind() == ValueKind::Vector ? ']' : v.kind() == ValueKind::List ? ')' : '}';
      }
    } else if (const Map* map = v.get_if<Map>()) {
      if (frame.next < 2 * map->entries.size()) {
        std::size_t at = frame.next++;
        const auto& entry = map->entries[at / 2];
        if (at % 2 == 0) {
          if (at > 0) out += ", ";
          child = &entry.first;
        } else {
          out += ' ';
          child = &entry.second;
        }
      } else {
        out += '}';
      }
    } else if (frame.next == 0) {  // Tagged
      frame.next = 1;
      const Tagged& t = v.as<Tagged>();
      child = t.value ? t.value.get() : &nil;
    }
    if (child) {
      open_value(out, *child, stack);  // may reallocate the stack: `frame` is not used after
    } else {
      stack.pop_back();
    }
  }
}

std::string to_edn(const Value& value) {
  std::string out;
  append_edn(out, value);
  return out;
}

}  // namespace quarry
