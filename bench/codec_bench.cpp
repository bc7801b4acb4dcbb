// Encode/decode throughput of the order-preserving value codec, per value kind, and the compact
// id form against fixed 8-byte ids. Fixed seed; prints a table. Usage: bench_codec_bench [N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "codec/value_codec.hpp"

using namespace quarry;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Row {
  const char* kind;
  std::function<Value(std::mt19937_64&)> make;
};

void run_value_row(const Row& row, std::size_t n) {
  std::mt19937_64 rng(42);
  std::vector<Value> values;
  values.reserve(n);
  for (std::size_t i = 0; i < n; ++i) values.push_back(row.make(rng));

  // Encoding into one reused key buffer, as index writers do; the bytes are kept for decoding.
  std::string key;
  std::size_t bytes = 0;
  auto start = Clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    key.clear();
    if (!codec::append_value(key, values[i])) std::abort();
    bytes += key.size();
  }
  double encode_s = seconds_since(start);

  std::vector<std::string> encoded(n);
  for (std::size_t i = 0; i < n; ++i) encoded[i] = *codec::encode_value(values[i]);

  start = Clock::now();
  std::size_t checksum = 0;
  for (const auto& e : encoded) {
    std::string_view in = e;
    auto v = codec::decode_value(in);
    if (!v) std::abort();
    checksum += static_cast<std::size_t>(v->kind());
  }
  double decode_s = seconds_since(start);
  std::printf("| %-14s | %9zu | %10.1f | %10.1f | %8.1f | %6.1f |\n", row.kind, n, n / encode_s / 1e6,
              n / decode_s / 1e6, bytes / encode_s / 1e6, static_cast<double>(bytes) / n);
  if (checksum == 0) std::puts("");
}

void run_id_rows(std::size_t n) {
  std::mt19937_64 rng(7);
  std::vector<std::uint64_t> ids(n);
  for (auto& id : ids) id = 1 + rng() % 1'000'000;  // entity ids of a million-entity database
  for (bool compact : {true, false}) {
    std::string buf;
    buf.reserve(n * 9);
    auto start = Clock::now();
    for (auto id : ids) compact ? codec::append_uint(buf, id) : codec::append_uint_fixed(buf, id);
    double encode_s = seconds_since(start);
    std::string_view in = buf;
    std::uint64_t sum = 0;
    start = Clock::now();
    while (!in.empty()) sum += compact ? *codec::decode_uint(in) : *codec::decode_uint_fixed(in);
    double decode_s = seconds_since(start);
    std::printf("| %-14s | %9zu | %10.1f | %10.1f | %8.1f | %6.1f |\n",
                compact ? "id compact" : "id fixed-8", n, n / encode_s / 1e6, n / decode_s / 1e6,
                buf.size() / encode_s / 1e6, static_cast<double>(buf.size()) / n);
    if (sum == 0) std::puts("");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  auto word = [](std::mt19937_64& r, std::size_t len) {
    std::string s;
    for (std::size_t i = 0; i < len; ++i) s.push_back(static_cast<char>('a' + r() % 26));
    return s;
  };
  std::vector<Row> rows = {
      {"long (small)", [](auto& r) { return Value(static_cast<std::int64_t>(r() % 100000)); }},
      {"long (any)", [](auto& r) { return Value(static_cast<std::int64_t>(r())); }},
      {"double", [](auto& r) { return Value(static_cast<double>(r() % 1000000) / 7.0); }},
      {"string 12", [&](auto& r) { return Value(word(r, 12)); }},
      {"string 100", [&](auto& r) { return Value(word(r, 100)); }},
      {"keyword ns/n", [&](auto& r) { return Value(Keyword{word(r, 6), word(r, 8)}); }},
      {"ref", [](auto& r) { return Value(EntityId{1 + r() % 1000000}); }},
      {"instant", [](auto& r) { return Value(Instant{static_cast<std::int64_t>(r() % (1ULL << 41))}); }},
      {"tuple 3", [&](auto& r) {
         return Value(Vector{{Value(static_cast<std::int64_t>(r() % 1000)), Value(word(r, 6)), Value(true)}});
       }},
  };
  std::printf("value codec, %zu values per row (M/s = millions per second)\n\n", n);
  std::printf("| kind           |    values | encode M/s | decode M/s | enc MB/s | bytes |\n");
  std::printf("|----------------|----------:|-----------:|-----------:|---------:|------:|\n");
  for (const Row& row : rows) run_value_row(row, n);
  run_id_rows(n);
}
