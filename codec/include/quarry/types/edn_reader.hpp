// Reading EDN text (https://github.com/edn-format/edn) into Values.
//
// What is accepted: the whole EDN spec — nil, booleans, strings (escapes \t \r \n \\ \" \b \f and
// \uXXXX, surrogate pairs combined; raw text must be valid UTF-8), characters, integers (N suffix
// → BigInt; a long outside int64 is an error, never wrapped), floats (M suffix → BigDec),
// ##Inf ##-Inf ##NaN, keywords, symbols, lists, vectors, maps, sets, #inst, #uuid, other tagged
// literals (→ Tagged), ; comments, #_ discard, commas as whitespace — plus #bytes "base64"
// (→ Bytes), which the printer writes. Clojure extensions that are not EDN (::auto-keywords,
// ratios, hex/octal, regexes, #:ns{} maps, reader conditionals) are syntax errors. See doc/edn.md
// for the small places where Clojure's leniency is followed (1. reads as 1.0; :1 is a keyword).
//
// Errors: every function returns an Error with code EdnSyntax (or EdnDepth when nesting exceeds
// EdnReadOptions::max_depth) whose message names the line and column (1-based) and what was
// expected, e.g. "unexpected character ')' at line 3, column 7: expected ']' or a form".
// Columns count Unicode code points. Nothing throws (an allocation failure while parsing becomes
// an Internal error); the reader never recurses deeper than max_depth, whatever the input.
//
// Thread safety: all functions are reentrant; an EdnStreamReader is not shared between threads.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/types/error.hpp"
#include "quarry/types/value.hpp"

namespace quarry {

class EdnBracketScan;  // internal to Quarry (codec/edn_scan.hpp)

struct EdnReadOptions {
  // Collections, tagged literals and #_ discards nest at most this deep; deeper input is an
  // EdnDepth error. Each level costs the reader stack: measured (g++ 12) about 1.5 KiB at -O2,
  // 6 KiB at -O0 and 12 KiB with AddressSanitizer, so the default fits an 8 MiB main-thread
  // stack in all three. Lower it for threads with small stacks.
  std::size_t max_depth = 512;
  // When true, a ' (Clojure's quote) before any form is skipped, so text pasted from Clojure
  // reads as plain data: '[:find ?e ...]. The `quarry` command sets this
  // (doc/architecture.md, "The quarry command").
  bool skip_quote = false;
};

// A place in a text stream. offset counts bytes; line and column are 1-based, columns count
// code points (UTF-8 lead bytes) and restart after each '\n'.
struct TextPosition {
  std::size_t offset = 0;
  std::size_t line = 1;
  std::size_t column = 1;
  friend bool operator==(const TextPosition&, const TextPosition&) = default;
};

// The position reached after `text`, which starts at `from`.
[[nodiscard]] TextPosition advance_position(TextPosition from, std::string_view text) noexcept;

// Exactly one form: leading and trailing whitespace, comments and #_ discards are allowed, any
// other text before the end is an error ("1 2" fails at the 2).
[[nodiscard]] Result<Value> read_edn(std::string_view text, const EdnReadOptions& options = {});

// Zero or more forms, in order.
[[nodiscard]] Result<std::vector<Value>> read_edn_all(std::string_view text,
                                                      const EdnReadOptions& options = {});

// ---------------------------------------------------------------------------------------------
// Incremental reading, for the REPL and script mode: text arrives in pieces and forms are taken
// one at a time, with positions relative to the whole stream.

struct EdnForm {
  Value value;
  TextPosition start;  // of the form's first character
  TextPosition end;    // just past the form's last character
};

enum class ReadStatus : unsigned char {
  Form,        // `form` holds the next form
  End,         // the buffer holds only whitespace, comments and discards (all consumed)
  Incomplete,  // the buffer ends inside a form; nothing consumed — supply more text
  Error,       // `error` describes a syntax error; the bad text was consumed (see below)
};

struct ReadStep {
  ReadStatus status = ReadStatus::End;
  std::size_t consumed = 0;  // bytes of the buffer used up by this step
  std::optional<EdnForm> form;
  std::optional<Error> error;
};

// Reads the next form from `buffer`, whose first byte is at stream position `at`.
//
// A form that ends exactly at the end of the buffer in a token (a number, symbol, keyword, ...)
// could still grow ("12" + "3"), and a comment without its newline could go on, so unless
// `end_of_input` is true these are Incomplete; forms that end with a closing bracket or quote are
// complete as soon as it is seen. So feed whole lines *with* their '\n' (a line editor's result
// needs one appended), or "42" waits for more. With end_of_input, text cut off mid-form is an
// Error ("unexpected end of input"), never Incomplete.
//
// After an Error, `consumed` skips the rest of the erroneous top-level form: up to where its
// brackets balance if that is within the buffer (so a script goes on with the next form), else
// the whole buffer (so an interactive user starts afresh).
[[nodiscard]] ReadStep read_next_form(std::string_view buffer, TextPosition at, bool end_of_input,
                                      const EdnReadOptions& options = {});

// A buffer plus read_next_form: feed text as it arrives, take forms as they complete.
//
//   reader.feed(line);
//   for (;;) {
//     Result<std::optional<EdnForm>> r = reader.next();
//     if (!r) { report(r.error()); continue; }  // the bad form has been skipped
//     if (!*r) break;                           // nothing complete: read more text
//     eval((*r)->value);
//   }
//   prompt(reader.has_partial_form() ? "   ...> " : "quarry> ");
//
// Two ways to treat a syntax error inside a form whose text has not all arrived:
// - Eager (a person typing): the error is reported as soon as it is certain and the buffered text
//   is dropped, so the next line starts afresh. A partial form is re-parsed after each feed while
//   it is small (under 1 KiB), then only when its brackets balance or the buffer has doubled.
// - WholeForm (script mode): a partial form is not parsed at all until its brackets balance (a
//   bracket scan over each byte once) or the input ends, so an error is reported once the whole
//   form is there and the whole form is skipped: no later line of a rejected form is ever read as
//   a form of its own. Reading a form of n bytes fed in any pieces costs O(n).
// Either way, waiting for a long form is amortised linear in its size.
enum class StreamErrors : unsigned char { Eager, WholeForm };

class EdnStreamReader {
 public:
  explicit EdnStreamReader(EdnReadOptions options = {}, TextPosition start = {},
                           StreamErrors errors = StreamErrors::Eager);
  EdnStreamReader(EdnStreamReader&&) noexcept;
  EdnStreamReader& operator=(EdnStreamReader&&) noexcept;
  ~EdnStreamReader();

  // Appends text to the buffer. REQUIRES: finish() has not been called.
  void feed(std::string_view text);
  // Declares that no more text will come: a partial form becomes an error.
  void finish() noexcept { finished_ = true; }

  // The next complete form; std::nullopt when there is none yet (after finish(): none left).
  // On bad input, an Error — each call returning one consumes at least one byte, so calling
  // next() again always makes progress.
  [[nodiscard]] Result<std::optional<EdnForm>> next();

  // True when the buffer holds the start of a form that is not complete yet (a REPL shows its
  // continuation prompt). Meaningful after next() returned std::nullopt.
  [[nodiscard]] bool has_partial_form() const noexcept { return pending() > 0; }
  // True after finish() once every form has been taken.
  [[nodiscard]] bool at_end() const noexcept { return finished_ && pending() == 0; }
  // Stream position of the first byte not yet consumed.
  [[nodiscard]] TextPosition position() const noexcept { return position_; }
  // Drops the buffered text (e.g. the REPL on Ctrl-C); positions continue after it.
  void discard_pending();

 private:
  [[nodiscard]] std::size_t pending() const noexcept { return buffer_.size() - start_; }
  [[nodiscard]] bool worth_parsing();
  void consume(std::size_t n);

  EdnReadOptions options_;
  StreamErrors errors_;
  std::string buffer_;
  std::size_t start_ = 0;  // consumed prefix of buffer_, erased lazily
  TextPosition position_;
  bool finished_ = false;
  // While a partial form is pending: its size at the last attempt (0: none pending) and a
  // bracket scan of its first partial_scanned_ bytes.
  std::size_t partial_size_ = 0;
  std::size_t partial_scanned_ = 0;
  std::unique_ptr<EdnBracketScan> partial_scan_;  // never null (moved-from readers aside)
};

}  // namespace quarry
