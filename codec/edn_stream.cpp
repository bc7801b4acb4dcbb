#include "codec/edn_reader.hpp"
#include "codec/edn_scan.hpp"

namespace quarry {
namespace {

// In Eager mode, below this many pending bytes a partial form is simply re-parsed on every
// next(): cheap, and a syntax error in typed input is reported as soon as its line arrives. It
// bounds the work per fed line, so a long form fed line by line stays linear.
constexpr std::size_t kAlwaysReparse = 1024;

}  // namespace

EdnStreamReader::EdnStreamReader(EdnReadOptions options, TextPosition start, StreamErrors errors)
    : options_(options), errors_(errors), position_(start), partial_scan_(std::make_unique<EdnBracketScan>()) {}

EdnStreamReader::EdnStreamReader(EdnStreamReader&&) noexcept = default;
EdnStreamReader& EdnStreamReader::operator=(EdnStreamReader&&) noexcept = default;
EdnStreamReader::~EdnStreamReader() = default;

void EdnStreamReader::feed(std::string_view text) {
  buffer_.append(text);
}

Result<std::optional<EdnForm>> EdnStreamReader::next() {
  if (pending() == 0 || !worth_parsing()) return std::nullopt;
  ReadStep step =
      read_next_form(std::string_view(buffer_).substr(start_), position_, finished_, options_);
  switch (step.status) {
    case ReadStatus::Incomplete:
      partial_size_ = pending();
      return std::nullopt;
    case ReadStatus::End:
      consume(step.consumed);
      return std::nullopt;
    case ReadStatus::Form:
      consume(step.consumed);
      return std::move(step.form);
    case ReadStatus::Error:
      consume(step.consumed);
      return std::unexpected(std::move(*step.error));
  }
  return std::nullopt;
}

void EdnStreamReader::discard_pending() {
  consume(pending());
}

bool EdnStreamReader::worth_parsing() {
  if (finished_) return true;
  if (errors_ == StreamErrors::Eager &&
      (partial_size_ == 0 || pending() < kAlwaysReparse || pending() >= 2 * partial_size_))
    return true;
  // Worth a parse when the brackets balanced at any byte of the new text: a form may end there
  // even if the next one has already begun.
  bool balanced_somewhere = false;
  for (char c : std::string_view(buffer_).substr(start_ + partial_scanned_)) {
    partial_scan_->step(static_cast<unsigned char>(c));
    balanced_somewhere = balanced_somewhere || partial_scan_->balanced();
  }
  partial_scanned_ = pending();
  return balanced_somewhere;
}

void EdnStreamReader::consume(std::size_t n) {
  position_ = advance_position(position_, std::string_view(buffer_).substr(start_, n));
  start_ += n;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > 4096 && start_ > buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  partial_size_ = 0;
  partial_scanned_ = 0;
  *partial_scan_ = EdnBracketScan{};
}

}  // namespace quarry
