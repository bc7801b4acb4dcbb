// A progress bar on standard error for long interactive work (.import):
//   [##############----------------]  47%  47,000 / 100,000 operations
// redrawn in place with '\r' only when the shown figure changes, and erased by finish().
#pragma once

#include <cstddef>
#include <string>

namespace quarry::repl {

class ProgressBar {
 public:
  explicit ProgressBar(std::string unit) : unit_(std::move(unit)) {}
  ~ProgressBar() { finish(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(std::size_t done, std::size_t total);
  // Erases the bar (if one was drawn).
  void finish();

 private:
  std::string unit_;
  int shown_permille_ = -1;
};

// 1234567 -> "1,234,567".
[[nodiscard]] std::string with_thousands(std::size_t n);

}  // namespace quarry::repl
