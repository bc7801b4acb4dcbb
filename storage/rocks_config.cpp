#include "storage/rocks_config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

namespace quarry {
namespace {

constexpr std::size_t KiB = std::size_t{1} << 10;
constexpr std::size_t MiB = std::size_t{1} << 20;
constexpr std::size_t GiB = std::size_t{1} << 30;

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::unexpected<Error> bad(const RocksSetting& s, std::string_view expected) {
  return fail(ErrorCode::InvalidArgument, s.origin + ": " + s.key + " = \"" + s.value + "\" is not valid; expected " +
                                              std::string(expected));
}

std::optional<std::uint64_t> parse_uint(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// "4096", "4K", "4KiB", "64M", "1G" (binary units, case-insensitive).
std::optional<std::size_t> parse_size(std::string_view text) {
  std::string s = lower(trim(text));
  std::size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  auto n = parse_uint(std::string_view(s).substr(0, digits));
  if (!n) return std::nullopt;
  std::string unit = s.substr(digits);
  std::uint64_t scale = 1;
  if (unit.empty() || unit == "b") scale = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib") scale = KiB;
  else if (unit == "m" || unit == "mb" || unit == "mib") scale = MiB;
  else if (unit == "g" || unit == "gb" || unit == "gib") scale = GiB;
  else return std::nullopt;
  if (*n > std::numeric_limits<std::size_t>::max() / scale) return std::nullopt;
  return static_cast<std::size_t>(*n * scale);
}

std::optional<bool> parse_bool(std::string_view text) {
  std::string s = lower(trim(text));
  if (s == "on" || s == "true" || s == "yes" || s == "1") return true;
  if (s == "off" || s == "false" || s == "no" || s == "0") return false;
  return std::nullopt;
}

std::optional<RocksCompression> parse_compression(std::string_view text) {
  std::string s = lower(trim(text));
  if (s == "none") return RocksCompression::None;
  if (s == "snappy") return RocksCompression::Snappy;
  if (s == "lz4") return RocksCompression::Lz4;
  if (s == "zstd") return RocksCompression::Zstd;
  return std::nullopt;
}

std::string_view compression_name(RocksCompression c) {
  switch (c) {
    case RocksCompression::None: return "none";
    case RocksCompression::Snappy: return "snappy";
    case RocksCompression::Lz4: return "lz4";
    case RocksCompression::Zstd: return "zstd";
  }
  return "none";
}

std::string size_text(std::size_t n) {
  if (n != 0 && n % GiB == 0) return std::to_string(n / GiB) + "G";
  if (n != 0 && n % MiB == 0) return std::to_string(n / MiB) + "M";
  if (n != 0 && n % KiB == 0) return std::to_string(n / KiB) + "K";
  return std::to_string(n);
}

// `other`: what else the setting accepts, named first in the error ("auto, or ").
Result<std::size_t> size_in(const RocksSetting& s, std::size_t lo, std::size_t hi, std::string_view other = "") {
  auto n = parse_size(s.value);
  if (!n || *n < lo || *n > hi)
    return bad(s, std::string(other) + "a size from " + size_text(lo) + " to " + size_text(hi) +
                      " (bytes, or a number with K, M or G)");
  return *n;
}

Result<int> int_in(const RocksSetting& s, int lo, int hi) {
  auto n = parse_uint(trim(s.value));
  if (!n || *n < static_cast<std::uint64_t>(lo) || *n > static_cast<std::uint64_t>(hi))
    return bad(s, "a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
  return static_cast<int>(*n);
}

Result<bool> bool_of(const RocksSetting& s) {
  auto b = parse_bool(s.value);
  if (!b) return bad(s, "on or off");
  return *b;
}

Result<RocksCompression> compression_of(const RocksSetting& s) {
  auto c = parse_compression(s.value);
  if (!c) return bad(s, "none, snappy, lz4 or zstd");
  return *c;
}

const std::vector<std::string_view> kKeys{"preset",
                                          "sync",
                                          "block-cache",
                                          "range-cache",
                                          "block-size",
                                          "bloom-bits",
                                          "partitioned-filters",
                                          "compression",
                                          "bottommost-compression",
                                          "compression-per-level",
                                          "write-buffer",
                                          "max-write-buffers",
                                          "wal-max-total",
                                          "wal-bytes-per-sync",
                                          "background-jobs"};

bool known_key(std::string_view key) { return std::find(kKeys.begin(), kKeys.end(), key) != kKeys.end(); }

std::unexpected<Error> unknown_key(const RocksSetting& s) {
  std::string keys;
  for (auto k : kKeys) keys += (keys.empty() ? "" : ", ") + std::string(k);
  return fail(ErrorCode::InvalidArgument, s.origin + ": unknown setting \"" + s.key + "\"; the settings are " + keys);
}

std::string env_name(std::string_view key) {
  std::string out = "QUARRY_";
  for (char c : key) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<StoreTuning> rocks_preset(std::string_view name) {
  StoreTuning t;  // balanced: the defaults
  if (name == "balanced") return t;
  using C = RocksCompression;
  if (name == "low-latency") {
    // Commits and point reads with few pauses: uncompressed hot levels (no compression work on a
    // flush, no decompression on a read of recent data), more and larger memtables so a flush in
    // progress does not stall writers, lower filter false-positive rate, more background threads.
    t.compression_per_level = {C::None, C::None, C::Lz4};
    t.compression = C::Lz4;
    t.bottommost_compression = C::Lz4;
    t.bloom_bits_per_key = 14;
    t.write_buffer_bytes = 64 * MiB;
    t.max_write_buffers = 4;
    t.background_jobs = 4;
    return t;
  }
  if (name == "write-heavy") {
    // Bulk loading: large memtables (fewer, larger flushes, less write amplification), flushes
    // not compressed, a larger WAL allowance so memtables are not flushed early to free logs, the
    // log synced in the background as it grows.
    t.compression_per_level = {C::None, C::None, C::Lz4};
    t.compression = C::Lz4;
    t.bottommost_compression = C::Zstd;
    t.write_buffer_bytes = 64 * MiB;
    t.max_write_buffers = 3;
    t.max_total_wal_bytes = 1 * GiB;
    t.wal_bytes_per_sync = 1 * MiB;
    t.background_jobs = 4;
    return t;
  }
  if (name == "large-state") {
    // More data than memory: ZSTD on every level and 16 KiB blocks (tighter on disk and in the
    // OS page cache, smaller indexes), partitioned filters so the cache holds the hot partitions.
    t.compression = C::Zstd;
    t.bottommost_compression = C::Zstd;
    t.block_size_bytes = 16 * KiB;
    t.partitioned_filters = true;
    return t;
  }
  std::string names;
  for (auto n : kRocksPresets) names += (names.empty() ? "" : ", ") + std::string(n);
  return fail(ErrorCode::InvalidArgument, "unknown preset \"" + std::string(name) + "\"; the presets are " + names);
}

const std::vector<std::string_view>& rocks_setting_keys() { return kKeys; }

Result<void> apply_rocks_setting(RocksOptions& o, const RocksSetting& s) {
  const std::string& k = s.key;
  if (k == "sync") {
    auto v = bool_of(s);
    if (!v) return std::unexpected(v.error());
    o.sync_writes = *v;
  } else if (k == "block-cache") {
    if (lower(trim(s.value)) == "auto") {
      o.block_cache_bytes.reset();
    } else {
      auto v = size_in(s, 0, std::size_t{1} << 40, "auto, or ");
      if (!v) return std::unexpected(v.error());
      o.block_cache_bytes = *v;
    }
  } else if (k == "range-cache") {
    auto v = size_in(s, 0, std::size_t{1} << 40);
    if (!v) return std::unexpected(v.error());
    o.range_cache_bytes = *v;
  } else if (k == "block-size") {
    auto v = size_in(s, 512, MiB);
    if (!v) return std::unexpected(v.error());
    o.block_size_bytes = *v;
  } else if (k == "bloom-bits") {
    auto v = int_in(s, 0, 32);
    if (!v) return std::unexpected(v.error());
    o.bloom_bits_per_key = *v;
  } else if (k == "partitioned-filters") {
    auto v = bool_of(s);
    if (!v) return std::unexpected(v.error());
    o.partitioned_filters = *v;
  } else if (k == "compression" || k == "bottommost-compression") {
    auto v = compression_of(s);
    if (!v) return std::unexpected(v.error());
    (k == "compression" ? o.compression : o.bottommost_compression) = *v;
  } else if (k == "compression-per-level") {
    std::vector<RocksCompression> levels;
    std::string list = trim(s.value);
    if (!list.empty()) {
      std::stringstream in(list);
      std::string item;
      while (std::getline(in, item, ',')) {
        auto c = parse_compression(item);
        if (!c) return bad(s, "a comma-separated list of none, snappy, lz4 or zstd, L0 first");
        levels.push_back(*c);
      }
      if (list.back() == ',' || levels.size() > 7) return bad(s, "1 to 7 comma-separated compressions, L0 first");
    }
    o.compression_per_level = std::move(levels);
  } else if (k == "write-buffer") {
    auto v = size_in(s, 64 * KiB, 4 * GiB);
    if (!v) return std::unexpected(v.error());
    o.write_buffer_bytes = *v;
  } else if (k == "max-write-buffers") {
    auto v = int_in(s, 2, 16);
    if (!v) return std::unexpected(v.error());
    o.max_write_buffers = *v;
  } else if (k == "wal-max-total") {
    auto v = size_in(s, 0, std::size_t{1} << 40);
    if (!v) return std::unexpected(v.error());
    o.max_total_wal_bytes = *v;
  } else if (k == "wal-bytes-per-sync") {
    auto v = size_in(s, 0, GiB);
    if (!v) return std::unexpected(v.error());
    o.wal_bytes_per_sync = *v;
  } else if (k == "background-jobs") {
    auto v = int_in(s, 1, 64);
    if (!v) return std::unexpected(v.error());
    o.background_jobs = *v;
  } else if (k == "preset") {
    auto t = rocks_preset(trim(s.value));
    if (!t) return fail(ErrorCode::InvalidArgument, s.origin + ": " + t.error().message);
    static_cast<StoreTuning&>(o) = *t;
  } else {
    return unknown_key(s);
  }
  return {};
}

Result<std::vector<RocksSetting>> parse_rocks_config(std::string_view text, std::string_view file_name) {
  std::vector<RocksSetting> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    ++line_no;
    std::string t = trim(line);
    if (t.empty() || t.front() == '#') continue;
    std::string origin = std::string(file_name) + " line " + std::to_string(line_no);
    std::size_t eq = t.find('=');
    if (eq == std::string::npos)
      return fail(ErrorCode::InvalidArgument, origin + ": expected `key = value`, got \"" + t + "\"");
    RocksSetting s{trim(std::string_view(t).substr(0, eq)), trim(std::string_view(t).substr(eq + 1)), origin};
    if (s.value.size() >= 2 && s.value.front() == '"' && s.value.back() == '"') s.value = s.value.substr(1, s.value.size() - 2);
    if (!known_key(s.key)) return unknown_key(s);
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<RocksSetting>> read_rocks_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::StorageIo, "cannot read the config file " + path);
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(ErrorCode::StorageIo, "cannot read the config file " + path);
  return parse_rocks_config(text.str(), path);
}

std::vector<RocksSetting> rocks_settings_from_environment(const std::function<const char*(const char*)>& getenv) {
  std::vector<RocksSetting> out;
  for (auto key : kKeys) {
    std::string name = env_name(key);
    const char* value = getenv ? getenv(name.c_str()) : std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') continue;
    out.push_back(RocksSetting{std::string(key), value, name});
  }
  return out;
}

Result<void> configure_rocks(RocksOptions& options, const std::vector<RocksSetting>& file,
                             const std::vector<RocksSetting>& environment, const std::vector<RocksSetting>& flags) {
  RocksOptions result = options;
  const RocksSetting* preset = nullptr;
  for (const auto* layer : {&file, &environment, &flags})
    for (const auto& s : *layer)
      if (s.key == "preset") preset = &s;
  if (preset)
    if (auto ok = apply_rocks_setting(result, *preset); !ok) return ok;
  for (const auto* layer : {&file, &environment, &flags})
    for (const auto& s : *layer) {
      if (s.key == "preset") {  // checked, even when a later layer's preset wins
        RocksOptions scratch;
        if (auto ok = apply_rocks_setting(scratch, s); !ok) return ok;
        continue;
      }
      if (auto ok = apply_rocks_setting(result, s); !ok) return ok;
    }
  options = std::move(result);
  return {};
}

std::vector<RocksSetting> describe_rocks_options(const RocksOptions& o) {
  std::string levels;
  for (auto c : o.compression_per_level) levels += (levels.empty() ? "" : ",") + std::string(compression_name(c));
  auto on = [](bool b) { return std::string(b ? "on" : "off"); };
  return {{"sync", on(o.sync_writes), ""},
          {"block-cache", o.block_cache_bytes ? size_text(*o.block_cache_bytes) : "auto", ""},
          {"range-cache", size_text(o.range_cache_bytes), ""},
          {"block-size", size_text(o.block_size_bytes), ""},
          {"bloom-bits", std::to_string(o.bloom_bits_per_key), ""},
          {"partitioned-filters", on(o.partitioned_filters), ""},
          {"compression", std::string(compression_name(o.compression)), ""},
          {"bottommost-compression", std::string(compression_name(o.bottommost_compression)), ""},
          {"compression-per-level", levels, ""},
          {"write-buffer", size_text(o.write_buffer_bytes), ""},
          {"max-write-buffers", std::to_string(o.max_write_buffers), ""},
          {"wal-max-total", size_text(o.max_total_wal_bytes), ""},
          {"wal-bytes-per-sync", size_text(o.wal_bytes_per_sync), ""},
          {"background-jobs", std::to_string(o.background_jobs), ""}};
}

}  // namespace quarry
