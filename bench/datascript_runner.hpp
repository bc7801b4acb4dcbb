// Runs bench/datascript_bench.mjs under node for bench/compare_bench.cpp: writes the manifest it
// reads (datasets as EDN files, query texts and arguments as EDN), starts node, and reads back the
// one EDN map it prints (the format is in the comment at the top of datascript_bench.mjs).
//
// Anything missing — node, the script, the datascript package — or a failing script gives results
// with ran == false and a note saying why; the caller prints the note instead of the column.
#pragma once

#include <stdio.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <quarry/value.hpp>

#include "bench/bench_edn.hpp"

namespace quarry::bench {

struct DataScriptDataset {
  std::string name{};
  std::string base{};  // "" = an empty database with the schema
  std::vector<std::filesystem::path> files{};  // tx-data, one d/db-with each
};

struct DataScriptCase {
  std::string name{};
  std::string db{};  // a DataScriptDataset's name
  std::string query_edn{};
  std::vector<std::string> args_edn{};  // the :in values after $, as EDN
};

struct DataScriptRun {
  std::string node = "node";
  std::filesystem::path script{};   // datascript_bench.mjs
  int runs = 7;                     // timed runs per case
  std::filesystem::path schema{};   // schema.edn
  std::filesystem::path scratch{};  // where the manifest is written
  std::vector<DataScriptDataset> datasets{};
  std::vector<DataScriptCase> cases{};
};

struct DataScriptResults {
  bool ran = false;
  std::string note{};  // why the column is empty, or which DataScript ran
  std::map<std::string, double> median_ms{}, min_ms{};
  std::map<std::string, std::size_t> count{};
  std::map<std::string, std::string> error{};  // cases that threw
  std::map<std::string, double> load_ms{};     // per dataset
};

inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') (out += '\\') += ch;
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else out += ch;
  }
  return out + "\"";
}

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

inline std::string datascript_manifest(const DataScriptRun& run) {
  std::string m = "{\"runs\": " + std::to_string(run.runs) + ",\n \"schema\": " + json_string(run.schema.string()) + ",\n \"datasets\": [";
  for (std::size_t i = 0; i < run.datasets.size(); ++i) {
    const DataScriptDataset& ds = run.datasets[i];
    m += std::string(i ? ",\n   " : "") + "{\"name\": " + json_string(ds.name) +
         ", \"base\": " + (ds.base.empty() ? "null" : json_string(ds.base)) + ", \"files\": [";
    for (std::size_t f = 0; f < ds.files.size(); ++f) m += (f ? ", " : "") + json_string(ds.files[f].string());
    m += "]}";
  }
  m += "],\n \"cases\": [";
  for (std::size_t i = 0; i < run.cases.size(); ++i) {
    const DataScriptCase& c = run.cases[i];
    m += std::string(i ? ",\n   " : "") + "{\"name\": " + json_string(c.name) + ", \"db\": " + json_string(c.db) +
         ", \"query\": " + json_string(c.query_edn) + ", \"args\": [";
    for (std::size_t a = 0; a < c.args_edn.size(); ++a) m += (a ? ", " : "") + json_string(c.args_edn[a]);
    m += "]}";
  }
  return m + "]}\n";
}

inline DataScriptResults run_datascript(const DataScriptRun& run) {
  DataScriptResults out;
  if (std::system(("command -v " + shell_quote(run.node) + " >/dev/null 2>&1").c_str()) != 0) {
    out.note = "DataScript left out: no `" + run.node + "` on PATH (install node, then bench/setup-datascript)";
    return out;
  }
  if (!std::filesystem::exists(run.script)) {
    out.note = "DataScript left out: " + run.script.string() + " not found";
    return out;
  }
  const std::filesystem::path manifest = run.scratch / "datascript-manifest.json";
  std::ofstream(manifest) << datascript_manifest(run);

  // A large heap for the 2,000,000-datom mode; node's stderr (progress) goes straight to ours.
  const std::string command = shell_quote(run.node) + " --max-old-space-size=12288 " + shell_quote(run.script.string()) + " " +
                              shell_quote(manifest.string());
  std::printf("(DataScript: %s %s)\n", run.node.c_str(), run.script.filename().c_str());
  std::fflush(stdout);
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) {
    out.note = "DataScript left out: cannot start node";
    return out;
  }
  std::string text;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) text.append(buf, n);
  const int status = pclose(pipe);
  auto parsed = read_edn(text);
  if (status != 0 || !parsed || !parsed->is<Map>()) {
    out.note = "DataScript left out: `" + command + "` failed (status " + std::to_string(status) + "): " + text.substr(0, 300);
    return out;
  }
  if (const Value* skipped = lookup(*parsed, "skipped")) {
    out.note = "DataScript left out: " + skipped->as<std::string>();
    return out;
  }
  auto number = [](const Value& v) { return v.is<double>() ? v.as<double>() : static_cast<double>(v.as<std::int64_t>()); };
  out.ran = true;
  out.note = "DataScript " + lookup(*parsed, "datascript")->as<std::string>() + " under node";
  for (const auto& [k, v] : lookup(*parsed, "load")->as<Map>().entries) out.load_ms[k.as<std::string>()] = number(v);
  for (const auto& [k, v] : lookup(*parsed, "cases")->as<Map>().entries) {
    const std::string name = k.as<std::string>();
    if (const Value* e = lookup(v, "error")) {
      out.error[name] = e->as<std::string>();
      continue;
    }
    out.count[name] = static_cast<std::size_t>(lookup(v, "count")->as<std::int64_t>());
    out.median_ms[name] = number(*lookup(v, "median"));
    out.min_ms[name] = number(*lookup(v, "min"));
  }
  return out;
}

}  // namespace quarry::bench
