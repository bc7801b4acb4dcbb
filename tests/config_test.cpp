// Storage configuration (doc/operations.md, "Configuration"): presets, settings from a config
// file, QUARRY_<KEY> environment variables and flags with precedence file < environment < flag,
// bad keys and values refused with their origin before anything is opened — through the C++ API
// (quarry::configure) and the `quarry` command (--config, --preset, --set, --show-config).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <quarry/config.hpp>
#include <quarry/quarry.hpp>

#include "storage/rocks_config.hpp"
#include "support/quarry_command.hpp"

namespace {

using quarry::testing::run_quarry;
using quarry::testing::ScratchDir;

constexpr std::size_t MiB = std::size_t{1} << 20;

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) { ::setenv(name, value.c_str(), 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

std::string write_file(const ScratchDir& dir, const std::string& name, const std::string& text) {
  std::string path = dir / name;
  std::ofstream(path) << text;
  return path;
}

quarry::Options must_configure(const quarry::ConfigSources& sources, quarry::Options base = {}) {
  auto r = quarry::configure(std::move(base), sources);
  if (!r) FAIL(r.error().to_edn());
  return *r;
}

}  // namespace

TEST_CASE("presets: balanced is the default tuning; each preset differs; unknown names are refused") {
  CHECK(quarry::preset_names() == std::vector<std::string>{"balanced", "low-latency", "write-heavy", "large-state"});
  CHECK(*quarry::preset("balanced") == quarry::StoreTuning{});
  CHECK(quarry::Options{}.tuning == quarry::StoreTuning{});
  for (const auto& name : quarry::preset_names()) {
    CAPTURE(name);
    REQUIRE(quarry::preset(name).has_value());
    for (const auto& other : quarry::preset_names())
      if (other != name) CHECK(*quarry::preset(name) != *quarry::preset(other));
  }
  CHECK(quarry::preset("large-state")->compression == quarry::RocksCompression::Zstd);
  auto unknown = quarry::preset("fast");
  REQUIRE(!unknown);
  CHECK(unknown.error().code == quarry::ErrorCode::InvalidArgument);
  CHECK(unknown.error().message.find("low-latency") != std::string::npos);
}

TEST_CASE("a setting in the file is overridden by the environment, which is overridden by a flag") {
  ScratchDir dir;
  std::string file = write_file(dir, "quarry.conf",
                                "# a comment\n\nbloom-bits = 12\nblock-size = 8K\nblock-cache = 32M\nsync = off\n");
  auto from_file = must_configure({.file = file, .environment = false});
  CHECK(from_file.tuning.bloom_bits_per_key == 12);
  CHECK(from_file.tuning.block_size_bytes == 8192);
  CHECK(from_file.block_cache_bytes == 32 * MiB);
  CHECK(!from_file.sync_writes);

  ScopedEnv bloom("QUARRY_BLOOM_BITS", "8");
  ScopedEnv cache("QUARRY_BLOCK_CACHE", "48M");
  auto with_env = must_configure({.file = file});
  CHECK(with_env.tuning.bloom_bits_per_key == 8);        // environment over file
  CHECK(with_env.block_cache_bytes == 48 * MiB);         // environment over file
  CHECK(with_env.tuning.block_size_bytes == 8192);       // only in the file
  auto with_flag = must_configure({.file = file, .flags = {{"bloom-bits", "6"}}});
  CHECK(with_flag.tuning.bloom_bits_per_key == 6);       // flag over environment
  CHECK(with_flag.block_cache_bytes == 48 * MiB);
  // Without the environment the flag still beats the file; the later of two flags wins.
  auto flags = must_configure({.file = file, .environment = false, .flags = {{"bloom-bits", "4"}, {"bloom-bits", "5"}}});
  CHECK(flags.tuning.bloom_bits_per_key == 5);
  CHECK(flags.block_cache_bytes == 32 * MiB);
  // Unset settings keep the values of the Options passed in.
  quarry::Options base;
  base.tuning.background_jobs = 3;
  CHECK(must_configure({.file = file, .environment = false}, base).tuning.background_jobs == 3);
}

TEST_CASE("block-cache: automatic unless set; `auto` and a size override each other by precedence") {
  CHECK(!quarry::Options{}.block_cache_bytes.has_value());  // the default: sized to the data
  ScratchDir dir;
  std::string file = write_file(dir, "auto.conf", "block-cache = AUTO\n");
  std::string sized = write_file(dir, "sized.conf", "block-cache = 256M\n");
  quarry::Options given;
  given.block_cache_bytes = 32 * MiB;
  CHECK(!must_configure({.file = file, .environment = false}, given).block_cache_bytes);  // the file's auto
  CHECK(must_configure({.file = sized, .environment = false}).block_cache_bytes == 256 * MiB);
  CHECK(must_configure({.environment = false, .flags = {{"block-cache", "0"}}}).block_cache_bytes == 0);
  {
    ScopedEnv env("QUARRY_BLOCK_CACHE", "auto");
    CHECK(!must_configure({.file = sized}).block_cache_bytes);  // environment over file
    CHECK(must_configure({.file = sized, .flags = {{"block-cache", "1G"}}}).block_cache_bytes == 1024 * MiB);
  }
  {
    ScopedEnv env("QUARRY_BLOCK_CACHE", "48M");
    CHECK(must_configure({.file = file}).block_cache_bytes == 48 * MiB);
    CHECK(!must_configure({.file = sized, .flags = {{"block-cache", " auto "}}}).block_cache_bytes);  // flag over all
  }
  // What --show-config prints reads back as the same setting.
  quarry::RocksOptions rocks;
  auto described = quarry::describe_rocks_options(rocks);
  auto cache = std::find_if(described.begin(), described.end(), [](const auto& s) { return s.key == "block-cache"; });
  REQUIRE(cache != described.end());
  CHECK(cache->value == "auto");
  rocks.block_cache_bytes = 96 * MiB;
  CHECK(quarry::apply_rocks_setting(rocks, {"block-cache", "auto", "test"}).has_value());
  CHECK(!rocks.block_cache_bytes);
  // Not sizes: refused with the setting's origin, saying what is expected; nothing changes.
  for (const char* bad : {"automatic", "auto 64M", "-1", "2T", "2048G", "64 M B", ""}) {
    CAPTURE(bad);
    rocks.block_cache_bytes = 96 * MiB;
    auto r = quarry::apply_rocks_setting(rocks, {"block-cache", bad, "flag --block-cache"});
    REQUIRE(!r);
    CHECK(r.error().code == quarry::ErrorCode::InvalidArgument);
    CHECK(r.error().message.find("flag --block-cache: block-cache") != std::string::npos);
    CHECK(r.error().message.find("expected auto, or a size from 0 to 1024G") != std::string::npos);
    CHECK(rocks.block_cache_bytes == 96 * MiB);
  }
}

TEST_CASE("the preset of the most specific source applies first; explicit settings beat it") {
  ScratchDir dir;
  std::string file = write_file(dir, "quarry.conf", "preset = large-state\nbloom-bits = 12\n");
  auto file_only = must_configure({.file = file, .environment = false});
  CHECK(file_only.tuning.compression == quarry::RocksCompression::Zstd);   // from the preset
  CHECK(file_only.tuning.block_size_bytes == 16 * 1024);
  CHECK(file_only.tuning.bloom_bits_per_key == 12);                        // the file's own line
  {
    ScopedEnv preset("QUARRY_PRESET", "write-heavy");
    auto env = must_configure({.file = file});
    CHECK(env.tuning.write_buffer_bytes == quarry::preset("write-heavy")->write_buffer_bytes);
    CHECK(env.tuning.block_size_bytes == quarry::StoreTuning{}.block_size_bytes);  // not large-state's
    CHECK(env.tuning.bloom_bits_per_key == 12);                                    // the file's setting
    auto flag = must_configure({.file = file, .flags = {{"preset", "low-latency"}}});
    CHECK(flag.tuning.max_write_buffers == quarry::preset("low-latency")->max_write_buffers);
    CHECK(flag.tuning.bloom_bits_per_key == 12);
  }
  auto levels = must_configure({.environment = false, .flags = {{"compression-per-level", "none, lz4,zstd"}}});
  CHECK(levels.tuning.compression_per_level ==
        std::vector{quarry::RocksCompression::None, quarry::RocksCompression::Lz4, quarry::RocksCompression::Zstd});
}

TEST_CASE("bad keys, values and files are refused with their origin, and nothing changes") {
  ScratchDir dir;
  struct Case {
    const char* key;
    const char* value;
  };
  for (Case c : {Case{"block-size", "abc"}, Case{"block-size", "100"}, Case{"block-size", "2M"},
                 Case{"bloom-bits", "-1"}, Case{"bloom-bits", "33"}, Case{"bloom-bits", "1.5"},
                 Case{"compression", "gzip"}, Case{"compression-per-level", "lz4,,zstd"},
                 Case{"compression-per-level", "none,none,none,none,none,none,none,none"},
                 Case{"write-buffer", "1K"}, Case{"max-write-buffers", "1"}, Case{"background-jobs", "0"},
                 Case{"sync", "maybe"}, Case{"block-cache", "12Q"}, Case{"preset", "fastest"},
                 Case{"partitioned-filters", "2"}, Case{"no-such-setting", "1"}}) {
    CAPTURE(c.key);
    CAPTURE(c.value);
    auto r = quarry::configure({}, {.environment = false, .flags = {{c.key, c.value}}});
    REQUIRE(!r);
    CHECK(r.error().code == quarry::ErrorCode::InvalidArgument);
    CHECK(r.error().message.find(c.key) != std::string::npos);
  }
  // A bad line of a file names the file and line; an unknown key in it is refused when read.
  std::string file = write_file(dir, "bad.conf", "bloom-bits = 10\nblock-size = huge\n");
  auto r = quarry::configure({}, {.file = file, .environment = false});
  REQUIRE(!r);
  CHECK(r.error().message.find("bad.conf line 2") != std::string::npos);
  std::string typo = write_file(dir, "typo.conf", "blom-bits = 10\n");
  r = quarry::configure({}, {.file = typo, .environment = false});
  REQUIRE(!r);
  CHECK(r.error().message.find("typo.conf line 1: unknown setting \"blom-bits\"") != std::string::npos);
  std::string no_eq = write_file(dir, "noeq.conf", "bloom-bits 10\n");
  CHECK(!quarry::configure({}, {.file = no_eq, .environment = false}));
  r = quarry::configure({}, {.file = dir / "missing.conf", .environment = false});
  REQUIRE(!r);
  CHECK(r.error().code == quarry::ErrorCode::StorageIo);
  // A bad environment variable names itself, even when a flag sets the same key.
  ScopedEnv env("QUARRY_WRITE_BUFFER", "lots");
  r = quarry::configure({}, {.flags = {{"write-buffer", "64M"}}});
  REQUIRE(!r);
  CHECK(r.error().message.find("QUARRY_WRITE_BUFFER") != std::string::npos);
}

TEST_CASE("every preset opens a database that transacts, reopens and answers") {
  for (const auto& name : quarry::preset_names()) {
    CAPTURE(name);
    ScratchDir dir;
    quarry::Options options{.path = dir / "db", .sync_writes = false};
    options.tuning = *quarry::preset(name);
    std::uint64_t before = 0;
    {
      auto db = quarry::Database::open(options);
      REQUIRE(db.has_value());
      before = db->stats()->datoms;
      REQUIRE(db->transact(R"([{:name "Ann"} {:name "Bob"}])").has_value());
      REQUIRE(db->stats()->datoms > before + 2);  // and the new attribute :name
      before = db->stats()->datoms;
      REQUIRE(db->compact().has_value());
    }
    auto db = quarry::Database::open(options);
    REQUIRE(db.has_value());
    CHECK(db->stats()->datoms == before);
    CHECK(quarry::to_edn(quarry::q("[:find (count ?e) . :where [?e :name]]", {db->db()})->value) == "2");
  }
}

TEST_CASE("quarry: --show-config prints the settings by precedence; a bad setting opens nothing") {
  ScratchDir dir;
  std::string file = write_file(dir, "q.conf", "preset = large-state\nbloom-bits = 12\nblock-cache = 128M\n");
  auto by_default = run_quarry({"--show-config"});
  CHECK(by_default.status == 0);
  CHECK(by_default.out.find(":block-cache \"auto\"") != std::string::npos);
  auto shown = run_quarry({"--config", file, "--show-config"});
  CHECK(shown.status == 0);
  CHECK(shown.out.find(":bloom-bits \"12\"") != std::string::npos);
  CHECK(shown.out.find(":block-size \"16K\"") != std::string::npos);
  CHECK(shown.out.find(":block-cache \"128M\"") != std::string::npos);
  {
    ScopedEnv env("QUARRY_BLOOM_BITS", "8");
    ScopedEnv config("QUARRY_CONFIG", file);
    auto env_over_file = run_quarry({"--show-config"});
    CHECK(env_over_file.out.find(":bloom-bits \"8\"") != std::string::npos);
    CHECK(env_over_file.out.find(":block-cache \"128M\"") != std::string::npos);
    auto flag_over_env = run_quarry({"--set", "bloom-bits=6", "--block-cache", "1G", "--show-config"});
    CHECK(flag_over_env.out.find(":bloom-bits \"6\"") != std::string::npos);
    CHECK(flag_over_env.out.find(":block-cache \"1G\"") != std::string::npos);
  }
  // A bad value: one #error line, exit status 1, and the database directory is never created.
  std::string db = dir / "never";
  auto bad = run_quarry({db, "--set", "block-size=abc", "-e", "(transact! [{:name \"x\"}])"});
  CHECK(bad.status == 1);
  CHECK(bad.out.starts_with("#error {:code :quarry/invalid-argument"));
  CHECK(bad.out.find("block-size") != std::string::npos);
  CHECK(!std::filesystem::exists(db));
  bad = run_quarry({db, "--preset", "turbo", "-e", "1"});
  CHECK(bad.status == 1);
  CHECK(!std::filesystem::exists(db));
  // A preset given as a flag opens, transacts and reads.
  auto ok = run_quarry({db, "--preset", "write-heavy", "-e", "(transact! [{:name \"x\"}])"});
  CHECK(ok.status == 0);
  CHECK(std::filesystem::exists(db));
}
