// Internal to api/: reads a file of tx-data vectors as a stream of events — a vector opens, one
// of its forms, the vector closes — holding only a window of the text (a few MiB), so a file
// that is one huge vector is never held whole. The forms themselves are read by the EDN reader
// (read_next_form), so what is accepted, and every syntax error with its line and column, is
// exactly what read_edn would say.
//
// Between the forms of a top-level vector this reader skips whitespace, commas, ; comments and
// #_ discards itself (the one part of EDN it handles). A top-level form that does not start with
// '[' is read whole by the EDN reader; a vector read that way (e.g. after a #_ discard) gives the
// same events.
#pragma once

#include <cstdint>
#include <deque>
#include <istream>
#include <string>

#include <quarry/quarry.hpp>

namespace quarry::import_detail {

struct ReadEvent {
  enum class Kind : unsigned char {
    VectorStart,  // `at` is the '['
    Form,         // `form` is one form of the open vector, starting at `at`
    VectorEnd,    // `at` is just past the ']'
    End,          // the input is exhausted (only whitespace and comments were left)
  };
  Kind kind = Kind::End;
  Value form{};
  TextPosition at{};
};

// Where the forms of one transaction came from, for its error message.
struct FormSpan {
  TextPosition vector_start{};  // the event VectorStart's position
  TextPosition first{}, last{};  // the first and the last form's
  std::uint64_t first_form = 0;  // forms of the vector before this transaction's
  std::uint64_t forms = 0;
  bool whole = true;  // the whole vector, not one part of a cut one
};

// What the importer reads: a stream of events, read on a thread of its own (ReadAhead in
// import.cpp), so a source must not touch the database. Implementations: ImportReader (EDN
// tx-data), CsvSource (import_csv.hpp), JsonLinesSource (import_json_lines.hpp).
class FormSource {
 public:
  virtual ~FormSource() = default;
  // The next event; after an error or End it is not called again.
  [[nodiscard]] virtual Result<ReadEvent> next() = 0;
  [[nodiscard]] virtual std::uint64_t bytes_read() const noexcept = 0;
  // Refuses an input whose rows refer to a tempid no row defines (import_tempid_check.hpp), reading
  // a seekable input through once and rewinding it; called before next() and before the import
  // writes anything — for a file imported by path, on a second source of the same file on a
  // thread of its own, while the import reads this one. A source that cannot rewind makes the
  // check as it reads instead, ending with the error in place of End. Default (EDN): nothing.
  [[nodiscard]] virtual Result<void> check_tempids() { return {}; }
  // Whether a form may name its transaction ("datomic.tx", :db/current-tx), which keeps its
  // vector from being cut. False for sources whose forms are entity maps of plain values.
  [[nodiscard]] virtual bool forms_may_name_transaction() const noexcept { return true; }
  // How a failed transaction's forms are named in its message: "line 3, column 1", or "forms
  // 51-60 of the vector at line 2, column 1".
  [[nodiscard]] virtual std::string describe(const FormSpan& span) const;
};

// "line 7" or "lines 2-10001": the span of a source whose forms are lines or rows.
[[nodiscard]] std::string describe_lines(const FormSpan& span);

// A source whose forms are entity maps, one per row or line (CSV, JSON Lines): all of them are
// one vector — VectorStart at the first row, a Form per row at its line, VectorEnd after the last
// — and a source with no rows gives End alone.
class RowSource : public FormSource {
 public:
  [[nodiscard]] Result<ReadEvent> next() final;
  [[nodiscard]] bool forms_may_name_transaction() const noexcept final { return false; }
  // "lines 2-10001".
  [[nodiscard]] std::string describe(const FormSpan& span) const final { return describe_lines(span); }

 protected:
  struct Row {
    Value entity;  // a map
    std::size_t line = 0;
  };
  // The next row; nullopt at the end of the input. Called again only after a row.
  [[nodiscard]] virtual Result<std::optional<Row>> next_row() = 0;

 private:
  bool open_ = false;
  std::size_t last_line_ = 1;
  std::optional<ReadEvent> held_;  // the first row's Form, given after VectorStart
};

class ImportReader final : public FormSource {
 public:
  // `in` must outlive the reader; `name` prefixes error messages ("people.edn: ...").
  ImportReader(std::istream& in, std::string name);

  // The next event. Errors: EdnSyntax/EdnDepth (a message naming the file, line and column),
  // InvalidArgument (a top-level form that is not a vector), StorageIo (a read failed).
  [[nodiscard]] Result<ReadEvent> next() override;

  [[nodiscard]] std::uint64_t bytes_read() const noexcept override { return bytes_read_; }
  // The position of the first byte not yet consumed.
  [[nodiscard]] TextPosition position() const noexcept { return at_; }

 private:
  // Reads more input into the window; false at the end of the input (or on a read error, which
  // io_error_ records).
  bool fill();
  [[nodiscard]] std::string_view window() const noexcept {
    return std::string_view(buffer_).substr(start_);
  }
  void consume(std::size_t n);
  // Skips whitespace, commas and comments (reading more as needed).
  [[nodiscard]] Result<void> skip_blank();
  // One form from the window (reading more as needed); nullopt at the end of the input.
  [[nodiscard]] Result<std::optional<EdnForm>> read_form();
  [[nodiscard]] std::unexpected<Error> syntax(const Error& e) const;
  [[nodiscard]] Result<ReadEvent> whole_vector(EdnForm form);

  std::istream& in_;
  std::string name_;
  std::string buffer_;
  std::size_t start_ = 0;  // consumed prefix of buffer_
  TextPosition at_{};      // stream position of buffer_[start_]
  std::uint64_t bytes_read_ = 0;
  bool eof_ = false;
  bool io_error_ = false;
  bool in_vector_ = false;  // inside a top-level vector read form by form
  TextPosition open_{};     // of its '['
  bool in_whole_ = false;   // giving out the forms of a vector read whole
  // The forms of a top-level vector that was read whole, still to be given out.
  std::deque<Value> queued_;
  TextPosition queued_start_{}, queued_end_{};
};

}  // namespace quarry::import_detail
