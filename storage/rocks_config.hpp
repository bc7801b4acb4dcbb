// The RocksDB store's configuration as text: named presets, and settings written `key = value`,
// the same keys in a config file, in QUARRY_… environment variables and in `quarry --set` flags
// (doc/operations.md, "Configuration", is the operator's version of this file).
//
// Keys (sizes are bytes, or a number with K, M or G: binary units, 64M = 64 MiB):
//   preset                  balanced | low-latency | write-heavy | large-state
//   sync                    on | off                         RocksOptions::sync_writes
//   block-cache             auto | size (0: RocksDB's own 8 MiB per space) block_cache_bytes
//                           (auto: unset, sized to the data; storage/block_cache_size.hpp)
//   block-size              size, 512 – 1M                   StoreTuning::block_size_bytes
//   bloom-bits              0 – 32 (0: no filters)           bloom_bits_per_key
//   partitioned-filters     on | off                         partitioned_filters
//   compression             none | snappy | lz4 | zstd       compression
//   bottommost-compression  none | snappy | lz4 | zstd       bottommost_compression
//   compression-per-level   comma-separated, L0 first, at most 7 ("" clears it)
//   write-buffer            size, 64K – 4G                   write_buffer_bytes
//   max-write-buffers       2 – 16                           max_write_buffers
//   wal-max-total           size (0: 4 x write-buffer)       max_total_wal_bytes
//   wal-bytes-per-sync      size (0: never)                  wal_bytes_per_sync
//   background-jobs         1 – 64                           background_jobs
// The environment variable of a key is QUARRY_ and the key in capitals with '_' for '-'
// (QUARRY_BLOCK_CACHE=256M, QUARRY_PRESET=large-state).
//
// Precedence: a preset sets every StoreTuning field; the preset named by the most specific source
// (flag, else environment, else file) applies first, then every other setting in the order file <
// environment < flag, so a flag beats the environment, which beats the file, and any explicit
// setting beats the preset's value. A bad key or value is :quarry/invalid-argument naming where
// it came from, and nothing is applied.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec/error.hpp"
#include "storage/rocks_store.hpp"

namespace quarry {

// The presets, by name. `balanced` is StoreTuning's defaults.
inline constexpr std::array<std::string_view, 4> kRocksPresets{"balanced", "low-latency", "write-heavy",
                                                               "large-state"};

// The tuning of a preset; :quarry/invalid-argument for an unknown name (the message lists them).
[[nodiscard]] Result<StoreTuning> rocks_preset(std::string_view name);

// One `key = value` setting and where it came from (for error messages: "flag --set",
// "QUARRY_BLOCK_SIZE", "quarry.conf line 3").
struct RocksSetting {
  std::string key;
  std::string value;
  std::string origin;
};

// Every key above, in the order listed.
[[nodiscard]] const std::vector<std::string_view>& rocks_setting_keys();

// Applies one setting (not `preset`) to `options`. :quarry/invalid-argument for an unknown key or
// a value out of range; `options` is unchanged then.
[[nodiscard]] Result<void> apply_rocks_setting(RocksOptions& options, const RocksSetting& setting);

// Parses a config file's text: one `key = value` per line; blank lines and lines starting with '#'
// are skipped; spaces around key and value are dropped; a value may be double-quoted. Keys are
// checked here (an unknown key is an error naming the line); values when applied.
[[nodiscard]] Result<std::vector<RocksSetting>> parse_rocks_config(std::string_view text, std::string_view file_name);

// Reads a config file and parses it. :storage/io when it cannot be read.
[[nodiscard]] Result<std::vector<RocksSetting>> read_rocks_config(const std::string& path);

// The settings the environment gives: QUARRY_<KEY> for every key that is set and not empty.
// `getenv` defaults to the process environment.
[[nodiscard]] std::vector<RocksSetting> rocks_settings_from_environment(
    const std::function<const char*(const char*)>& getenv = nullptr);

// Applies the three layers to `options` by the precedence above. All or nothing: on error
// `options` is unchanged.
[[nodiscard]] Result<void> configure_rocks(RocksOptions& options, const std::vector<RocksSetting>& file,
                                           const std::vector<RocksSetting>& environment,
                                           const std::vector<RocksSetting>& flags);

// The settings that reproduce `options` (every key but preset), for printing (`quarry --show-config`).
[[nodiscard]] std::vector<RocksSetting> describe_rocks_options(const RocksOptions& options);

}  // namespace quarry
