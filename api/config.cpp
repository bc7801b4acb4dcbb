#include "quarry/config.hpp"

#include "storage/rocks_config.hpp"
#include "storage/rocks_store.hpp"

namespace quarry {
namespace {

RocksOptions rocks_of(const Options& options) {
  RocksOptions rocks;
  static_cast<StoreTuning&>(rocks) = options.tuning;
  rocks.sync_writes = options.sync_writes;
  rocks.block_cache_bytes = options.block_cache_bytes;
  rocks.range_cache_bytes = options.range_cache_bytes;
  return rocks;
}

}  // namespace

Result<Options> configure(Options options, const ConfigSources& sources) {
  std::vector<RocksSetting> file;
  if (!sources.file.empty()) {
    auto read = read_rocks_config(sources.file);
    if (!read) return std::unexpected(read.error());
    file = std::move(*read);
  }
  std::vector<RocksSetting> environment;
  if (sources.environment) environment = rocks_settings_from_environment();
  std::vector<RocksSetting> flags;
  for (const auto& [key, value] : sources.flags) flags.push_back(RocksSetting{key, value, "flag " + key});
  RocksOptions rocks = rocks_of(options);
  if (auto ok = configure_rocks(rocks, file, environment, flags); !ok) return std::unexpected(ok.error());
  options.tuning = static_cast<const StoreTuning&>(rocks);
  options.sync_writes = rocks.sync_writes;
  options.block_cache_bytes = rocks.block_cache_bytes;
  options.range_cache_bytes = rocks.range_cache_bytes;
  return options;
}

std::vector<std::string> preset_names() { return {kRocksPresets.begin(), kRocksPresets.end()}; }

Result<StoreTuning> preset(std::string_view name) { return rocks_preset(name); }

std::string describe_configuration(const Options& options) {
  std::vector<std::pair<Value, Value>> entries;
  for (const auto& s : describe_rocks_options(rocks_of(options)))
    entries.emplace_back(Value::keyword(s.key), Value(s.value));
  Map map;
  (void)make_map(std::move(entries), map);  // the keys are distinct
  return to_edn(Value(std::move(map)));
}

}  // namespace quarry
