// The golden case files of one folder under tests/golden, and reading them.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::testing {

// tests/golden/<folder> in the source tree (QUARRY_TESTS_DIR is set by tests/CMakeLists.txt).
inline std::filesystem::path golden_dir(std::string_view folder) {
  return std::filesystem::path(QUARRY_TESTS_DIR) / "golden" / folder;
}

// Its *.edn files, sorted by name.
inline std::vector<std::filesystem::path> golden_files(std::string_view folder) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(golden_dir(folder)))
    if (entry.path().extension() == ".edn") out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

// The whole file ("" if it cannot be read).
inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace quarry::testing
