// KeyStreams (api/import_key_streams.hpp), the bulk import's ordered streams of EAVT and AEVT
// entries, and the run files they write (api/import_run_file.hpp): every entry held comes out
// exactly once — in a stream's file (each sorted) or through the fallback to the sort — whether
// the keys ascend, break order now and then, or break it so often that the space falls back.
#include <doctest/doctest.h>

#include "api/import_key_streams.hpp"
#include "api/import_run_file.hpp"
#include "support/temp_path.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "index/datom.hpp"
#include "index/key_layout.hpp"

namespace {

using quarry::import_detail::KeyStreams;
using quarry::import_detail::RunReader;
using quarry::import_detail::RunWriter;
using quarry::import_detail::SortedFile;
using quarry::testing::TempPath;

// An AEVT-like key: attribute (compact), entity (compact), value byte.
std::string aevt_key(std::uint64_t a, std::uint64_t e, char v) {
  std::string k;
  quarry::keys::append_compact(k, a);
  quarry::keys::append_compact(k, e);
  k += v;
  return k;
}

// An EAVT-like key: entity (compact), attribute (compact), value byte.
std::string eavt_key(std::uint64_t e, std::uint64_t a, char v) { return aevt_key(e, a, v); }

struct Harness {
  explicit Harness(KeyStreams::Split split, std::size_t batch = 1 << 20)
      : dir("key-streams"), streams(split, [this] { return dir.str() + "/s" + std::to_string(++files); }, batch) {
    std::filesystem::create_directories(dir.str());
  }
  // As BulkSorter does: once the space fell back, its entries go to the sort directly.
  void hold(const std::string& key) {
    if (streams.fell_back()) ++fallen[key];
    else streams.hold(key, "v" + key);
    ++expected[key];
  }
  void end_transaction() {
    auto r = streams.flush([this](std::string_view k, std::string_view v) -> quarry::Result<void> {
      CHECK(v == "v" + std::string(k));
      ++fallen[std::string(k)];
      return {};
    });
    REQUIRE(r.has_value());
  }
  // Reads the files back; checks each is sorted, every entry came out once, with its value.
  std::vector<SortedFile> check() {
    auto files = streams.finish();
    REQUIRE(files.has_value());
    std::map<std::string, int> seen = fallen;
    for (const SortedFile& f : *files) {
      RunReader r(f.path);
      REQUIRE(r.open());
      std::string last;
      bool first = true;
      while (r.next()) {
        if (first) CHECK(r.key == f.first);
        else CHECK(std::string(r.key) > last);
        CHECK(r.value == "v" + std::string(r.key));
        last = r.key;
        first = false;
        ++seen[last];
      }
      CHECK_FALSE(r.failed());
      CHECK(last == f.last);
    }
    CHECK(seen == expected);
    return std::move(*files);
  }

  TempPath dir;
  int files = 0;
  KeyStreams streams;
  std::map<std::string, int> expected, fallen;
};

}  // namespace

TEST_CASE("run files: entries read back as written, small and larger than the reader's buffer") {
  TempPath dir("run-file");
  std::filesystem::create_directories(dir.str());
  const std::string path = dir.str() + "/run";
  std::vector<std::pair<std::string, std::string>> entries = {
      {"a", ""}, {"", "v"}, {"b", std::string(3 << 20, 'x')}, {"c", "w"}, {std::string(5000, 'k'), "z"}};
  {
    RunWriter w(path, 1 << 16);
    for (const auto& [k, v] : entries) w.put(k, v);
    REQUIRE(w.close().has_value());
  }
  RunReader r(path);
  REQUIRE(r.open());
  for (const auto& [k, v] : entries) {
    REQUIRE(r.next());
    CHECK(r.key == k);
    CHECK(r.value == v);
  }
  CHECK_FALSE(r.next());
  CHECK_FALSE(r.failed());
  // A truncated file is an error, not an early end.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 1);
  RunReader cut(path);
  int n = 0;
  while (cut.next()) ++n;
  CHECK(n == 4);
  CHECK(cut.failed());
}

TEST_CASE("AEVT keys of new entities: one stream per attribute, no fallback, files that do not overlap") {
  Harness h(KeyStreams::Split::ByAttribute);
  std::uint64_t e = 1;
  for (int tx = 0; tx < 20; ++tx) {
    // Each transaction's maps name their attributes in the file's order, not the key's.
    for (int m = 0; m < 50; ++m, ++e)
      for (std::uint64_t a : {7, 3, 12, 5}) h.hold(aevt_key(a, e, static_cast<char>('a' + (e * a) % 5)));
    h.end_transaction();
  }
  CHECK_FALSE(h.streams.fell_back());
  auto files = h.check();
  CHECK(files.size() == 4);
  CHECK(h.fallen.empty());
}

TEST_CASE("EAVT keys: user entities and transaction entities are two streams") {
  Harness h(KeyStreams::Split::ByPartition);
  std::uint64_t e = 1;
  for (std::uint64_t tx = quarry::kTx0 + 1; tx < quarry::kTx0 + 30; ++tx) {
    for (int m = 0; m < 40; ++m, ++e)
      for (std::uint64_t a : {9, 2, 4}) h.hold(eavt_key(e, a, 'x'));
    h.hold(eavt_key(tx, 1, 'i'));  // :db/txInstant of the transaction's own entity
    h.end_transaction();
  }
  auto files = h.check();
  CHECK(files.size() == 2);
  CHECK(h.fallen.empty());
}

TEST_CASE("order that breaks now and then: the stream's file is kept and a new one begins") {
  Harness h(KeyStreams::Split::ByPartition);
  // New entities, then facts about the first ones again (as the people's :follows), then new ones.
  for (std::uint64_t e = 1; e <= 300; ++e) h.hold(eavt_key(e, 3, 'a'));
  h.end_transaction();
  for (std::uint64_t e = 1; e <= 300; e += 2) h.hold(eavt_key(e, 8, 'b'));
  h.end_transaction();
  for (std::uint64_t e = 301; e <= 400; ++e) h.hold(eavt_key(e, 3, 'a'));
  h.end_transaction();
  CHECK_FALSE(h.streams.fell_back());
  auto files = h.check();
  CHECK(files.size() == 2);  // 1..300 ; the :follows-like ones and 301..400
  CHECK(h.fallen.empty());
}

TEST_CASE("order broken in every transaction: past kMaxFiles files the space falls back to the sort") {
  Harness h(KeyStreams::Split::ByAttribute);
  // Explicit ids in descending order, a transaction each: every transaction breaks the stream.
  const std::uint64_t n = KeyStreams::kMaxFiles + 40;
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t e = 1000 - i;
    h.hold(aevt_key(4, e, 'a'));
    h.hold(aevt_key(4, e, 'b'));
    h.hold(aevt_key(6, e, 'c'));
    h.end_transaction();
  }
  CHECK(h.streams.fell_back());
  CHECK_FALSE(h.fallen.empty());
  auto files = h.check();
  CHECK(files.size() <= KeyStreams::kMaxFiles);
  // And after finish() the streams start afresh.
  CHECK_FALSE(h.streams.fell_back());
}

TEST_CASE("a transaction larger than the batch is flushed in parts; keys still come out once") {
  Harness h(KeyStreams::Split::ByAttribute, 256);
  std::uint64_t e = 1;
  for (int tx = 0; tx < 5; ++tx) {
    for (int m = 0; m < 100; ++m, ++e)
      for (std::uint64_t a : {2, 1}) {
        h.hold(aevt_key(a, e, 'q'));
        if (h.streams.full()) h.end_transaction();
      }
    h.end_transaction();
  }
  h.check();
}
