#include "api/import_reader.hpp"

#include <algorithm>

#include "codec/edn_chars.hpp"

namespace quarry::import_detail {
namespace {

// Bytes read from the input at a time; doubled while one form is longer than the window.
constexpr std::size_t kChunk = std::size_t{1} << 20;

std::string where(const std::string& name, const TextPosition& at) {
  return name + " (line " + std::to_string(at.line) + ", column " + std::to_string(at.column) + ")";
}

}  // namespace

std::string FormSource::describe(const FormSpan& span) const {
  auto at = [](const TextPosition& p) {
    return "line " + std::to_string(p.line) + ", column " + std::to_string(p.column);
  };
  if (span.whole) return at(span.vector_start);
  return "forms " + std::to_string(span.first_form + 1) + "-" + std::to_string(span.first_form + span.forms) +
         " of the vector at " + at(span.vector_start);
}

std::string describe_lines(const FormSpan& span) {
  if (span.first.line == span.last.line) return "line " + std::to_string(span.first.line);
  return "lines " + std::to_string(span.first.line) + "-" + std::to_string(span.last.line);
}

Result<ReadEvent> RowSource::next() {
  if (held_) {
    ReadEvent e = std::move(*held_);
    held_.reset();
    return e;
  }
  auto row = next_row();
  if (!row) return std::unexpected(row.error());
  if (!*row) {
    const TextPosition at{0, last_line_, 1};
    if (!open_) return ReadEvent{ReadEvent::Kind::End, Value(), at};
    open_ = false;
    return ReadEvent{ReadEvent::Kind::VectorEnd, Value(), at};
  }
  last_line_ = (*row)->line;
  ReadEvent form{ReadEvent::Kind::Form, std::move((*row)->entity), TextPosition{0, last_line_, 1}};
  if (open_) return form;
  open_ = true;
  held_ = std::move(form);
  return ReadEvent{ReadEvent::Kind::VectorStart, Value(), TextPosition{0, last_line_, 1}};
}

ImportReader::ImportReader(std::istream& in, std::string name) : in_(in), name_(std::move(name)) {}

bool ImportReader::fill() {
  if (eof_) return false;
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  const std::size_t want = std::max(kChunk, buffer_.size() - start_);
  const std::size_t old = buffer_.size();
  buffer_.resize(old + want);
  in_.read(buffer_.data() + old, static_cast<std::streamsize>(want));
  const auto got = static_cast<std::size_t>(in_.gcount());
  buffer_.resize(old + got);
  bytes_read_ += got;
  if (in_.bad()) {
    io_error_ = true;
    eof_ = true;
    return false;
  }
  if (got < want) eof_ = true;
  return got > 0;
}

void ImportReader::consume(std::size_t n) {
  at_ = advance_position(at_, window().substr(0, n));
  start_ += n;
}

std::unexpected<Error> ImportReader::syntax(const Error& e) const {
  return std::unexpected(Error{e.code, name_ + ": " + e.message});
}

Result<void> ImportReader::skip_blank() {
  for (;;) {
    if (window().empty() && !fill()) break;
    std::string_view w = window();
    std::size_t n = 0;
    while (n < w.size() && edn_chars::is_whitespace(static_cast<unsigned char>(w[n]))) ++n;
    if (n > 0) {
      consume(n);
      continue;
    }
    if (w[0] != ';') break;
    const std::size_t newline = w.find('\n');
    if (newline == std::string_view::npos) {
      if (fill()) continue;  // the comment may go on in the next chunk
      consume(w.size());
      break;
    }
    consume(newline + 1);
  }
  if (io_error_) return fail(ErrorCode::StorageIo, "cannot read " + name_ + ": a read failed");
  return {};
}

Result<std::optional<EdnForm>> ImportReader::read_form() {
  for (;;) {
    ReadStep step = read_next_form(window(), at_, eof_);
    switch (step.status) {
      case ReadStatus::Form:
        consume(step.consumed);
        return std::move(step.form);
      case ReadStatus::Error:
        return syntax(*step.error);
      case ReadStatus::End:
        consume(step.consumed);
        if (eof_) return std::optional<EdnForm>();
        break;
      case ReadStatus::Incomplete:
        break;
    }
    fill();
    if (io_error_) return fail(ErrorCode::StorageIo, "cannot read " + name_ + ": a read failed");
  }
}

Result<ReadEvent> ImportReader::whole_vector(EdnForm form) {
  for (const Value& item : form.value.as<Vector>().items) queued_.push_back(item);
  queued_start_ = form.start;
  queued_end_ = form.end;
  in_whole_ = true;
  return ReadEvent{ReadEvent::Kind::VectorStart, Value(), form.start};
}

Result<ReadEvent> ImportReader::next() {
  if (in_whole_) {
    if (!queued_.empty()) {
      ReadEvent e{ReadEvent::Kind::Form, std::move(queued_.front()), queued_start_};
      queued_.pop_front();
      return e;
    }
    in_whole_ = false;
    return ReadEvent{ReadEvent::Kind::VectorEnd, Value(), queued_end_};
  }
  for (;;) {
    if (auto skipped = skip_blank(); !skipped) return std::unexpected(skipped.error());
    std::string_view w = window();
    if (in_vector_) {
      if (w.empty()) {
        return fail(ErrorCode::EdnSyntax,
                    name_ + ": unexpected end of input at line " + std::to_string(at_.line) + ", column " +
                        std::to_string(at_.column) + ": expected ']' or a form (the '[' at line " +
                        std::to_string(open_.line) + ", column " + std::to_string(open_.column) +
                        " is not closed)");
      }
      if (w[0] == ']') {
        consume(1);
        in_vector_ = false;
        return ReadEvent{ReadEvent::Kind::VectorEnd, Value(), at_};
      }
      if (w[0] == '#' && w.size() < 2 && !eof_) {
        fill();  // "#" may be the start of "#_"
        continue;
      }
      if (w.starts_with("#_")) {
        const TextPosition discard = at_;
        consume(2);
        if (auto skipped = skip_blank(); !skipped) return std::unexpected(skipped.error());
        if (!window().empty() && window()[0] == ']')
          return fail(ErrorCode::EdnSyntax, name_ + ": the #_ at line " + std::to_string(discard.line) +
                                                ", column " + std::to_string(discard.column) +
                                                " has no form to discard before ']'");
        auto dropped = read_form();
        if (!dropped) return std::unexpected(dropped.error());
        continue;
      }
      const TextPosition at = at_;
      auto form = read_form();
      if (!form) return std::unexpected(form.error());
      if (!*form) continue;  // cannot happen: the window was not blank
      return ReadEvent{ReadEvent::Kind::Form, std::move((*form)->value), at};
    }
    if (w.empty()) return ReadEvent{ReadEvent::Kind::End, Value(), at_};
    if (w[0] == '[') {
      open_ = at_;
      consume(1);
      in_vector_ = true;
      return ReadEvent{ReadEvent::Kind::VectorStart, Value(), open_};
    }
    auto form = read_form();
    if (!form) return std::unexpected(form.error());
    if (!*form) return ReadEvent{ReadEvent::Kind::End, Value(), at_};
    if (!(*form)->value.is<Vector>())
      return fail(ErrorCode::InvalidArgument,
                  "the form at " + where(name_, (*form)->start) + " is not a transaction vector");
    return whole_vector(std::move(**form));
  }
}

}  // namespace quarry::import_detail
