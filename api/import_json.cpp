#include "api/import_json.hpp"

#include <cstdint>

namespace quarry::import_detail {
namespace {

class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}

  Result<Json> document() {
    skip_blank();
    auto v = value(0);
    if (!v) return v;
    skip_blank();
    if (i_ < text_.size()) return error("the value ends here; found " + found());
    return v;
  }

 private:
  std::unexpected<Error> error(const std::string& message) const {
    return std::unexpected(Error{ErrorCode::InvalidArgument, "column " + std::to_string(i_ + 1) + ": " + message});
  }
  std::string found() const {
    if (i_ >= text_.size()) return "the end of the line";
    const unsigned char c = static_cast<unsigned char>(text_[i_]);
    if (c < 0x20 || c >= 0x7F) return "byte " + std::to_string(c);
    return std::string("'") + static_cast<char>(c) + "'";
  }
  void skip_blank() {
    while (i_ < text_.size() && (text_[i_] == ' ' || text_[i_] == '\t' || text_[i_] == '\n' || text_[i_] == '\r'))
      ++i_;
  }
  bool literal(std::string_view word) {
    if (text_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  Result<Json> value(std::size_t depth) {
    if (depth >= kMaxJsonDepth) return error("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    Json out;
    out.column = i_ + 1;
    if (i_ >= text_.size()) return error("expected a value; found the end of the line");
    const char c = text_[i_];
    if (c == '{') return object(std::move(out), depth);
    if (c == '[') return array(std::move(out), depth);
    if (c == '"') {
      out.kind = Json::Kind::String;
      if (auto s = string(out.text); !s) return std::unexpected(s.error());
      return out;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      out.kind = Json::Kind::Number;
      if (auto n = number(out.text); !n) return std::unexpected(n.error());
      return out;
    }
    if (literal("true") || literal("false")) {
      out.kind = Json::Kind::Boolean;
      out.boolean = c == 't';
      return out;
    }
    if (literal("null")) return out;
    return error("expected a value (an object, array, string, number, true, false or null); found " + found());
  }

  Result<Json> object(Json out, std::size_t depth) {
    out.kind = Json::Kind::Object;
    ++i_;
    skip_blank();
    if (literal("}")) return out;
    for (;;) {
      skip_blank();
      if (i_ >= text_.size() || text_[i_] != '"') return error("expected a key (a string); found " + found());
      std::string key;
      if (auto s = string(key); !s) return std::unexpected(s.error());
      skip_blank();
      if (!literal(":")) return error("expected ':' after the key; found " + found());
      skip_blank();
      auto v = value(depth + 1);
      if (!v) return v;
      out.members.emplace_back(std::move(key), std::move(*v));
      skip_blank();
      if (literal(",")) continue;
      if (literal("}")) return out;
      return error("expected ',' or '}' in the object; found " + found());
    }
  }

  Result<Json> array(Json out, std::size_t depth) {
    out.kind = Json::Kind::Array;
    ++i_;
    skip_blank();
    if (literal("]")) return out;
    for (;;) {
      skip_blank();
      auto v = value(depth + 1);
      if (!v) return v;
      out.items.push_back(std::move(*v));
      skip_blank();
      if (literal(",")) continue;
      if (literal("]")) return out;
      return error("expected ',' or ']' in the array; found " + found());
    }
  }

  // -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
  Result<void> number(std::string& out) {
    const std::size_t start = i_;
    auto digits = [&] {
      const std::size_t from = i_;
      while (i_ < text_.size() && text_[i_] >= '0' && text_[i_] <= '9') ++i_;
      return i_ - from;
    };
    if (text_[i_] == '-') ++i_;
    if (i_ < text_.size() && text_[i_] == '0') {
      ++i_;
      if (i_ < text_.size() && text_[i_] >= '0' && text_[i_] <= '9') return error("a number cannot start with 0");
    } else if (digits() == 0) {
      return error("expected digits; found " + found());
    }
    if (i_ < text_.size() && text_[i_] == '.') {
      ++i_;
      if (digits() == 0) return error("expected digits after the decimal point; found " + found());
    }
    if (i_ < text_.size() && (text_[i_] == 'e' || text_[i_] == 'E')) {
      ++i_;
      if (i_ < text_.size() && (text_[i_] == '+' || text_[i_] == '-')) ++i_;
      if (digits() == 0) return error("expected digits in the exponent; found " + found());
    }
    out.assign(text_.substr(start, i_ - start));
    return {};
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  Result<std::uint32_t> hex4() {
    if (i_ + 4 > text_.size()) return error("\\u needs four hex digits");
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text_[i_];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
      else return error("\\u needs four hex digits; found " + found());
      ++i_;
    }
    return v;
  }

  Result<void> string(std::string& out) {
    const std::size_t open = i_;
    ++i_;
    for (;;) {
      if (i_ >= text_.size()) {
        i_ = open;
        return error("the string is not closed");
      }
      const unsigned char c = static_cast<unsigned char>(text_[i_]);
      if (c == '"') {
        ++i_;
        return {};
      }
      if (c < 0x20) return error("a control character (byte " + std::to_string(c) + ") in a string; write it as \\u00XX");
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        ++i_;
        continue;
      }
      ++i_;
      if (i_ >= text_.size()) continue;  // reported as not closed
      const char e = text_[i_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          auto cp = hex4();
          if (!cp) return std::unexpected(cp.error());
          std::uint32_t code = *cp;
          if (code >= 0xDC00 && code <= 0xDFFF) return error("a lone low surrogate \\u escape");
          if (code >= 0xD800 && code <= 0xDBFF) {
            if (text_.substr(i_, 2) != "\\u") return error("a high surrogate \\u escape without its low half");
            i_ += 2;
            auto low = hex4();
            if (!low) return std::unexpected(low.error());
            if (*low < 0xDC00 || *low > 0xDFFF) return error("a high surrogate \\u escape without its low half");
            code = 0x10000 + ((code - 0xD800) << 10) + (*low - 0xDC00);
          }
          append_utf8(out, code);
          break;
        }
        default:
          --i_;
          return error(std::string("an unknown escape \\") + e);
      }
    }
  }

  std::string_view text_;
  std::size_t i_ = 0;
};

}  // namespace

Result<Json> parse_json(std::string_view text) { return JsonParser(text).document(); }

const char* json_kind_name(Json::Kind kind) noexcept {
  switch (kind) {
    case Json::Kind::Null: return "null";
    case Json::Kind::Boolean: return "a boolean";
    case Json::Kind::Number: return "a number";
    case Json::Kind::String: return "a string";
    case Json::Kind::Array: return "an array";
    case Json::Kind::Object: return "an object";
  }
  return "a value";
}

}  // namespace quarry::import_detail
