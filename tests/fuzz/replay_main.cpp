// Runs a fuzz target's LLVMFuzzerTestOneInput once on every file named on the command line, and on
// every file (recursively, in name order) of every directory named: the corpus replay that the
// default test suite runs, so every corpus input and every saved crash is a regression test in
// every build (plain, ASan+UBSan, TSan) without libFuzzer. An argument "optional:PATH" may be
// missing (a target's regressions/ folder exists once libFuzzer has found something). Files named
// README.md are skipped. Exit status 0 when every input ran (and there was at least one); an input
// that breaks an invariant aborts the process (the file being run is printed first).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    const bool optional = arg.starts_with("optional:");
    fs::path p = optional ? arg.substr(9) : arg;
    if (optional && !fs::exists(p)) continue;
    if (fs::is_directory(p)) {
      for (const auto& entry : fs::recursive_directory_iterator(p))
        if (entry.is_regular_file() && entry.path().filename() != "README.md") files.push_back(entry.path());
    } else if (fs::is_regular_file(p)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "no such file or directory: %s\n", argv[i]);
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "running %s (%zu bytes)\n", f.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("%zu inputs ran\n", files.size());
  return files.empty() ? 1 : 0;
}
