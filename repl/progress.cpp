#include "progress.hpp"

#include <cstdio>

namespace quarry::repl {

std::string with_thousands(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void ProgressBar::update(std::size_t done, std::size_t total) {
  constexpr int kWidth = 30;
  int permille = total == 0 ? 1000 : static_cast<int>(done * 1000 / total);
  if (permille == shown_permille_) return;
  shown_permille_ = permille;
  int filled = permille * kWidth / 1000;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '-');
  std::fprintf(stderr, "\r[%s] %3d%%  %s / %s %s", bar.c_str(), permille / 10, with_thousands(done).c_str(),
               with_thousands(total).c_str(), unit_.c_str());
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (shown_permille_ < 0) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  shown_permille_ = -1;
}

}  // namespace quarry::repl
