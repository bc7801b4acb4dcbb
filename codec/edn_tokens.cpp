#include "codec/edn_tokens.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "codec/edn_chars.hpp"

namespace quarry::edn_tokens {
namespace {

using edn_chars::is_digit;

std::unexpected<std::string> invalid(std::string reason) {
  return std::unexpected<std::string>(std::move(reason));
}

// The parts of a numeric token: sign, integer digits, optional fraction and exponent, suffix.
struct NumberParts {
  bool negative = false;
  std::string_view int_digits;
  std::optional<std::string_view> fraction;  // digits after '.', possibly empty
  std::optional<std::string_view> exponent;  // after 'e'/'E', with its sign
  char suffix = 0;                           // 'N', 'M' or 0
};

std::expected<NumberParts, std::string> split_number(std::string_view t) {
  NumberParts parts;
  std::size_t i = 0;
  auto digits_from = [&](std::size_t from) {
    while (i < t.size() && is_digit(t[i])) ++i;
    return t.substr(from, i - from);
  };
  if (t[i] == '+' || t[i] == '-') parts.negative = t[i++] == '-';
  parts.int_digits = digits_from(i);
  if (parts.int_digits.size() > 1 && parts.int_digits[0] == '0')
    return invalid("leading zeros are not allowed (octal and hex are not EDN)");
  if (i < t.size() && t[i] == '.') parts.fraction = digits_from(++i);
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    std::size_t from = ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    std::size_t digits_start = i;
    if (digits_from(digits_start).empty()) return invalid("an exponent needs digits");
    parts.exponent = t.substr(from, i - from);
  }
  if (i < t.size() && (t[i] == 'N' || t[i] == 'M')) parts.suffix = t[i++];
  if (i != t.size()) {
    if (t[i] == '/') return invalid("ratios are not EDN");
    return invalid("expected digits, then optionally a fraction, an exponent, N or M");
  }
  if (parts.suffix == 'N' && (parts.fraction || parts.exponent))
    return invalid("N marks an integer; use M for an exact decimal");
  return parts;
}

std::expected<Value, std::string> to_long(const NumberParts& p) {
  std::string text = (p.negative ? "-" : "") + std::string(p.int_digits);
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size())
    return invalid("integer out of the 64-bit range (write " + text + "N for a BigInt)");
  return Value(n);
}

// Decimal exponent of the leading digit, used to tell overflow from underflow.
long magnitude(const NumberParts& p) {
  std::string digits(p.int_digits);
  if (p.fraction) digits += *p.fraction;
  auto first = digits.find_first_not_of('0');
  if (first == std::string::npos) return 0;
  long exp = 0;
  if (p.exponent) {
    std::string_view e = *p.exponent;
    bool negative = e[0] == '-';
    if (e[0] == '+' || e[0] == '-') e.remove_prefix(1);
    for (char c : e) exp = std::min(exp * 10 + (c - '0'), 1L << 40);
    if (negative) exp = -exp;
  }
  return static_cast<long>(p.int_digits.size()) - 1 - static_cast<long>(first) + exp;
}

std::expected<Value, std::string> to_double(const NumberParts& p) {
  std::string text = (p.negative ? "-" : "") + std::string(p.int_digits);
  if (p.fraction && !p.fraction->empty()) text += "." + std::string(*p.fraction);
  if (p.exponent) text += "e" + std::string(*p.exponent);
  double d = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec == std::errc::result_out_of_range) {
    d = magnitude(p) > 0 ? std::numeric_limits<double>::infinity() : 0.0;
    if (p.negative) d = -d;
  } else if (ec != std::errc() || end != text.data() + text.size()) {
    return invalid("not a floating-point number");
  }
  return Value(d);
}

std::optional<std::string> check_part(std::string_view part, bool digit_first_ok) {
  if (part.empty()) return "the namespace and the name must not be empty";
  auto c0 = static_cast<unsigned char>(part[0]);
  if (c0 == ':' || c0 == '#') return std::string("a name cannot start with '") + part[0] + "'";
  if (!digit_first_ok && is_digit(c0)) return "a name cannot start with a digit";
  if (!digit_first_ok && (c0 == '+' || c0 == '-' || c0 == '.') && part.size() > 1 &&
      is_digit(static_cast<unsigned char>(part[1])))
    return std::string("a name starting with '") + part[0] + "' cannot continue with a digit";
  if (part.back() == ':') return "a name cannot end with ':'";
  if (part.find("::") != std::string_view::npos) return "a name cannot contain '::'";
  return std::nullopt;
}

// Splits ns/name and checks both parts. `keyword` allows a digit first in the first part.
std::expected<Symbol, std::string> checked_name(std::string_view t, bool keyword) {
  if (t == "/") {
    if (keyword) return invalid(":/ is not a valid keyword");
    return Symbol{"", "/"};
  }
  auto slash = t.find('/');
  if (slash == std::string_view::npos) {
    if (auto problem = check_part(t, keyword)) return invalid(*problem);
    return Symbol{"", std::string(t)};
  }
  std::string_view ns = t.substr(0, slash), name = t.substr(slash + 1);
  if (name != "/" && name.find('/') != std::string_view::npos)
    return invalid("'/' may separate namespace and name only once");
  if (auto problem = check_part(ns, keyword)) return invalid(*problem);
  if (name != "/")
    if (auto problem = check_part(name, false)) return invalid(*problem);
  return Symbol{std::string(ns), std::string(name)};
}

std::optional<char32_t> hex_unit(std::string_view hex) {
  if (hex.size() != 4) return std::nullopt;
  char32_t unit = 0;
  for (char c : hex) {
    if (!edn_chars::is_hex_digit(static_cast<unsigned char>(c))) return std::nullopt;
    unit = unit * 16 + static_cast<char32_t>(is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return unit;
}

}  // namespace

std::expected<Value, std::string> number(std::string_view token) {
  auto parts = split_number(token);
  if (!parts) return std::unexpected(std::move(parts.error()));
  if (parts->suffix == 'N') {
    bool zero = parts->int_digits == "0";
    return Value(BigInt{(parts->negative && !zero ? "-" : "") + std::string(parts->int_digits)});
  }
  if (parts->suffix == 'M') {
    std::string_view text = token.substr(0, token.size() - 1);
    if (text[0] == '+') text.remove_prefix(1);
    return Value(BigDec{std::string(text)});
  }
  if (!parts->fraction && !parts->exponent) return to_long(*parts);
  return to_double(*parts);
}

std::expected<Value, std::string> symbol(std::string_view token) {
  if (token == "nil") return Value(nullptr);
  if (token == "true") return Value(true);
  if (token == "false") return Value(false);
  auto sym = checked_name(token, false);
  if (!sym) return std::unexpected(std::move(sym.error()));
  return Value(std::move(*sym));
}

std::expected<Keyword, std::string> keyword(std::string_view name) {
  if (!name.empty() && name[0] == ':')
    return invalid("auto-resolved keywords (::name) are not EDN");
  auto sym = checked_name(name, true);
  if (!sym) return std::unexpected(std::move(sym.error()));
  return Keyword{std::move(sym->ns), std::move(sym->name)};
}

std::expected<Symbol, std::string> tag(std::string_view name) {
  if (name.empty() || !edn_chars::is_alpha(static_cast<unsigned char>(name[0])))
    return invalid("a tag must start with a letter");
  return checked_name(name, false);
}

std::expected<char32_t, std::string> character(std::string_view name) {
  if (name.size() == 1) return static_cast<char32_t>(static_cast<unsigned char>(name[0]));
  static constexpr std::pair<std::string_view, char32_t> kNamed[] = {
      {"newline", U'\n'}, {"space", U' '},     {"tab", U'\t'},
      {"return", U'\r'},  {"formfeed", U'\f'}, {"backspace", U'\b'},
  };
  for (auto [n, c] : kNamed)
    if (name == n) return c;
  if (name[0] == 'u')
    if (auto unit = hex_unit(name.substr(1))) return *unit;
  return invalid(
      "expected one character, newline, space, tab, return, formfeed, backspace or uXXXX");
}

std::expected<double, std::string> symbolic(std::string_view name) {
  if (name == "Inf") return std::numeric_limits<double>::infinity();
  if (name == "-Inf") return -std::numeric_limits<double>::infinity();
  if (name == "NaN") return std::numeric_limits<double>::quiet_NaN();
  return invalid("expected ##Inf, ##-Inf or ##NaN");
}

}  // namespace quarry::edn_tokens
