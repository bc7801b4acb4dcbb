// Configuration of a database from presets, a config file, the environment and flags
// (doc/operations.md, "Configuration").
//
//   #include <quarry/config.hpp>
//
//   auto options = quarry::configure({.path = "people-db"},
//                                    {.file = "quarry.conf", .flags = {{"preset", "large-state"}}});
//   if (!options) return report(options.error());   // a bad key or value: nothing was opened
//   auto db = quarry::Database::open(*options);
//
// A setting is `key = value`; the keys (preset, sync, block-cache, block-size, bloom-bits,
// partitioned-filters, compression, bottommost-compression, compression-per-level, write-buffer,
// max-write-buffers, wal-max-total, wal-bytes-per-sync, background-jobs) set Options::sync_writes,
// Options::block_cache_bytes and the fields of Options::tuning. The same key is a line of the
// config file, the environment variable QUARRY_<KEY> (capitals, '_' for '-': QUARRY_BLOCK_CACHE),
// and a flag (`quarry --set key=value`, or `--preset`, `--block-cache`).
//
// Precedence: a preset replaces all of Options::tuning; the preset of the most specific source
// (flags, else environment, else file) applies first, then every other setting, file <
// environment < flags. Anything not set keeps the value it had in the Options passed in.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "quarry/quarry.hpp"

namespace quarry {

struct ConfigSources {
  // A config file: `key = value` lines, '#' comments. Empty: none. A file that cannot be read is
  // :storage/io.
  std::string file{};
  // Read QUARRY_<KEY> environment variables.
  bool environment = true;
  // Settings given on the command line (or by the program), key and value, applied last in order.
  std::vector<std::pair<std::string, std::string>> flags{};
};

// `options` with the sources applied. :quarry/invalid-argument for an unknown key, a bad value or
// an unknown preset, naming its origin (file and line, variable, or flag); nothing is opened.
[[nodiscard]] Result<Options> configure(Options options, const ConfigSources& sources);

// The presets: balanced (the default), low-latency, write-heavy, large-state.
[[nodiscard]] std::vector<std::string> preset_names();
// The tuning of a preset; :quarry/invalid-argument for an unknown name.
[[nodiscard]] Result<StoreTuning> preset(std::string_view name);

// The storage settings `options` amounts to, as an EDN map of setting keys to values (strings as
// a config file would hold them): what `quarry --show-config` prints.
[[nodiscard]] std::string describe_configuration(const Options& options);

}  // namespace quarry
