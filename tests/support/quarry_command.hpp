// Running the `quarry` binary from tests, as a user or a script would (doc/architecture.md, "The quarry command").
//
// The binary is found at $QUARRY_TEST_BINARY_DIR/../repl/quarry (CTest sets that variable to
// build/tests for every test), or at $QUARRY_BINARY when set.
#pragma once

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace quarry::testing {

inline std::string quarry_binary() {
  if (const char* path = std::getenv("QUARRY_BINARY"); path && *path) return path;
  const char* dir = std::getenv("QUARRY_TEST_BINARY_DIR");
  std::filesystem::path base = dir && *dir ? dir : ".";
  return (base / ".." / "repl" / "quarry").lexically_normal().string();
}

// A fresh directory, removed with its contents when the object goes.
class ScratchDir {
 public:
  ScratchDir() {
    const char* base = std::getenv("QUARRY_TEST_BINARY_DIR");
    static std::atomic<int> counter{0};
    path_ = std::filesystem::path(base && *base ? base : std::filesystem::temp_directory_path().string()) /
            ("quarry-cmd-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  [[nodiscard]] std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct CommandResult {
  std::string out;  // standard output
  int status = -1;  // exit status, or 128 + signal
};

// Runs `quarry ARGS...` with `input` on standard input (from a file, so it is not a terminal)
// and standard error discarded; waits for it to exit.
inline CommandResult run_quarry(const std::vector<std::string>& args, const std::string& input = {}) {
  ScratchDir scratch;
  std::string input_path = scratch / "stdin";
  write_file(input_path, input);
  int out[2];
  REQUIRE(::pipe(out) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int in = ::open(input_path.c_str(), O_RDONLY);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(in, 0);
    ::dup2(out[1], 1);
    ::dup2(null, 2);
    ::close(out[0]);
    std::string binary = quarry_binary();
    std::vector<char*> argv{binary.data()};
    std::vector<std::string> copies(args);
    for (auto& a : copies) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  CommandResult result;
  char buffer[4096];
  for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) > 0;) result.out.append(buffer, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

// The lines of `text` (without their '\n').
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace quarry::testing
