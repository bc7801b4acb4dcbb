#include "codec/edn_literals.hpp"

#include <cstdio>
#include <limits>
#include <optional>

#include "codec/edn_chars.hpp"

namespace quarry::edn_literals {
namespace {

std::unexpected<std::string> invalid(std::string reason) {
  return std::unexpected<std::string>(std::move(reason));
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month, day;
};

Civil civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

bool is_leap(std::int64_t y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at `pos`.
std::optional<unsigned> take_digits(std::string_view t, std::size_t& pos, std::size_t n) {
  if (pos + n > t.size()) return std::nullopt;
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = t[pos + i];
    if (!edn_chars::is_digit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  pos += n;
  return v;
}

bool take(std::string_view t, std::size_t& pos, char c) {
  if (pos < t.size() && (t[pos] == c || (edn_chars::is_alpha(c) && t[pos] == (c | 0x20)))) {
    ++pos;
    return true;
  }
  return false;
}

// A four-digit year, or a sign and four to nine digits.
std::optional<std::int64_t> take_year(std::string_view t, std::size_t& pos) {
  bool sign = pos < t.size() && (t[pos] == '+' || t[pos] == '-');
  bool negative = sign && t[pos] == '-';
  if (sign) ++pos;
  std::size_t n = 0;
  while (pos + n < t.size() && n < 10 &&
         edn_chars::is_digit(static_cast<unsigned char>(t[pos + n])))
    ++n;
  if (n < 4 || (!sign && n != 4) || n > 9) return std::nullopt;
  std::int64_t y = 0;
  for (std::size_t i = 0; i < n; ++i) y = y * 10 + (t[pos + i] - '0');
  pos += n;
  return negative ? -y : y;
}

struct Fields {
  std::int64_t year = 0;
  unsigned month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0;
  int offset_minutes = 0;
};

// The date and time up to (not including) the offset; each later field is optional.
std::expected<Fields, std::string> take_date_time(std::string_view t, std::size_t& pos) {
  Fields f;
  auto year = take_year(t, pos);
  if (!year) return invalid("expected a four-digit year");
  f.year = *year;
  auto field = [&](char sep, unsigned& out, unsigned lo, unsigned hi) -> std::optional<bool> {
    if (!take(t, pos, sep)) return false;
    auto v = take_digits(t, pos, 2);
    if (!v || *v < lo || *v > hi) return std::nullopt;
    out = *v;
    return true;
  };
  std::optional<bool> more = field('-', f.month, 1, 12);
  if (!more) return invalid("expected a month 01-12");
  if (*more && !(more = field('-', f.day, 1, days_in_month(f.year, f.month))))
    return invalid("expected a day that exists in that month");
  if (*more && !(more = field('T', f.hour, 0, 23))) return invalid("expected an hour 00-23");
  if (*more && !(more = field(':', f.minute, 0, 59))) return invalid("expected a minute 00-59");
  if (*more && !(more = field(':', f.second, 0, f.minute == 59 ? 60 : 59)))
    return invalid("expected a second 00-59");
  if (*more && take(t, pos, '.')) {
    std::size_t digits = 0;
    for (; pos < t.size() && edn_chars::is_digit(static_cast<unsigned char>(t[pos]));
         ++pos, ++digits)
      if (digits < 3) f.millis = f.millis * 10 + static_cast<unsigned>(t[pos] - '0');
    if (digits == 0) return invalid("expected digits after '.'");
    for (; digits < 3; ++digits) f.millis *= 10;
  }
  return f;
}

std::optional<int> take_offset(std::string_view t, std::size_t& pos) {
  if (pos == t.size() || take(t, pos, 'Z')) return 0;
  if (t[pos] != '+' && t[pos] != '-') return std::nullopt;
  int sign = t[pos++] == '-' ? -1 : 1;
  auto h = take_digits(t, pos, 2);
  if (!h || *h > 23 || !take(t, pos, ':')) return std::nullopt;
  auto m = take_digits(t, pos, 2);
  if (!m || *m > 59) return std::nullopt;
  return sign * static_cast<int>(*h * 60 + *m);
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_index(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::expected<Instant, std::string> parse_inst(std::string_view text) {
  std::size_t pos = 0;
  auto fields = take_date_time(text, pos);
  if (!fields) return std::unexpected(std::move(fields.error()));
  auto offset = take_offset(text, pos);
  if (!offset) return invalid("expected Z or an offset +HH:MM / -HH:MM");
  if (pos != text.size()) return invalid("unexpected text after the timestamp");
  const Fields& f = *fields;
  std::int64_t time_of_day = (std::int64_t{f.hour} * 60 + f.minute) * 60 + f.second;
  __int128 seconds = static_cast<__int128>(days_from_civil(f.year, f.month, f.day)) * 86400 +
                     time_of_day - std::int64_t{*offset} * 60;
  __int128 millis = seconds * 1000 + f.millis;
  if (millis > std::numeric_limits<std::int64_t>::max() ||
      millis < std::numeric_limits<std::int64_t>::min())
    return invalid("outside the range of a 64-bit millisecond count");
  return Instant{static_cast<std::int64_t>(millis)};
}

void append_inst(std::string& out, Instant instant) {
  std::int64_t ms = instant.millis;
  std::int64_t days = ms / 86400000, rem = ms % 86400000;
  if (rem < 0) rem += 86400000, --days;
  Civil c = civil_from_days(days);
  char buf[64];
  const char* year_format = c.year >= 0 && c.year <= 9999 ? "%04lld" : "%+05lld";
  int n = std::snprintf(buf, sizeof buf, year_format, static_cast<long long>(c.year));
  out.append(buf, static_cast<std::size_t>(n));
  auto t = static_cast<unsigned>(rem);
  n = std::snprintf(buf, sizeof buf, "-%02u-%02uT%02u:%02u:%02u.%03uZ", c.month, c.day, t / 3600000,
                    t / 60000 % 60, t / 1000 % 60, t % 1000);
  out.append(buf, static_cast<std::size_t>(n));
}

std::expected<Uuid, std::string> parse_uuid(std::string_view text) {
  Uuid uuid;
  std::size_t byte = 0;
  bool ok = text.size() == 36;
  for (std::size_t i = 0; ok && i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      ok = text[i] == '-';
      continue;
    }
    auto c = static_cast<unsigned char>(text[i]);
    ok = edn_chars::is_hex_digit(c);
    if (!ok) break;
    unsigned nibble = edn_chars::is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
    uuid.bytes[byte / 2] = static_cast<std::uint8_t>(uuid.bytes[byte / 2] << 4 | nibble);
    ++byte;
  }
  if (!ok)
    return invalid("expected 8-4-4-4-12 hex digits, e.g. f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
  return uuid;
}

void append_uuid(std::string& out, const Uuid& uuid) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[uuid.bytes[i] >> 4];
    out += kHex[uuid.bytes[i] & 15];
  }
}

std::expected<std::string, std::string> decode_base64(std::string_view text) {
  if (text.size() % 4 != 0) return invalid("base64 length must be a multiple of 4");
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    std::size_t pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=' && text[i + 3] == '=') : 0;
    std::uint32_t group = 0;
    for (std::size_t j = 0; j < 4 - pad; ++j) {
      int v = base64_index(text[i + j]);
      if (v < 0) return invalid("invalid base64 character");
      group |= static_cast<std::uint32_t>(v) << (18 - 6 * j);
    }
    out += static_cast<char>(group >> 16);
    if (pad < 2) out += static_cast<char>(group >> 8 & 0xFF);
    if (pad < 1) out += static_cast<char>(group & 0xFF);
  }
  return out;
}

void append_base64(std::string& out, std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = 0;
    for (std::size_t j = 0; j < n; ++j)
      group |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + j])) << (16 - 8 * j);
    for (std::size_t j = 0; j < 4; ++j) out += j <= n ? kBase64[group >> (18 - 6 * j) & 63] : '=';
  }
}

}  // namespace quarry::edn_literals
